"""Weight grids: the finite sets a quantized network's parameters are drawn from.

Three kinds, all frozen, hashable value objects whose ``repr`` round-trips:

* :class:`FixedGrid` -- fixed point, ``k * 2**-frac_bits`` for integers ``k`` in the
  signed ``bits``-bit range.  Two's complement (default): ``-2**(bits-1) <= k <= 2**(bits-1) - 1``
  (``2**bits`` values).  Symmetric (``symmetric=True``): ``|k| <= 2**(bits-1) - 1``
  (``2**bits - 1`` values, still ``bits`` bits per parameter).
* :class:`BipolarGrid` -- ``{-2**scale_exp, +2**scale_exp}`` (binary weights).
* :class:`LevelGrid` -- any finite set of ``λ`` distinct rationals ("nonlinear
  quantization"; its codebook is part of the stored model).

Every grid answers membership exactly (``x in grid``), rounds with a named mode
(``"nearest-even"``, ``"nearest-away"``, ``"floor"``, ``"ceil"``, ``"toward-zero"``)
and a named overflow policy (``"error"`` -- default, never silently clip -- or
``"saturate"``), and reports its ``size`` and ``bits_per_param = ceil(log2(size))``.

Build grids through :class:`Grid`: ``Grid.fixed(8, 4)``, ``Grid.bipolar()``,
``Grid.levels([-1, 0, 1])``.
"""

from __future__ import annotations

import bisect
from abc import ABC, abstractmethod
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, Iterable

import numpy as np

from relubits.exact import as_fraction, as_int

__all__ = ["Grid", "FixedGrid", "BipolarGrid", "LevelGrid", "ROUNDING_MODES", "OVERFLOW_MODES"]

#: Names of the rounding modes every grid accepts.
ROUNDING_MODES = ("nearest-even", "nearest-away", "floor", "ceil", "toward-zero")
#: Names of the overflow policies for values outside a grid's range.
OVERFLOW_MODES = ("error", "saturate")

#: Largest number of values :meth:`Grid.values` will list.
MAX_LISTED_VALUES = 2**22


def _check_mode(mode: str, overflow: str) -> None:
    if mode not in ROUNDING_MODES:
        raise ValueError(f"mode must be one of {', '.join(ROUNDING_MODES)}; got {mode!r}")
    if overflow not in OVERFLOW_MODES:
        raise ValueError(f"overflow must be one of {', '.join(OVERFLOW_MODES)}; got {overflow!r}")


def round_rational_to_int(y: Fraction, mode: str) -> int:
    """Round a rational to an integer with a named rounding mode (exact).

    Examples
    --------
    >>> round_rational_to_int(Fraction(5, 2), "nearest-even"), round_rational_to_int(Fraction(5, 2), "nearest-away")
    (2, 3)
    """
    fl = y.numerator // y.denominator
    if mode == "floor":
        return fl
    if mode == "ceil":
        return -((-y.numerator) // y.denominator)
    if mode == "toward-zero":
        return fl if y >= 0 else -((-y.numerator) // y.denominator)
    rem = y - fl  # in [0, 1)
    if rem < Fraction(1, 2):
        return fl
    if rem > Fraction(1, 2):
        return fl + 1
    if mode == "nearest-even":
        return fl if fl % 2 == 0 else fl + 1
    if mode == "nearest-away":
        return fl + 1 if y > 0 else fl
    raise ValueError(f"mode must be one of {', '.join(ROUNDING_MODES)}; got {mode!r}")


class Grid(ABC):
    """Base class and factory of weight grids.

    Use the factories :meth:`fixed`, :meth:`bipolar` and :meth:`levels`.
    """

    kind: ClassVar[str] = "grid"

    # -- factories -----------------------------------------------------------------
    @staticmethod
    def fixed(bits: int, frac_bits: int = 0, symmetric: bool = False, arbitrary: bool = False) -> "FixedGrid":
        """Fixed-point grid ``k * 2**-frac_bits`` with ``k`` a signed ``bits``-bit integer.

        Parameters
        ----------
        bits : int
            Word length, 1 <= bits <= 64 (any positive value with ``arbitrary=True``).
        frac_bits : int
            Number of fractional bits (the scale is ``2**-frac_bits``); may be negative.
            ``|frac_bits| <= 4096``.
        symmetric : bool
            Drop the most negative code so the grid is symmetric about 0.
        arbitrary : bool
            Allow ``bits > 64`` (arbitrary-precision parameters).

        Examples
        --------
        >>> g = Grid.fixed(4, 2)
        >>> g.size, g.min, g.max, Fraction(3, 4) in g
        (16, Fraction(-2, 1), Fraction(7, 4), True)
        """
        return FixedGrid(bits=bits, frac_bits=frac_bits, symmetric=symmetric, arbitrary=arbitrary)

    @staticmethod
    def bipolar(scale_exp: int = 0) -> "BipolarGrid":
        """The two-value grid ``{-2**scale_exp, +2**scale_exp}``.

        Examples
        --------
        >>> Grid.bipolar().values()
        [Fraction(-1, 1), Fraction(1, 1)]
        """
        return BipolarGrid(scale_exp=scale_exp)

    @staticmethod
    def levels(values: Iterable[Any]) -> "LevelGrid":
        """A finite set of distinct rational levels (``λ = len(values)``).

        Examples
        --------
        >>> Grid.levels([0, 1, -1]).values()
        [Fraction(-1, 1), Fraction(0, 1), Fraction(1, 1)]
        """
        return LevelGrid(values=tuple(values))

    # -- common interface ----------------------------------------------------------
    @property
    @abstractmethod
    def size(self) -> int:
        """Number of values in the grid."""

    @property
    def bits_per_param(self) -> int:
        """Bits one parameter costs: ``ceil(log2(size))``."""
        return (self.size - 1).bit_length()

    @property
    def metadata_bits(self) -> int:
        """Bits of stored metadata besides the per-parameter codes (0 unless a codebook is stored)."""
        return 0

    def __contains__(self, x: Any) -> bool:
        return self.contains(x)

    @abstractmethod
    def contains(self, x: Any) -> bool:
        """Exact membership test."""

    @abstractmethod
    def round(self, x: Any, mode: str = "nearest-even", overflow: str = "error") -> Fraction:
        """Round ``x`` to the grid."""

    def round_array(self, values: Any, mode: str = "nearest-even", overflow: str = "error", name: str = "values") -> np.ndarray:
        """Round every entry of an array to the grid; returns an object array of :class:`Fraction`."""
        arr = np.asarray(values, dtype=object)
        out = np.empty(arr.shape, dtype=object)
        for idx, v in np.ndenumerate(arr):
            out[idx] = self.round(as_fraction(v, f"{name}{list(idx)}"), mode=mode, overflow=overflow)
        return out

    @abstractmethod
    def values(self) -> list[Fraction]:
        """All values, sorted (only for grids with at most 2**22 values)."""


@dataclass(frozen=True)
class FixedGrid(Grid):
    """Fixed-point grid ``{k * 2**-frac_bits}``; see :meth:`Grid.fixed`."""

    bits: int
    frac_bits: int = 0
    symmetric: bool = False
    arbitrary: bool = False
    kind: ClassVar[str] = "fixed"

    def __post_init__(self) -> None:
        if not isinstance(self.arbitrary, bool):
            raise TypeError("arbitrary must be a bool")
        if not isinstance(self.symmetric, bool):
            raise TypeError("symmetric must be a bool")
        hi = None if self.arbitrary else 64
        bits = as_int(self.bits, "bits", 1, hi)
        if bits == 1 and self.symmetric:
            raise ValueError("bits must be an integer in [2, 64] for a symmetric grid, got 1")
        object.__setattr__(self, "bits", bits)
        object.__setattr__(self, "frac_bits", as_int(self.frac_bits, "frac_bits", -4096, 4096))

    @property
    def kmin(self) -> int:
        """Smallest integer code."""
        return -(2 ** (self.bits - 1)) + (1 if self.symmetric else 0)

    @property
    def kmax(self) -> int:
        """Largest integer code."""
        return 2 ** (self.bits - 1) - 1

    @property
    def step(self) -> Fraction:
        """Spacing ``2**-frac_bits`` of the grid."""
        return Fraction(2) ** (-self.frac_bits)

    @property
    def size(self) -> int:
        return self.kmax - self.kmin + 1

    @property
    def bits_per_param(self) -> int:
        return self.bits

    @property
    def min(self) -> Fraction:
        return self.kmin * self.step

    @property
    def max(self) -> Fraction:
        return self.kmax * self.step

    def code(self, x: Any) -> int:
        """The integer code ``k`` of a grid value ``x = k * 2**-frac_bits`` (``ValueError`` if off-grid)."""
        y = as_fraction(x, "x") / self.step
        if y.denominator != 1 or not self.kmin <= y.numerator <= self.kmax:
            raise ValueError(f"x = {x} is not on {self!r}")
        return y.numerator

    def contains(self, x: Any) -> bool:
        y = as_fraction(x, "x") / self.step
        return y.denominator == 1 and self.kmin <= y.numerator <= self.kmax

    def round(self, x: Any, mode: str = "nearest-even", overflow: str = "error") -> Fraction:
        """Round ``x`` to the grid.

        Parameters
        ----------
        x : number
            Value to round (exact).
        mode : str
            One of ``ROUNDING_MODES``.
        overflow : {"error", "saturate"}
            What to do when the rounded code is outside ``[kmin, kmax]``.

        Raises
        ------
        ValueError
            If the result is out of range and ``overflow="error"``.

        Examples
        --------
        >>> Grid.fixed(4, 2).round(0.3)
        Fraction(1, 4)
        """
        _check_mode(mode, overflow)
        k = round_rational_to_int(as_fraction(x, "x") / self.step, mode)
        if not self.kmin <= k <= self.kmax:
            if overflow == "error":
                raise ValueError(
                    f"x = {float(x):.6g} rounds outside the grid range [{float(self.min):.6g}, {float(self.max):.6g}]"
                    " (pass overflow='saturate' to clip explicitly)"
                )
            k = min(max(k, self.kmin), self.kmax)
        return k * self.step

    def round_codes(self, values: Any, mode: str = "nearest-even", overflow: str = "error", name: str = "values") -> np.ndarray:
        """Vectorised rounding of a float array to integer codes ``k`` (int64 or object array).

        Floats are read exactly; the result ``k * 2**-frac_bits`` is the grid value.
        """
        _check_mode(mode, overflow)
        a = np.asarray(values, dtype=np.float64)
        if not np.all(np.isfinite(a)):
            bad = [int(i) for i in np.argwhere(~np.isfinite(a))[0]] if a.ndim else []
            raise ValueError(f"{name}{bad} must be finite")
        y = np.ldexp(a, self.frac_bits)
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{name} overflows when scaled by 2**{self.frac_bits}")
        if mode == "nearest-even":
            k = np.rint(y)
        elif mode == "floor":
            k = np.floor(y)
        elif mode == "ceil":
            k = np.ceil(y)
        elif mode == "toward-zero":
            k = np.trunc(y)
        else:  # nearest-away: exact, since |y| - floor(|y|) is exact in binary floating point
            ay = np.abs(y)
            fl = np.floor(ay)
            k = np.sign(y) * (fl + (ay - fl >= 0.5))
        lo, hi = float(self.kmin), float(self.kmax)
        out_of_range = (k < lo) | (k > hi)
        if np.any(out_of_range):
            if overflow == "error":
                idx = tuple(int(i) for i in np.argwhere(out_of_range)[0]) if a.ndim else ()
                raise ValueError(
                    f"{name}{list(idx)} = {a[idx]:.6g} rounds outside the grid range "
                    f"[{float(self.min):.6g}, {float(self.max):.6g}] (pass overflow='saturate' to clip explicitly)"
                )
            k = np.clip(k, lo, hi)
        if self.bits <= 53:
            return k.astype(np.int64)
        return np.array([int(v) for v in k.ravel()], dtype=object).reshape(k.shape)

    def round_array(self, values: Any, mode: str = "nearest-even", overflow: str = "error", name: str = "values") -> np.ndarray:
        arr = np.asarray(values)
        if arr.dtype.kind == "f":
            codes = self.round_codes(arr, mode=mode, overflow=overflow, name=name)
            step = self.step
            return np.array([int(c) * step for c in codes.ravel()], dtype=object).reshape(codes.shape)
        return super().round_array(values, mode=mode, overflow=overflow, name=name)

    def values(self) -> list[Fraction]:
        if self.size > MAX_LISTED_VALUES:
            raise ValueError(f"grid has {self.size} values; values() lists at most {MAX_LISTED_VALUES}")
        step = self.step
        return [k * step for k in range(self.kmin, self.kmax + 1)]

    def __repr__(self) -> str:
        extra = ""
        if self.symmetric:
            extra += ", symmetric=True"
        if self.arbitrary:
            extra += ", arbitrary=True"
        return f"FixedGrid(bits={self.bits}, frac_bits={self.frac_bits}{extra})"


class _FiniteLevels(Grid):
    """Shared implementation for grids given by a sorted tuple of levels."""

    @abstractmethod
    def _levels(self) -> tuple[Fraction, ...]:
        """The sorted levels."""

    @property
    def size(self) -> int:
        return len(self._levels())

    @property
    def min(self) -> Fraction:
        return self._levels()[0]

    @property
    def max(self) -> Fraction:
        return self._levels()[-1]

    def values(self) -> list[Fraction]:
        return list(self._levels())

    def contains(self, x: Any) -> bool:
        v = as_fraction(x, "x")
        lv = self._levels()
        i = bisect.bisect_left(lv, v)
        return i < len(lv) and lv[i] == v

    def round(self, x: Any, mode: str = "nearest-even", overflow: str = "error") -> Fraction:
        """Round to a level.

        ``floor``/``ceil`` take the largest level <= x / smallest level >= x;
        ``toward-zero`` the level between 0 and x closest to x; the nearest modes
        break a tie between two levels by taking the one with the even index in the
        sorted level list (``nearest-even``) or the one of larger magnitude
        (``nearest-away``).  Values below ``min`` or above ``max`` are out of range:
        ``ValueError`` unless ``overflow="saturate"``.
        """
        _check_mode(mode, overflow)
        v = as_fraction(x, "x")
        lv = self._levels()
        if v < lv[0] or v > lv[-1]:
            if v < lv[0] and mode in ("ceil",) or v > lv[-1] and mode in ("floor",):
                pass  # these modes still land inside the range
            elif overflow == "error":
                raise ValueError(
                    f"x = {float(v):.6g} is outside the grid range [{float(lv[0]):.6g}, {float(lv[-1]):.6g}]"
                    " (pass overflow='saturate' to clip explicitly)"
                )
            else:
                return lv[0] if v < lv[0] else lv[-1]
        i = bisect.bisect_left(lv, v)
        if i < len(lv) and lv[i] == v:
            return v
        # lv[i-1] < v < lv[i]
        lo, hi = lv[i - 1], lv[i]
        if mode == "floor":
            return lo
        if mode == "ceil":
            return hi
        if mode == "toward-zero":
            cand = lo if v > 0 else hi
            if (v > 0 and cand < 0) or (v < 0 and cand > 0):
                if overflow == "error":
                    raise ValueError(f"x = {float(v):.6g} has no grid level between 0 and x (toward-zero)")
                return lo if v < 0 else hi
            return cand
        dlo, dhi = v - lo, hi - v
        if dlo < dhi:
            return lo
        if dhi < dlo:
            return hi
        if mode == "nearest-even":
            return lo if (i - 1) % 2 == 0 else hi
        return hi if abs(hi) >= abs(lo) else lo


@dataclass(frozen=True)
class BipolarGrid(_FiniteLevels):
    """Binary weights ``{-2**scale_exp, +2**scale_exp}``; see :meth:`Grid.bipolar`."""

    scale_exp: int = 0
    kind: ClassVar[str] = "bipolar"

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale_exp", as_int(self.scale_exp, "scale_exp", -4096, 4096))

    @property
    def scale(self) -> Fraction:
        """The magnitude ``2**scale_exp``."""
        return Fraction(2) ** self.scale_exp

    def _levels(self) -> tuple[Fraction, ...]:
        return (-self.scale, self.scale)

    def __repr__(self) -> str:
        return f"BipolarGrid(scale_exp={self.scale_exp})"


@dataclass(frozen=True)
class LevelGrid(_FiniteLevels):
    """A finite set of ``λ`` distinct rational levels; see :meth:`Grid.levels`.

    The codebook is stored with the model: :attr:`metadata_bits` counts, for each
    level, the bit lengths of its numerator and denominator plus a sign bit.
    """

    values_: tuple = ()
    kind: ClassVar[str] = "levels"

    def __init__(self, values: Iterable[Any] = ()) -> None:
        if isinstance(values, (str, bytes)):
            raise TypeError("values must be a sequence of numbers, got a string")
        try:
            items = list(values)
        except TypeError:
            raise TypeError(f"values must be a sequence of numbers, got {type(values).__name__}") from None
        if not items:
            raise ValueError("values must hold at least 1 level, got 0")
        fr = sorted(as_fraction(v, f"values[{i}]") for i, v in enumerate(items))
        for a, b in zip(fr, fr[1:]):
            if a == b:
                raise ValueError(f"values must be distinct; {a} appears twice")
        object.__setattr__(self, "values_", tuple(fr))

    def _levels(self) -> tuple[Fraction, ...]:
        return self.values_

    @property
    def metadata_bits(self) -> int:
        return sum(abs(v.numerator).bit_length() + v.denominator.bit_length() + 1 for v in self.values_)

    def __repr__(self) -> str:
        return f"LevelGrid(values=({', '.join(repr(v) for v in self.values_)}{',' if len(self.values_) == 1 else ''}))"


def grid_from_dict(d: dict) -> Grid:
    """Rebuild a grid from :func:`grid_to_dict` output (used by JSON files and the CLI)."""
    if not isinstance(d, dict) or "kind" not in d:
        raise ValueError("grid must be an object with a 'kind' key")
    kind = d["kind"]
    if kind == "fixed":
        return FixedGrid(bits=d.get("bits"), frac_bits=d.get("frac_bits", 0), symmetric=bool(d.get("symmetric", False)),
                         arbitrary=bool(d.get("arbitrary", False)))
    if kind == "bipolar":
        return BipolarGrid(scale_exp=d.get("scale_exp", 0))
    if kind == "levels":
        vals = d.get("values")
        if not isinstance(vals, list):
            raise ValueError("grid.values must be a list of numbers as strings")
        return LevelGrid([as_fraction(v, f"grid.values[{i}]") if isinstance(v, str) else v for i, v in enumerate(vals)])
    raise ValueError(f"grid.kind must be one of fixed, bipolar, levels; got {kind!r}")


def grid_to_dict(g: Grid) -> dict:
    """JSON-ready description of a grid (exact numbers as strings)."""
    if isinstance(g, FixedGrid):
        return {"kind": "fixed", "bits": g.bits, "frac_bits": g.frac_bits, "symmetric": g.symmetric, "arbitrary": g.arbitrary}
    if isinstance(g, BipolarGrid):
        return {"kind": "bipolar", "scale_exp": g.scale_exp}
    if isinstance(g, LevelGrid):
        return {"kind": "levels", "values": [str(v) for v in g.values_]}
    raise TypeError(f"grid must be a relubits grid, got {type(g).__name__}")


def parse_grid(spec: str) -> Grid:
    """Parse a grid from a short string: ``"fixed:8:4"``, ``"fixed:8:4:sym"``, ``"bipolar"``,
    ``"bipolar:-2"``, ``"levels:-1,0,1/2"``.

    Examples
    --------
    >>> parse_grid("fixed:8:4")
    FixedGrid(bits=8, frac_bits=4)
    """
    if not isinstance(spec, str) or not spec:
        raise ValueError("grid must be a string such as 'fixed:8:4', 'bipolar' or 'levels:-1,0,1'")
    parts = spec.split(":")
    try:
        if parts[0] == "fixed" and len(parts) in (2, 3, 4):
            sym = len(parts) == 4 and parts[3] == "sym"
            if len(parts) == 4 and not sym:
                raise ValueError
            return FixedGrid(bits=int(parts[1]), frac_bits=int(parts[2]) if len(parts) > 2 else 0, symmetric=sym)
        if parts[0] == "bipolar" and len(parts) in (1, 2):
            return BipolarGrid(scale_exp=int(parts[1]) if len(parts) == 2 else 0)
        if parts[0] == "levels" and len(parts) == 2:
            return LevelGrid([Fraction(v) for v in parts[1].split(",")])
    except (ValueError, ZeroDivisionError) as exc:
        if str(exc).startswith(("bits", "frac_bits", "scale_exp", "values")):
            raise
    raise ValueError(f"grid must look like 'fixed:BITS:FRAC[:sym]', 'bipolar[:EXP]' or 'levels:v1,v2,...'; got {spec!r}")
