"""Minimal threshold circuits by SAT with exactly certified separability cuts (CEGAR).

The unknowns are the truth tables of the hidden gates (one Boolean per gate and input row; the
output gate's truth table is the target).  A candidate from the SAT solver (python-sat, CaDiCaL) is
checked gate by gate: gate ``k`` sees the points ``v_r = (x_r, g_0(r), ..., g_{k-1}(r))`` with labels
``g_k(r)`` and is a threshold gate iff the convex hulls of its 1-points and 0-points are disjoint.
If they meet, an LP vertex gives a small set ``S`` of rows whose hulls already meet; the meeting is
re-verified **in exact rational arithmetic**, and the clause "some of these rows changes one of the
involved values" is added.  UNSAT therefore proves that no circuit of that size exists (with any real
weights), independent of floating point; feasible candidates get integer weights from a tiny MILP
per gate and are verified exhaustively.

Valid pruning (only used after size ``s - 1`` was proved impossible): a hidden gate is 0 on the
all-zero input (complementing a gate keeps every gate a threshold gate), is not constant, and
differs from every input, every earlier gate and their complements (otherwise it could be removed).

Needs ``python-sat`` and ``scipy`` (``pip install relubits[solvers]``).
"""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from relubits.constructions.threshold import Gate, ThresholdCircuit
from relubits.experiments.min_size import (
    MinSizeResult, _check_limit, _check_size, _Model, _threshold_milp, _truth_table)
from relubits.theory.benign import muroga_weight_bound

__all__ = ["min_threshold_circuit_sat", "hull_intersection"]


def _exact_solve(M: list, rhs: list):
    """Solve ``M lam = rhs`` exactly (Fractions); the unique solution or None."""
    rows, cols = len(M), len(M[0]) if M else 0
    A = [[Fraction(v) for v in row] + [Fraction(b)] for row, b in zip(M, rhs)]
    piv_cols, r = [], 0
    for c in range(cols):
        p = next((i for i in range(r, rows) if A[i][c] != 0), None)
        if p is None:
            continue
        A[r], A[p] = A[p], A[r]
        inv = 1 / A[r][c]
        A[r] = [v * inv for v in A[r]]
        for i in range(rows):
            if i != r and A[i][c] != 0:
                f = A[i][c]
                A[i] = [a - f * b for a, b in zip(A[i], A[r])]
        piv_cols.append(c)
        r += 1
    if any(all(v == 0 for v in A[i][:cols]) and A[i][cols] != 0 for i in range(rows)):
        return None
    if len(piv_cols) != cols:
        return None
    sol = [Fraction(0)] * cols
    for i, c in enumerate(piv_cols):
        sol[c] = A[i][cols]
    return sol


def _certify(V, labels, support):
    """Exact check that conv{v_r : label 1} and conv{v_r : label 0} over ``support`` intersect."""
    P = [r for r in support if labels[r] == 1]
    N = [r for r in support if labels[r] == 0]
    if not P or not N:
        return False
    m = V.shape[1]
    cols = P + N
    M = [[int(V[r, i]) if r in P else -int(V[r, i]) for r in cols] for i in range(m)]
    M.append([1 if r in P else 0 for r in cols])
    M.append([0 if r in P else 1 for r in cols])
    lam = _exact_solve(M, [0] * m + [1, 1])
    return lam is not None and all(v >= 0 for v in lam)


def hull_intersection(V: np.ndarray, labels: np.ndarray):
    """Rows whose 1-hull and 0-hull meet (exactly verified), or None if the labels are separable.

    Parameters
    ----------
    V : (R, m) 0/1 array of points
    labels : (R,) 0/1 array

    Returns
    -------
    list of int or None
        A small set of rows certifying that no threshold gate computes ``labels`` on ``V``.
    """
    from scipy.optimize import linprog

    P = np.flatnonzero(labels == 1)
    N = np.flatnonzero(labels == 0)
    if P.size == 0 or N.size == 0:
        return None
    # duplicated point with both labels: the cheapest certificate
    keyP = {tuple(V[r]): r for r in P}
    for r in N:
        if tuple(V[r]) in keyP:
            return [keyP[tuple(V[r])], int(r)]
    m = V.shape[1]
    A_eq = np.zeros((m + 2, P.size + N.size))
    A_eq[:m, : P.size] = V[P].T
    A_eq[:m, P.size:] = -V[N].T
    A_eq[m, : P.size] = 1
    A_eq[m + 1, P.size:] = 1
    b_eq = np.zeros(m + 2)
    b_eq[m] = b_eq[m + 1] = 1
    res = linprog(np.zeros(A_eq.shape[1]), A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs-ds")
    if res.status == 2:  # infeasible: hulls disjoint, separable
        return None
    if res.status != 0:
        raise RuntimeError(f"LP failed with status {res.status}: {res.message}")
    rows = np.concatenate([P, N])
    support = [int(rows[i]) for i in np.flatnonzero(res.x > 1e-9)]
    if _certify(V, labels, support):
        return support
    # exact certification failed on the LP support (degenerate vertex): shrink by deletion
    cur = list(support)
    for r in list(cur):
        trial = [t for t in cur if t != r]
        if _certify(V, labels, trial):
            cur = trial
    if _certify(V, labels, cur):
        return cur
    raise RuntimeError("could not certify a non-separable subset exactly")


def _gate_weights(V, labels, seed):
    """Integer weights (within Muroga's bound) of a threshold gate computing ``labels`` on ``V``."""
    R, m = V.shape
    W = muroga_weight_bound(m)
    mdl = _Model()
    w = [mdl.var(-W, W, True) for _ in range(m)]
    b = mdl.var(-m * W, m * W + 1, True)
    for r in range(R):
        coeffs = {w[i]: int(V[r, i]) for i in range(m) if V[r, i]}
        coeffs[b] = 1
        if labels[r]:
            mdl.row(coeffs, lo=1)
        else:
            mdl.row(coeffs, hi=0)
    status, sol = mdl.solve(60.0, seed)
    if status != "feasible":
        raise RuntimeError("separable labels but no bounded integer weights found")  # pragma: no cover
    return tuple(int(round(sol[v])) for v in w), int(round(sol[b]))


def _size_decision(X, y, s, deadline, prune, seed, cuts_per_gate=8):
    """('feasible', circuit) | ('infeasible', n_cuts) | ('unknown', n_cuts) for exactly ``s`` gates."""
    from pysat.solvers import Solver

    R, n = X.shape
    hidden = s - 1
    var = {}

    def v(k, r):
        return var.setdefault((k, r), len(var) + 1)

    for k in range(hidden):
        for r in range(R):
            v(k, r)
    sat = Solver(name="cadical153")
    zero = [r for r in range(R) if not X[r].any()]
    if prune:
        nxt = [len(var) + 1]

        def aux():
            nxt[0] += 1
            return nxt[0] - 1

        for k in range(hidden):
            if zero:
                sat.add_clause([-v(k, zero[0])])
            sat.add_clause([v(k, r) for r in range(R)])  # not constant 0
            sat.add_clause([-v(k, r) for r in range(R)])  # not constant 1
            for i in range(n):  # differs from x_i and from not x_i
                sat.add_clause([(-v(k, r) if X[r, i] else v(k, r)) for r in range(R)])
                sat.add_clause([(v(k, r) if X[r, i] else -v(k, r)) for r in range(R)])
            for j in range(k):  # differs from gate j and its complement
                diff, same = [], []
                for r in range(R):
                    a, b_ = v(k, r), v(j, r)
                    t = aux()  # t <-> (a xor b)
                    sat.add_clause([-t, a, b_])
                    sat.add_clause([-t, -a, -b_])
                    sat.add_clause([t, -a, b_])
                    sat.add_clause([t, a, -b_])
                    diff.append(t)
                    same.append(-t)
                sat.add_clause(diff)
                sat.add_clause(same)
    cuts = 0
    try:
        while True:
            if time.perf_counter() > deadline:
                return "unknown", cuts
            if hidden == 0:
                ok = True
                model = set()
            else:
                ok = sat.solve()
                model = set(lit for lit in (sat.get_model() or []) if lit > 0)
            if not ok:
                return "infeasible", cuts
            G = np.zeros((R, hidden), dtype=np.int64)
            for k in range(hidden):
                for r in range(R):
                    G[r, k] = 1 if v(k, r) in model else 0
            found_cut = False
            for k in range(s):
                V = np.concatenate([X, G[:, :k]], axis=1) if k else X
                labels = G[:, k] if k < hidden else y
                keep = np.arange(R)
                for _ in range(cuts_per_gate):  # disjoint certificates: more cuts per SAT call
                    S = hull_intersection(V[keep], labels[keep])
                    if S is None:
                        break
                    S = [int(keep[i]) for i in S]
                    clause = []
                    for r in S:
                        if k < hidden:
                            clause.append(-v(k, r) if G[r, k] else v(k, r))
                        for j in range(k):
                            clause.append(-v(j, r) if G[r, j] else v(j, r))
                    if not clause:  # nothing can change: no circuit of this size
                        return "infeasible", cuts
                    sat.add_clause(clause)
                    cuts += 1
                    found_cut = True
                    keep = np.array([r for r in keep if r not in set(S)], dtype=np.int64)
                    if keep.size < 2:
                        break
            if not found_cut:
                gates = []
                for k in range(s):
                    V = np.concatenate([X, G[:, :k]], axis=1) if k else X
                    labels = G[:, k] if k < hidden else y
                    w, b = _gate_weights(V, labels, seed)
                    gates.append(Gate(w, b))
                return "feasible", ThresholdCircuit(n, gates, [s - 1])
    finally:
        sat.delete()


def min_threshold_circuit_sat(function: str, d: int, *, max_gates: int = 6, time_limit: float = 60.0,
                              seed: int = 0, target=None, milp_first: float = 20.0) -> MinSizeResult:
    """Smallest threshold circuit computing ``function`` by SAT + exactly certified LP cuts.

    Same model and result type as :func:`relubits.experiments.min_size.min_threshold_circuit`
    (gates in topological order, each reading all inputs and earlier gates), but the proof that a
    size is impossible is exact: the SAT solver's UNSAT over clauses each certified in rational
    arithmetic (docs/benign.md).

    Parameters
    ----------
    function, d, target : as in :func:`relubits.experiments.min_size.min_threshold_circuit`
    max_gates : int
    time_limit : float, seconds for the whole search ("unknown" when hit)
    seed : int, seed of the per-gate weight MILPs
    milp_first : float
        Seconds of the HiGHS MILP tried first at each size to find a witness (0 to skip); a witness
        is verified exhaustively whatever found it, and impossibility always comes from SAT.

    Examples
    --------
    >>> r = min_threshold_circuit_sat("parity", 3, time_limit=30)
    >>> r.min_size, r.proof_status
    (2, 'optimal')
    """
    X, y = _truth_table(function, d, target)
    max_gates = _check_size(max_gates, "max_gates")
    time_limit = _check_limit(time_limit)
    deadline = time.perf_counter() + time_limit
    proof = ("SAT (CaDiCaL) UNSAT over hidden-gate truth tables with separability cuts verified in exact "
             "rational arithmetic: no threshold circuit of that size, for any real weights")
    log, lower = [], 1
    for s in range(1, max_gates + 1):
        t0 = time.perf_counter()
        status, info, how = "unknown", None, "sat"
        if milp_first > 0 and s > 1:  # a quick MILP often finds a witness the SAT loop needs long for
            budget = min(milp_first, max(deadline - time.perf_counter(), 0.01))
            st, circ = _threshold_milp(X, y, s, budget, seed)
            if st == "feasible":
                status, info, how = "feasible", circ, "milp"
        if status != "feasible":
            status, info = _size_decision(X, y, s, deadline, prune=(lower == s), seed=seed)
        entry = {"size": s, "status": status, "seconds": round(time.perf_counter() - t0, 3), "by": how}
        if status != "feasible":
            entry["cuts"] = info
        log.append(entry)
        if status == "infeasible":
            lower = s + 1
            continue
        if status == "unknown":
            return MinSizeResult("threshold", function, d, None, None, lower, None, None, "unknown", proof, log)
        circ = info
        errors = int((circ.evaluate(X)[:, 0] != y).sum())
        if errors:
            return MinSizeResult("threshold", function, d, None, None, lower, circ, errors, "unknown",
                                 proof + "; witness failed the exact check", log)
        ok = lower == s
        return MinSizeResult("threshold", function, d, s if ok else None, s, lower, circ, 0,
                             "optimal" if ok else "unknown", proof, log)
    return MinSizeResult("threshold", function, d, None, None, lower, None, None, "no witness", proof, log)
