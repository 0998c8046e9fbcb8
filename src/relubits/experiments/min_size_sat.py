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

__all__ = ["min_threshold_circuit_sat", "min_relu_network_exact", "hull_intersection"]


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


def _all_aux(sat):
    return [getattr(sat, "_relubits_max_var", 0)]


def _lex_leader(sat, lits, perms, first_free: int) -> int:
    """Add ``lits <=_lex lits o perm`` for every row permutation; returns the next free variable.

    Only the implication "equal prefix -> next position ordered" is encoded, which is enough: the
    prefix variables can be false whenever the prefixes differ.
    """
    nxt = first_free
    for perm in perms:
        e = nxt
        nxt += 1
        sat.add_clause([e])
        for r in range(len(lits)):
            a, b = lits[r], lits[perm[r]]
            e_next = nxt
            nxt += 1
            if perm[r] == r:
                sat.add_clause([-e, e_next])
            else:
                sat.add_clause([-e, -a, b])
                sat.add_clause([-e, a, b, e_next])
                sat.add_clause([-e, -a, -b, e_next])
            e = e_next
    sat._relubits_max_var = nxt - 1
    return nxt


def _row_symmetries(X, y, limit: int = 5040):
    """Row permutations induced by input-coordinate permutations ``pi`` with ``f o pi = f``
    (identity excluded; at most ``limit`` coordinate permutations are examined)."""
    import itertools

    R, n = X.shape
    index = {tuple(row): r for r, row in enumerate(X.tolist())}
    out = []
    for count, pi in enumerate(itertools.permutations(range(n))):
        if count >= limit:
            break
        if list(pi) == list(range(n)):
            continue
        perm = [index[tuple(X[r, list(pi)].tolist())] for r in range(R)]
        if all(y[perm[r]] == y[r] for r in range(R)):
            out.append(perm)
    return out


def _size_decision(X, y, s, deadline, prune, seed, cuts_per_gate=8, symmetry=True):
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
    sat._relubits_max_var = len(var)
    zero = [r for r in range(R) if not X[r].any()]
    if prune:
        nxt = [len(var) + 1]

        def aux():
            nxt[0] += 1
            sat._relubits_max_var = nxt[0] - 1
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
    if hidden and symmetry:
        # Lex-leader on the first hidden gate: if C computes f and pi permutes the inputs with
        # f o pi = f, then C o pi computes f too (and keeps g(0) = 0); so WLOG
        # g_0 <=_lex g_0 o pi for every such pi.
        _lex_leader(sat, [v(0, r) for r in range(R)], _row_symmetries(X, y), _all_aux(sat)[0] + 1)
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


# ---------------------------------------------------------------------- one-hidden-layer ReLU, real weights
def _rationalize(vals, max_den=10**6):
    return [Fraction(float(v)).limit_denominator(max_den) for v in vals]


def _relu1_lp(X, y, delta, a):
    """Constraints of ``sum_j a_j delta_jr (w_j x_r + b_j) + c = y_r`` with the activation pattern
    ``delta`` (``w_j x_r + b_j >= 0`` where active, ``<= 0`` where not); variables ``(w_1, b_1, ..., c)``.

    Returns ``(A_eq, b_eq, G, h, eq_rows, ineq_keys)`` as integer numpy arrays (``G z <= h``).
    """
    R, n = X.shape
    k = len(a)
    nv = k * (n + 1) + 1
    A_eq = np.zeros((R, nv), dtype=np.int64)
    for r in range(R):
        for j in range(k):
            if delta[j][r]:
                A_eq[r, j * (n + 1): j * (n + 1) + n] = a[j] * X[r]
                A_eq[r, j * (n + 1) + n] = a[j]
        A_eq[r, -1] = 1
    G = np.zeros((k * R, nv), dtype=np.int64)
    keys = []
    for j in range(k):
        for r in range(R):
            sgn = -1 if delta[j][r] else 1  # active: -(w x + b) <= 0; inactive: w x + b <= 0
            G[j * R + r, j * (n + 1): j * (n + 1) + n] = sgn * X[r]
            G[j * R + r, j * (n + 1) + n] = sgn
            keys.append((j, r))
    return A_eq, np.asarray(y, dtype=np.int64), G, np.zeros(k * R, dtype=np.int64), keys


def _farkas(A_eq, b_eq, G, h):
    """An exactly verified Farkas certificate ``(u, v)`` (``A^T u + G^T v = 0``, ``v >= 0``,
    ``b.u + h.v = -1``) of infeasibility, None if the system is feasible, or "inexact"."""
    from scipy.optimize import linprog

    m_eq, m_in = A_eq.shape[0], G.shape[0]
    M = np.concatenate([A_eq.T, G.T], axis=1).astype(float)
    rhs_row = np.concatenate([b_eq, h]).astype(float)
    A = np.vstack([M, rhs_row[None, :]])
    b = np.zeros(A.shape[0])
    b[-1] = -1
    bounds = [(None, None)] * m_eq + [(0, None)] * m_in
    res = linprog(np.zeros(m_eq + m_in), A_eq=A, b_eq=b, bounds=bounds, method="highs-ds")
    if res.status == 2:
        return None
    if res.status != 0:
        raise RuntimeError(f"Farkas LP failed: {res.message}")
    z = _rationalize(res.x)
    u, v = z[:m_eq], z[m_eq:]
    ok = all(t >= 0 for t in v)
    if ok:
        for col in range(A_eq.shape[1]):
            s = sum(int(A_eq[i, col]) * u[i] for i in range(m_eq) if u[i]) + \
                sum(int(G[i, col]) * v[i] for i in range(m_in) if v[i])
            if s != 0:
                ok = False
                break
    if ok:
        ok = sum(int(b_eq[i]) * u[i] for i in range(m_eq)) + sum(int(h[i]) * v[i] for i in range(m_in)) < 0
    return (u, v) if ok else "inexact"


def _feasible_point(A_eq, b_eq, G, h):
    """An exactly verified rational solution of the LP, or None."""
    from scipy.optimize import linprog

    res = linprog(np.zeros(A_eq.shape[1]), A_ub=G.astype(float), b_ub=h.astype(float), A_eq=A_eq.astype(float),
                  b_eq=b_eq.astype(float), bounds=(None, None), method="highs-ds")
    if res.status != 0:
        return None
    z = _rationalize(res.x)
    if all(sum(int(A_eq[i, c]) * z[c] for c in range(len(z))) == int(b_eq[i]) for i in range(A_eq.shape[0])) \
            and all(sum(int(G[i, c]) * z[c] for c in range(len(z))) <= int(h[i]) for i in range(G.shape[0])):
        return z
    return None


def _relu1_decision(X, y, k, deadline, prune, symmetry=True):
    """('feasible', layers) | ('infeasible', cuts) | ('unknown', cuts) for k hidden units, real weights."""
    from pysat.solvers import Solver

    R, n = X.shape
    dv = [[j * R + r + 1 for r in range(R)] for j in range(k)]
    sv = [k * R + j + 1 for j in range(k)]
    sat = Solver(name="cadical153")
    for j in range(k - 1):  # positive units first
        sat.add_clause([sv[j], -sv[j + 1]])
    if prune:
        for j in range(k):  # a never-active unit could be removed
            sat.add_clause(dv[j])
    if symmetry:  # input symmetries of f map solutions to solutions (signs untouched): lex-leader on unit 0
        _lex_leader(sat, dv[0], _row_symmetries(X, y), k * R + k + 1)
    cuts, inexact = 0, 0
    try:
        while True:
            if time.perf_counter() > deadline:
                return "unknown", cuts
            if not sat.solve():
                return ("infeasible" if not inexact else "infeasible-inexact"), cuts
            model = set(lit for lit in sat.get_model() if lit > 0)
            delta = [[1 if dv[j][r] in model else 0 for r in range(R)] for j in range(k)]
            a = [1 if sv[j] in model else -1 for j in range(k)]
            A_eq, b_eq, G, h, keys = _relu1_lp(X, y, delta, a)
            cert = _farkas(A_eq, b_eq, G, h)
            if cert is None:
                z = _feasible_point(A_eq, b_eq, G, h)
                if z is None:
                    return "unknown", cuts
                W = [[z[j * (n + 1) + i] for i in range(n)] for j in range(k)]
                bb = [z[j * (n + 1) + n] for j in range(k)]
                return "feasible", [(W, bb), ([a], [z[-1]])]
            if cert == "inexact":
                inexact += 1
                lits = [(-dv[j][r] if delta[j][r] else dv[j][r]) for j in range(k) for r in range(R)]
                lits += [(-sv[j] if a[j] == 1 else sv[j]) for j in range(k)]
                sat.add_clause(lits)  # exclude just this candidate (always valid)
                cuts += 1
                continue
            u, v = cert
            clause = set()
            for r in range(R):
                if u[r] != 0:  # output equation of row r: depends on every delta_jr and on a_j where active
                    for j in range(k):
                        clause.add(-dv[j][r] if delta[j][r] else dv[j][r])
                        if delta[j][r]:
                            clause.add(-sv[j] if a[j] == 1 else sv[j])
            for i, (j, r) in enumerate(keys):
                if v[i] != 0:
                    clause.add(-dv[j][r] if delta[j][r] else dv[j][r])
            if not clause:
                return "infeasible", cuts
            sat.add_clause(sorted(clause))
            cuts += 1
    finally:
        sat.delete()


def min_relu_network_exact(function: str, d: int, *, max_hidden: int = 8, time_limit: float = 60.0,
                           seed: int = 0, target=None, milp_first: float = 10.0,
                           milp_weight_bound: int = 4) -> MinSizeResult:
    """Fewest neurons of a one-hidden-layer ReLU network with **real** weights computing ``function``.

    SAT over activation patterns and output signs (``a_j = +-1`` by positive homogeneity); each
    candidate is an LP in the weights.  An infeasible LP yields a Farkas certificate, verified in
    exact rational arithmetic, whose support gives the cut.  UNSAT is a proof for all real weights.
    A witness comes from the integer-grid MILP (``milp_first`` seconds) or from the LP (rationalised
    and verified exactly); either way it is checked on every input.

    Parameters
    ----------
    function, d, target : as in :func:`relubits.experiments.min_size.min_threshold_circuit`
    max_hidden : int
    time_limit : float, seconds for the whole search
    seed : int
    milp_first : float, seconds of grid MILP per size to find a witness (0 to skip)
    milp_weight_bound : int, the grid of that MILP

    Returns
    -------
    MinSizeResult
        ``model == "relu1-real"``; sizes count the output neuron.
    """
    from relubits.constructions.boolean import evaluate_integer, integer_layers_of
    from relubits.experiments.min_size import _relu1_milp

    X, y = _truth_table(function, d, target)
    max_hidden = _check_size(max_hidden, "max_hidden")
    time_limit = _check_limit(time_limit)
    proof = ("SAT (CaDiCaL) UNSAT over activation patterns and output signs, every cut from a Farkas "
             "certificate verified in exact rational arithmetic: no one-hidden-layer network of that size "
             "with any real weights")
    deadline = time.perf_counter() + time_limit

    def verify(layers):
        Yv, D = evaluate_integer(integer_layers_of(layers), X)
        return int((Yv[:, 0] != y * D).sum())

    # size 1: the output neuron alone computes an affine function
    c0 = int(y[0])
    unit = [int(y[(X == np.eye(1, X.shape[1], i, dtype=np.int64)).all(1)][0]) - c0 for i in range(X.shape[1])]
    if (X @ np.array(unit, dtype=np.int64) + c0 == y).all():
        return MinSizeResult("relu1-real", function, d, 1, 1, 1, [([unit], [c0])], 0, "optimal",
                             "affine on the cube: the output neuron alone", [])
    log, lower = [], 1
    for k in range(1, max_hidden + 1):
        t0 = time.perf_counter()
        status, info, how = "unknown", None, "sat"
        if milp_first > 0:
            budget = min(milp_first, max(deadline - time.perf_counter(), 0.01))
            st, wit = _relu1_milp(X, y, k, milp_weight_bound, budget, seed)
            if st == "feasible":
                status, info, how = "feasible", wit, "milp"
        if status != "feasible":
            status, info = _relu1_decision(X, y, k, deadline, prune=(lower == k))
        entry = {"size": k + 1, "status": status, "seconds": round(time.perf_counter() - t0, 3), "by": how}
        if status != "feasible":
            entry["cuts"] = info
        log.append(entry)
        if status == "infeasible":
            lower = k + 1
            continue
        if status != "feasible":
            return MinSizeResult("relu1-real", function, d, None, None, lower + 1, None, None, "unknown",
                                 proof, log)
        errors = verify(info)
        ok = lower == k and errors == 0
        return MinSizeResult("relu1-real", function, d, k + 1 if ok else None, k + 1 if not errors else None,
                             lower + 1, info, errors, "optimal" if ok else "unknown", proof, log)
    return MinSizeResult("relu1-real", function, d, None, None, lower + 1, None, None, "no witness", proof, log)
