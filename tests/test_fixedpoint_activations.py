"""Correctly rounded activation tables: against mpmath, exact ties, landmarks, caching."""

from fractions import Fraction

import numpy as np
import pytest

from relubits.fixedpoint import ACTIVATIONS, ROUNDING_MODES, FixedFormat, FixedOverflowError, rounded_activation
from relubits.fixedpoint.activations import activation_value_code
from relubits.fixedpoint.formats import apply_overflow

mpmath = pytest.importorskip("mpmath")

MP = {
    "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
    "elu": lambda x: x if x >= 0 else mpmath.expm1(x),
    "softplus": lambda x: mpmath.log(1 + mpmath.exp(x)),
    "silu": lambda x: x / (1 + mpmath.exp(-x)),
    "mish": lambda x: x * mpmath.tanh(mpmath.log(1 + mpmath.exp(x))),
    "gelu": lambda x: x / 2 * (1 + mpmath.erf(x / mpmath.sqrt(2))),
}


def brute(name, fmt, k):
    """Independent reference: 400-bit mpmath value, then rounding of the 2**-s multiple."""
    x = Fraction(int(k), fmt.scale)
    with mpmath.workprec(400):
        t = MP[name](mpmath.mpf(x.numerator) / x.denominator) * fmt.scale
        fl = int(mpmath.floor(t))
        d = t - fl
        if fmt.rounding == "floor":
            r = fl
        elif fmt.rounding == "ceil":
            r = fl if d == 0 else fl + 1
        elif fmt.rounding == "toward-zero":
            r = fl if (t >= 0 or d == 0) else fl + 1
        elif d == mpmath.mpf(1) / 2:
            r = (fl + (fl & 1)) if fmt.rounding == "nearest-even" else (fl + 1 if t > 0 else fl)
        else:
            r = fl + (1 if d > mpmath.mpf(1) / 2 else 0)
    return r


@pytest.mark.parametrize("name", sorted(MP))
@pytest.mark.parametrize("mode", sorted(ROUNDING_MODES))
def test_tables_match_high_precision_reference(name, mode):
    for fmt in (FixedFormat(2, 3, rounding=mode), FixedFormat(1, 5, rounding=mode, overflow="wrap")):
        table = rounded_activation(name, fmt)
        ref = apply_overflow(np.array([brute(name, fmt, k) for k in fmt.codes()]), fmt)
        assert (table.codes == ref).all()


def test_exact_ties_follow_the_tie_rule():
    # sigmoid(0) = 1/2 exactly: with 0 fraction bits it is a tie between 0 and 1
    assert rounded_activation("sigmoid", FixedFormat(2, 0, rounding="nearest-even")).value(0) == 0
    assert rounded_activation("sigmoid", FixedFormat(2, 0, rounding="nearest-away")).value(0) == 1
    assert rounded_activation("sigmoid", FixedFormat(2, 0, rounding="ceil")).value(0) == 1
    assert rounded_activation("elu", FixedFormat(2, 2)).value(Fraction(3, 4)) == Fraction(3, 4)
    assert rounded_activation("step", FixedFormat(2, 2)).value(0) == 1


def test_far_tails_are_decided_by_strict_inequalities():
    # gelu(-128) is about -1e-3560: floor gives -1/256, ceil and toward-zero give 0
    f = FixedFormat(7, 8, rounding="floor")
    assert activation_value_code("gelu", f, -128 * 256) == -1
    assert activation_value_code("gelu", f.replace(rounding="ceil"), -128 * 256) == 0
    assert activation_value_code("softplus", f, 100 * 256) == 100 * 256  # 100 + e^-100 -> floor 100
    assert activation_value_code("softplus", f.replace(rounding="ceil"), 100 * 256) == 100 * 256 + 1


def test_sigmoid_landmarks_of_the_spec():
    never = rounded_activation("sigmoid", FixedFormat(1, 2, symmetric=True))  # the spec's range
    assert 0 not in never.codes and never.fmt.scale not in never.codes  # never 0 nor 1
    # two's complement adds x = -2, where sigmoid(-2) * 4 = 0.477 rounds to 0
    assert rounded_activation("sigmoid", FixedFormat(1, 2)).value(-2) == 0
    t = rounded_activation("sigmoid", FixedFormat(2, 4))
    vals = [Fraction(int(k), 16) for k in t.fmt.codes()]
    zero = [v for v, c in zip(vals, t.codes) if c == 0]
    one = [v for v, c in zip(vals, t.codes) if c == 16]
    assert max(zero) == Fraction(-55, 16) and min(one) == Fraction(55, 16)  # |z| >= 3.4375


def test_overflowing_activation_raises_only_when_reached():
    fmt = FixedFormat(0, 3, overflow="error")  # max 7/8: step(x) = 1 overflows
    table = rounded_activation("step", fmt)
    assert table.overflow_mask is not None
    assert table(np.array([-3])).tolist() == [0]
    with pytest.raises(FixedOverflowError, match="step"):
        table(np.array([0]))


def test_tables_are_cached_and_read_only():
    f = FixedFormat(3, 3)
    a = rounded_activation("mish", f)
    assert rounded_activation("mish", f) is a
    with pytest.raises(ValueError):
        a.codes[0] = 1
    with pytest.raises(ValueError, match="activation"):
        rounded_activation("tanh", f)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_monotone_activations_stay_monotone_after_rounding(name):
    table = rounded_activation(name, FixedFormat(3, 4))
    diffs = np.diff(table.codes)
    if name in ("silu", "mish", "gelu"):
        assert (diffs < 0).any()  # the negative dip survives rounding at s = 4
    else:
        assert (diffs >= 0).all()
