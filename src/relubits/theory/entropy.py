"""Memory (metric-entropy) lower bound: few networks cannot approximate many targets.

Class: scalar ReLU networks with at most ``L`` affine maps, hidden widths at most
``W``, every weight and bias in a finite grid ``G``.  Targets: ``H0`` = 1-Lipschitz
``f: [0,1] -> R`` with ``f(0) = 0``.  Error: sup norm on ``[0, 1]``.

Counting.  The class realises at most ``C`` distinct functions, where

* plain count: ``C <= (4/3) |G|^P`` (``P = n_params(W, L)``; the factor 4/3 pays for
  the shallower depths, the extra factor ``W^(L-1)`` for narrower widths is needed
  only when ``0 ∉ G``);
* with hidden-unit permutation symmetry: sorted layers are multisets, giving
  ``C(|G|^2+W-1, W) · C(|G|^(W+1)+W-1, W)^(L-2) · |G|^(W+1)`` for depth ``L``.

Packing.  ``2^N`` functions of ``H0`` that are pairwise ``2/N`` apart (zig-zags, slope
``±1`` on ``[(j-1)/N, j/N]``), or pairwise ``1/N`` apart (sums of ``±`` hats of height
``1/(2N)``, the "±ε hats" with ``ε = 1/(2N)``).

Theorem M (docs/theory.md).  If ``2^N > C`` then ``A(W, L, G) >= 1/N`` (zig-zags);
so with ``N = C.bit_length()``: ``A >= 1/N``.  With the hat packing the same argument
gives ``1/(2N)``.  For ``G = FX(b, s)``: ``N = P b + 1``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from relubits.theory.architecture import check_width_depth, n_params
from relubits.theory.gridspec import GridSpec, grid_spec

__all__ = [
    "Packing", "zigzag_packing", "hat_packing", "pwl_sup_distance",
    "class_count", "log2_class_count", "MemoryBound", "memory_bound",
]

#: Largest exact class count (in bits) computed with Python integers; above it a
#: rigorous floating upper bound on log2 is used.
EXACT_COUNT_BITS = 200_000


# ------------------------------------------------------------------------------------
# packings
# ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Packing:
    """A finite family of continuous piecewise-linear functions on a common knot set.

    Attributes
    ----------
    knots : tuple of Fraction
        Common breakpoints ``0 = x_0 < ... < x_m = 1``.
    signs : tuple of tuple of int
        The sign vector ``σ ∈ {-1, +1}^N`` of each member.
    values : tuple of tuple of Fraction
        ``values[i][k]`` = member ``i`` at ``knots[k]``.
    separation : Fraction
        The claimed minimal pairwise sup distance.
    kind : str
        ``"zigzag"`` or ``"hats"``.
    """

    knots: tuple
    signs: tuple
    values: tuple
    separation: Fraction
    kind: str

    def __len__(self) -> int:
        return len(self.values)


def _check_N(N: int, limit: int = 20) -> None:
    if not isinstance(N, int) or isinstance(N, bool) or not 1 <= N <= limit:
        raise ValueError(f"N must be an integer in [1, {limit}] (the packing has 2^N members), got {N!r}")


def zigzag_packing(N: int) -> Packing:
    """The ``2^N`` zig-zags ``f_σ(x) = ∫_0^x σ_{⌈Nt⌉} dt``, pairwise ``2/N`` apart (exact).

    Parameters
    ----------
    N : int
        Number of cells, ``1 <= N <= 20``.

    Returns
    -------
    Packing
        Knots ``j/N``; every member is 1-Lipschitz with ``f(0) = 0``.

    Examples
    --------
    >>> p = zigzag_packing(2)
    >>> len(p), p.separation
    (4, Fraction(1, 1))
    """
    _check_N(N)
    knots = tuple(Fraction(j, N) for j in range(N + 1))
    signs, values = [], []
    for sigma in itertools.product((-1, 1), repeat=N):
        v = [Fraction(0)]
        for s in sigma:
            v.append(v[-1] + Fraction(s, N))
        signs.append(sigma)
        values.append(tuple(v))
    return Packing(knots, tuple(signs), tuple(values), Fraction(2, N), "zigzag")


def hat_packing(N: int) -> Packing:
    """The ``2^N`` sums ``Σ_j σ_j h_j`` of hats of height ``ε = 1/(2N)`` on ``[(j-1)/N, j/N]``.

    Members differ by ``2ε = 1/N`` at the apex of every hat where their signs differ.

    Parameters
    ----------
    N : int
        Number of hats, ``1 <= N <= 20``.

    Returns
    -------
    Packing
        Knots ``k/(2N)``; members are 1-Lipschitz, vanish at 0 and satisfy ``|f| <= ε``.

    Examples
    --------
    >>> hat_packing(3).separation
    Fraction(1, 3)
    """
    _check_N(N)
    knots = tuple(Fraction(k, 2 * N) for k in range(2 * N + 1))
    eps = Fraction(1, 2 * N)
    signs, values = [], []
    for sigma in itertools.product((-1, 1), repeat=N):
        v = [Fraction(0)]
        for s in sigma:
            v.extend([s * eps, Fraction(0)])
        signs.append(sigma)
        values.append(tuple(v))
    return Packing(knots, tuple(signs), tuple(values), 2 * eps, "hats")


def pwl_sup_distance(values_a, values_b) -> Fraction:
    """Exact sup distance of two continuous PWL functions given on the same knots.

    The difference is affine between knots, so its sup is attained at a knot.
    """
    if len(values_a) != len(values_b):
        raise ValueError("values_a and values_b must be given on the same knots")
    return max(abs(Fraction(a) - Fraction(b)) for a, b in zip(values_a, values_b))


# ------------------------------------------------------------------------------------
# counting
# ------------------------------------------------------------------------------------
def _sym_count_depth(W: int, Lp: int, size: int) -> int:
    """Exact symmetric count for depth exactly ``Lp`` and every hidden width ``W``."""
    if Lp == 1:
        return size**2
    first = math.comb(size**2 + W - 1, W)
    if Lp == 2:
        return first * size ** (W + 1)
    hidden = math.comb(size ** (W + 1) + W - 1, W)
    return first * hidden ** (Lp - 2) * size ** (W + 1)


def _estimate_bits(W: int, L: int, spec: GridSpec) -> float:
    return n_params(W, L) * spec.log2_size + (L - 1) * math.log2(max(W, 2)) + 2


def class_count(W: int, L: int, grid: Any, symmetry: bool = False) -> int:
    """Exact integer upper bound on the number of distinct functions in the class.

    Sums over depths ``1..L`` (and, when ``0 ∉ G``, over width profiles, bounded by
    ``W^(depth-1)`` times the full-width count).

    Parameters
    ----------
    W, L : int
        Width ``>= 1`` and depth ``>= 2``.
    grid : GridSpec, relubits.Grid or list
        The weight grid.
    symmetry : bool
        Use the permutation-symmetry count instead of ``|G|^P``.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If the count would exceed ``EXACT_COUNT_BITS`` bits (use :func:`log2_class_count`).

    Examples
    --------
    >>> class_count(1, 2, [-1, 0, 1])  # depth 1: 3^2, depth 2: 3^4
    90
    """
    check_width_depth(W, L)
    spec = grid_spec(grid)
    if _estimate_bits(W, L, spec) > EXACT_COUNT_BITS:
        raise ValueError(f"class count has more than {EXACT_COUNT_BITS} bits; use log2_class_count")
    total = 0
    for Lp in range(1, L + 1):
        if symmetry:
            c = _sym_count_depth(W, Lp, spec.size)
        else:
            c = spec.size ** (2 if Lp == 1 else n_params(W, Lp))
        if not spec.contains_zero:
            c *= W ** (Lp - 1)
        total += c
    return total


def _log2_upper_int(x: int) -> float:
    """A float ``>= log2(x)`` for a positive integer (one-ulp-safe margin)."""
    r = math.log2(x)
    return r + abs(r) * 1e-12 + 1e-12


def log2_class_count(W: int, L: int, grid: Any, symmetry: bool = False) -> float:
    """An upper bound on ``log2`` of the number of distinct functions in the class.

    Exact (up to a relative margin of 1e-12) via :func:`class_count` for moderate sizes;
    for huge classes it uses ``total <= (4/3) · W^(L-1)[0∉G] · C_L`` with ``C_L`` the
    depth-``L`` count, proved in docs/theory.md (consecutive depths differ by a factor
    ``>= 4``).

    Examples
    --------
    >>> round(log2_class_count(8, 4, GridSpec.fixed(4, 3)), 3)  # P b + log2(1 + ...)
    676.0
    """
    check_width_depth(W, L)
    spec = grid_spec(grid)
    if _estimate_bits(W, L, spec) <= EXACT_COUNT_BITS:
        return _log2_upper_int(class_count(W, L, spec, symmetry))
    lg = spec.log2_size
    if symmetry:
        n1 = 2 * lg
        nh = (W + 1) * lg
        # log2 C(n + W - 1, W) <= W log2(n + W - 1) - log2(W!), and log2(n+W-1) <= log2 n + (W-1)/(n ln 2)
        log2_fact = math.lgamma(W + 1) / math.log(2)

        def lcomb(log2n: float) -> float:
            """Upper bound on log2 C(n + W - 1, W) for n = 2^log2n."""
            if log2n <= 50:  # n is exactly representable: lgamma with a safety margin
                n = 2.0**log2n
                v = (math.lgamma(n + W) - math.lgamma(W + 1) - math.lgamma(n)) / math.log(2)
                return v + abs(v) * 1e-9 + 1e-9
            # log2 C <= W log2(n + W - 1) - log2 W!,  log2(n + W - 1) <= log2 n + (W - 1)/(n ln 2)
            extra = (W - 1) / (2.0**min(log2n, 1000) * math.log(2))
            return W * (log2n + extra) - log2_fact * (1 - 1e-12)

        base = lcomb(n1) + (L - 2) * lcomb(nh) + (W + 1) * lg
    else:
        base = n_params(W, L) * lg
    if not spec.contains_zero:
        base += (L - 1) * math.log2(W)
    base += math.log2(4 / 3)
    return base + abs(base) * 1e-12 + 1e-12


# ------------------------------------------------------------------------------------
# the bound
# ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemoryBound:
    """Result of :func:`memory_bound`.

    Attributes
    ----------
    eps : Fraction
        Proved lower bound on the minimax error (zig-zag packing): ``1/N``.
    eps_hats : Fraction
        The (weaker) bound from the ±ε-hat packing: ``1/(2N)``.
    packing_size : int
        ``N``: the smallest integer with ``2^N >`` the class count.
    log2_count : float
        Upper bound on ``log2`` of the class count that was used.
    count : str
        ``"symmetry"`` or ``"plain"`` (whichever gave the larger ``eps``).
    """

    eps: Fraction
    eps_hats: Fraction
    packing_size: int
    log2_count: float
    count: str


def _packing_size(W: int, L: int, spec: GridSpec, symmetry: bool) -> tuple[int, float]:
    if _estimate_bits(W, L, spec) <= EXACT_COUNT_BITS:
        c = class_count(W, L, spec, symmetry)
        return c.bit_length(), _log2_upper_int(c)
    k = log2_class_count(W, L, spec, symmetry)
    return math.floor(k) + 1, k


def memory_bound(W: int, L: int, grid: Any, symmetry: bool = True) -> MemoryBound:
    """Memory / entropy lower bound ``A(W, L, G) >= 1/N`` with ``2^N >`` #functions.

    Parameters
    ----------
    W : int
        Hidden width ``>= 1``.
    L : int
        Depth (affine maps) ``>= 2``.
    grid : GridSpec, relubits.Grid or list of rationals
        The grid of every weight and bias.
    symmetry : bool
        Also try the permutation-symmetry count (never worse; default True).

    Returns
    -------
    MemoryBound

    Raises
    ------
    ValueError
        Bad ``W``, ``L`` or grid.

    Examples
    --------
    >>> mb = memory_bound(8, 4, GridSpec.fixed(4, 3), symmetry=False)
    >>> mb.packing_size, mb.eps   # P b + 1 = 169*4 + 1
    (677, Fraction(1, 677))
    """
    check_width_depth(W, L)
    spec = grid_spec(grid)
    n, lg = _packing_size(W, L, spec, False)
    kind = "plain"
    if symmetry:
        n2, lg2 = _packing_size(W, L, spec, True)
        if n2 < n:
            n, lg, kind = n2, lg2, "symmetry"
    return MemoryBound(eps=Fraction(1, n), eps_hats=Fraction(1, 2 * n), packing_size=n,
                       log2_count=lg, count=kind)
