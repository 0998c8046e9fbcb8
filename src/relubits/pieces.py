"""Exact 1-D piecewise-linear analysis of a network, and networks from PWL functions.

:func:`pieces` pushes the interval ``[a, b]`` through a scalar network layer by
layer.  It keeps a partition of ``[a, b]`` into *regions* on which every neuron of
the current layer is affine in ``x``; a neuron's pre-activation ``(S x + B) / D``
is stored exactly (integer ``S``, ``B`` per region, one denominator ``D``), and
breakpoints exactly as reduced fractions ``p / q``.  A ReLU splits a region where
its pre-activation changes sign, at ``x = -B / S``.  The cost per layer is linear
in (number of regions) x (layer width), with every step a vectorised integer
operation.  int64 is used only when a bound on the magnitudes proves that no
product overflows; otherwise the same code runs on Python integers.

:func:`from_pwl` goes the other way: a continuous piecewise-linear function given
by breakpoints and values becomes a network exactly equal to it on
``[t_0, t_n]``, either one hidden layer wide (``form="shallow"``) or deep and
narrow with width at most ``width`` (``form="deep"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from relubits.exact import INT64_SAFE, array_gcd, as_fraction, as_int, int_matmul, lcm_all, max_abs_int, object_array
from relubits.network import Network

__all__ = ["Pieces", "pieces", "from_pwl", "parse_domain"]


def parse_domain(domain: Any, name: str = "domain") -> tuple[Fraction, Fraction]:
    """Validate an interval ``(a, b)`` with ``a < b`` and return it as exact Fractions."""
    try:
        a, b = domain
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (a, b) with a < b") from None
    a = as_fraction(a, f"{name}[0]")
    b = as_fraction(b, f"{name}[1]")
    if not a < b:
        raise ValueError(f"{name} must satisfy a < b, got a = {a}, b = {b}")
    return a, b


# ----------------------------------------------------------------------------------------------
# integer array helpers: one code path, int64 when provably safe, Python ints otherwise
# ----------------------------------------------------------------------------------------------
def _as(a: np.ndarray, obj: bool) -> np.ndarray:
    """``a`` as Python ints (``obj``) or int64; never narrows a value that does not fit int64.

    Mixing an object array into int64 arithmetic makes the result object (exact), so
    keeping a huge array as object is always safe.
    """
    if obj:
        return a if a.dtype == object else a.astype(object)
    if a.dtype == np.int64:
        return a
    if a.dtype == object and max_abs_int(a) >= INT64_SAFE:
        return a
    return a.astype(np.int64)


def _gcd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype == object or b.dtype == object:
        return np.frompyfunc(math.gcd, 2, 1)(a, b)
    return np.gcd(a, b)


def _maybe_int64(a: np.ndarray) -> np.ndarray:
    """Convert an object array back to int64 when every entry fits comfortably."""
    if a.dtype == object and max_abs_int(a) < 2**53:
        return a.astype(np.int64)
    return a


def _to_float(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Correctly rounded float64 of num/den (den > 0)."""
    if num.size == 0:
        return np.zeros(num.shape)
    if num.dtype != object and den.dtype != object and max_abs_int(num) < 2**53 and max_abs_int(den) < 2**53:
        return num.astype(np.float64) / den.astype(np.float64)
    return np.array([float(Fraction(int(n), int(d))) for n, d in zip(num.ravel(), np.broadcast_to(den, num.shape).ravel())],
                    dtype=np.float64).reshape(num.shape)


@dataclass(frozen=True, eq=False)
class Pieces:
    """Exact piecewise-linear description of a scalar network on ``[a, b]``.

    Attributes
    ----------
    bp_num, bp_den : ndarray of int (int64 or object)
        Breakpoints ``t_i = bp_num[i] / bp_den[i]`` (reduced, ``bp_den > 0``), ``t_0 = a``,
        ``t_n = b``, strictly increasing; interior breakpoints are exactly the points where
        the slope changes.
    slope_num, icpt_num : ndarray of int
        On piece ``i`` (between ``t_i`` and ``t_{i+1}``) the network equals
        ``(slope_num[i] * x + icpt_num[i]) / den``.
    den : int
        Common positive denominator of slopes and intercepts.
    """

    bp_num: np.ndarray
    bp_den: np.ndarray
    slope_num: np.ndarray
    icpt_num: np.ndarray
    den: int

    @property
    def n_pieces(self) -> int:
        """Number of maximal linear pieces."""
        return int(self.slope_num.shape[0])

    @property
    def breakpoints(self) -> list[Fraction]:
        """All breakpoints ``t_0 = a < t_1 < ... < t_n = b`` as Fractions."""
        return [Fraction(int(p), int(q)) for p, q in zip(self.bp_num, self.bp_den)]

    @property
    def slopes(self) -> list[Fraction]:
        """Slope of each piece (exact)."""
        return [Fraction(int(s), self.den) for s in self.slope_num]

    def value_numerators(self) -> tuple[np.ndarray, np.ndarray]:
        """Values at the breakpoints as (numerator array, denominator array), exact."""
        s = np.concatenate([self.slope_num, self.slope_num[-1:]])
        c = np.concatenate([self.icpt_num, self.icpt_num[-1:]])
        big = max(max_abs_int(s), max_abs_int(c)) * max(max_abs_int(self.bp_num), max_abs_int(self.bp_den), 1)
        obj = big >= INT64_SAFE // 2 or max_abs_int(self.bp_den) * self.den >= INT64_SAFE
        s, c, p, q = (_as(v, obj) for v in (s, c, self.bp_num, self.bp_den))
        return s * p + c * q, q * (self.den if not obj else int(self.den))

    @property
    def values(self) -> list[Fraction]:
        """Network value at each breakpoint (exact)."""
        n, d = self.value_numerators()
        return [Fraction(int(a), int(b)) for a, b in zip(n, d)]

    @property
    def lipschitz(self) -> Fraction:
        """Exact Lipschitz constant on ``[a, b]``: the largest ``|slope|``."""
        return Fraction(max_abs_int(self.slope_num), self.den)

    def breakpoints_float(self) -> np.ndarray:
        """Breakpoints as correctly rounded float64."""
        return _to_float(self.bp_num, self.bp_den)

    def values_float(self) -> np.ndarray:
        """Values at breakpoints as correctly rounded float64."""
        n, d = self.value_numerators()
        return _to_float(n, d)

    def slopes_float(self) -> np.ndarray:
        """Slopes as correctly rounded float64."""
        return _to_float(self.slope_num, self._den_array())

    def intercepts_float(self) -> np.ndarray:
        """Intercepts (value of each piece's affine map at x = 0) as correctly rounded float64."""
        return _to_float(self.icpt_num, self._den_array())

    def _den_array(self) -> np.ndarray:
        return np.full(self.slope_num.shape, self.den, dtype=object if self.den >= 2**53 else np.int64)

    def __repr__(self) -> str:
        a, b = self.breakpoints[0], self.breakpoints[-1]
        return f"<Pieces n_pieces={self.n_pieces} on [{a}, {b}] lipschitz={float(self.lipschitz):.6g}>"


def pieces(net: Network, domain: Any = (0, 1)) -> Pieces:
    """Exact breakpoints and values of a scalar network on ``domain``.

    Parameters
    ----------
    net : Network
        Scalar input and output (``input_dim == output_dim == 1``).
    domain : (a, b)
        Rational endpoints, ``a < b``.

    Returns
    -------
    Pieces
        Maximal linear pieces (adjacent pieces with equal slope are merged).

    Raises
    ------
    ValueError
        If the network is not scalar or the domain is empty.

    Examples
    --------
    >>> net = Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])  # |x|
    >>> P = pieces(net, (-1, 2))
    >>> P.breakpoints, P.values
    ([Fraction(-1, 1), Fraction(0, 1), Fraction(2, 1)], [Fraction(1, 1), Fraction(0, 1), Fraction(2, 1)])
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a relubits Network, got {type(net).__name__}")
    if net.input_dim != 1 or net.output_dim != 1:
        raise ValueError(f"pieces needs a scalar network (1 input, 1 output), got widths {net.widths}")
    a, b = parse_domain(domain)
    P = _maybe_int64(np.array([a.numerator, b.numerator], dtype=object))
    Q = _maybe_int64(np.array([a.denominator, b.denominator], dtype=object))
    layers = net.integer_layers
    A, c, D = layers[0]
    # one region [a, b]; first pre-activations (A x + c) / D
    S = _maybe_int64(A[:, 0].reshape(1, -1).astype(object))
    B = _maybe_int64(c.reshape(1, -1).astype(object))
    for A, c, den in layers[1:]:
        P, Q, S, B = _relu_affine(P, Q, S, B, D, A, c)
        D *= den
        P, Q, S, B = _merge_equal(P, Q, S, B)
        S, B, D = _reduce_den(S, B, D)
    P, Q, S, B = _merge_equal(P, Q, S, B)
    return Pieces(bp_num=P, bp_den=Q, slope_num=S[:, 0], icpt_num=B[:, 0], den=int(D))


def _sign_at(S: np.ndarray, B: np.ndarray, p: np.ndarray, q: np.ndarray, obj: bool) -> np.ndarray:
    """Exact ``sign(S * p[:, None] + B * q[:, None])`` (int8), for integer arrays.

    Without ``obj`` (every product provably below ``2**62``) it is computed in int64.  Otherwise
    a float64 estimate decides every entry whose magnitude exceeds ``2**-49 (|S p| + |B q|)``;
    that bounds the error from rounding the four inputs, the two products and the sum (each at
    most ``2**-53`` relative, about ``4 * 2**-53`` in all).  The undecided entries (including
    exact zeros) are recomputed with Python integers.
    """
    if not obj:
        return np.sign(S * p[:, None] + B * q[:, None]).astype(np.int8)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            a = S.astype(np.float64) * p.astype(np.float64)[:, None]
            b = B.astype(np.float64) * q.astype(np.float64)[:, None]
            est = a + b
            bound = (np.abs(a) + np.abs(b)) * 2.0**-49
    except OverflowError:  # an integer beyond the float range
        est = None
    if est is None or not (np.all(np.isfinite(est)) and np.all(np.isfinite(bound))):
        v = S.astype(object) * p.astype(object)[:, None] + B.astype(object) * q.astype(object)[:, None]
        return ((v > 0).astype(np.int8) - (v < 0).astype(np.int8))
    out = np.sign(est).astype(np.int8)
    unsure = np.abs(est) <= bound
    if np.any(unsure):
        i, k = np.nonzero(unsure)
        v = S[i, k].astype(object) * p[i].astype(object) + B[i, k].astype(object) * q[i].astype(object)
        out[i, k] = (v > 0).astype(np.int8) - (v < 0).astype(np.int8)
    return out


def _relu_affine(P, Q, S, B, D, A, c):
    """Apply ReLU to pre-activations ``(S x + B) / D`` per region, then the affine map ``(A, c)``.

    Regions are split where a pre-activation changes sign.  Instead of materialising
    the post-ReLU values of every neuron in every new region, the next layer's
    coefficients are computed once per old region (for its first sub-region) and then
    updated by one rank-one change per sign-change event (a neuron switching on or
    off), accumulated with a segmented cumulative sum.  Cost:
    ``O(regions * width * next_width + events * next_width)``.

    Returns the new breakpoints and the next layer's numerators over ``D * den``.
    """
    m, w = S.shape
    obj = max(max_abs_int(S), max_abs_int(B)) * max(max_abs_int(P), max_abs_int(Q)) >= INT64_SAFE // 2
    AT = _maybe_int64(A.T.astype(object))
    cD = _maybe_int64(c.astype(object) * D)
    # signs of the numerators (times q > 0) of each pre-activation at the left / right end of each region
    fl = _sign_at(S, B, P[:-1], Q[:-1], obj)
    fr = _sign_at(S, B, P[1:], Q[1:], obj)
    # activity just right of the left end of each region
    active = np.where(S > 0, fl >= 0, np.where(S < 0, fl > 0, B > 0))
    zero = np.zeros((), dtype=S.dtype)
    S_base = int_matmul(np.where(active, S, zero), AT)
    B_base = int_matmul(np.where(active, B, zero), AT, add=cD[None, :])
    cross = ((fl > 0) & (fr < 0)) | ((fl < 0) & (fr > 0))
    if not np.any(cross):
        return P, Q, S_base, B_base
    j, k = np.nonzero(cross)
    sz = S[j, k]
    bz = B[j, k]
    rn = np.where(sz > 0, -bz, bz)
    rd = np.where(sz > 0, sz, -sz)
    g = _gcd(rn, rd)
    rn, rd = rn // g, rd // g
    if rn.dtype == object:
        rn, rd = _maybe_int64(rn), _maybe_int64(rd)
    rf = _to_float(rn, rd)
    order = np.lexsort((rf, j))
    j, k, rn, rd, rf, sz, bz = j[order], k[order], rn[order], rd[order], rf[order], sz[order], bz[order]
    order = _exact_order(j, rf, rn, rd)
    if order is not None:
        j, k, rn, rd, sz, bz = j[order], k[order], rn[order], rd[order], sz[order], bz[order]
    # event deltas: a neuron with positive slope switches on (+), negative switches off (-).
    # Every partial sum below is the true coefficient of some sub-region, so it is bounded
    # by max_j (|S_j| @ |A^T|); int64 is used only when that bound is below 2**62
    # (the global cumulative sum may wrap, which modular arithmetic undoes exactly).
    wide = S_base.dtype == object or B_base.dtype == object or _abs_product_bound(S, B, AT, cD) >= INT64_SAFE
    sign = np.where(sz > 0, 1, -1).astype(object if wide else np.int64)
    colsA = _as(AT, wide)[k]  # (E, wn): column k of A
    S_base, B_base = _as(S_base, wide), _as(B_base, wide)
    # rows: each old region's base row, then its events in order; segmented cumulative sum.
    # Rows are scattered straight into their sorted position and summed in place, so the peak
    # memory is about two (rows x next_width) arrays per coefficient instead of five.
    n_old = m
    E = len(j)
    key_region = np.concatenate([np.arange(n_old), j])
    key_kind = np.concatenate([np.zeros(n_old, dtype=np.int64), np.ones(E, dtype=np.int64)])
    seq = np.arange(n_old + E)
    order = np.lexsort((seq, key_kind, key_region))
    pos = np.empty_like(order)
    pos[order] = np.arange(n_old + E)  # sorted position of each unsorted row
    region = key_region[order]
    first = pos[:n_old]  # sorted position of region r's base row (the first row of its segment)

    def segmented(base, coef):
        rows = np.empty((n_old + E, base.shape[1]), dtype=base.dtype)
        rows[first] = base
        rows[pos[n_old:]] = (sign * _as(coef, wide))[:, None] * colsA
        with np.errstate(over="ignore"):
            np.cumsum(rows, axis=0, out=rows)
            before = rows[first] - base  # running sum just before each region's base row
            rows -= before[region]
        return rows

    S_new = segmented(S_base, sz)
    B_new = segmented(B_base, bz)
    mixed = P.dtype == object or rn.dtype == object
    Pn = np.concatenate([_as(P[:-1], mixed), _as(rn, mixed)])[order]
    Qn = np.concatenate([_as(Q[:-1], mixed), _as(rd, mixed)])[order]
    # several events at one point: keep the region after the last of them
    same_as_next = np.zeros(len(order), dtype=bool)
    same_as_next[:-1] = (region[1:] == region[:-1]) & (Pn[1:] == Pn[:-1]) & (Qn[1:] == Qn[:-1])
    keep = ~same_as_next
    Pn = np.concatenate([Pn[keep], _as(P[-1:], mixed)])
    Qn = np.concatenate([Qn[keep], _as(Q[-1:], mixed)])
    S_new, B_new = S_new[keep], B_new[keep]
    if wide or mixed:
        S_new, B_new, Pn, Qn = (_maybe_int64(v) for v in (S_new, B_new, Pn, Qn))
    return Pn, Qn, S_new, B_new


def _abs_product_bound(S, B, AT, cD) -> float:
    """Upper bound on ``max_j (|S_j| @ |A^T|)``, ``max_j (|B_j| @ |A^T|) + |cD|`` (float, rounded up)."""
    try:
        ATf = np.abs(AT.astype(np.float64))
        Sf = np.abs(S.astype(np.float64))
        Bf = np.abs(B.astype(np.float64))
        cf = float(np.max(np.abs(cD.astype(np.float64)))) if cD.size else 0.0
    except OverflowError:
        return math.inf
    with np.errstate(over="ignore", invalid="ignore"):
        m = max(float(np.max(Sf @ ATf)) if Sf.size else 0.0, float(np.max(Bf @ ATf)) + cf if Bf.size else cf)
    n = AT.shape[0]
    # inputs were rounded to float (relative 2**-53 each) and the sums carry gamma_n
    return m * (1 + (n + 4) * 2.0**-52) + 1.0 if math.isfinite(m) else math.inf


def _exact_order(j, rf, rn, rd):
    """Permutation putting crossings sorted by (region, float key) into exact order (``None``: already).

    ``rf`` is the correctly rounded float of ``rn/rd``; rounding is monotone, so only runs of
    equal (region, float key) can be out of exact order.  Runs whose members are exactly equal
    (the common case: several neurons switching at one breakpoint) need nothing; the others
    are sorted with exact Fractions.
    """
    tie = np.flatnonzero((j[1:] == j[:-1]) & (rf[1:] == rf[:-1]))  # i ties with i + 1
    if tie.size == 0:
        return None
    a_n, a_d = rn[tie].astype(object), rd[tie].astype(object)
    b_n, b_d = rn[tie + 1].astype(object), rd[tie + 1].astype(object)
    unequal = tie[a_n * b_d != b_n * a_d]  # exact cross-multiplication (denominators > 0)
    if unequal.size == 0:
        return None
    perm = np.arange(len(j), dtype=np.int64)
    run_break = np.flatnonzero(np.diff(tie) > 1)
    starts = np.concatenate([tie[:1], tie[run_break + 1]])
    ends = np.concatenate([tie[run_break], tie[-1:]]) + 1  # inclusive
    for r in np.unique(np.searchsorted(starts, unequal, side="right") - 1).tolist():
        a, b = int(starts[r]), int(ends[r])
        perm[a:b + 1] = sorted(range(a, b + 1), key=lambda i: Fraction(int(rn[i]), int(rd[i])))
    return perm


def _merge_equal(P, Q, S, B):
    """Drop breakpoints between adjacent regions carrying identical affine maps."""
    if S.shape[0] <= 1:
        return P, Q, S, B
    same = np.all(S[1:] == S[:-1], axis=1) & np.all(B[1:] == B[:-1], axis=1)
    if not np.any(same):
        return P, Q, S, B
    keep_region = np.concatenate([[True], ~same])
    keep_point = np.concatenate([keep_region, [True]])
    return P[keep_point], Q[keep_point], S[keep_region], B[keep_region]


def _reduce_den(S, B, D):
    g = array_gcd(B, array_gcd(S, D))
    if g > 1:
        if S.dtype != object and B.dtype != object and g >= INT64_SAFE:
            # g divides every int64 entry yet exceeds them all: every entry is 0
            return S, B, D // g
        return S // g, B // g, D // g
    return S, B, D


# ----------------------------------------------------------------------------------------------
# PWL function -> network
# ----------------------------------------------------------------------------------------------
def _exact_vector(values: Any, name: str) -> list[Fraction]:
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        if values.ndim != 1:
            raise ValueError(f"{name} must be 1-D")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name} must be finite")
        return [Fraction(float(v)) for v in values]
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of numbers")
    try:
        items = list(values)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of numbers") from None
    return [as_fraction(v, f"{name}[{i}]") for i, v in enumerate(items)]


def from_pwl(breakpoints: Sequence[Any], values: Sequence[Any], form: str = "shallow", width: int | None = None) -> Network:
    """Network exactly equal to the continuous piecewise-linear interpolant on ``[t_0, t_n]``.

    Parameters
    ----------
    breakpoints : sequence of rationals, strictly increasing, at least 2
    values : sequence of rationals, same length
    form : {"shallow", "deep"}
        ``"shallow"``: one hidden layer, ``f(x) = v_0 + sum_k d_k relu(x - t_k)``
        (width = number of pieces, depth 2).  ``"deep"``: width at most ``width``
        (>= 3): one channel carries ``x - t_0``, one a shifted running sum (kept
        non-negative by an exact offset), the rest compute ``width - 2`` hinges per
        layer; depth ``ceil(n_hinges / (width - 2)) + 1``.
    width : int, optional
        Required for ``form="deep"``.

    Returns
    -------
    Network
        Equal to the interpolant at every point of ``[t_0, t_n]``; nothing is promised
        outside that interval.

    Raises
    ------
    ValueError
        Fewer than 2 breakpoints, unequal lengths, non-increasing breakpoints,
        non-finite values, unknown ``form``, ``width < 3`` for the deep form.

    Examples
    --------
    >>> net = from_pwl([0, 1, 2], [0, 1, 0])
    >>> pieces(net, (0, 2)).values
    [Fraction(0, 1), Fraction(1, 1), Fraction(0, 1)]
    """
    t = _exact_vector(breakpoints, "breakpoints")
    v = _exact_vector(values, "values")
    if len(t) < 2:
        raise ValueError(f"breakpoints must hold at least 2 points, got {len(t)}")
    if len(v) != len(t):
        raise ValueError(f"values must have the same length as breakpoints ({len(t)}), got {len(v)}")
    for i in range(len(t) - 1):
        if not t[i] < t[i + 1]:
            raise ValueError(f"breakpoints must be strictly increasing; breakpoints[{i}] = {t[i]} >= breakpoints[{i + 1}] = {t[i + 1]}")
    if form not in ("shallow", "deep"):
        raise ValueError(f"form must be 'shallow' or 'deep', got {form!r}")
    slopes = [(v[i + 1] - v[i]) / (t[i + 1] - t[i]) for i in range(len(t) - 1)]
    # hinge k sits at t_k (k = 0 .. n-1); coefficient: slope change there (slope_0 at t_0)
    coef = [slopes[0]] + [slopes[k] - slopes[k - 1] for k in range(1, len(slopes))]
    hinges = [(t[k], coef[k]) for k in range(len(coef)) if coef[k] != 0 or k == 0]
    if form == "shallow":
        return _shallow(hinges, v[0], t[0])
    if width is None:
        raise ValueError("width must be given for form='deep' (an integer >= 3)")
    width = as_int(width, "width", 3)
    return _deep(hinges, v[0], t[0], t[-1], width)


def _layer_from_fractions(A_rows: list[list[Fraction]], c: list[Fraction]) -> tuple[np.ndarray, np.ndarray, int]:
    den = lcm_all([x.denominator for row in A_rows for x in row] + [x.denominator for x in c])
    A = object_array([x.numerator * (den // x.denominator) for row in A_rows for x in row], (len(A_rows), len(A_rows[0])))
    cc = object_array([x.numerator * (den // x.denominator) for x in c], (len(c),))
    return A, cc, den


def _shallow(hinges, v0, t0) -> Network:
    # f(x) = v0 + sum_k coef_k relu(x - t_k); on [t0, tn] the first hinge is x - t0 itself.
    # Weights 1 and biases -t_k (rather than integer-scaled hinges) keep the parameters small,
    # which is what a quantizer wants.
    one = Fraction(1)
    hidden = _layer_from_fractions([[one] for _ in hinges], [-tk for tk, _ in hinges])
    out = _layer_from_fractions([[ck for _, ck in hinges]], [v0])
    return Network.from_integer_layers([hidden, out], meta={"construction": "from_pwl", "form": "shallow"})


def _deep(hinges, v0, t0, tn, width) -> Network:
    per = width - 2
    groups = [hinges[i:i + per] for i in range(0, len(hinges), per)]
    # running sum s_j = sum of coef_k relu(x - t_k) over groups < j; |s_j| <= M on [t0, tn]
    M = sum(abs(c) for _, c in hinges) * (tn - t0)
    one, zero = Fraction(1), Fraction(0)
    layers = []
    # layer 1: [x - t0, M (the shifted sum, starts at 0 + M), hinges of group 0]
    g0 = groups[0]
    rows = [[one], [zero]] + [[one] for _ in g0]
    bias = [-t0, M] + [-tk for tk, _ in g0]
    layers.append(_layer_from_fractions(rows, bias))
    prev = g0
    for g in groups[1:]:
        k_prev = len(prev)
        rows = []
        # carry x - t0 (non-negative on the domain)
        rows.append([one, zero] + [zero] * k_prev)
        # shifted sum: s + M + sum coef * hinge  (>= 0 by the choice of M)
        rows.append([zero, one] + [c for _, c in prev])
        bias = [zero, zero]
        for tk, _ in g:
            rows.append([one, zero] + [zero] * k_prev)
            bias.append(t0 - tk)
        layers.append(_layer_from_fractions(rows, bias))
        prev = g
    # output: (s + M) + sum coef * hinge - M + v0
    layers.append(_layer_from_fractions([[zero, one] + [c for _, c in prev]], [v0 - M]))
    return Network.from_integer_layers(layers, meta={"construction": "from_pwl", "form": "deep", "width": width})
