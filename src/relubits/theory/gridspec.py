"""The numbers of a weight grid that the lower bounds need.

The bounds of :mod:`relubits.theory` are pure functions of numbers.  Of a grid
``G`` (the finite set every weight and bias is drawn from) they use only

* ``size = |G|`` (memory bound),
* ``gcd``: the largest rational ``rho`` with ``G ⊂ rho·Z`` (lattice bound),
* ``max_abs = max |G|`` (end-gap bound),
* whether ``0 ∈ G`` (which narrower networks the class contains),
* for the one-hidden-layer breakpoint bound: the integer codes ``G / rho`` --
  either listed (small explicit grids) or a contiguous code range (fixed point).

:class:`GridSpec` holds exactly these numbers.  Build it with
:meth:`GridSpec.fixed`, :meth:`GridSpec.from_values`, or :func:`grid_spec`,
which also accepts the core's :class:`relubits.Grid` objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable

__all__ = ["GridSpec", "grid_spec", "rational_gcd"]

#: Largest explicit code list a GridSpec keeps (larger grids must be contiguous ranges).
MAX_EXPLICIT_CODES = 2**16


def rational_gcd(values: Iterable[Fraction]) -> Fraction:
    """Largest positive rational ``rho`` with every value in ``rho·Z``.

    Parameters
    ----------
    values : iterable of Fraction
        At least one nonzero value.

    Returns
    -------
    Fraction
        ``gcd(numerators) / lcm(denominators)`` of the values in lowest terms.

    Raises
    ------
    ValueError
        If every value is 0.

    Examples
    --------
    >>> rational_gcd([Fraction(1, 2), Fraction(3, 4)])
    Fraction(1, 4)
    """
    num = 0
    den = 1
    for v in values:
        v = Fraction(v)
        if v == 0:
            continue
        num = math.gcd(num, abs(v.numerator))
        den = den * v.denominator // math.gcd(den, v.denominator)
    if num == 0:
        raise ValueError("grid must contain a nonzero value")
    return Fraction(num, den)


@dataclass(frozen=True)
class GridSpec:
    """What the lower bounds need to know about a weight grid.

    Attributes
    ----------
    size : int
        Number of grid values ``|G| >= 2``.
    gcd : Fraction
        Largest ``rho > 0`` with ``G ⊂ rho·Z``.
    max_abs : Fraction
        ``max |g|`` over the grid.
    contains_zero : bool
        Whether ``0 ∈ G``.
    codes : tuple of int or None
        The sorted integer codes ``G / gcd`` (explicit grids only).
    code_range : tuple (kmin, kmax) or None
        For fixed-point grids: the codes are all integers in ``[kmin, kmax]``.
    label : str
        Human-readable description.
    """

    size: int
    gcd: Fraction
    max_abs: Fraction
    contains_zero: bool
    codes: tuple | None = None
    code_range: tuple | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.size, int) or isinstance(self.size, bool) or self.size < 2:
            raise ValueError(f"grid size must be an integer >= 2, got {self.size!r}")
        if Fraction(self.gcd) <= 0:
            raise ValueError(f"grid gcd must be positive, got {self.gcd}")
        if (self.codes is None) == (self.code_range is None):
            raise ValueError("give exactly one of codes and code_range")
        object.__setattr__(self, "gcd", Fraction(self.gcd))
        object.__setattr__(self, "max_abs", Fraction(self.max_abs))

    # -- constructors ----------------------------------------------------------------
    @staticmethod
    def fixed(bits: int, frac_bits: int = 0, symmetric: bool = False) -> "GridSpec":
        """Fixed-point grid ``{k·2^-frac_bits : kmin <= k <= kmax}`` (same convention as ``Grid.fixed``).

        Parameters
        ----------
        bits : int
            Word length, ``bits >= 1`` (``>= 2`` when symmetric).  Two's complement:
            ``k ∈ [-2^(bits-1), 2^(bits-1) - 1]``; symmetric: ``|k| <= 2^(bits-1) - 1``.
        frac_bits : int
            Number of fractional bits ``s`` (any integer; negative means multiples of ``2^|s|``).
        symmetric : bool
            Drop the most negative code.

        Returns
        -------
        GridSpec

        Raises
        ------
        ValueError
            If ``bits`` is out of range.

        Examples
        --------
        >>> g = GridSpec.fixed(4, 3)
        >>> g.size, g.gcd, g.max_abs
        (16, Fraction(1, 8), Fraction(1, 1))
        """
        if not isinstance(bits, int) or isinstance(bits, bool) or bits < (2 if symmetric else 1):
            raise ValueError(f"bits must be an integer >= {2 if symmetric else 1}, got {bits!r}")
        if not isinstance(frac_bits, int) or isinstance(frac_bits, bool):
            raise TypeError(f"frac_bits must be an integer, got {frac_bits!r}")
        q = 2 ** (bits - 1)
        kmin = -q + (1 if symmetric else 0)
        kmax = q - 1
        size = kmax - kmin + 1
        step = Fraction(2) ** (-frac_bits)
        # gcd of the codes {kmin..kmax} is 1 as soon as the range holds 1 or -1; it always does
        # for bits >= 1 (two's complement holds -1; symmetric with bits >= 2 holds 1).
        return GridSpec(size=size, gcd=step, max_abs=max(abs(kmin), abs(kmax)) * step,
                        contains_zero=(kmax >= 0 >= kmin), code_range=(kmin, kmax),
                        label=f"fixed(bits={bits}, frac_bits={frac_bits}{', symmetric' if symmetric else ''})")

    @staticmethod
    def from_values(values: Iterable[Any], label: str = "") -> "GridSpec":
        """Explicit grid from a finite list of rationals.

        Parameters
        ----------
        values : iterable of int, Fraction or float (floats taken exactly)
            At least 2 distinct values, at least one nonzero, at most 2^16 values.
        label : str
            Description.

        Returns
        -------
        GridSpec

        Raises
        ------
        ValueError
            Fewer than 2 distinct values, or too many.

        Examples
        --------
        >>> GridSpec.from_values([-1, 0, 1]).codes
        (-1, 0, 1)
        """
        vals = sorted({Fraction(v) for v in values})
        if len(vals) < 2:
            raise ValueError(f"values must hold at least 2 distinct numbers, got {len(vals)}")
        if len(vals) > MAX_EXPLICIT_CODES:
            raise ValueError(f"values may hold at most {MAX_EXPLICIT_CODES} numbers; use GridSpec.fixed for larger grids")
        rho = rational_gcd(vals)
        codes = tuple(int(v / rho) for v in vals)
        return GridSpec(size=len(vals), gcd=rho, max_abs=max(abs(vals[0]), abs(vals[-1])),
                        contains_zero=(0 in codes), codes=codes,
                        label=label or f"levels({len(vals)} values)")

    # -- derived numbers --------------------------------------------------------------
    @property
    def log2_size(self) -> float:
        """``log2 |G|`` (float)."""
        return math.log2(self.size)

    @property
    def frac_exponent(self) -> int | None:
        """``s`` with ``gcd = 2^-s`` when the gcd is a power of two, else None."""
        g = self.gcd
        if g.numerator == 1 and g.denominator & (g.denominator - 1) == 0:
            return g.denominator.bit_length() - 1
        if g.denominator == 1 and g.numerator & (g.numerator - 1) == 0:
            return -(g.numerator.bit_length() - 1)
        return None

    @property
    def max_code(self) -> int:
        """``max |code|`` = ``max_abs / gcd`` (an integer)."""
        m = self.max_abs / self.gcd
        assert m.denominator == 1
        return int(m)


def grid_spec(grid: Any) -> GridSpec:
    """Turn a grid description into a :class:`GridSpec`.

    Parameters
    ----------
    grid : GridSpec, relubits.Grid, or a list of rationals
        A core grid (``Grid.fixed``/``bipolar``/``levels``) is read through its public
        attributes; a list is taken as the explicit set of values.

    Returns
    -------
    GridSpec

    Raises
    ------
    TypeError
        If ``grid`` is none of these.

    Examples
    --------
    >>> grid_spec([-1, 1]).size
    2
    """
    if isinstance(grid, GridSpec):
        return grid
    kind = getattr(grid, "kind", None)
    if kind == "fixed":
        return GridSpec.fixed(int(grid.bits), int(grid.frac_bits), bool(grid.symmetric))
    if kind in ("bipolar", "levels"):
        return GridSpec.from_values(grid.values(), label=repr(grid))
    if isinstance(grid, (list, tuple)):
        return GridSpec.from_values(grid)
    raise TypeError(f"grid must be a GridSpec, a relubits Grid or a list of rationals, got {type(grid).__name__}")
