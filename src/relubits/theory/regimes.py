"""Which lower bound binds: under-, proper- and over-quantisation.

Three families of proved lower bounds on the minimax error ``A(W, L, G)`` of
1-Lipschitz targets on ``[0, 1]`` (class ``H0``: ``f(0) = 0``):

* precision (:mod:`relubits.theory.precision`): lattice / end-gap / shallow-gap,
  exponentially small in the bits ``b``  -> regime ``"under"`` when it binds;
* memory (:mod:`relubits.theory.entropy`): ``~ 1/(P b)``  -> ``"proper"``;
* grid-free (:mod:`relubits.theory.vc`): VC dimension or piece count, independent of
  the grid -> ``"over"``.

The regime of ``(W, L, G)`` names the family whose bound is largest (ties go to
the earlier of under, proper, over).  For a one-parameter family of grids
``b -> G_b`` (default: fixed point ``FX(b, b-1)``, values in ``[-1, 1)``) the
boundaries are ``b1`` = the first ``b`` where precision no longer binds and
``b2`` = the first ``b`` where the grid-free bound binds; they are found by
evaluating the bounds (galloping + bisection, monotonicity checked in the
tests), never from asymptotic formulas.  The proper window is ``[b1, b2)``; it is
empty when ``b1 == b2``.

These are LOWER bounds: "regime" here says which obstruction is strongest, not
what a construction achieves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

from relubits.theory.architecture import check_width_depth, n_params
from relubits.theory.entropy import MemoryBound, memory_bound
from relubits.theory.gridspec import GridSpec, grid_spec
from relubits.theory.precision import PrecisionBound, precision_bound
from relubits.theory.vc import GridFreeBound, grid_free_bound

__all__ = [
    "REGIMES", "FixedFamily", "RegimeResult", "Boundaries", "regime", "boundaries",
    "regime_row", "regime_rows", "log2_fraction",
]

#: The three regime names, in order of increasing precision.
REGIMES = ("under", "proper", "over")


def log2_fraction(x: Fraction) -> float:
    """``log2`` of a positive Fraction, exact in range (works far below float's minimum).

    Examples
    --------
    >>> log2_fraction(Fraction(1, 2**3000))
    -3000.0
    """
    x = Fraction(x)
    if x <= 0:
        raise ValueError(f"x must be positive, got {x}")
    return math.log2(x.numerator) - math.log2(x.denominator)


@dataclass(frozen=True)
class FixedFamily:
    """The grid family ``b -> FX(b, b - offset)`` (``symmetric`` optional).

    ``offset = 1``: values in ``[-1, 1)`` (default); ``offset = 3``: ``[-4, 4)``.

    Examples
    --------
    >>> FixedFamily().grid(4).label
    'fixed(bits=4, frac_bits=3)'
    """

    offset: int = 1
    symmetric: bool = False

    @property
    def b_min(self) -> int:
        """Smallest bit width the family is defined for."""
        return 2 if self.symmetric else 1

    def grid(self, b: int) -> GridSpec:
        """The grid for ``b`` bits."""
        if not isinstance(b, int) or isinstance(b, bool) or b < self.b_min:
            raise ValueError(f"bits must be an integer >= {self.b_min}, got {b!r}")
        return GridSpec.fixed(b, b - self.offset, self.symmetric)

    @property
    def label(self) -> str:
        return f"fixed(bits=b, frac_bits=b-{self.offset}{', symmetric' if self.symmetric else ''})"


@dataclass(frozen=True)
class Boundaries:
    """Regime boundaries of a grid family for fixed ``(W, L)``.

    Attributes
    ----------
    b1 : int or None
        First ``b`` where the precision bound no longer binds (None: not within ``b_max``).
    b2 : int or None
        First ``b`` where the grid-free bound binds (None: not within ``b_max``).
    b_max : int
        Search limit.
    family : str
        Description of the grid family.
    """

    b1: int | None
    b2: int | None
    b_max: int
    family: str

    @property
    def proper_window(self) -> tuple[int, int] | None:
        """``(b1, b2)``: bits in ``[b1, b2)`` are properly quantised; None when empty/unknown."""
        if self.b1 is None:
            return None
        hi = self.b2 if self.b2 is not None else self.b_max + 1
        return (self.b1, hi) if hi > self.b1 else None


@dataclass(frozen=True)
class RegimeResult:
    """Result of :func:`regime`: all three bounds and which one binds.

    Attributes
    ----------
    W, L : int
        Width and depth.
    n_params : int
        ``P(W, L)``.
    grid : str
        Grid description.
    precision : PrecisionBound
        The under-quantisation obstruction (``regime == "under"`` when it binds).
    memory : MemoryBound
        The proper-quantisation obstruction.
    grid_free : GridFreeBound
        The over-quantisation obstruction (VC dimension / piece count).
    lower_bound : Fraction
        ``max`` of the three: a proved lower bound on the minimax error.
    regime : str
        ``"under"``, ``"proper"`` or ``"over"``.
    binding : str
        The ingredient that binds (``"lattice"``, ``"end-gap"``, ``"shallow-gap"``,
        ``"memory"``, ``"vc"``, ``"pieces"``).
    boundaries : Boundaries or None
        ``b1``, ``b2`` of the grid's family (fixed point grids only).
    """

    W: int
    L: int
    n_params: int
    grid: str
    precision: PrecisionBound
    memory: MemoryBound
    grid_free: GridFreeBound
    lower_bound: Fraction
    regime: str
    binding: str
    boundaries: Boundaries | None = field(default=None)

    @property
    def bounds(self) -> dict:
        """``{"under": eps_precision, "proper": eps_memory, "over": eps_grid_free}``."""
        return {"under": self.precision.eps, "proper": self.memory.eps, "over": self.grid_free.eps}


def _classify(W: int, L: int, spec: GridSpec, gf: GridFreeBound | None = None):
    pb = precision_bound(W, L, spec)
    mb = memory_bound(W, L, spec)
    gf = gf if gf is not None else grid_free_bound(W, L)
    cands = [("under", pb.eps, pb.source), ("proper", mb.eps, "memory"), ("over", gf.eps, gf.source)]
    name, best, ingr = cands[0]
    for n2, v, i2 in cands[1:]:
        if v > best:
            name, best, ingr = n2, v, i2
    return pb, mb, gf, best, name, ingr


def _family_of(grid: Any) -> FixedFamily | None:
    if isinstance(grid, int) and not isinstance(grid, bool):
        return FixedFamily()
    kind = getattr(grid, "kind", None)
    if kind == "fixed":
        return FixedFamily(offset=int(grid.bits) - int(grid.frac_bits), symmetric=bool(grid.symmetric))
    if isinstance(grid, GridSpec) and grid.code_range is not None and grid.frac_exponent is not None:
        kmin, kmax = grid.code_range
        sym = -kmin == kmax
        bits = grid.size.bit_length() - (0 if sym else 1)
        if bits >= (2 if sym else 1) and GridSpec.fixed(bits, grid.frac_exponent, sym) == grid:
            return FixedFamily(offset=bits - grid.frac_exponent, symmetric=sym)
    return None


def _bits_of(grid: Any) -> int | None:
    if isinstance(grid, int) and not isinstance(grid, bool):
        return grid
    if getattr(grid, "kind", None) == "fixed":
        return int(grid.bits)
    return None


def regime(W: int, L: int, grid: Any, b_max: int = 4096) -> RegimeResult:
    """Classify ``(W, L, grid)``: which proved lower bound binds.

    Parameters
    ----------
    W : int
        Hidden width ``>= 1``.
    L : int
        Depth (affine maps) ``>= 2``.
    grid : int, GridSpec, relubits.Grid or list of rationals
        The weight grid.  An int ``b`` means ``Grid.fixed(b, b - 1)`` (values in ``[-1, 1)``).
    b_max : int
        Search limit for the family boundaries ``b1``, ``b2``.

    Returns
    -------
    RegimeResult

    Raises
    ------
    ValueError
        Bad ``W``, ``L`` or grid.

    Examples
    --------
    >>> r = regime(8, 4, 6)
    >>> r.regime, r.binding, r.boundaries.b1, r.boundaries.b2
    ('proper', 'memory', 3, 18)
    """
    check_width_depth(W, L)
    fam = _family_of(grid)
    if isinstance(grid, int) and not isinstance(grid, bool):
        spec = FixedFamily().grid(grid)
    else:
        spec = grid_spec(grid)
    pb, mb, gf, best, name, ingr = _classify(W, L, spec)
    bnd = boundaries(W, L, fam, b_max) if fam is not None else None
    return RegimeResult(W=W, L=L, n_params=n_params(W, L), grid=spec.label, precision=pb, memory=mb,
                        grid_free=gf, lower_bound=best, regime=name, binding=ingr, boundaries=bnd)


def _first_true(pred: Callable[[int], bool], lo: int, hi: int) -> int | None:
    """Smallest b in [lo, hi] with pred(b), for pred monotone (False ... False True ... True)."""
    if pred(lo):
        return lo
    prev, step = lo, 1
    while True:
        cur = min(lo + step, hi)
        if pred(cur):
            break
        if cur == hi:
            return None
        prev, step = cur, step * 2
    a, b = prev, cur  # pred(a) False, pred(b) True
    while b - a > 1:
        m = (a + b) // 2
        if pred(m):
            b = m
        else:
            a = m
    return b


def boundaries(W: int, L: int, family: FixedFamily | None = None, b_max: int = 4096) -> Boundaries:
    """Regime boundaries ``b1``, ``b2`` of a grid family, computed from the bounds.

    Parameters
    ----------
    W, L : int
        Width ``>= 1``, depth ``>= 2``.
    family : FixedFamily
        Default ``FixedFamily()`` = ``FX(b, b-1)``.
    b_max : int
        Largest ``b`` examined (``>= family.b_min``).

    Returns
    -------
    Boundaries

    Examples
    --------
    >>> bd = boundaries(32, 2)
    >>> bd.b1, bd.b2, bd.proper_window
    (7, 7, None)
    """
    check_width_depth(W, L)
    fam = family if family is not None else FixedFamily()
    if not isinstance(b_max, int) or b_max < fam.b_min:
        raise ValueError(f"b_max must be an integer >= {fam.b_min}, got {b_max!r}")
    gf = grid_free_bound(W, L)
    cache: dict[int, str] = {}

    def reg(b: int) -> str:
        if b not in cache:
            cache[b] = _classify(W, L, fam.grid(b), gf)[4]
        return cache[b]

    b1 = _first_true(lambda b: reg(b) != "under", fam.b_min, b_max)
    b2 = _first_true(lambda b: reg(b) == "over", b1 if b1 is not None else fam.b_min, b_max) if b1 is not None else None
    return Boundaries(b1=b1, b2=b2, b_max=b_max, family=fam.label)


def regime_row(W: int, L: int, b: int, family: FixedFamily | None = None,
               upper: Callable[[int, int, int], dict] | None = None) -> dict:
    """One row of the regime table for ``b`` bits.

    Columns: ``bits, frac_bits, lb_precision, lb_memory, lb_vc, lower_bound, binding,
    regime`` (bounds as floats; ``log2_lower_bound`` keeps tiny values readable), then
    whatever ``upper(W, L, b)`` returns (e.g. a construction's promised bound and its
    certified error), if ``upper`` is given.

    Examples
    --------
    >>> regime_row(8, 4, 3)["regime"]
    'proper'
    """
    fam = family if family is not None else FixedFamily()
    spec = fam.grid(b)
    pb, mb, gf, best, name, ingr = _classify(W, L, spec)
    row = {
        "bits": b,
        "frac_bits": b - fam.offset,
        "lb_precision": float(pb.eps),
        "lb_memory": float(mb.eps),
        "lb_vc": float(gf.eps),
        "lower_bound": float(best),
        "log2_lower_bound": log2_fraction(best),
        "binding": ingr,
        "regime": name,
    }
    if upper is not None:
        extra = upper(W, L, b)
        if not isinstance(extra, dict):
            raise TypeError(f"upper(W, L, b) must return a dict, got {type(extra).__name__}")
        clash = set(extra) & set(row)
        if clash:
            raise ValueError(f"upper(W, L, b) returned keys that clash with the bound columns: {sorted(clash)}")
        row.update(extra)
    return row


def regime_rows(W: int, L: int, bits_max: int, family: FixedFamily | None = None,
                upper: Callable[[int, int, int], dict] | None = None, bits_min: int | None = None) -> list[dict]:
    """Rows of :func:`regime_row` for ``b = bits_min..bits_max``.

    Parameters
    ----------
    W, L : int
        Width ``>= 1``, depth ``>= 2``.
    bits_max : int
        Largest bit width (``>= bits_min``, ``<= 4096``).
    family : FixedFamily
        Grid family (default ``FX(b, b-1)``).
    upper : callable ``(W, L, b) -> dict`` or None
        Optional construction columns (promised bound, certified error, ...).
    bits_min : int
        Default: the family's smallest ``b``.

    Returns
    -------
    list of dict

    Raises
    ------
    ValueError
        Bad sizes.
    """
    check_width_depth(W, L)
    fam = family if family is not None else FixedFamily()
    lo = fam.b_min if bits_min is None else bits_min
    if not isinstance(bits_max, int) or isinstance(bits_max, bool) or not lo <= bits_max <= 4096:
        raise ValueError(f"bits_max must be an integer in [{lo}, 4096], got {bits_max!r}")
    return [regime_row(W, L, b, fam, upper) for b in range(lo, bits_max + 1)]
