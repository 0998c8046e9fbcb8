"""Exact memorization of any function on a fixed-point grid, and exhaustive verification.

``memorize(table, fmt, activation, weights="any" | "binary", semantics=..., bias=...)`` builds a
:class:`~relubits.fixedpoint.simulator.FixedNetwork` with every parameter in ``fmt`` that equals
``table`` on every point of ``G^d`` (``G`` = the values of ``fmt``, ``d`` = 1 or 2) under the chosen
fixed-point semantics.  Two constructions (proofs in ``docs/fixed_point.md``):

``relu-indicator`` (ReLU; any or binary weights)
    per coordinate value ``a``: side neurons ``u = relu(x_j - a)`` (zero iff ``x_j <= a``) and
    ``v = relu(a - x_j)`` (zero iff ``x_j >= a``), amplified to saturation (``relu(2**(p-1) t)``
    or, with binary weights, ``relu(t + t)`` from two copies); per point the indicator
    ``g_a = relu(1 - sum of its 2d amplified side neurons)`` is exactly 1 at ``a`` and 0 elsewhere,
    and ``y = sum_a f(a) g_a``.  Binary weights: ``g_a = relu(|f(a)| - ...)`` with output weight
    ``sign f(a)``.

``sign-edge`` (any activation passing the sufficient condition of
:func:`~relubits.fixedpoint.conditions.check`; any weights)
    threshold neurons ``h = sigma_Q(w x_j + b)`` that are ``<= 0`` below a threshold and ``> 0``
    from it on, ``m`` copies summed after ``K`` push-down terms so that the sum saturates to
    exactly ``min`` or ``max``: a step ``T`` with exactly two values ``L = sigma_Q(min)``,
    ``H = sigma_Q(max)``; point indicators ``sigma_Q(omega (U_1 - V_1 + ...) + beta)`` in ``{0, 1}``
    from a selector ``(omega, beta)`` found on the finitely many step patterns; output as above.

Weights ``"binary"``: every *nonzero* weight is -1 or +1 (a zero weight is an absent edge, which
changes no bit: its product is 0 and adding 0 leaves every partial sum unchanged); biases are
arbitrary values of the format.  Only ReLU has a binary construction here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping

import numpy as np

from relubits.fixedpoint.activations import ACTIVATIONS
from relubits.fixedpoint.formats import FixedFormat, apply_overflow, round_shift
from relubits.fixedpoint.simulator import SEMANTICS, FixedNetwork

__all__ = ["Memorizer", "VerifyResult", "grid_points", "table_codes", "memorize", "verify"]


# ----------------------------------------------------------------------------- tables
def grid_points(fmt: FixedFormat, d: int) -> np.ndarray:
    """All codes of ``G^d`` in lexicographic order, shape ``(|G|**d, d)`` (int64)."""
    if d not in (1, 2, 3):
        raise ValueError(f"d must be 1, 2 or 3, got {d}")
    g = fmt.codes()
    if g.size ** d > 1 << 22:
        raise ValueError(f"the grid of {fmt.name}^{d} has {g.size ** d} points; too many to enumerate")
    mesh = np.meshgrid(*([g] * d), indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def table_codes(table: Any, fmt: FixedFormat, d: int | None = None) -> tuple[np.ndarray, int]:
    """Normalise a table to output codes aligned with :func:`grid_points`; returns (codes, d).

    ``table`` is a mapping ``{x: y}`` (x a value for d = 1 or a tuple of values) covering every
    grid point, or a callable ``f(*x) -> y``.  Values must be representable in ``fmt``.

    Raises
    ------
    ValueError
        Missing inputs (the first one is named) or outputs outside the format.
    """
    if callable(table) and not isinstance(table, Mapping):
        if d is None:
            raise ValueError("d must be given when table is a function")
        pts = grid_points(fmt, d)
        out = np.empty(len(pts), dtype=np.int64)
        for i, p in enumerate(pts):
            x = [Fraction(int(k), fmt.scale) for k in p]
            out[i] = fmt.to_code(table(*x), name=f"table value at x={tuple(str(v) for v in x)}")
        return out, d
    if not isinstance(table, Mapping):
        raise TypeError(f"table must be a mapping {{x: y}} or a function, got {type(table).__name__}")
    if not table:
        raise ValueError("table is empty")
    first = next(iter(table))
    dd = len(first) if isinstance(first, tuple) else 1
    if d is not None and d != dd:
        raise ValueError(f"table keys have {dd} coordinates but d={d}")
    coded: dict[tuple[int, ...], int] = {}
    for x, y in table.items():
        xs = x if isinstance(x, tuple) else (x,)
        if len(xs) != dd:
            raise ValueError(f"table key {x!r} has {len(xs)} coordinates, expected {dd}")
        key = tuple(fmt.to_code(v, name=f"table input {x!r}") for v in xs)
        coded[key] = fmt.to_code(y, name=f"table value at x={x!r}")
    pts = grid_points(fmt, dd)
    out = np.empty(len(pts), dtype=np.int64)
    for i, p in enumerate(pts):
        key = tuple(int(k) for k in p)
        if key not in coded:
            missing = tuple(str(Fraction(k, fmt.scale)) for k in key)
            raise ValueError(
                f"table is missing input x={missing[0] if dd == 1 else missing} "
                f"({len(pts) - len(coded)} of {len(pts)} grid points missing)"
            )
        out[i] = coded[key]
    return out, dd


# --------------------------------------------------------------------- arithmetic helpers
class _Arith:
    """Scalar/vector evaluation of tiny affine maps under the network's semantics."""

    def __init__(self, fmt: FixedFormat, semantics: str, bias: str):
        self.fmt, self.semantics, self.bias = fmt, semantics, bias

    def prod(self, w: Any, h: Any) -> Any:
        f = self.fmt
        return apply_overflow(round_shift(np.asarray(w, dtype=np.int64) * np.asarray(h, dtype=np.int64),
                                          f.frac_bits, f.rounding), f)

    def affine(self, ws: list, hs: list, b: Any) -> Any:
        """Pre-activation of sum_i ws[i] (x) hs[i] (+) b, broadcasting over arrays."""
        f = self.fmt
        if self.semantics == "fused":
            acc = np.asarray(b, dtype=np.int64) << f.frac_bits
            for w, h in zip(ws, hs):
                acc = acc + np.asarray(w, dtype=np.int64) * np.asarray(h, dtype=np.int64)
            return apply_overflow(round_shift(acc, f.frac_bits, f.rounding), f)
        acc = np.asarray(b, dtype=np.int64) if self.bias == "first" else np.int64(0)
        for w, h in zip(ws, hs):
            acc = apply_overflow(acc + self.prod(w, h), f)
        if self.bias == "last":
            acc = apply_overflow(acc + np.asarray(b, dtype=np.int64), f)
        return acc


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify`: exact_inputs == total_inputs means exact everywhere."""

    exact_inputs: int
    total_inputs: int
    first_mismatch: dict | None

    @property
    def mismatches(self) -> int:
        return self.total_inputs - self.exact_inputs

    def __bool__(self) -> bool:
        return self.mismatches == 0


@dataclass(frozen=True)
class Memorizer:
    """A memorizing network and what its construction promises.

    Attributes
    ----------
    net : FixedNetwork
    construction : str
    d : int
    points : int
        ``|G|**d``.
    promise : dict
        Upper bounds on width, depth, n_nonzero from the construction's size formulas.
    witness : dict
        The parameters the construction was built from.
    """

    net: FixedNetwork
    construction: str
    d: int
    points: int
    promise: dict
    witness: dict = field(default_factory=dict)

    @property
    def size(self) -> dict:
        n = self.net
        return {"width": n.width, "depth": n.depth, "n_params": n.n_params, "n_nonzero": n.n_nonzero}


def verify(net: FixedNetwork, table: Any, fmt: FixedFormat | None = None, d: int | None = None) -> VerifyResult:
    """Evaluate ``net`` on every point of ``G^d`` and compare with ``table`` bit for bit.

    Parameters
    ----------
    net : FixedNetwork
    table : mapping, callable or array of output codes aligned with :func:`grid_points`
    fmt : FixedFormat, optional
        Defaults to ``net.fmt`` (they must agree).

    Returns
    -------
    VerifyResult
    """
    fmt = fmt or net.fmt
    if fmt != net.fmt:
        raise ValueError(f"fmt {fmt} differs from the network's format {net.fmt}")
    if isinstance(table, np.ndarray):
        Y = np.asarray(table, dtype=np.int64)
        d = d or net.input_dim
    else:
        Y, d = table_codes(table, fmt, d or net.input_dim)
    if d != net.input_dim:
        raise ValueError(f"the table has {d} inputs but the network {net.input_dim}")
    pts = grid_points(fmt, d)
    out = net.forward(pts)[:, 0]
    bad = np.flatnonzero(out != Y)
    first = None
    if bad.size:
        i = int(bad[0])
        first = {"x": [str(Fraction(int(k), fmt.scale)) for k in pts[i]],
                 "expected": str(Fraction(int(Y[i]), fmt.scale)), "got": str(Fraction(int(out[i]), fmt.scale))}
    return VerifyResult(int(len(pts) - bad.size), int(len(pts)), first)


# ------------------------------------------------------------------------ constructions
def _check_common(fmt: FixedFormat, activation: str, weights: str, semantics: str, bias: str) -> None:
    if not isinstance(fmt, FixedFormat):
        raise TypeError(f"fmt must be a FixedFormat, got {type(fmt).__name__}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(ACTIVATIONS)}, got {activation!r}")
    if weights not in ("any", "binary"):
        raise ValueError(f"weights must be 'any' or 'binary', got {weights!r}")
    if semantics not in SEMANTICS:
        raise ValueError(f"semantics must be one of {list(SEMANTICS)}, got {semantics!r}")
    if bias not in ("last", "first"):
        raise ValueError(f"bias must be 'last' or 'first', got {bias!r}")
    if fmt.overflow != "saturate":
        raise ValueError(f"the constructions need overflow='saturate' (fmt has overflow={fmt.overflow!r})")
    if not fmt.signed:
        raise ValueError("the constructions need a signed format (weights -1 and negative pre-activations)")
    if fmt.k_max < fmt.scale:
        raise ValueError(f"the constructions need 1 in the format (int_bits >= 1); {fmt.name} has max {fmt.max}")


def _side_neuron(ar: _Arith, a: int, upper: bool, binary: bool) -> tuple[int, int] | None:
    """(w, b) with relu(w x + b) == 0 exactly for x <= a and > 0 for x > a (upper), or
    == 0 for x >= a and > 0 for x < a; see :func:`~relubits.fixedpoint.conditions.find_side_neuron`."""
    from relubits.fixedpoint.conditions import _Pre, find_side_neuron

    pre = _Pre(ar.fmt, ar.semantics, ar.bias)
    one = ar.fmt.scale
    b0 = -a if upper else a
    if ar.fmt.contains_code(b0):
        w0 = one if upper else -one
        if (pre(w0, b0, a) <= 0) and (pre(w0, b0, a + (1 if upper else -1)) >= 1):
            return w0, b0
    return find_side_neuron(pre, ar.fmt, a, upper, binary)


def _relu_construction(Y: np.ndarray, fmt: FixedFormat, d: int, binary: bool, ar: _Arith) -> Memorizer:
    g = fmt.codes()
    one = fmt.scale
    # 1. side neurons per (coordinate, value): index -> (j, w, b)
    side: list[tuple[int, int, int]] = []
    up_idx: dict[tuple[int, int], int] = {}
    lo_idx: dict[tuple[int, int], int] = {}
    cache: dict[tuple[int, bool], tuple[int, int]] = {}
    for j in range(d):
        for a in g:
            a = int(a)
            for upper, table in ((True, up_idx), (False, lo_idx)):
                if (upper and a == fmt.k_max) or (not upper and a == fmt.k_min):
                    continue  # u == 0 (resp. v == 0) identically: no neuron needed
                key = (a, upper)
                if key not in cache:
                    wb = _side_neuron(ar, a, upper, binary)
                    if wb is None:
                        side = f"x <= {Fraction(a, fmt.scale)}" if upper else f"x >= {Fraction(a, fmt.scale)}"
                        raise ValueError(
                            f"no {'binary ' if binary else ''}ReLU neuron is zero exactly on {side} in {fmt.name}"
                            + (": with weights +-1 the two's complement minimum cannot be told from its neighbour "
                               "(use a symmetric format, e.g. S" + fmt.name + ")" if binary else "")
                        )
                    cache[key] = wb
                table[(j, a)] = len(side)
                side.append((j,) + cache[key])
    S = len(side)
    p = fmt.int_bits
    doubling = binary or p < 2
    gain = 2 if doubling else 2 ** (p - 1)
    copies = 2 if doubling else 1  # doubling keeps two copies of every side neuron: relu(t1 + t2)
    W1 = np.zeros((copies * S, d), dtype=np.int64)
    b1 = np.zeros(copies * S, dtype=np.int64)
    for i, (j, w, b) in enumerate(side):
        for c in range(copies):
            W1[copies * i + c, j], b1[copies * i + c] = w, b
    layers = [(W1, b1)]
    # 2. amplification to saturation: t >= delta  ->  t == max  (gain**n_amp >= k_max)
    n_amp = 0
    while gain ** n_amp < fmt.k_max:
        n_amp += 1
    width_in = copies * S
    for _ in range(n_amp):
        W = np.zeros((width_in, width_in), dtype=np.int64)
        if doubling:
            for i in range(S):
                W[2 * i:2 * i + 2, 2 * i:2 * i + 2] = one
        else:
            np.fill_diagonal(W, 2 ** (p - 1) * one)
        layers.append((W, np.zeros(width_in, dtype=np.int64)))

    def col(i: int) -> int:
        return copies * i  # one copy of each amplified side neuron suffices

    # 3. indicators (binary: carrying |f(a)|) and output
    pts = grid_points(fmt, d)
    rows_W, rows_b, out_w = [], [], []
    for a, y in zip(pts, Y):
        idx = []
        for j in range(d):
            aj = int(a[j])
            if (j, aj) in up_idx:
                idx.append(up_idx[(j, aj)])
            if (j, aj) in lo_idx:
                idx.append(lo_idx[(j, aj)])
        y = int(y)
        if binary:
            if y == 0:
                continue
            parts = [abs(y)] if abs(y) <= fmt.k_max else [fmt.k_max, abs(y) - fmt.k_max]
            for part in parts:
                r = np.zeros(width_in, dtype=np.int64)
                r[[col(i) for i in idx]] = -one
                rows_W.append(r)
                rows_b.append(part)
                out_w.append(one if y > 0 else -one)
        else:
            r = np.zeros(width_in, dtype=np.int64)
            r[[col(i) for i in idx]] = -one
            rows_W.append(r)
            rows_b.append(one)
            out_w.append(y)
    if not rows_W:  # the zero function
        rows_W.append(np.zeros(width_in, dtype=np.int64))
        rows_b.append(0)
        out_w.append(0)
    layers.append((np.array(rows_W), np.array(rows_b, dtype=np.int64)))
    layers.append((np.array([out_w], dtype=np.int64), np.zeros(1, dtype=np.int64)))
    net = FixedNetwork(layers, fmt, activation="relu", semantics=ar.semantics, bias=ar.bias)
    N = len(pts)
    amp_depth = n_amp
    promise = {
        "depth": 3 + amp_depth,
        "width": max(2 * d * fmt.size * copies, N * (2 if binary else 1)),
        "n_nonzero": 2 * d * fmt.size * 2 + amp_depth * 2 * d * fmt.size * 4 + N * (2 * d + 1) * 2 + 2 * N,
    }
    witness = {"side_neurons": S, "amplification_layers": amp_depth, "gain": gain,
               "nonstandard_side_neurons": {f"{'u' if up else 'v'}@{Fraction(a, fmt.scale)}": [
                   str(Fraction(w, fmt.scale)), str(Fraction(b, fmt.scale))]
                   for (a, up), (w, b) in cache.items() if abs(w) != one or b != (-a if up else a)}}
    return Memorizer(net, "relu-indicator" + ("-binary" if binary else ""), d, N, promise, witness)


def _sign_edge_construction(Y: np.ndarray, fmt: FixedFormat, d: int, activation: str, ar: _Arith,
                            plan: dict) -> Memorizer:
    g = fmt.codes()
    one = fmt.scale
    thresholds = plan["thresholds"]  # code a -> (w, b)
    m, K, v = plan["copies"], plan["pushes"], plan["v"]
    omega, beta = plan["selector"]
    beta_push = plan["push_bias"]
    T = [int(a) for a in g[1:]]
    # layer 1: for each coordinate and threshold, m copies; then K push neurons (constant c+)
    n1 = d * len(T) * m + K
    W1 = np.zeros((n1, d), dtype=np.int64)
    b1 = np.zeros(n1, dtype=np.int64)
    r = 0
    for j in range(d):
        for a in T:
            w, b = thresholds[a]
            W1[r:r + m, j] = w
            b1[r:r + m] = b
            r += m
    b1[r:r + K] = beta_push
    # layer 2, per coordinate j: [H_j, T_{j,min+1}, ..., T_{j,max}, L_j] where T_{j,a} sums the K
    # push terms first, then its m copies; H_j = sigma_Q(max) and L_j = sigma_Q(min) are constants
    per = len(T) + 2
    r = int(plan.get("selector_copies", 1))  # copies of every step block read by the indicators
    z_one = plan.get("selector_front")  # beta enters first, through a constant neuron of value 1
    off = 1 if z_one is not None else 0
    n2 = d * r * per + off
    W2 = np.zeros((n2, n1), dtype=np.int64)
    b2 = np.zeros(n2, dtype=np.int64)
    push_cols = np.arange(d * len(T) * m, n1)
    order = np.concatenate([push_cols, np.arange(0, d * len(T) * m)])  # push neurons first
    W1, b1 = W1[order], b1[order]
    for j in range(d):
        for k in range(r):
            base = (j * r + k) * per + off
            b2[base] = fmt.k_max
            b2[base + per - 1] = fmt.k_min
            for t in range(len(T)):
                q = j * len(T) + t
                row = base + 1 + t
                reversed_ = thresholds[T[t]][0] < 0
                W2[row, :K] = one if reversed_ else -one  # push up (reversed) or down (forward)
                W2[row, K + q * m: K + (q + 1) * m] = -v if reversed_ else v

    # layer 3: indicator of point a reads, for every coordinate j and copy k, U_j = [x_j >= a_j] at
    # column (j r + k) per + (a_j - k_min) (H_j when a_j = min) and V_j = [x_j >= a_j + delta] right
    # after it (L_j when a_j = max): the terms come in the order the selector was checked with
    pts = grid_points(fmt, d)
    W3 = np.zeros((len(pts), n2), dtype=np.int64)
    b3 = np.full(len(pts), beta, dtype=np.int64)
    if z_one is not None:
        b2[0] = z_one  # constant neuron sigma_Q(z_one) = 1 in column 0
        W3[:, 0] = beta
        b3[:] = 0
    rows = np.arange(len(pts))
    for j in range(d):
        for k in range(r):
            cu = (j * r + k) * per + off + (pts[:, j] - fmt.k_min)
            W3[rows, cu] = omega
            W3[rows, cu + 1] = -omega
    W4 = np.array([Y], dtype=np.int64)
    layers = [(W1, b1), (W2, b2), (W3, b3)]
    if plan.get("selector2") is not None:  # second selector stage: one neuron per point
        o2, b2_ = plan["selector2"]
        W35 = np.zeros((len(pts), len(pts)), dtype=np.int64)
        np.fill_diagonal(W35, o2)
        layers.append((W35, np.full(len(pts), b2_, dtype=np.int64)))
    layers.append((W4, np.zeros(1, dtype=np.int64)))
    net = FixedNetwork(layers, fmt, activation=activation, semantics=ar.semantics, bias=ar.bias)
    N = len(pts)
    promise = {"depth": len(layers), "width": max(n1, N),
               "n_nonzero": 2 * n1 + r * (d * len(T) * (K + m) + 2 * d) + N * (2 * d * r + 1)
               + (2 * N if plan.get("selector2") is not None else 0) + N}
    return Memorizer(net, "sign-edge", d, N, promise, {k: v for k, v in plan.items() if k != "thresholds"})


def memorize(
    table: Any,
    fmt: FixedFormat,
    activation: str = "relu",
    weights: str = "any",
    semantics: str = "per-op",
    bias: str = "last",
    d: int | None = None,
) -> Memorizer:
    """Build a fixed-point network equal to ``table`` on every point of ``G^d``.

    Parameters
    ----------
    table : mapping ``{x: y}``, callable, or array of output codes (then ``d`` is required)
    fmt : FixedFormat
        Signed, ``overflow='saturate'``, with ``1`` representable.
    activation : str
        ``relu`` uses the ReLU indicator construction; the others use the sign-edge construction
        built from the witness of :func:`~relubits.fixedpoint.conditions.check` (which must certify
        the sufficient condition).
    weights : str
        ``any`` or ``binary`` (ReLU only: every nonzero weight is -1 or +1).
    semantics, bias : str
        Arithmetic semantics of the network (see :class:`FixedNetwork`).

    Returns
    -------
    Memorizer

    Raises
    ------
    ValueError
        Bad table, format or names; an activation whose sufficient condition fails.

    Examples
    --------
    >>> from relubits.fixedpoint import FixedFormat
    >>> f = FixedFormat(1, 2)
    >>> mem = memorize(lambda x: -x, f.replace(symmetric=True), d=1)
    >>> bool(verify(mem.net, lambda x: -x, d=1))
    True
    """
    activation = activation.lower() if isinstance(activation, str) else activation
    _check_common(fmt, activation, weights, semantics, bias)
    if isinstance(table, np.ndarray):
        if d is None:
            raise ValueError("d must be given when table is an array of codes")
        Y = np.asarray(table, dtype=np.int64)
        if Y.shape != (fmt.size ** d,):
            raise ValueError(f"table must have {fmt.size ** d} codes (one per grid point), got shape {Y.shape}")
        if Y.min() < fmt.k_min or Y.max() > fmt.k_max:
            raise ValueError(f"table holds codes outside [{fmt.k_min}, {fmt.k_max}] of {fmt.name}")
    else:
        Y, d = table_codes(table, fmt, d)
    if d not in (1, 2):
        raise ValueError(f"d must be 1 or 2, got {d}")
    ar = _Arith(fmt, semantics, bias)
    if activation == "relu":
        return _relu_construction(Y, fmt, d, weights == "binary", ar)
    if weights == "binary":
        raise ValueError("binary weights are implemented for activation='relu' only")
    from relubits.fixedpoint.conditions import sign_edge_plan

    plan, reason = sign_edge_plan(activation, fmt, semantics, bias, d)
    if plan is None:
        raise ValueError(f"{activation} on {fmt}: the sufficient condition fails ({reason}); no construction")
    return _sign_edge_construction(Y, fmt, d, activation, ar, plan)



