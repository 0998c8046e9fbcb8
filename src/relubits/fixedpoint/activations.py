"""Correctly rounded activations on a fixed-point grid, tabulated once per (activation, format).

``rounded_activation(name, fmt)`` returns an :class:`ActivationTable`: for every code ``k`` of
``fmt`` the code of ``round(sigma(k * 2**-s))`` under ``fmt.rounding`` followed by
``fmt.overflow``.  The rounding is *correct for every representable input*:

* ``relu``, ``identity``, ``step`` (Heaviside with ``step(0) = 1``) and ``elu`` on ``x >= 0``
  are rational, so they are rounded exactly with integers;
* the transcendental ones (``sigmoid``, ``elu`` on ``x < 0``, ``softplus``, ``silu``, ``mish``,
  ``gelu`` = ``x * Phi(x)``, the exact erf form) are first evaluated in float64; a code is
  accepted from float64 only when ``sigma(x) * 2**s`` lies farther than ``1e-12 * max(1, |t|)``
  from every rounding boundary (integers for the directed modes, half-integers for the nearest
  modes), i.e. farther than thousands of float64 ulps, while the float64 evaluation errs by a
  few ulps.  Every other code is decided with ``mpmath`` at increasing precision, after the
  rational special points (``x = 0``: sigmoid 1/2, silu/mish/gelu/elu 0) have been handled
  exactly, so that exact ties are decided by the tie rule and never by a float.

Tables are cached (``functools.lru_cache``) by (name, format).  ``ACTIVATIONS`` lists the names.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from relubits.fixedpoint.formats import (
    FixedFormat,
    FixedOverflowError,
    _round_fraction,
    apply_overflow,
)

__all__ = ["ACTIVATIONS", "ActivationTable", "rounded_activation", "activation_value_code"]

ACTIVATIONS = ("relu", "identity", "step", "sigmoid", "elu", "softplus", "silu", "mish", "gelu")
SMOOTH = ("sigmoid", "elu", "softplus", "silu", "mish", "gelu")
MAX_TABLE_BITS = 22


def _check_name(name: str) -> str:
    if not isinstance(name, str) or name.lower() not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(ACTIVATIONS)}, got {name!r}")
    return name.lower()


def _exact_value(name: str, x: Fraction) -> Fraction | None:
    """sigma(x) when it is rational at this x (None when it is not, or not known to be)."""
    if name == "relu":
        return max(x, Fraction(0))
    if name == "identity":
        return x
    if name == "step":
        return Fraction(1) if x >= 0 else Fraction(0)
    if name == "elu" and x >= 0:
        return x
    if x == 0:
        return {"sigmoid": Fraction(1, 2), "elu": Fraction(0), "silu": Fraction(0),
                "mish": Fraction(0), "gelu": Fraction(0)}.get(name)
    return None


def _mp_value(name: str, x: Fraction, mp: Any) -> Any:
    xm = mp.mpf(x.numerator) / x.denominator
    if name == "sigmoid":
        return 1 / (1 + mp.exp(-xm))
    if name == "elu":
        return mp.expm1(xm)  # only called for x < 0
    if name == "softplus":
        return mp.log1p(mp.exp(xm))
    if name == "silu":
        return xm / (1 + mp.exp(-xm))
    if name == "mish":
        return xm * mp.tanh(mp.log1p(mp.exp(xm)))
    if name == "gelu":
        return xm / 2 * (1 + mp.erf(xm / mp.sqrt(2)))
    raise ValueError(name)


def activation_value_code(name: str, fmt: FixedFormat, k: int, max_prec: int = 4000) -> int:
    """Code of round(sigma(k/2**s)) before overflow handling, decided exactly.

    Raises
    ------
    ArithmeticError
        If ``max_prec`` bits of mpmath cannot decide the rounding (an exact tie at an
        irrational-looking point; never observed).
    """
    name = _check_name(name)
    x = Fraction(int(k), fmt.scale)
    ex = _exact_value(name, x)
    if ex is not None:
        return _round_fraction(ex.numerator * fmt.scale, ex.denominator, fmt.rounding)
    import mpmath

    prec = 64 + 2 * fmt.bits
    while prec <= max_prec:
        with mpmath.workprec(prec):
            t = _mp_value(name, x, mpmath) * fmt.scale
            n0 = int(mpmath.nint(t))
            eps = mpmath.mpf(2) ** (-(prec - 16 - max(0, int(mpmath.log(abs(t) + 1, 2)))))
            if abs(t - n0) <= eps:
                # t is (numerically) at the integer n0: decide the side by a strict inequality
                side = _known_side(name, x, Fraction(n0, fmt.scale))
                if side is not None:
                    return _directed(n0, side, fmt.rounding)
            else:
                fl = int(mpmath.floor(t))
                frac = t - fl
                if fmt.rounding in ("nearest-even", "nearest-away"):
                    if abs(frac - mpmath.mpf(1) / 2) > eps:
                        return fl + (1 if frac > mpmath.mpf(1) / 2 else 0)
                elif fmt.rounding == "floor":
                    return fl
                elif fmt.rounding == "ceil":
                    return fl + 1
                else:
                    return fl if t >= 0 else fl + 1  # toward-zero
        prec *= 2
    raise ArithmeticError(f"cannot decide the rounding of {name}({x}) in {fmt.name} within {max_prec} bits")


def _directed(n0: int, side: int, rounding: str) -> int:
    """Rounding of a number strictly on side ``side`` (+1 above, -1 below) of the integer n0,
    closer to n0 than 1/4."""
    if rounding in ("nearest-even", "nearest-away"):
        return n0
    below, above = (n0 - 1, n0) if side < 0 else (n0, n0 + 1)
    if rounding == "floor":
        return below
    if rounding == "ceil":
        return above
    positive = n0 > 0 or (n0 == 0 and side > 0)
    return below if positive else above  # toward-zero


def _known_side(name: str, x: Fraction, c: Fraction) -> int | None:
    """+1 if sigma(x) > c, -1 if sigma(x) < c is known from a strict inequality, else None.

    sigmoid: 0 < s < 1; elu (x < 0): max(x, -1) < s < 0; softplus: s > max(x, 0);
    silu, gelu, mish (x != 0): s strictly between 0 and x.
    """
    if name == "sigmoid":
        return 1 if c <= 0 else (-1 if c >= 1 else None)
    if name == "elu":
        return 1 if c <= max(x, Fraction(-1)) else (-1 if c >= 0 else None)
    if name == "softplus":
        return 1 if c <= max(x, Fraction(0)) else None
    if name in ("silu", "gelu", "mish"):
        lo, hi = min(x, Fraction(0)), max(x, Fraction(0))
        return 1 if c <= lo else (-1 if c >= hi else None)
    return None


def _known_side_vec(name: str, x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Vector form of :func:`_known_side` on float64 grid values (exact comparisons); 0 = unknown."""
    side = np.zeros(x.shape, dtype=np.int64)
    if name == "sigmoid":
        lo, hi = np.zeros_like(x), np.ones_like(x)
    elif name == "elu":
        lo, hi = np.maximum(x, -1.0), np.zeros_like(x)
    elif name == "softplus":
        lo, hi = np.maximum(x, 0.0), np.full_like(x, np.inf)
    elif name in ("silu", "gelu", "mish"):
        lo, hi = np.minimum(x, 0.0), np.maximum(x, 0.0)
        hi = np.where(x == 0, np.inf, hi)
        lo = np.where(x == 0, -np.inf, lo)
    else:
        return side
    side[c <= lo] = 1
    side[c >= hi] = -1
    side[x == 0] = 0  # rational special points are decided exactly elsewhere
    if name == "elu":
        side[x >= 0] = 0
    return side


def _float_values(name: str, x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        if name == "sigmoid":
            return np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))
        if name == "elu":
            return np.where(x >= 0, x, np.expm1(np.minimum(x, 0.0)))
        if name == "softplus":
            return np.logaddexp(0.0, x)
        if name == "silu":
            return x * np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))
        if name == "mish":
            return x * np.tanh(np.logaddexp(0.0, x))
        if name == "gelu":
            try:
                from scipy.special import erf
            except ImportError:  # pragma: no cover - scipy is optional
                import math

                erf = np.vectorize(math.erf, otypes=[float])
            return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))
    raise ValueError(name)


@dataclass(frozen=True, eq=False)
class ActivationTable:
    """sigma_Q on every code of a format.

    Attributes
    ----------
    name, fmt
        The activation and the format (its rounding and overflow modes were applied).
    codes : numpy.ndarray
        ``codes[k - fmt.k_min]`` is the code of sigma_Q(k / 2**s) (int64; saturated where the
        format's overflow mode is ``error`` and ``overflow_mask`` is set).
    overflow_mask : numpy.ndarray or None
        Where sigma(x) rounds outside the range (only kept for overflow='error').
    """

    name: str
    fmt: FixedFormat
    codes: np.ndarray
    overflow_mask: np.ndarray | None

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Apply sigma_Q to an integer array of codes (any integer dtype)."""
        idx = np.asarray(z, dtype=np.int64) - self.fmt.k_min
        if self.overflow_mask is not None and self.overflow_mask[idx].any():
            bad = int(np.asarray(z).ravel()[np.flatnonzero(self.overflow_mask[idx].ravel())[0]])
            raise FixedOverflowError(
                f"overflow in activation {self.name}({Fraction(bad, self.fmt.scale)}): the rounded value "
                f"is outside [{self.fmt.min}, {self.fmt.max}] of {self.fmt.name} with overflow='error'"
            )
        out = self.codes[idx]
        return out.astype(np.asarray(z).dtype, copy=False) if np.asarray(z).dtype != object else out.astype(object)

    def value(self, x: Any) -> Fraction:
        """sigma_Q at one representable value, as a Fraction."""
        k = self.fmt.to_code(x, name="x")
        return Fraction(int(self.codes[k - self.fmt.k_min]), self.fmt.scale)

    def is_constant(self) -> bool:
        return bool((self.codes == self.codes[0]).all())


def rounded_activation(name: str, fmt: FixedFormat) -> ActivationTable:
    """The tabulated rounded activation sigma_Q = round o sigma on ``fmt`` (cached).

    Parameters
    ----------
    name : str
        One of :data:`ACTIVATIONS`.
    fmt : FixedFormat
        Format of inputs and outputs (at most 22 bits for a table).

    Returns
    -------
    ActivationTable

    Examples
    --------
    >>> from relubits.fixedpoint.formats import FixedFormat
    >>> t = rounded_activation("sigmoid", FixedFormat(2, 4))
    >>> t.value(0), t.value(-4), t.value(Fraction(55, 16))
    (Fraction(1, 2), Fraction(0, 1), Fraction(1, 1))
    """
    name = _check_name(name)
    if not isinstance(fmt, FixedFormat):
        raise TypeError(f"fmt must be a FixedFormat, got {type(fmt).__name__}")
    if fmt.bits > MAX_TABLE_BITS:
        raise ValueError(f"fmt has {fmt.bits} bits; activation tables need at most {MAX_TABLE_BITS}")
    return _table(name, fmt)


@functools.lru_cache(maxsize=256)
def _table(name: str, fmt: FixedFormat) -> ActivationTable:
    k = fmt.codes()
    if name == "relu":
        raw = np.maximum(k, 0)
    elif name == "identity":
        raw = k.copy()
    elif name == "step":
        raw = np.where(k >= 0, fmt.scale, 0).astype(np.int64)
    else:
        x = k.astype(np.float64) / fmt.scale
        t = _float_values(name, x) * fmt.scale
        fl = np.floor(t)
        frac = t - fl
        tol = 1e-12 * np.maximum(1.0, np.abs(t))
        if fmt.rounding in ("nearest-even", "nearest-away"):
            sure = np.abs(frac - 0.5) > tol
            raw_f = fl + (frac > 0.5)
        else:
            sure = (frac > tol) & (1.0 - frac > tol)
            if fmt.rounding == "floor":
                raw_f = fl
            elif fmt.rounding == "ceil":
                raw_f = fl + 1
            else:
                raw_f = np.where(t >= 0, fl, fl + 1)
        sure &= np.isfinite(t) & (np.abs(t) < 2.0**52)
        raw = raw_f.astype(np.int64)
        # numerically at an integer n0: a strict inequality of sigma decides the side exactly
        n0 = np.rint(t)
        near = ~sure & np.isfinite(t) & (np.abs(t - n0) <= 1e-9 * np.maximum(1.0, np.abs(t)))
        if near.any():
            side = _known_side_vec(name, x, n0 / fmt.scale)
            for i in np.flatnonzero(near & (side != 0)):
                raw[i] = _directed(int(n0[i]), int(side[i]), fmt.rounding)
                sure[i] = True
        for i in np.flatnonzero(~sure):
            raw[i] = activation_value_code(name, fmt, int(k[i]))
    mask = None
    if fmt.overflow == "error":
        mask = (raw < fmt.k_min) | (raw > fmt.k_max)
        raw = np.clip(raw, fmt.k_min, fmt.k_max)
        if not mask.any():
            mask = None
    else:
        raw = apply_overflow(raw, fmt)
    raw = np.ascontiguousarray(raw, dtype=np.int64)
    raw.setflags(write=False)
    if mask is not None:
        mask.setflags(write=False)
    return ActivationTable(name, fmt, raw, mask)
