"""Fixed-point number formats: a frozen value object plus exact rounding and overflow.

A value of a :class:`FixedFormat` is ``k * 2**-frac_bits`` with ``k`` an integer *code*.
The codes of a format are

* signed, two's complement (default): ``-2**(b-1) <= k <= 2**(b-1) - 1``;
* signed, ``symmetric=True`` (sign-magnitude range of the spec): ``|k| <= 2**(b-1) - 1``;
* unsigned: ``0 <= k <= 2**b - 1``;

where ``b = bits = signed + int_bits + frac_bits`` (``int_bits`` does **not** count the sign
bit, as in the TI ``Qm.n`` notation: ``Q3.4`` has 3 integer bits, 4 fraction bits and 8 bits
in all).  APyTypes counts the sign bit among its ``int_bits``; :meth:`FixedFormat.apytypes_kwargs`
does that translation.

Rounding works on integers only: :func:`round_shift` divides an integer by ``2**shift`` with
one of the five deterministic rounding modes; :func:`apply_overflow` maps codes outside the
range by the format's overflow mode (``saturate``, ``wrap`` or ``error``).  Both accept Python
ints and integer NumPy arrays (``int32``, ``int64`` or ``object``) and never pass through floats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = [
    "ROUNDING_MODES",
    "OVERFLOW_MODES",
    "FixedFormat",
    "FixedOverflowError",
    "round_shift",
    "apply_overflow",
    "parse_format",
]

#: rounding mode -> (APyTypes QuantizationMode name, fxpmath rounding name)
ROUNDING_MODES: dict[str, tuple[str, str]] = {
    "nearest-even": ("TIES_EVEN", "around"),
    "nearest-away": ("TIES_AWAY", "nearest_away"),
    "toward-zero": ("TO_ZERO", "fix"),
    "floor": ("TO_NEG", "floor"),
    "ceil": ("TO_POS", "ceil"),
}

#: overflow mode -> (APyTypes OverflowMode name or None, fxpmath overflow name or None)
OVERFLOW_MODES: dict[str, tuple[str | None, str | None]] = {
    "saturate": ("SAT", "saturate"),
    "wrap": ("WRAP", "wrap"),
    "error": (None, None),
}

#: formats wider than this need exact (Python int) evaluation, asked for explicitly
MAX_INT64_BITS = 62


class FixedOverflowError(OverflowError, ValueError):
    """A value left the range of a format whose overflow mode is ``"error"``."""


def _check_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        rng = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ValueError(f"{name} must be {rng}, got {value}")
    return value


@dataclass(frozen=True)
class FixedFormat:
    """A fixed-point format with its rounding and overflow modes.

    Parameters
    ----------
    int_bits : int
        Integer bits, not counting the sign bit (>= 0).
    frac_bits : int
        Fraction bits (>= 0); the grid step is ``2**-frac_bits``.
    signed : bool
        Signed (two's complement or symmetric) or unsigned codes.
    rounding : str
        One of ``nearest-even``, ``nearest-away``, ``toward-zero``, ``floor``, ``ceil``.
    overflow : str
        One of ``saturate``, ``wrap``, ``error``.
    symmetric : bool
        Signed formats only: drop the most negative code so that the range is ``[-max, max]``.

    Raises
    ------
    ValueError
        For 0 total bits, negative bit counts, unknown mode names, ``symmetric`` without ``signed``.

    Examples
    --------
    >>> f = FixedFormat(3, 4)
    >>> f.bits, f.min, f.max, f.name
    (8, Fraction(-8, 1), Fraction(127, 16), 'Q3.4')
    """

    int_bits: int
    frac_bits: int
    signed: bool = True
    rounding: str = "nearest-even"
    overflow: str = "saturate"
    symmetric: bool = False

    def __post_init__(self) -> None:
        _check_int("int_bits", self.int_bits, 0)
        _check_int("frac_bits", self.frac_bits, 0)
        object.__setattr__(self, "int_bits", int(self.int_bits))
        object.__setattr__(self, "frac_bits", int(self.frac_bits))
        if not isinstance(self.signed, bool):
            raise TypeError("signed must be a bool")
        if not isinstance(self.symmetric, bool):
            raise TypeError("symmetric must be a bool")
        if self.rounding not in ROUNDING_MODES:
            raise ValueError(
                f"rounding must be one of {sorted(ROUNDING_MODES)} (stochastic modes are excluded), "
                f"got {self.rounding!r}"
            )
        if self.overflow not in OVERFLOW_MODES:
            raise ValueError(f"overflow must be one of {sorted(OVERFLOW_MODES)}, got {self.overflow!r}")
        if self.symmetric and not self.signed:
            raise ValueError("symmetric=True needs signed=True (an unsigned range is already [0, max])")
        if self.bits < 1:
            raise ValueError("int_bits + frac_bits (+1 sign bit) must give at least 1 bit, got 0")
        if self.symmetric and self.bits < 2:
            raise ValueError("a symmetric format needs at least 2 bits (1 sign bit gives only 0)")

    # ------------------------------------------------------------------ sizes
    @property
    def bits(self) -> int:
        """Total bits: sign bit (if signed) + integer bits + fraction bits."""
        return int(self.signed) + self.int_bits + self.frac_bits

    @property
    def k_min(self) -> int:
        """Smallest code."""
        if not self.signed:
            return 0
        return -(2 ** (self.bits - 1)) + (1 if self.symmetric else 0)

    @property
    def k_max(self) -> int:
        """Largest code."""
        return 2 ** (self.bits - (1 if self.signed else 0)) - 1

    @property
    def size(self) -> int:
        """Number of representable values."""
        return self.k_max - self.k_min + 1

    @property
    def scale(self) -> int:
        """``2**frac_bits``: value = code / scale."""
        return 1 << self.frac_bits

    @property
    def step(self) -> Fraction:
        """Grid step ``2**-frac_bits``."""
        return Fraction(1, self.scale)

    @property
    def min(self) -> Fraction:
        return Fraction(self.k_min, self.scale)

    @property
    def max(self) -> Fraction:
        return Fraction(self.k_max, self.scale)

    @property
    def name(self) -> str:
        """``Qm.n`` (signed two's complement), ``SQm.n`` (symmetric) or ``UQm.n`` (unsigned)."""
        prefix = "UQ" if not self.signed else ("SQ" if self.symmetric else "Q")
        return f"{prefix}{self.int_bits}.{self.frac_bits}"

    def replace(self, **changes: Any) -> "FixedFormat":
        """A copy with some fields changed (validated again)."""
        fields = dict(
            int_bits=self.int_bits, frac_bits=self.frac_bits, signed=self.signed,
            rounding=self.rounding, overflow=self.overflow, symmetric=self.symmetric,
        )
        fields.update(changes)
        return FixedFormat(**fields)

    # ------------------------------------------------------------ enumeration
    def codes(self) -> np.ndarray:
        """All codes, ascending (int64; object for formats over 62 bits)."""
        if self.bits > MAX_INT64_BITS:
            raise ValueError(f"format {self.name} has {self.bits} bits; enumerating it is not sensible")
        return np.arange(self.k_min, self.k_max + 1, dtype=np.int64)

    def values(self) -> list[Fraction]:
        """All representable values as exact Fractions, ascending."""
        return [Fraction(int(k), self.scale) for k in self.codes()]

    # ------------------------------------------------------------ conversion
    def contains_code(self, k: int) -> bool:
        return self.k_min <= k <= self.k_max

    def __contains__(self, x: Any) -> bool:
        try:
            q = Fraction(x) * self.scale
        except (TypeError, ValueError):
            return False
        return q.denominator == 1 and self.contains_code(q.numerator)

    def to_code(self, x: Any, name: str = "value") -> int:
        """Exact code of a representable value (int, Fraction, float taken exactly, str).

        Raises
        ------
        ValueError
            If ``x`` is not on the grid or out of range (``name`` is used in the message).
        """
        try:
            q = Fraction(x) * self.scale
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be a number, got {x!r}") from exc
        if q.denominator != 1:
            raise ValueError(f"{name}={x} is not a multiple of 2**-{self.frac_bits} (format {self.name})")
        k = q.numerator
        if not self.contains_code(k):
            raise ValueError(f"{name}={x} is outside the range [{self.min}, {self.max}] of format {self.name}")
        return k

    def to_codes(self, xs: Any, name: str = "value") -> np.ndarray:
        """Vector version of :meth:`to_code`; returns an int64 array of the input's shape."""
        arr = np.asarray(xs, dtype=object)
        out = np.empty(arr.shape, dtype=np.int64 if self.bits <= MAX_INT64_BITS else object)
        for idx, x in np.ndenumerate(arr):
            out[idx] = self.to_code(x, name=f"{name}{list(idx) if arr.ndim else ''}")
        return out

    def from_code(self, k: int) -> Fraction:
        """Exact value of a code."""
        k = int(k)
        if not self.contains_code(k):
            raise ValueError(f"code {k} is outside [{self.k_min}, {self.k_max}] of format {self.name}")
        return Fraction(k, self.scale)

    def quantize(self, x: Any) -> int:
        """Round an exact number to this format (rounding + overflow modes); returns the code."""
        q = Fraction(x)
        num = q.numerator * self.scale
        den = q.denominator
        # den is arbitrary here: round num/den to an integer with the mode
        k = _round_fraction(num, den, self.rounding)
        return int(apply_overflow(k, self))

    def quantize_codes(self, num: Any, shift: int) -> Any:
        """Round integers ``num / 2**shift`` (in units of the grid step) to codes, then overflow."""
        return apply_overflow(round_shift(num, shift, self.rounding), self)

    # ------------------------------------------------------------ third parties
    def apytypes_kwargs(self) -> dict:
        """``int_bits``/``frac_bits`` for APyTypes (which counts the sign bit as an integer bit).

        Raises
        ------
        ValueError
            For unsigned or symmetric formats (APyTypes fixed-point is two's complement only).
        """
        if not self.signed or self.symmetric:
            raise ValueError(f"APyTypes has no equivalent of format {self.name} (two's complement only)")
        return {"int_bits": self.int_bits + 1, "frac_bits": self.frac_bits}

    def apytypes_modes(self) -> tuple[Any, Any]:
        """``(QuantizationMode, OverflowMode)`` of APyTypes; OverflowMode is None for ``error``."""
        import apytypes

        q_name, o_name = ROUNDING_MODES[self.rounding][0], OVERFLOW_MODES[self.overflow][0]
        q = getattr(apytypes.QuantizationMode, q_name)
        o = None if o_name is None else getattr(apytypes.OverflowMode, o_name)
        return q, o

    def fxpmath_kwargs(self) -> dict:
        """Keyword arguments of ``fxpmath.Fxp`` for this format (overflow ``error`` has no equivalent)."""
        if self.symmetric:
            raise ValueError(f"fxpmath has no equivalent of the symmetric format {self.name}")
        kw = {
            "signed": self.signed,
            "n_word": self.bits,
            "n_frac": self.frac_bits,
            "rounding": ROUNDING_MODES[self.rounding][1],
        }
        o = OVERFLOW_MODES[self.overflow][1]
        if o is not None:
            kw["overflow"] = o
        return kw

    def __str__(self) -> str:
        return f"{self.name}({self.rounding}, {self.overflow})"


_FORMAT_RE = re.compile(r"^(U|S)?Q(\d+)\.(\d+)$")


def parse_format(text: str, rounding: str = "nearest-even", overflow: str = "saturate") -> FixedFormat:
    """Parse ``Qm.n`` (two's complement), ``SQm.n`` (symmetric) or ``UQm.n`` (unsigned).

    Examples
    --------
    >>> parse_format("Q3.4").bits
    8
    """
    if not isinstance(text, str):
        raise TypeError(f"format must be a string like 'Q3.4', got {type(text).__name__}")
    m = _FORMAT_RE.match(text.strip())
    if not m:
        raise ValueError(f"format must look like Q3.4, SQ3.4 or UQ3.4, got {text!r}")
    kind, p, s = m.group(1), int(m.group(2)), int(m.group(3))
    return FixedFormat(p, s, signed=kind != "U", rounding=rounding, overflow=overflow, symmetric=kind == "S")


# ---------------------------------------------------------------------- kernels
def _round_fraction(num: int, den: int, mode: str) -> int:
    """Round the rational num/den (den > 0) to an integer, exactly."""
    q, r = divmod(num, den)  # floor division, 0 <= r < den
    if r == 0:
        return q
    if mode == "floor":
        return q
    if mode == "ceil":
        return q + 1
    if mode == "toward-zero":
        return q if num >= 0 else q + 1
    twice = 2 * r
    if twice > den:
        return q + 1
    if twice < den:
        return q
    if mode == "nearest-even":
        return q + (q & 1)
    if mode == "nearest-away":
        return q if num < 0 else q + 1
    raise ValueError(f"rounding must be one of {sorted(ROUNDING_MODES)}, got {mode!r}")


def round_shift(num: Any, shift: int, mode: str) -> Any:
    """Round ``num / 2**shift`` to an integer with ``mode``, exactly.

    Works on Python ints and on integer NumPy arrays (int32/int64/object) without floats:
    arithmetic right shifts floor, and the nearest modes add a correction before shifting
    (``nearest-even``: ``(n + h - 1 + ((n >> s) & 1)) >> s`` with ``h = 2**(s-1)``).
    The caller guarantees that ``num + 2**shift`` fits the dtype.
    """
    if shift == 0:
        return num
    if shift < 0:
        raise ValueError(f"shift must be >= 0, got {shift}")
    if mode == "floor":
        return num >> shift
    if mode == "ceil":
        return -((-num) >> shift)
    half = 1 << (shift - 1)
    if mode == "nearest-even":
        return (num + (half - 1) + ((num >> shift) & 1)) >> shift
    if mode == "nearest-away":
        if isinstance(num, np.ndarray):
            return (num + half - (num < 0).astype(num.dtype)) >> shift
        return (num + half - (1 if num < 0 else 0)) >> shift
    if mode == "toward-zero":
        if isinstance(num, np.ndarray):
            neg = (num < 0).astype(num.dtype)
            return (num + neg * ((1 << shift) - 1)) >> shift
        return (num + ((1 << shift) - 1 if num < 0 else 0)) >> shift
    raise ValueError(f"rounding must be one of {sorted(ROUNDING_MODES)}, got {mode!r}")


def apply_overflow(k: Any, fmt: FixedFormat, where: str = "") -> Any:
    """Map codes outside ``[k_min, k_max]`` by ``fmt.overflow``.

    ``saturate`` clips; ``wrap`` reduces modulo the number of codes (two's complement wrap-around
    for the default formats); ``error`` raises :class:`FixedOverflowError`.
    """
    lo, hi = fmt.k_min, fmt.k_max
    if isinstance(k, np.ndarray):
        if k.size == 0:
            return k
        kmin, kmax = k.min(), k.max()
        if kmin >= lo and kmax <= hi:
            return k
        if fmt.overflow == "saturate":
            return np.clip(k, lo, hi) if k.dtype != object else np.minimum(np.maximum(k, lo), hi)
        if fmt.overflow == "wrap":
            return (k - lo) % fmt.size + lo
        bad = kmin if kmin < lo else kmax
        raise FixedOverflowError(
            f"overflow{(' in ' + where) if where else ''}: value {Fraction(int(bad), fmt.scale)} outside "
            f"[{fmt.min}, {fmt.max}] of format {fmt.name} with overflow='error'"
        )
    k = int(k)
    if lo <= k <= hi:
        return k
    if fmt.overflow == "saturate":
        return lo if k < lo else hi
    if fmt.overflow == "wrap":
        return (k - lo) % fmt.size + lo
    raise FixedOverflowError(
        f"overflow{(' in ' + where) if where else ''}: value {Fraction(k, fmt.scale)} outside "
        f"[{fmt.min}, {fmt.max}] of format {fmt.name} with overflow='error'"
    )


def ceil_log2(n: int) -> int:
    """``ceil(log2(n))`` for n >= 1 (0 for n = 1)."""
    return max(0, (int(n) - 1).bit_length())


def accumulator_bits(fmt: FixedFormat, fan_in: int, fused: bool) -> int:
    """Bits (sign included) that hold every intermediate integer of one affine map exactly.

    Codes satisfy ``|k| <= 2**(b-1)`` (``b = fmt.bits``; unsigned: ``k < 2**b``), so a product
    ``|w x| <= 2**(2b-2)`` (unsigned ``< 2**(2b)``).  Per-operation rounding sums ``fan_in + 1``
    rounded codes, fused accumulation sums ``fan_in`` exact products and the bias shifted by
    ``frac_bits`` (``< 2**(2b-2)`` too); rounding adds less than ``2**frac_bits``.  A sum of
    ``n`` terms each below ``2**e`` in magnitude is below ``2**(e + ceil(log2 n))``; one sign bit
    and one guard bit for the rounding correction give the count returned here.
    """
    b = fmt.bits
    e_prod = 2 * b if not fmt.signed else 2 * b - 2
    if fused:
        return e_prod + ceil_log2(fan_in + 1) + 2
    e_code = b if not fmt.signed else b - 1
    return max(e_prod + 2, e_code + ceil_log2(fan_in + 1) + 2)


__all__ += ["accumulator_bits", "ceil_log2", "MAX_INT64_BITS"]

