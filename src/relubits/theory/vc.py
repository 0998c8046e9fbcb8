"""Grid-independent lower bounds: VC dimension and linear-piece count.

Both hold for every weight grid, including real (unquantised) weights, so they
are the floor that makes the over-quantisation regime flat in ``b``.

VC dimension [CITED].  Bartlett, Harvey, Liaw, Mehrabian, "Nearly-tight
VC-dimension and pseudodimension bounds for piecewise linear neural networks",
JMLR 20(63):1-17, 2019, Theorem 7 (the refined upper bound; arXiv v3 numbers it
Theorem 6).  For a feed-forward architecture with ``P`` parameters, ``L`` layers of
computation units (the last one a single linear output unit), ``k_i`` units in
layer ``i``, activations piecewise polynomial with ``p + 1`` pieces of degree
``<= d`` (``d >= 1``), ``P_i`` = parameters feeding layers ``1..i`` (cumulative),
``Lbar = (1/P) Σ_i P_i`` and ``R = Σ_i k_i (1 + (i-1) d^(i-1))``::

    VCdim(sgn F) <= L + Lbar · P · log2(4 e p R · log2(2 e p R)).

ReLU: ``p = d = 1``, so ``R = Σ_i i·k_i``.  The paper's PDF could not be opened
in this sprint; the constants are re-derived in docs/theory.md §2 along the
structure of BHLM's proof (Warren's bound + weighted AM-GM + an elementary
lemma proved there).  The formula is isolated in :func:`bhlm_vc_upper`.

Shattering reduction (Theorem V, proved in docs/theory.md): if every ``f ∈ H0``
has an ``ε``-approximant in the class, the class shatters ``⌊(1+ε)/(2ε)⌋``
points; hence ``A >= 1/(2V' + 1)`` for any integer ``V' >= VCdim``.

Piece count (Theorem PC): a depth-``L`` width-``W`` scalar net has at most
``(W+1)^(L-1)`` linear pieces, hence ``A >= 1/(4 (W+1)^(L-1))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from relubits.theory.architecture import check_width_depth, layer_params, n_params

__all__ = [
    "bhlm_vc_upper", "vc_eps_floor", "shattered_points", "piece_count_upper",
    "piece_count_bound", "GridFreeBound", "grid_free_bound",
]


def bhlm_vc_upper(W: int, L: int) -> int:
    """Integer upper bound on the VC dimension of ``sgn`` of the ``(W, L)`` ReLU class.

    BHLM 2019, Theorem 7 with ``p = d = 1``, ``k_i = W`` (``i < L``), ``k_L = 1``,
    ``R = W L (L-1)/2 + L``, rounded up (the float evaluation carries a relative
    safety margin of ``1e-9``, so the integer returned is ``>=`` the exact value).

    Parameters
    ----------
    W : int
        Hidden width ``>= 1``.
    L : int
        Number of affine maps (= layers of computation units) ``>= 2``.

    Returns
    -------
    int
        ``V' = ⌊L + Lbar·P·log2(4eR·log2(2eR))⌋`` (safe).

    Raises
    ------
    ValueError
        Bad ``W`` or ``L``.

    Examples
    --------
    >>> bhlm_vc_upper(8, 4)
    5273
    """
    check_width_depth(W, L)
    P = n_params(W, L)
    per_layer = layer_params(W, L)
    cumulative = 0
    sum_cum = 0
    for pi in per_layer:
        cumulative += pi
        sum_cum += cumulative
    lbar_P = sum_cum  # Lbar * P = Σ_i P_i
    R = W * L * (L - 1) // 2 + L  # Σ_{i<L} i W + L·1
    e = math.e
    v = L + lbar_P * math.log2(4 * e * R * math.log2(2 * e * R))
    assert P == cumulative
    return math.floor(v * (1 + 1e-9) + 1e-9)


def shattered_points(eps: Fraction) -> int:
    """Number of points ``N(ε) = ⌊(1+ε)/(2ε)⌋`` shattered by an ``ε``-approximating class.

    The points are ``t_j = (2j-1) ε``, ``j = 1..N``; the targets are sums of
    ``±`` hats of height ``ε`` on ``[2(j-1)ε, 2jε]`` (1-Lipschitz, vanishing at 0).

    Examples
    --------
    >>> shattered_points(Fraction(1, 7))
    4
    """
    eps = Fraction(eps)
    if not 0 < eps <= 1:
        raise ValueError(f"eps must be in (0, 1], got {eps}")
    return math.floor((1 + eps) / (2 * eps))


def vc_eps_floor(vc_upper: int) -> Fraction:
    """Largest ``ε`` certified by the reduction: ``1/(2V'+1)`` for ``V' >= VCdim``.

    ``N(ε) >= V' + 1  <=>  ε <= 1/(2V'+1)``, and shattering ``V' + 1`` points is
    impossible, so no ``ε' < 1/(2V'+1)`` approximates every target.

    Examples
    --------
    >>> vc_eps_floor(3)
    Fraction(1, 7)
    """
    if not isinstance(vc_upper, int) or vc_upper < 0:
        raise ValueError(f"vc_upper must be a nonnegative integer, got {vc_upper!r}")
    return Fraction(1, 2 * vc_upper + 1)


def piece_count_upper(W: int, L: int) -> int:
    """``(W+1)^(L-1)``: at most this many linear pieces on ``R`` (Theorem PC).

    Examples
    --------
    >>> piece_count_upper(2, 3)
    9
    """
    check_width_depth(W, L)
    return (W + 1) ** (L - 1)


def piece_count_bound(W: int, L: int) -> Fraction:
    """``1/(4 (W+1)^(L-1))``: a sawtooth with that many teeth has one tooth with no breakpoint.

    Examples
    --------
    >>> piece_count_bound(3, 2)
    Fraction(1, 16)
    """
    return Fraction(1, 4 * piece_count_upper(W, L))


@dataclass(frozen=True)
class GridFreeBound:
    """Result of :func:`grid_free_bound`.

    Attributes
    ----------
    eps : Fraction
        ``max(eps_vc, eps_pieces)``: holds for every grid.
    eps_vc : Fraction
        ``1/(2V'+1)`` with ``V'`` = :func:`bhlm_vc_upper` [cited constants].
    eps_pieces : Fraction
        ``1/(4(W+1)^(L-1))`` [self-contained proof].
    vc_upper : int
        ``V'``.
    source : str
        ``"vc"`` or ``"pieces"``: which of the two is larger.
    """

    eps: Fraction
    eps_vc: Fraction
    eps_pieces: Fraction
    vc_upper: int
    source: str


def grid_free_bound(W: int, L: int) -> GridFreeBound:
    """Grid-independent lower bound ``max(1/(2V'+1), 1/(4(W+1)^(L-1)))``.

    Parameters
    ----------
    W : int
        Hidden width ``>= 1``.
    L : int
        Depth ``>= 2``.

    Returns
    -------
    GridFreeBound

    Raises
    ------
    ValueError
        Bad ``W`` or ``L``.

    Examples
    --------
    >>> grid_free_bound(32, 2).source
    'pieces'
    """
    v = bhlm_vc_upper(W, L)
    e_vc = vc_eps_floor(v)
    e_pc = piece_count_bound(W, L)
    src = "vc" if e_vc >= e_pc else "pieces"
    return GridFreeBound(eps=max(e_vc, e_pc), eps_vc=e_vc, eps_pieces=e_pc, vc_upper=v, source=src)
