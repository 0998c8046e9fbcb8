"""Exact numbers: validated conversion to :class:`fractions.Fraction` and integer helpers.

relubits keeps every parameter as an exact rational.  Inputs may be given as
``int``, :class:`~fractions.Fraction`, finite ``float`` (taken *exactly* as the
binary number it is: ``0.1`` becomes ``3602879701896397/36028797018963968``),
NumPy scalars, :class:`decimal.Decimal`, or strings such as ``"3/8"`` or
``"0.125"`` (decimal strings are read exactly: ``"0.1"`` is ``1/10``).
NaN, infinities, booleans and anything else raise ``ValueError``/``TypeError``
naming the parameter.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction
from numbers import Rational
from typing import Any

import numpy as np

__all__ = ["as_fraction", "as_int", "dyadic_arrays", "int_matmul", "lcm_all", "max_abs_int", "object_array", "INT64_SAFE"]

#: Magnitude below which int64 arithmetic (one add of two such values) is safe.
INT64_SAFE = 2**62
#: Largest |exponent| accepted in a decimal string such as "1e-30" (10**huge would hang).
MAX_DECIMAL_EXPONENT = 4000
_EXPONENT = re.compile(r"[eE]\s*([+-]?\d+)")


def as_fraction(x: Any, name: str = "value") -> Fraction:
    """Convert ``x`` to an exact :class:`~fractions.Fraction`.

    Parameters
    ----------
    x : int, Fraction, float, numpy scalar, Decimal or str
        The number. Floats are taken exactly (no decimal rounding).
    name : str
        Parameter name used in error messages.

    Returns
    -------
    Fraction

    Raises
    ------
    ValueError
        If ``x`` is NaN, infinite, or a string that is not a number.
    TypeError
        If ``x`` is not a number (booleans included).

    Examples
    --------
    >>> as_fraction(0.375)
    Fraction(3, 8)
    >>> as_fraction("1/3")
    Fraction(1, 3)
    """
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number, got a boolean")
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    if isinstance(x, (float, np.floating)):
        xf = float(x)
        if not math.isfinite(xf):
            raise ValueError(f"{name} must be finite, got {xf}")
        return Fraction(xf)
    if isinstance(x, Rational):
        return Fraction(x.numerator, x.denominator)
    if isinstance(x, Decimal):
        if not x.is_finite():
            raise ValueError(f"{name} must be finite, got {x}")
        return Fraction(x)
    if isinstance(x, str):
        m = _EXPONENT.search(x)
        if m and abs(int(m.group(1))) > MAX_DECIMAL_EXPONENT or len(x) > 10_000:
            raise ValueError(f"{name} must be a rational number with a decimal exponent of at most "
                             f"{MAX_DECIMAL_EXPONENT} and at most 10000 characters, got {x[:40]!r}")
        try:
            return Fraction(x.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{name} must be a rational number such as '3/8' or '0.125', got {x!r}") from None
    if hasattr(x, "numerator") and hasattr(x, "denominator"):  # e.g. flint.fmpq
        try:
            return Fraction(int(x.numerator), int(x.denominator))
        except (TypeError, ValueError):
            pass
    raise TypeError(f"{name} must be a number (int, Fraction, float or numeric string), got {type(x).__name__}")


def as_int(x: Any, name: str, lo: int | None = None, hi: int | None = None) -> int:
    """Validate that ``x`` is an integer in ``[lo, hi]`` and return it as ``int``.

    Integral floats such as ``4.0`` are accepted; ``4.5``, NaN and booleans are not.

    Raises
    ------
    ValueError, TypeError
        Naming ``name`` and the accepted range.
    """
    rng = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer in {rng}, got a boolean")
    if isinstance(x, (int, np.integer)):
        v = int(x)
    elif isinstance(x, (float, np.floating)):
        if not math.isfinite(float(x)) or float(x) != int(x):
            raise ValueError(f"{name} must be an integer in {rng}, got {x}")
        v = int(x)
    else:
        raise TypeError(f"{name} must be an integer in {rng}, got {type(x).__name__}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ValueError(f"{name} must be an integer in {rng}, got {v}")
    return v


def object_array(values, shape) -> np.ndarray:
    """A NumPy object array of the given shape holding ``values`` (a flat sequence) as they are."""
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out.reshape(shape)


def lcm_all(values) -> int:
    """Least common multiple of an iterable of positive ints (1 for an empty iterable)."""
    out = 1
    for v in values:
        v = int(v)
        out = out // math.gcd(out, v) * v
    return out


def dyadic_arrays(arr: np.ndarray, name: str) -> tuple[np.ndarray, int]:
    """Write a float array exactly as ``num / den`` with one shared power-of-two ``den``.

    The result is in lowest terms (``den`` is the smallest power of two that works).

    Parameters
    ----------
    arr : ndarray of float
        Finite values.
    name : str
        Parameter name for error messages.

    Returns
    -------
    num : ndarray of int64 or object (Python ints)
        Integer numerators, same shape as ``arr``: ``int64`` when every numerator is below
        ``2**62`` in magnitude (the usual case, fully vectorised), otherwise Python ints.
    den : int
        A power of two.

    Raises
    ------
    ValueError
        If any entry is NaN or infinite.

    Examples
    --------
    >>> num, den = dyadic_arrays(np.array([0.5, 0.25, -3.0]), "x")
    >>> num.tolist(), den
    ([2, 1, -12], 4)
    """
    a = np.asarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0]
        raise ValueError(f"{name}[{', '.join(map(str, bad))}] must be finite, got {a[tuple(bad)]}")
    mant, expo = np.frexp(a)  # a = mant * 2**expo, 0.5 <= |mant| < 1
    # integer mantissa m = mant * 2**53 (exact), so a = m * 2**(expo - 53)
    m = np.ldexp(mant, 53).astype(np.int64)
    e = expo.astype(np.int64) - 53
    nz = m != 0
    if not np.any(nz):
        return np.zeros(a.shape, dtype=np.int64), 1
    # strip trailing zero bits so that m is odd: m & -m is the lowest set bit (two's complement),
    # an exact power of two below 2**53, whose float exponent gives the shift
    low = np.where(nz, m & -m, 1)
    tz = (np.frexp(low.astype(np.float64))[1] - 1).astype(np.int64)
    m = m >> tz  # exact: the shifted-out bits are zero (arithmetic shift keeps the sign)
    e = e + tz
    emin = int(e[nz].min())
    shift = np.where(nz, e - emin, 0)  # >= 0
    bits = np.frexp(np.abs(m).astype(np.float64))[1]  # bit length of |m| (|m| < 2**53: exact)
    top = int((bits + shift)[nz].max()) + max(emin, 0)
    if top <= 62:  # every numerator |m| * 2**(shift + max(emin, 0)) < 2**62 fits in int64
        num = np.where(nz, m << shift, 0)
        if emin >= 0:
            return num << emin, 1
        return num, 1 << (-emin)
    flat = [v << s if v else 0 for v, s in zip(m.ravel().tolist(), shift.ravel().tolist())]
    num = object_array(flat, a.shape)
    if emin >= 0:
        return num * (1 << emin), 1
    return num, 1 << (-emin)


def int_matmul(X: np.ndarray, Y: np.ndarray, add: np.ndarray | None = None) -> np.ndarray:
    """Exact ``X @ Y (+ add)`` for integer arrays, on fast hardware paths whenever provably exact.

    Paths, tried in order (each guarded by a rigorous bound, so none can overflow silently):

    1. **float64 BLAS**: when every partial sum is an integer below ``2**52`` (bounded by
       ``|X| @ |Y|``), the float product is the exact integer product.
    2. **two float limbs**: ``X = X_hi * 2**k + X_lo`` with ``k`` chosen so that both
       ``X_hi @ Y`` and ``X_lo @ Y`` are exact in float64; they are recombined in int64.
    3. **int64**: exact modulo ``2**64``; accepted because a float bound shows that every
       true entry lies in ``(-2**62, 2**62)``, so wrap-around of intermediates cancels.
    4. **Python integers** otherwise.

    The bound used in 2 and 3: with ``F = fl(X @ Y)``, ``G = fl(|X| @ |Y|)`` computed from
    the rounded inputs, ``|true - F| <= (gamma_{n+2} + 2**-51) * G``.

    Parameters
    ----------
    X : ndarray (m, n) of int64 or Python ints (object)
    Y : ndarray (n, k) of int64 or Python ints (object)
    add : ndarray broadcastable to (m, k), optional

    Returns
    -------
    ndarray of int64 (when provably exact) or object (Python ints)
    """
    def slow():
        out = X.astype(object).dot(Y.astype(object))
        return out + add.astype(object) if add is not None else out

    arrays = (X, Y) + ((add,) if add is not None else ())
    if not X.size or not Y.size or any(a.dtype.kind not in "iuO" for a in arrays):
        return slow()
    mags = [max_abs_int(a) for a in arrays]
    if max(mags) >= 2**62:
        return slow()
    X64, Y64 = X.astype(np.int64), Y.astype(np.int64)
    add64 = add.astype(np.int64) if add is not None else None
    Xf, Yf = X64.astype(np.float64), Y64.astype(np.float64)
    n = X.shape[-1]
    gamma = (n + 2) * 2.0**-53 / (1 - (n + 2) * 2.0**-53) + 2.0**-51
    with np.errstate(over="ignore", invalid="ignore"):
        F = Xf @ Yf
        G = np.abs(Xf) @ np.abs(Yf)
        total = np.abs(F) + gamma * G + 1.0
        if add64 is not None:
            total = total + np.abs(add64.astype(np.float64)) * (1 + 2.0**-52)
    if not np.all(np.isfinite(total)) or float(total.max()) >= 2.0**62 * (1 - 2.0**-50):
        return slow()
    gmax = float(G.max()) * (1 + gamma)
    if max(mags[0], mags[1]) < 2**53 and gmax < 2.0**52:
        out = np.rint(F).astype(np.int64)
        return out + add64 if add64 is not None else out
    ysum = int(np.abs(Y64).sum(axis=0).max())  # exact: |Y| < 2**62 / n checked by the total bound
    k = 51 - ysum.bit_length()
    if k >= 1 and (mags[0] >> k) * ysum < 2**51:
        Xh = X64 >> k
        Xl = X64 - (Xh << k)  # 0 <= Xl < 2**k, so |Xl| @ |Y| < 2**51: exact in float
        Fh = np.rint(Xh.astype(np.float64) @ Yf).astype(np.int64)
        Fl = np.rint(Xl.astype(np.float64) @ Yf).astype(np.int64)
        out = (Fh << k) + Fl
        return out + add64 if add64 is not None else out
    out = X64 @ Y64
    return out + add64 if add64 is not None else out


def max_abs_int(a: np.ndarray) -> int:
    """``max |a|`` of an integer array (int64 or Python ints) as an exact ``int`` (0 if empty)."""
    if a.size == 0:
        return 0
    if a.dtype == object:
        try:  # Python ints that all fit in int64 (the usual case): one C-level conversion
            a = a.astype(np.int64)
        except (OverflowError, TypeError, ValueError):
            return max(abs(int(v)) for v in a.ravel())
    return max(int(a.max()), -int(a.min()))


def array_gcd(a: np.ndarray, start: int = 0) -> int:
    """``gcd(start, *a)`` of an integer array (int64 or Python ints), stopping early at 1."""
    start = abs(int(start))
    if start == 1 or a.size == 0:
        return start
    if a.dtype != object:
        return math.gcd(int(np.gcd.reduce(a.ravel())), start)
    g = start
    for v in a.ravel():
        g = math.gcd(g, int(v))
        if g == 1:
            break
    return g
