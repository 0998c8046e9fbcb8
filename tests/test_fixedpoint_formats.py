"""FixedFormat, integer rounding and overflow, enumeration, third-party name mapping."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relubits.fixedpoint import (
    OVERFLOW_MODES,
    ROUNDING_MODES,
    FixedFormat,
    FixedOverflowError,
    apply_overflow,
    parse_format,
    round_shift,
)
from relubits.fixedpoint.formats import _round_fraction, accumulator_bits


def ref_round(q: Fraction, mode: str) -> int:
    """Rounding of a rational from its definition (floor/ceil and a tie test)."""
    import math

    fl = math.floor(q)
    if q == fl:
        return fl
    if mode == "floor":
        return fl
    if mode == "ceil":
        return fl + 1
    if mode == "toward-zero":
        return fl if q > 0 else fl + 1
    d = q - fl
    if d != Fraction(1, 2):
        return fl + (d > Fraction(1, 2))
    if mode == "nearest-even":
        return fl if fl % 2 == 0 else fl + 1
    return fl + 1 if q > 0 else fl  # nearest-away


def test_ranges_and_names():
    f = FixedFormat(3, 4)
    assert (f.bits, f.k_min, f.k_max, f.size, f.name) == (8, -128, 127, 256, "Q3.4")
    assert f.min == -8 and f.max == Fraction(127, 16) and f.step == Fraction(1, 16)
    g = FixedFormat(3, 4, symmetric=True)
    assert (g.k_min, g.k_max, g.name) == (-127, 127, "SQ3.4")
    u = FixedFormat(2, 2, signed=False)
    assert (u.bits, u.k_min, u.k_max, u.name) == (4, 0, 15, "UQ2.2")
    assert parse_format("SQ2.5") == FixedFormat(2, 5, symmetric=True)
    assert parse_format("UQ1.3", rounding="floor").rounding == "floor"
    assert FixedFormat(0, 0).size == 2  # sign bit only: {-1, 0}


@pytest.mark.parametrize("fmt", [FixedFormat(1, 2), FixedFormat(2, 1, symmetric=True), FixedFormat(1, 2, signed=False)])
def test_enumeration_roundtrip(fmt):
    vals = fmt.values()
    assert len(vals) == fmt.size == len(set(vals))
    assert vals == sorted(vals) and vals[0] == fmt.min and vals[-1] == fmt.max
    assert all(vals[i + 1] - vals[i] == fmt.step for i in range(len(vals) - 1))
    for v, k in zip(vals, fmt.codes()):
        assert fmt.to_code(v) == k and fmt.from_code(k) == v and v in fmt
    assert fmt.max + fmt.step not in fmt and fmt.step / 2 not in fmt


def test_bad_formats_name_the_parameter():
    with pytest.raises(ValueError, match="at least 1 bit"):
        FixedFormat(0, 0, signed=False)
    with pytest.raises(ValueError, match="rounding"):
        FixedFormat(1, 1, rounding="stochastic")
    with pytest.raises(ValueError, match="overflow"):
        FixedFormat(1, 1, overflow="clip")
    with pytest.raises(ValueError, match="frac_bits"):
        FixedFormat(1, -1)
    with pytest.raises(TypeError, match="int_bits"):
        FixedFormat(1.5, 1)
    with pytest.raises(ValueError, match="symmetric"):
        FixedFormat(1, 1, signed=False, symmetric=True)
    with pytest.raises(ValueError, match="format"):
        parse_format("Q3")
    with pytest.raises(ValueError, match="outside the range"):
        FixedFormat(1, 1).to_code(2)
    with pytest.raises(ValueError, match="multiple"):
        FixedFormat(1, 1).to_code(Fraction(1, 4), name="w")


@settings(max_examples=300, deadline=None)
@given(st.integers(-10**6, 10**6), st.integers(0, 12), st.sampled_from(sorted(ROUNDING_MODES)))
def test_round_shift_matches_definition(n, shift, mode):
    expect = ref_round(Fraction(n, 2**shift), mode)
    assert round_shift(n, shift, mode) == expect
    assert _round_fraction(n, 2**shift, mode) == expect
    for dt in (np.int32, np.int64, object):
        arr = np.array([n], dtype=dt) if dt is not np.int32 or abs(n) < 2**30 else np.array([n], dtype=np.int64)
        assert int(round_shift(arr, shift, mode)[0]) == expect


def test_ties_at_half_grid_points():
    # 2.5, -2.5, 3.5 and -0.5 in units of the step
    n = np.array([5, -5, 7, -1])
    assert round_shift(n, 1, "nearest-even").tolist() == [2, -2, 4, 0]
    assert round_shift(n, 1, "nearest-away").tolist() == [3, -3, 4, -1]
    assert round_shift(n, 1, "toward-zero").tolist() == [2, -2, 3, 0]
    assert round_shift(n, 1, "floor").tolist() == [2, -3, 3, -1]
    assert round_shift(n, 1, "ceil").tolist() == [3, -2, 4, 0]


def test_overflow_modes_and_twos_complement_minimum():
    sat = FixedFormat(1, 1)  # codes [-4, 3]
    assert apply_overflow(np.array([-9, -4, 3, 4, 9]), sat).tolist() == [-4, -4, 3, 3, 3]
    wrap = sat.replace(overflow="wrap")
    assert apply_overflow(np.array([-5, 4, 9]), wrap).tolist() == [3, -4, 1]
    err = sat.replace(overflow="error")
    with pytest.raises(FixedOverflowError, match="overflow"):
        apply_overflow(np.array([4]), err)
    with pytest.raises(ValueError):  # FixedOverflowError is a ValueError for the CLI
        apply_overflow(5, err)
    sym = FixedFormat(1, 1, symmetric=True)  # codes [-3, 3]
    assert apply_overflow(-4, sym) == -3


def test_saturating_addition_is_not_associative():
    f = FixedFormat(1, 2)  # max 1.75
    M, one = f.k_max, f.scale

    def add(a, b):
        return apply_overflow(a + b, f)

    assert add(add(M, one), -one) != add(M, add(one, -one))


def test_product_below_step_flushes_to_zero():
    f = FixedFormat(2, 3)
    # 1/8 * 1/8 = 1/64 -> 0 in every nearest mode and floor/toward-zero; ceil gives 1/8
    assert f.quantize(Fraction(1, 64)) == 0
    assert f.replace(rounding="ceil").quantize(Fraction(1, 64)) == 1


def test_quantize_matches_apytypes_cast():
    apy = pytest.importorskip("apytypes")
    rng = np.random.default_rng(0)
    for mode in ROUNDING_MODES:
        for ov in ("saturate", "wrap"):
            f = FixedFormat(2, 3, rounding=mode, overflow=ov)
            q, o = f.apytypes_modes()
            raw = rng.integers(-2**10, 2**10, 400)  # values raw / 2**7: wider than the format
            a = apy.APyFixedArray.from_array(raw / 2**7, int_bits=8, frac_bits=7)
            got = np.rint(a.cast(quantization=q, overflow=o, **f.apytypes_kwargs()).to_numpy() * f.scale)
            ours = [f.quantize(Fraction(int(r), 2**7)) for r in raw]
            assert got.astype(int).tolist() == ours, (mode, ov)


def test_name_maps_cover_every_mode():
    assert set(ROUNDING_MODES) == {"nearest-even", "nearest-away", "toward-zero", "floor", "ceil"}
    assert set(OVERFLOW_MODES) == {"saturate", "wrap", "error"}
    f = FixedFormat(3, 4, rounding="floor", overflow="wrap")
    assert f.fxpmath_kwargs() == {"signed": True, "n_word": 8, "n_frac": 4, "rounding": "floor", "overflow": "wrap"}
    assert f.apytypes_kwargs() == {"int_bits": 4, "frac_bits": 4}
    with pytest.raises(ValueError, match="two's complement"):
        FixedFormat(3, 4, symmetric=True).apytypes_kwargs()


def test_accumulator_bits_bound_holds_exhaustively_for_a_small_format():
    f = FixedFormat(1, 2)
    k = f.codes()
    for fan_in in (1, 2, 5):
        worst = fan_in * int(np.max(np.abs(np.outer(k, k)))) + abs(f.k_min) * f.scale
        assert worst < 2 ** (accumulator_bits(f, fan_in, fused=True) - 1)
