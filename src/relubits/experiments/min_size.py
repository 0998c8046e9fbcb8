"""Exact minimal sizes for tiny Boolean instances, by mixed-integer programming (HiGHS).

Two searches, each returning a witness (verified exhaustively, in exact integer arithmetic) and the
solver's proof that one size below is infeasible:

* :func:`min_threshold_circuit` - the fewest gates of a threshold circuit (gates in topological order,
  each reading all inputs and all earlier gates) computing ``f`` exactly.  Integer weights are bounded
  by Muroga's bound for the gate's fan-in, which loses no generality (docs/benign.md), so an
  infeasible status is a statement about *all* threshold circuits of that size.
* :func:`min_relu_network` - the fewest neurons of a one-hidden-layer ReLU network
  ``sum_j a_j [w_j . x + b_j]_+ + c`` computing ``f`` exactly on ``{0,1}^n`` with ``a_j in {-1, +1}``
  (every real network can be normalised so, by positive homogeneity) and integer hidden weights and
  biases in ``[-B, B]``.  Infeasibility is relative to that weight grid and is reported as such.

Infeasibility comes from HiGHS' branch and bound, i.e. floating-point LP relaxations with tolerances:
``proof_status`` says so.  Witnesses never rely on the solver: they are rounded to integers and
checked exactly on every input.  A time limit makes a search stop with ``"unknown"``.

``pip install relubits[solvers]`` (highspy) is needed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from relubits.constructions.boolean import boolean_function, n_inputs_of
from relubits.constructions.threshold import Gate, ThresholdCircuit, all_boolean_inputs
from relubits.theory.benign import muroga_weight_bound

__all__ = ["MinSizeResult", "min_threshold_circuit", "min_relu_network", "min_relu2_network", "min_size",
           "MAX_MIN_SIZE_BITS"]

#: Largest number of input bits a minimal-size search accepts (2**8 = 256 truth-table rows).
MAX_MIN_SIZE_BITS = 8


@dataclass(frozen=True)
class MinSizeResult:
    """Outcome of a minimal-size search.

    Attributes
    ----------
    model : "threshold" | "relu1"
    function : str
    d : int
    min_size : int or None
        Gates (threshold) or neurons incl. the output (relu1) of the smallest witness found, when
        every smaller size was proved infeasible; ``None`` otherwise.
    upper_bound : int or None
        Size of the smallest witness found.
    lower_bound : int
        Every size below this was proved infeasible.
    witness : object or None
        ``ThresholdCircuit`` or ``[(A, c), ...]`` integer layers.
    witness_errors : int or None
        Exhaustive exact check of the witness (0 means it computes ``f`` on every input).
    proof_status : str
        ``"optimal"`` (witness at ``min_size``, ``min_size - 1`` infeasible), ``"unknown"``
        (time limit before a decision) or ``"no witness"``.
    proof : str
        What the infeasibility proof covers.
    log : list of dict
        One entry per size tried: size, status ("feasible" | "infeasible" | "unknown"), seconds.
    """

    model: str
    function: str
    d: int
    min_size: int | None
    upper_bound: int | None
    lower_bound: int
    witness: object
    witness_errors: int | None
    proof_status: str
    proof: str
    log: list = field(default_factory=list)

    def witness_json(self):
        """The witness as JSON-friendly data."""
        w = self.witness
        if w is None:
            return None
        if isinstance(w, ThresholdCircuit):
            return {"n_inputs": w.n_inputs, "outputs": list(w.outputs),
                    "gates": [{"weights": list(g.weights), "bias": g.bias} for g in w.gates]}
        def enc(v):  # exact: ints stay ints, other rationals become "p/q"
            f = Fraction(v)
            return int(f) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"

        return [{"A": [[enc(v) for v in row] for row in A], "c": [enc(v) for v in c]} for A, c in w]


# ---------------------------------------------------------------------- tiny MILP builder
def _quiet_highs(highspy):
    """A ``Highs`` instance without its start-up banner on stdout (it is printed from C)."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


class _Model:
    def __init__(self):
        self.lb, self.ub, self.integer = [], [], []
        self.rows = []  # (lo, hi, {col: coeff})

    def var(self, lb, ub, integer=False):
        self.lb.append(float(lb))
        self.ub.append(float(ub))
        self.integer.append(bool(integer))
        return len(self.lb) - 1

    def row(self, coeffs: dict, lo=-np.inf, hi=np.inf):
        self.rows.append((lo, hi, coeffs))

    def add_signed(self, out: dict, h: int, sign: int, bound: float) -> None:
        """Add ``(2 sign - 1) * h`` to the linear form ``out`` (sign binary, ``0 <= h <= bound``).

        The product ``q = sign * h`` is linearised exactly: ``0 <= q <= h``, ``q <= bound * sign``,
        ``q >= h - bound * (1 - sign)``; then ``(2 sign - 1) h = 2 q - h``.
        """
        q = self.var(0, bound)
        self.row({q: 1, h: -1}, hi=0)
        self.row({q: 1, sign: -bound}, hi=0)
        self.row({q: 1, h: -1, sign: -bound}, lo=-bound)
        out[q] = out.get(q, 0) + 2
        out[h] = out.get(h, 0) - 1

    def solve(self, time_limit: float, seed: int = 0):
        import highspy

        h = _quiet_highs(highspy)
        h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
        h.setOptionValue("random_seed", int(seed))
        h.setOptionValue("threads", 1)
        h.setOptionValue("mip_feasibility_tolerance", 1e-9)
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        n = len(self.lb)
        inf = highspy.kHighsInf
        h.addCols(n, np.zeros(n), np.array(self.lb), np.array(self.ub), 0,
                  np.array([], dtype=np.int32), np.array([], dtype=np.int32), np.array([]))
        lo = np.array([r[0] if np.isfinite(r[0]) else -inf for r in self.rows])
        hi = np.array([r[1] if np.isfinite(r[1]) else inf for r in self.rows])
        starts, idx, val = [], [], []
        for _, _, coeffs in self.rows:
            starts.append(len(idx))
            for k, v in coeffs.items():
                if v != 0:
                    idx.append(k)
                    val.append(float(v))
        h.addRows(len(self.rows), lo, hi, len(idx), np.array(starts, dtype=np.int32),
                  np.array(idx, dtype=np.int32), np.array(val))
        ints = [k for k in range(n) if self.integer[k]]
        if ints:
            h.changeColsIntegrality(len(ints), np.array(ints, dtype=np.int32),
                                    np.array([highspy.HighsVarType.kInteger] * len(ints)))
        h.run()
        st = h.getModelStatus()
        if st == highspy.HighsModelStatus.kOptimal:
            return "feasible", np.array(h.getSolution().col_value)
        if st == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", None
        return "unknown", None


def _truth_table(function, d, target):
    if target is None:
        n = n_inputs_of(function, d)
        X = all_boolean_inputs(n).astype(np.int64)
        y = boolean_function(function, d)(X).astype(np.int64)
    else:
        X, y = target
        X = np.asarray(X, dtype=np.int64)
        y = np.asarray(y, dtype=np.int64)
        if X.ndim != 2 or y.shape != (X.shape[0],) or X.shape[0] != 2 ** X.shape[1] \
                or len({tuple(r) for r in X.tolist()}) != X.shape[0] or not np.isin(X, (0, 1)).all() \
                or not np.isin(y, (0, 1)).all():
            raise ValueError("target must be (X, y) listing every point of {0,1}^n once, with 0/1 labels")
    if X.shape[1] > MAX_MIN_SIZE_BITS:
        raise ValueError(
            f"d={d} gives {X.shape[1]} input bits; minimal-size searches accept at most {MAX_MIN_SIZE_BITS}"
        )
    return X, y


def _check_limit(time_limit):
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not time_limit > 0:
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    return float(time_limit)


def _check_size(v, name):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= 64:
        raise ValueError(f"{name} must be an int in [1, 64], got {v!r}")
    return int(v)


# ---------------------------------------------------------------------- threshold circuits
def _threshold_milp(X, y, s, time_limit, seed, symmetry_breaking=True):
    R, n = X.shape
    m = _Model()
    W, Bb = [], []
    for k in range(s):
        fan_in = n + k
        wb = muroga_weight_bound(fan_in)
        w = [m.var(-wb, wb, True) for _ in range(fan_in)]
        b = m.var(-fan_in * wb, fan_in * wb + 1, True)
        W.append((w, wb))
        Bb.append(b)
    o = [[m.var(0, 1, True) for _ in range(R)] for _ in range(s - 1)]
    # Symmetry breaking (no loss of generality, docs/benign.md): complementing a hidden gate
    # (weights -w, bias 1 - b; readers' weight -u and bias + u) keeps every gate a threshold function
    # of its inputs, so each hidden gate may be taken to output 0 on the all-zero input.
    zero_rows = [r for r in range(R) if not X[r].any()]
    if zero_rows and symmetry_breaking:
        for k in range(s - 1):
            m.row({o[k][zero_rows[0]]: 1}, hi=0)
    for k in range(s):
        w, wb = W[k]
        fan_in = n + k
        M = 2 * fan_in * wb + 1
        for r in range(R):
            coeffs = {w[i]: int(X[r, i]) for i in range(n) if X[r, i]}
            coeffs[Bb[k]] = 1
            for j in range(k):  # product p = w[n+j] * o[j][r]
                p = m.var(-wb, wb)
                wj, oj = w[n + j], o[j][r]
                m.row({p: 1, oj: -wb}, hi=0)
                m.row({p: 1, oj: wb}, lo=0)
                m.row({p: 1, wj: -1, oj: wb}, hi=wb)
                m.row({p: 1, wj: -1, oj: -wb}, lo=-wb)
                coeffs[p] = 1
            if k == s - 1:  # output gate: fixed truth value
                if y[r]:
                    m.row(coeffs, lo=1)
                else:
                    m.row(coeffs, hi=0)
            else:
                c1 = dict(coeffs)
                c1[o[k][r]] = c1.get(o[k][r], 0) - (M + 1)
                m.row(c1, lo=1 - (M + 1))  # o = 1 -> z >= 1
                c0 = dict(coeffs)
                c0[o[k][r]] = c0.get(o[k][r], 0) - M
                m.row(c0, hi=0)  # o = 0 -> z <= 0
    status, sol = m.solve(time_limit, seed)
    if status != "feasible":
        return status, None
    gates = [Gate(tuple(int(round(sol[v])) for v in W[k][0]), int(round(sol[Bb[k]]))) for k in range(s)]
    return status, ThresholdCircuit(n, gates, [s - 1])


def _search(model, function, d, X, y, build, verify, start, max_size, time_limit, proof):
    t_end = time.perf_counter() + time_limit
    log = []
    lower = start
    for size in range(start, max_size + 1):
        left = t_end - time.perf_counter()
        if left <= 0:
            return MinSizeResult(model, function, d, None, None, lower, None, None, "unknown", proof, log)
        t0 = time.perf_counter()
        status, wit = build(X, y, size, left)
        log.append({"size": size, "status": status, "seconds": round(time.perf_counter() - t0, 3)})
        if status == "infeasible":
            lower = size + 1
            continue
        if status == "unknown":
            return MinSizeResult(model, function, d, None, None, lower, None, None, "unknown", proof, log)
        errors = verify(wit)
        if errors:
            # a solver witness that fails the exact check is not trusted; report honestly
            return MinSizeResult(model, function, d, None, None, lower, wit, errors, "unknown",
                                 proof + "; solver witness failed the exact check", log)
        status_str = "optimal" if lower == size else "unknown"
        return MinSizeResult(model, function, d, size if lower == size else None, size, lower, wit, 0,
                             status_str, proof, log)
    return MinSizeResult(model, function, d, None, None, lower, None, None, "no witness", proof, log)


def min_threshold_circuit(function: str, d: int, *, max_gates: int = 6, time_limit: float = 60.0,
                          seed: int = 0, target=None) -> MinSizeResult:
    """Smallest threshold circuit computing ``function`` on ``{0,1}^n`` (MILP, HiGHS).

    Tries ``s = 1, 2, ...`` gates; the first feasible ``s`` is the minimum, each smaller ``s`` having
    been proved infeasible.  Gate ``k`` reads all inputs and gates ``0..k-1``; its integer weights are
    bounded by ``muroga_weight_bound(n + k)`` and its bias by ``(n + k) * bound + 1``, which every
    threshold function of that fan-in admits (docs/benign.md), so the search is complete.

    Parameters
    ----------
    function : {"ip", "disj", "parity", "majority"}
    d : int >= 1, with at most :data:`MAX_MIN_SIZE_BITS` input bits
    max_gates : int, largest size tried
    time_limit : float, seconds for the whole search; when hit, ``proof_status == "unknown"``
    seed : int, HiGHS random seed
    target : (X, y), optional
        Explicit truth table (overrides ``function``/``d`` for the rows, kept as labels).

    Returns
    -------
    MinSizeResult

    Examples
    --------
    >>> r = min_threshold_circuit("ip", 1, time_limit=10)
    >>> r.min_size, r.proof_status
    (1, 'optimal')
    """
    X, y = _truth_table(function, d, target)
    max_gates = _check_size(max_gates, "max_gates")
    time_limit = _check_limit(time_limit)

    def verify(c):
        return int((c.evaluate(X)[:, 0] != y).sum())

    return _search("threshold", function, d, X, y,
                   lambda X, y, s, left: _threshold_milp(X, y, s, left, seed), verify, 1, max_gates,
                   time_limit, "HiGHS MILP infeasibility over all threshold circuits of that size "
                   "(weights within Muroga's bound, which loses no generality)")


# ---------------------------------------------------------------------- one-hidden-layer ReLU
def _relu1_milp(X, y, k, B, time_limit, seed, symmetry_breaking=True):
    R, n = X.shape
    m = _Model()
    H = B * (n + 1)  # |w . x + b| <= B (n + 1)
    w = [[m.var(-B, B, True) for _ in range(n)] for _ in range(k)]
    b = [m.var(-B, B, True) for _ in range(k)]
    s = [m.var(0, 1, True) for _ in range(k)]  # a_j = 2 s_j - 1
    c = m.var(-k * H - 1, k * H + 1, True)
    for j in range(k - 1):  # symmetry: positive units first, then by decreasing bias within a sign
        m.row({s[j]: 1, s[j + 1]: -1}, lo=0)
        if symmetry_breaking:  # b_j >= b_{j+1} unless s_j = 1 > s_{j+1} = 0
            m.row({b[j]: 1, b[j + 1]: -1, s[j]: 2 * B, s[j + 1]: -2 * B}, lo=0)
    for r in range(R):
        out = {c: 1}
        for j in range(k):
            h = m.var(0, H)
            delta = m.var(0, 1, True)
            pre = {w[j][i]: int(X[r, i]) for i in range(n) if X[r, i]}
            pre[b[j]] = 1
            # h = max(0, pre)
            m.row({**{v: -a for v, a in pre.items()}, h: 1}, lo=0)  # h >= pre
            m.row({**{v: -a for v, a in pre.items()}, h: 1, delta: H}, hi=H)  # h <= pre + H(1-delta)
            m.row({h: 1, delta: -H}, hi=0)  # h <= H delta
            m.add_signed(out, h, s[j], H)
        m.row(out, lo=float(y[r]), hi=float(y[r]))
    status, sol = m.solve(time_limit, seed)
    if status != "feasible":
        return status, None
    W = [[int(round(sol[w[j][i]])) for i in range(n)] for j in range(k)]
    bb = [int(round(sol[b[j]])) for j in range(k)]
    a = [2 * int(round(sol[s[j]])) - 1 for j in range(k)]
    # the output bias is determined exactly by any row: recompute in integers (no solver rounding)
    Hx = np.maximum(X @ np.array(W, dtype=np.int64).T + np.array(bb, dtype=np.int64), 0)
    cc = int(y[0] - Hx[0] @ np.array(a, dtype=np.int64))
    return status, [(W, bb), ([a], [cc])]


def min_relu_network(function: str, d: int, *, weight_bound: int = 4, max_hidden: int = 8,
                     time_limit: float = 60.0, seed: int = 0, target=None) -> MinSizeResult:
    """Fewest neurons of a one-hidden-layer ReLU network computing ``function`` exactly (MILP, HiGHS).

    The network is ``sum_j a_j [w_j . x + b_j]_+ + c`` with ``a_j in {-1, +1}`` (no loss of generality
    for real networks, by positive homogeneity of ReLU) and integer ``w_j, b_j`` in
    ``[-weight_bound, weight_bound]``.  Sizes are hidden units + 1 (the output neuron); a function that
    is constant needs size 1 (the output alone).

    Parameters
    ----------
    function, d, target : as in :func:`min_threshold_circuit`
    weight_bound : int >= 1
    max_hidden : int, largest number of hidden units tried
    time_limit : float, seconds for the whole search
    seed : int

    Returns
    -------
    MinSizeResult
        ``witness`` is ``[(W, b), ([a], [c])]`` in integers; ``proof`` states the weight grid.
    """
    X, y = _truth_table(function, d, target)
    if isinstance(weight_bound, bool) or not isinstance(weight_bound, int) or not 1 <= weight_bound <= 1024:
        raise ValueError(f"weight_bound must be an int in [1, 1024], got {weight_bound!r}")
    max_hidden = _check_size(max_hidden, "max_hidden")
    time_limit = _check_limit(time_limit)
    c0 = int(y[0])
    w0 = [int(y[(X == np.eye(1, X.shape[1], i, dtype=np.int64)).all(1)][0]) - c0
          if ((X == np.eye(1, X.shape[1], i, dtype=np.int64)).all(1)).any() else 0
          for i in range(X.shape[1])]
    if (X @ np.array(w0, dtype=np.int64) + c0 == y).all():
        wit = [([w0], [c0])]
        return MinSizeResult("relu1", function, d, 1, 1, 1, wit, 0, "optimal",
                             "affine on the cube: the output neuron alone", [])

    def verify(layers):
        (W, bb), (a, cc) = layers
        Hx = np.maximum(X @ np.array(W, dtype=np.int64).T + np.array(bb, dtype=np.int64), 0)
        out = Hx @ np.array(a[0], dtype=np.int64) + cc[0]
        return int((out != y).sum())

    res = _search("relu1", function, d, X, y,
                  lambda X, y, k, left: _relu1_milp(X, y, k, weight_bound, left, seed), verify, 1,
                  max_hidden, time_limit,
                  f"HiGHS MILP infeasibility over one-hidden-layer networks with output weights +-1 and "
                  f"integer hidden weights/biases in [-{weight_bound}, {weight_bound}]")
    # sizes in the search are hidden units; report neurons = hidden + 1.  Size 1 (the output
    # neuron alone) is impossible: an affine function is fixed by its values at 0 and the unit
    # vectors, and that affine function was just checked to differ from f somewhere.
    def plus1(v):
        return None if v is None else v + 1

    log = [{**e, "size": e["size"] + 1} for e in res.log]
    return MinSizeResult(res.model, res.function, res.d, plus1(res.min_size), plus1(res.upper_bound),
                         res.lower_bound + 1, res.witness, res.witness_errors, res.proof_status,
                         res.proof, log)


# ---------------------------------------------------------------------- two-hidden-layer ReLU
def _relu2_milp(X, y, k1, k2, B, time_limit, seed):
    R, n = X.shape
    m = _Model()
    H1 = B * (n + 1)
    H2 = B * k1 * H1 + B
    T = (2 * B).bit_length()
    w = [[m.var(-B, B, True) for _ in range(n)] for _ in range(k1)]
    b = [m.var(-B, B, True) for _ in range(k1)]
    beta = [[[m.var(0, 1, True) for _ in range(T)] for _ in range(k1)] for _ in range(k2)]
    for k in range(k2):
        for j in range(k1):
            m.row({beta[k][j][t]: 2**t for t in range(T)}, hi=2 * B)  # v = sum 2^t beta - B in [-B, B]
    e = [m.var(-B, B, True) for _ in range(k2)]
    s = [m.var(0, 1, True) for _ in range(k2)]
    c = m.var(-k2 * H2 - 1, k2 * H2 + 1, True)
    for k in range(k2 - 1):
        m.row({s[k]: 1, s[k + 1]: -1}, lo=0)

    def relu(pre: dict, bound):
        h = m.var(0, bound)
        delta = m.var(0, 1, True)
        m.row({**{v: -a for v, a in pre.items()}, h: 1}, lo=0)
        m.row({**{v: -a for v, a in pre.items()}, h: 1, delta: bound}, hi=bound)
        m.row({h: 1, delta: -bound}, hi=0)
        return h

    for r in range(R):
        h1 = []
        for j in range(k1):
            pre = {w[j][i]: int(X[r, i]) for i in range(n) if X[r, i]}
            pre[b[j]] = 1
            h1.append(relu(pre, H1))
        out = {c: 1}
        for k in range(k2):
            pre = {e[k]: 1}
            for j in range(k1):
                pre[h1[j]] = pre.get(h1[j], 0) - B
                for t in range(T):
                    p = m.var(0, H1)
                    bt = beta[k][j][t]
                    m.row({p: 1, bt: -H1}, hi=0)
                    m.row({p: 1, h1[j]: -1}, hi=0)
                    m.row({p: 1, h1[j]: -1, bt: -H1}, lo=-H1)
                    pre[p] = 2**t
            h2 = relu(pre, H2)
            m.add_signed(out, h2, s[k], H2)
        m.row(out, lo=float(y[r]), hi=float(y[r]))
    status, sol = m.solve(time_limit, seed)
    if status != "feasible":
        return status, None
    rd = lambda v: int(round(sol[v]))  # noqa: E731
    W1 = [[rd(w[j][i]) for i in range(n)] for j in range(k1)]
    b1 = [rd(b[j]) for j in range(k1)]
    V = [[sum(2**t * rd(beta[k][j][t]) for t in range(T)) - B for j in range(k1)] for k in range(k2)]
    e2 = [rd(e[k]) for k in range(k2)]
    a = [2 * rd(s[k]) - 1 for k in range(k2)]
    Hx = np.maximum(X @ np.array(W1, dtype=np.int64).T + np.array(b1, dtype=np.int64), 0)
    H2x = np.maximum(Hx @ np.array(V, dtype=np.int64).T + np.array(e2, dtype=np.int64), 0)
    cc = int(y[0] - H2x[0] @ np.array(a, dtype=np.int64))
    return status, [(W1, b1), (V, e2), ([a], [cc])]


def min_relu2_network(function: str, d: int, *, weight_bound: int = 2, max_neurons: int = 8,
                      time_limit: float = 60.0, seed: int = 0, target=None) -> MinSizeResult:
    """Fewest neurons of a network with exactly two hidden layers computing ``function`` exactly.

    ``N(x) = sum_k a_k [sum_j v_kj h_j(x) + e_k]_+ + c`` with ``h_j(x) = [w_j . x + b_j]_+``,
    ``a_k in {-1, +1}`` and integer ``w, b, v, e`` in ``[-weight_bound, weight_bound]``.  Size
    ``S = k1 + k2 + 1``; a size is infeasible when every split ``k1 + k2 = S - 1`` (``k1, k2 >= 1``) is.
    Infeasibility is relative to the weight grid (``proof`` says so).

    Parameters
    ----------
    function, d, target : as in :func:`min_threshold_circuit`
    weight_bound : int in [1, 64]
    max_neurons : int, largest size tried
    time_limit : float, seconds for the whole search
    seed : int
    """
    X, y = _truth_table(function, d, target)
    if isinstance(weight_bound, bool) or not isinstance(weight_bound, int) or not 1 <= weight_bound <= 64:
        raise ValueError(f"weight_bound must be an int in [1, 64], got {weight_bound!r}")
    max_neurons = _check_size(max_neurons, "max_neurons")
    time_limit = _check_limit(time_limit)
    proof = (f"HiGHS MILP infeasibility over two-hidden-layer networks with output weights +-1 and "
             f"integer hidden weights/biases in [-{weight_bound}, {weight_bound}], every split of the size")

    def verify(layers):
        from relubits.constructions.boolean import evaluate_integer, integer_layers_of

        Y, D = evaluate_integer(integer_layers_of(layers), X)
        return int((Y[:, 0] != y * D).sum())

    t_end = time.perf_counter() + time_limit
    log, lower = [], 3
    for size in range(3, max_neurons + 1):
        undecided = False
        for k1 in range(1, size - 1):
            k2 = size - 1 - k1
            left = t_end - time.perf_counter()
            if left <= 0:
                return MinSizeResult("relu2", function, d, None, None, lower, None, None, "unknown", proof, log)
            t0 = time.perf_counter()
            status, wit = _relu2_milp(X, y, k1, k2, weight_bound, left, seed)
            log.append({"size": size, "split": [k1, k2], "status": status,
                        "seconds": round(time.perf_counter() - t0, 3)})
            if status == "feasible":
                errors = verify(wit)
                if errors:
                    return MinSizeResult("relu2", function, d, None, None, lower, wit, errors, "unknown",
                                         proof + "; solver witness failed the exact check", log)
                ok = lower == size and not undecided
                return MinSizeResult("relu2", function, d, size if ok else None, size, lower, wit, 0,
                                     "optimal" if ok else "unknown", proof, log)
            if status == "unknown":
                undecided = True
        if undecided:
            return MinSizeResult("relu2", function, d, None, None, lower, None, None, "unknown", proof, log)
        lower = size + 1
    return MinSizeResult("relu2", function, d, None, None, lower, None, None, "no witness", proof, log)


def min_size(function: str, d: int, *, model: str = "threshold", time_limit: float = 60.0,
             **kw) -> MinSizeResult:
    """Dispatch: ``"threshold"`` -> :func:`relubits.experiments.min_size_sat.min_threshold_circuit_sat`
    (exact SAT proofs), ``"threshold-milp"`` -> :func:`min_threshold_circuit` (HiGHS only),
    ``"relu1"`` -> :func:`min_relu_network` (integer weight grid), ``"relu1-real"`` ->
    :func:`relubits.experiments.min_size_sat.min_relu_network_exact` (real weights, exact proofs),
    ``"relu2"`` -> :func:`min_relu2_network`."""
    if model == "threshold":  # exact SAT proofs (python-sat), MILP witnesses
        from relubits.experiments.min_size_sat import min_threshold_circuit_sat

        return min_threshold_circuit_sat(function, d, time_limit=time_limit, **kw)
    if model == "relu1-real":  # real weights, exact SAT + Farkas proofs (small instances)
        from relubits.experiments.min_size_sat import min_relu_network_exact

        return min_relu_network_exact(function, d, time_limit=time_limit, **kw)
    if model == "threshold-milp":
        return min_threshold_circuit(function, d, time_limit=time_limit, **kw)
    if model == "relu1":
        return min_relu_network(function, d, time_limit=time_limit, **kw)
    if model == "relu2":
        return min_relu2_network(function, d, time_limit=time_limit, **kw)
    raise ValueError(f"model must be 'threshold', 'threshold-milp', 'relu1', 'relu1-real' or 'relu2', got {model!r}")
