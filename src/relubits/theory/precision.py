"""Numerical-precision lower bounds: what a coarse weight grid cannot resolve.

All proofs are in docs/theory.md, section 3.  Notation: ``rho = gcd(G)`` (largest
rational with ``G ⊂ rho·Z``), ``M = max|G|``, ``L`` affine maps, hidden width ``<= W``.

* Lattice (Theorem 3a): at ``x ∈ {0, 1}`` every layer-``l`` value lies in
  ``rho_l·Z`` with ``rho_1 = rho``, ``rho_(l+1) = gcd(rho·rho_l, rho)``; the output lies
  in ``delta·Z``, ``delta = rho_L`` (``= 2^(-sL)`` for ``G ⊂ 2^-s Z``, ``s >= 0``).  The
  target ``f(x) = min(delta/2, 1)·x ∈ H0`` gives ``A >= min(delta/2, 1)``.
* One hidden layer (Theorem G2): breakpoints only at ``-c/a`` (``a, c ∈ G``); on the
  largest gap ``g`` of that set in ``[0, 1]`` every net is affine, so a hat of base
  ``g`` forces ``A >= g/4``.  For fixed point grids the set is a Farey set and
  ``g = 1/n`` with ``n = max |code|``.
* Magnitude (Theorem 3d): every slope of a net of the class is at most
  ``Lambda = M · max(1, W M)^(L-1)``; if ``Lambda < 1`` the target ``f(x) = x`` gives
  ``A >= (1 - Lambda)/2``.
* End gap, any depth (Lemma E / Theorem E): every breakpoint in ``(0, 1)`` is at
  distance ``>= g_end = min_l rho_l/(W^(l-1) M^l)`` from both ends; the net is affine on
  ``[0, g_end]`` with ``net(0) ∈ delta·Z``, so ``A >= E(g_end, delta) >= g_end/4`` where
  ``E(g, delta) = min_k max(|k delta|, |g - k delta|/3)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from relubits.theory.architecture import check_width_depth
from relubits.theory.gridspec import GridSpec, grid_spec

__all__ = [
    "lattice_steps", "lattice_step", "lattice_bound", "hat_affine_floor",
    "breakpoint_candidates", "max_breakpoint_gap", "farey_gap", "shallow_gap_bound",
    "end_gap", "end_gap_bound", "slope_bound", "magnitude_bound", "PrecisionBound", "precision_bound",
]

#: Largest number of integer codes whose pairwise ratios are enumerated explicitly.
MAX_ENUMERATED_CODES = 2**13


# ------------------------------------------------------------------------------------
# lattice
# ------------------------------------------------------------------------------------
def lattice_steps(L: int, grid: Any) -> list[Fraction]:
    """``[rho_1, ..., rho_L]``: layer-``l`` values at ``x ∈ {0,1}`` lie in ``rho_l·Z``.

    Examples
    --------
    >>> lattice_steps(3, GridSpec.fixed(4, 2))
    [Fraction(1, 4), Fraction(1, 16), Fraction(1, 64)]
    """
    if not isinstance(L, int) or isinstance(L, bool) or L < 1:
        raise ValueError(f"depth L must be an integer >= 1, got {L!r}")
    rho = grid_spec(grid).gcd
    # closed form (docs/theory.md 3a): with rho = a/b in lowest terms, rho_l = a / b**l
    a, b = rho.numerator, rho.denominator
    steps = []
    d = 1
    for _ in range(L):
        d *= b
        steps.append(Fraction(a, d))
    return steps


def lattice_step(L: int, grid: Any) -> Fraction:
    """``delta = rho_L``: the output at ``x = 0`` and ``x = 1`` lies in ``delta·Z``.

    Examples
    --------
    >>> lattice_step(4, GridSpec.fixed(8, 7))   # 2^(-7*4)
    Fraction(1, 268435456)
    """
    if not isinstance(L, int) or isinstance(L, bool) or L < 1:
        raise ValueError(f"depth L must be an integer >= 1, got {L!r}")
    rho = grid_spec(grid).gcd
    return Fraction(rho.numerator, rho.denominator**L)  # rho_L = a / b**L (docs/theory.md 3a)


def lattice_bound(L: int, grid: Any) -> Fraction:
    """``A >= min(delta/2, 1)`` (target ``f(x) = a·x``, ``a = min(delta/2, 1)``, at ``x = 1``).

    Examples
    --------
    >>> lattice_bound(2, GridSpec.fixed(4, 3))
    Fraction(1, 128)
    """
    d = lattice_step(L, grid)
    return min(d / 2, Fraction(1))


def hat_affine_floor(g: Fraction, delta: Fraction | None = None) -> Fraction:
    """Least sup error of an affine function against a hat of base ``g`` (height ``g/2``).

    Without ``delta``: ``g/4`` (Lemma H).  With ``delta``: the affine function's value at
    the hat's foot is forced into ``delta·Z``; the floor is
    ``E(g, delta) = min_k max(|k delta|, |g - k delta|/3) >= g/4`` (refined Lemma H).

    Examples
    --------
    >>> hat_affine_floor(Fraction(1, 2)), hat_affine_floor(Fraction(1, 2), Fraction(1, 2))
    (Fraction(1, 8), Fraction(1, 6))
    """
    g = Fraction(g)
    if g <= 0:
        raise ValueError(f"g must be positive, got {g}")
    if delta is None:
        return g / 4
    delta = Fraction(delta)
    if delta <= 0:
        raise ValueError(f"delta must be positive, got {delta}")
    k0 = math.floor(g / (4 * delta))
    best = None
    for k in (k0, k0 + 1):  # the convex function of n0 is minimised at n0 = g/4
        n0 = k * delta
        v = max(abs(n0), abs(g - n0) / 3)
        best = v if best is None or v < best else best
    return best


# ------------------------------------------------------------------------------------
# one hidden layer: breakpoint gaps
# ------------------------------------------------------------------------------------
def _reduced_ratio_keys(p_vals: np.ndarray, q_vals: np.ndarray, base: int) -> np.ndarray:
    """Keys ``p*base + q`` of the distinct reduced p/q, p in p_vals, q in q_vals, 0 < p < q (vectorised)."""
    out = []
    p_vals = np.unique(p_vals[p_vals > 0]).astype(np.int64)
    q_vals = np.unique(q_vals[q_vals > 0]).astype(np.int64)
    if p_vals.size == 0 or q_vals.size == 0:
        return np.zeros(0, dtype=np.int64)
    chunk = max(1, 4_000_000 // p_vals.size)
    for i in range(0, q_vals.size, chunk):
        P, Q = np.broadcast_arrays(p_vals[None, :], q_vals[i:i + chunk][:, None])
        mask = P < Q
        P, Q = P[mask], Q[mask]
        g = np.gcd(P, Q)
        out.append(np.unique((P // g) * base + Q // g))
    return np.unique(np.concatenate(out))


def breakpoint_candidates(grid: Any) -> list[Fraction]:
    """All ``x = -c/a ∈ (0, 1)`` with ``a, c ∈ G`` (exact, sorted): the only places a
    one-hidden-layer net can break.  Explicit grids with at most 2^13 codes.

    Examples
    --------
    >>> breakpoint_candidates([-2, -1, 0, 1])
    [Fraction(1, 2)]
    """
    pairs = _candidate_pairs(grid_spec(grid))
    return [Fraction(int(p), int(q)) for p, q in pairs]


def _codes_of(spec: GridSpec) -> np.ndarray:
    if spec.codes is not None:
        return np.asarray(spec.codes, dtype=np.int64)
    kmin, kmax = spec.code_range
    if kmax - kmin + 1 > 2 * MAX_ENUMERATED_CODES:
        raise ValueError(f"grid has {kmax - kmin + 1} codes; enumeration supports at most {2 * MAX_ENUMERATED_CODES}")
    return np.arange(kmin, kmax + 1, dtype=np.int64)


def _candidate_pairs(spec: GridSpec) -> np.ndarray:
    codes = _codes_of(spec)
    if codes.size > 2 * MAX_ENUMERATED_CODES:
        raise ValueError(f"grid has {codes.size} codes; enumeration supports at most {2 * MAX_ENUMERATED_CODES}")
    neg = -codes[codes < 0]
    pos = codes[codes > 0]
    base = int(max(np.abs(codes).max(), 1)) + 1
    # -c/a in (0,1): c < 0 < a with |c| < a, or a < 0 < c with c < |a|
    keys = np.unique(np.concatenate([_reduced_ratio_keys(neg, pos, base), _reduced_ratio_keys(pos, neg, base)]))
    pairs = np.stack([keys // base, keys % base], axis=1)
    if pairs.size == 0:
        return pairs.reshape(0, 2)
    order = np.argsort(pairs[:, 0] / pairs[:, 1], kind="stable")  # exact for q <= 2^26
    return pairs[order]


def max_breakpoint_gap(grid: Any) -> tuple[Fraction, Fraction]:
    """Largest gap and the gap at 0 of ``{0, 1} ∪ {-c/a ∈ (0,1)}``, by exact enumeration.

    Vectorised (numpy int64): the candidate ratios are reduced with ``gcd``,
    deduplicated, sorted (float order is exact for denominators ``<= 2^26``), and the
    largest gap is selected exactly among the float near-maxima with Fractions.

    Parameters
    ----------
    grid : GridSpec, relubits.Grid or list
        At most 2^14 codes (fixed point grids up to 14 bits).

    Returns
    -------
    (Fraction, Fraction)
        ``(largest gap, gap [0, first candidate])``.

    Examples
    --------
    >>> max_breakpoint_gap(GridSpec.fixed(3, 0))   # Farey set of order 4
    (Fraction(1, 4), Fraction(1, 4))
    """
    spec = grid_spec(grid)
    pairs = _candidate_pairs(spec)
    if pairs.shape[0] == 0:
        return Fraction(1), Fraction(1)
    p = np.concatenate([[0], pairs[:, 0], [1]]).astype(np.int64)
    q = np.concatenate([[1], pairs[:, 1], [1]]).astype(np.int64)
    num = p[1:] * q[:-1] - p[:-1] * q[1:]
    den = q[1:] * q[:-1]
    if np.any(num <= 0):  # pragma: no cover - would mean the float sort was not exact
        raise ArithmeticError("candidate sort was not exact")
    fl = num / den
    near = np.nonzero(fl >= fl.max() * (1 - 1e-9))[0]
    best = max(Fraction(int(num[i]), int(den[i])) for i in near)
    return best, Fraction(int(num[0]), int(den[0]))


def farey_gap(spec: GridSpec) -> Fraction | None:
    """Closed form of the largest gap for a contiguous code range (fixed point).

    For codes ``[kmin, kmax]`` with ``kmin < 0 < kmax`` and ``n = max(kmax, -kmin)``,
    ``min(kmax, -kmin) >= n - 1``, the candidate set is the Farey set
    ``{p/q : 1 <= p < q <= n}`` and the largest gap is ``1/n``, attained at both ends
    (proof in docs/theory.md).  Returns None when the closed form does not apply.

    Examples
    --------
    >>> farey_gap(GridSpec.fixed(8, 7)), farey_gap(GridSpec.fixed(8, 7, symmetric=True))
    (Fraction(1, 128), Fraction(1, 127))
    """
    if spec.code_range is None:
        return None
    kmin, kmax = spec.code_range
    if kmin >= 0 or kmax <= 0:
        return Fraction(1)  # no opposite-sign pair: no breakpoint in (0, 1)
    n = max(kmax, -kmin)
    if min(kmax, -kmin) < n - 1:
        return None
    return Fraction(1, n)


def shallow_gap_bound(grid: Any) -> tuple[Fraction, Fraction, Fraction]:
    """One hidden layer: ``(bound, largest gap g, gap at 0)``.

    The bound is ``max(g/4, E(g0, delta))``: the largest gap with a free hat, and the
    gap at 0 combined with the lattice ``net(0) ∈ delta·Z`` (``delta = rho_2``).

    Examples
    --------
    >>> shallow_gap_bound(GridSpec.fixed(4, 3))[0]   # 2^(-b-1)
    Fraction(1, 32)
    """
    spec = grid_spec(grid)
    fg = farey_gap(spec)
    if fg is not None:
        g = g0 = fg
    else:
        g, g0 = max_breakpoint_gap(spec)
    delta = lattice_step(2, spec)
    return max(g / 4, hat_affine_floor(g0, delta)), g, g0


# ------------------------------------------------------------------------------------
# end gap, any depth
# ------------------------------------------------------------------------------------
def end_gap(W: int, L: int, grid: Any) -> Fraction:
    """``g_end = min_{1<=l<=L-1} rho_l / (W^(l-1) M^l)`` (Lemma E).

    Every breakpoint ``x*`` of a net of the class in ``(0, 1)`` has ``x* >= g_end`` and
    ``1 - x* >= g_end``.  For ``FX(b, s)``: ``1/(W^(L-2) (2^(b-1))^(L-1))``.

    Examples
    --------
    >>> end_gap(4, 3, GridSpec.fixed(4, 3))   # 1/(4 * 8^2)
    Fraction(1, 256)
    """
    check_width_depth(W, L)
    spec = grid_spec(grid)
    M = spec.max_abs
    # with rho = a/b in lowest terms, rho_l = a / b^l (docs/theory.md 3a), so the l-th term is
    # a W (1/(b W M))^l: geometric in l, and its minimum over 1 <= l <= L-1 sits at an end
    # (l = L-1 when b W M >= 1, else l = 1).  docs/theory.md 3c.
    rho = spec.gcd
    a, b = rho.numerator, rho.denominator
    l = L - 1 if b * W * M >= 1 else 1
    return Fraction(a, b**l) / (Fraction(W) ** (l - 1) * M**l)


def end_gap_bound(W: int, L: int, grid: Any) -> Fraction:
    """``A >= E(min(g_end, 1), delta)`` (Theorem E).

    Examples
    --------
    >>> end_gap_bound(1, 2, GridSpec.fixed(4, 3))
    Fraction(1, 32)
    """
    g = min(end_gap(W, L, grid), Fraction(1))
    return hat_affine_floor(g, lattice_step(L, grid))


def slope_bound(W: int, L: int, grid: Any) -> Fraction:
    """``Lambda = M · max(1, W M)^(L-1)``: a bound on every slope of every net of the class (Theorem 3d).

    Examples
    --------
    >>> slope_bound(2, 3, GridSpec.fixed(4, 5))   # M = 1/4: 1/4 * max(1, 1/2)^2
    Fraction(1, 4)
    """
    check_width_depth(W, L)
    M = grid_spec(grid).max_abs
    return M * max(Fraction(1), W * M) ** (L - 1)


def magnitude_bound(W: int, L: int, grid: Any) -> Fraction:
    """``A >= max(0, (1 - Lambda)/2)`` (target ``f(x) = x``; Theorem 3d).

    Examples
    --------
    >>> magnitude_bound(2, 3, GridSpec.fixed(4, 5))
    Fraction(3, 8)
    """
    lam = slope_bound(W, L, grid)
    return max(Fraction(0), (1 - lam) / 2)


@dataclass(frozen=True)
class PrecisionBound:
    """Result of :func:`precision_bound`.

    Attributes
    ----------
    eps : Fraction
        The best of the precision bounds below.
    eps_lattice : Fraction
        ``min(delta/2, 1)``.
    eps_end_gap : Fraction
        ``E(g_end, delta)``.
    eps_shallow : Fraction or None
        One hidden layer only: ``max(g/4, E(g0, delta))`` from the exact breakpoint set.
    eps_magnitude : Fraction
        ``max(0, (1 - Lambda)/2)`` (nonzero only for grids with small ``max|G|``).
    delta : Fraction
        Output lattice step at ``x ∈ {0, 1}``.
    g_end : Fraction
        Breakpoint-free margin at both ends of ``[0, 1]``.
    source : str
        ``"lattice"``, ``"end-gap"``, ``"shallow-gap"`` or ``"magnitude"``.
    """

    eps: Fraction
    eps_lattice: Fraction
    eps_end_gap: Fraction
    eps_shallow: Fraction | None
    delta: Fraction
    g_end: Fraction
    source: str
    eps_magnitude: Fraction = Fraction(0)


def precision_bound(W: int, L: int, grid: Any) -> PrecisionBound:
    """Best proved precision lower bound for width ``W``, depth ``L`` and grid ``G``.

    Parameters
    ----------
    W : int
        Hidden width ``>= 1``.
    L : int
        Depth (affine maps) ``>= 2``.
    grid : GridSpec, relubits.Grid or list of rationals

    Returns
    -------
    PrecisionBound

    Raises
    ------
    ValueError
        Bad ``W``, ``L`` or grid.

    Examples
    --------
    >>> pb = precision_bound(8, 2, GridSpec.fixed(6, 5))
    >>> pb.eps, pb.source
    (Fraction(1, 128), 'end-gap')
    """
    check_width_depth(W, L)
    spec = grid_spec(grid)
    delta = lattice_step(L, spec)
    e_lat = min(delta / 2, Fraction(1))
    g_end = end_gap(W, L, spec)
    e_end = hat_affine_floor(min(g_end, Fraction(1)), delta)
    e_sh = None
    cands = [(e_lat, "lattice"), (e_end, "end-gap")]
    if L == 2 and (spec.code_range is not None and farey_gap(spec) is not None
                   or len(_codes_of_safe(spec)) <= 2 * MAX_ENUMERATED_CODES):
        e_sh = shallow_gap_bound(spec)[0]
        cands.append((e_sh, "shallow-gap"))
    e_mag = magnitude_bound(W, L, spec)
    cands.append((e_mag, "magnitude"))
    best, src = cands[0]
    for v, name in cands[1:]:
        if v > best:
            best, src = v, name
    return PrecisionBound(eps=best, eps_lattice=e_lat, eps_end_gap=e_end, eps_shallow=e_sh,
                          delta=delta, g_end=g_end, source=src, eps_magnitude=e_mag)


def _codes_of_safe(spec: GridSpec) -> tuple:
    if spec.codes is not None:
        return spec.codes
    kmin, kmax = spec.code_range
    return range(kmin, kmax + 1)
