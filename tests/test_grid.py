from fractions import Fraction

import math
import numpy as np
import pytest
from hypothesis import given, strategies as st

from relubits import BipolarGrid, FixedGrid, Grid, LevelGrid
from relubits.grid import ROUNDING_MODES, parse_grid, grid_from_dict, grid_to_dict


def test_fixed_grid_ranges():
    g = Grid.fixed(4, 2)
    assert g.size == 16 and g.bits_per_param == 4
    assert g.min == Fraction(-2) and g.max == Fraction(7, 4)
    assert g.values() == [Fraction(k, 4) for k in range(-8, 8)]
    s = Grid.fixed(4, 2, symmetric=True)
    assert s.size == 15 and s.min == -s.max and s.bits_per_param == 4
    assert Grid.fixed(1).values() == [Fraction(-1), Fraction(0)]


def test_membership_is_exact():
    g = Grid.fixed(8, 4)
    assert Fraction(3, 16) in g
    assert Fraction(1, 32) not in g
    assert 0.1 not in g  # 0.1 is not a dyadic with 4 fractional bits
    assert 0.125 in g
    assert Fraction(127, 16) in g and Fraction(128, 16) not in g
    assert Fraction(-128, 16) in g
    assert Fraction(-128, 16) not in Grid.fixed(8, 4, symmetric=True)


@pytest.mark.parametrize("grid", [Grid.fixed(8, 4), Grid.fixed(3, -2, symmetric=True), Grid.bipolar(-3),
                                  Grid.levels([Fraction(1, 3), -2, 0, 5]), Grid.fixed(70, 3, arbitrary=True)])
def test_repr_round_trips_and_hashable(grid):
    again = eval(repr(grid), {"FixedGrid": FixedGrid, "BipolarGrid": BipolarGrid, "LevelGrid": LevelGrid,
                              "Fraction": Fraction})
    assert again == grid and hash(again) == hash(grid)
    assert grid_from_dict(grid_to_dict(grid)) == grid


@pytest.mark.parametrize("kwargs,word", [
    (dict(bits=0), "bits"), (dict(bits=65), "bits"), (dict(bits=2.5), "bits"), (dict(bits=float("nan")), "bits"),
    (dict(bits=8, frac_bits=1.5), "frac_bits"), (dict(bits=True), "bits"), (dict(bits="8"), "bits"),
    (dict(bits=1, symmetric=True), "bits"),
])
def test_bad_fixed_parameters_name_the_parameter(kwargs, word):
    with pytest.raises((ValueError, TypeError), match=word):
        Grid.fixed(**kwargs)


def test_bad_levels():
    with pytest.raises(ValueError, match="distinct"):
        Grid.levels([1, 1.0])
    with pytest.raises(ValueError, match="at least 1"):
        Grid.levels([])
    with pytest.raises(ValueError, match="finite"):
        Grid.levels([0, float("nan")])


def _reference_round(y: Fraction, mode: str) -> int:
    fl = math.floor(y)
    if mode == "floor":
        return fl
    if mode == "ceil":
        return math.ceil(y)
    if mode == "toward-zero":
        return int(y)  # int() truncates Fractions toward zero
    d = y - fl
    if d != Fraction(1, 2):
        return fl if d < Fraction(1, 2) else fl + 1
    if mode == "nearest-even":
        return fl if fl % 2 == 0 else fl + 1
    return fl + 1 if y > 0 else fl


@given(st.fractions(min_value=-7, max_value=7, max_denominator=64), st.sampled_from(ROUNDING_MODES))
def test_fixed_round_matches_reference(x, mode):
    g = Grid.fixed(8, 4)
    r = g.round(x, mode)
    assert r in g
    assert r == Fraction(_reference_round(x * 16, mode), 16)
    assert abs(r - x) <= (Fraction(1, 32) if mode.startswith("nearest") else Fraction(1, 16))


@given(st.lists(st.floats(-7.9, 7.9, allow_nan=False), min_size=1, max_size=30), st.sampled_from(ROUNDING_MODES))
def test_vectorised_codes_match_exact_rounding(xs, mode):
    g = Grid.fixed(8, 4)
    codes = g.round_codes(np.array(xs), mode)
    assert [Fraction(int(k), 16) for k in codes] == [g.round(x, mode) for x in xs]


def test_round_overflow_is_never_silent():
    g = Grid.fixed(4, 0)
    with pytest.raises(ValueError, match="saturate"):
        g.round(8)
    assert g.round(8, overflow="saturate") == 7
    with pytest.raises(ValueError):
        g.round_codes(np.array([0.0, 100.0]))
    with pytest.raises(ValueError, match="mode"):
        g.round(1, mode="banker")


@given(st.fractions(min_value=-3, max_value=3, max_denominator=50), st.sampled_from(ROUNDING_MODES))
def test_level_round_is_nearest_or_directed(x, mode):
    g = Grid.levels([-2, Fraction(-1, 3), 0, Fraction(1, 2), 2])
    try:
        r = g.round(x, mode)
    except ValueError:
        assert abs(x) > 2 or mode == "toward-zero"
        return
    lv = g.values()
    assert r in lv
    if mode == "floor":
        assert r == max(v for v in lv if v <= x)
    elif mode == "ceil":
        assert r == min(v for v in lv if v >= x)
    elif mode.startswith("nearest"):
        assert abs(r - x) == min(abs(v - x) for v in lv)


def test_bipolar():
    g = Grid.bipolar(-1)
    assert g.values() == [Fraction(-1, 2), Fraction(1, 2)] and g.bits_per_param == 1
    assert g.round(0.3) == Fraction(1, 2) and g.round(-5, overflow="saturate") == Fraction(-1, 2)
    assert 0 not in g


def test_levels_codebook_is_counted():
    g = Grid.levels([0, Fraction(1, 3), 1])
    assert g.bits_per_param == 2 and g.metadata_bits > 0


def test_parse_grid():
    assert parse_grid("fixed:8:4") == Grid.fixed(8, 4)
    assert parse_grid("fixed:8:4:sym") == Grid.fixed(8, 4, symmetric=True)
    assert parse_grid("bipolar:-2") == Grid.bipolar(-2)
    assert parse_grid("levels:-1,0,1/2") == Grid.levels([-1, 0, Fraction(1, 2)])
    for bad in ["", "fixed", "fixed:x:1", "fixed:0:1", "foo:1", "fixed:8:4:bad"]:
        with pytest.raises(ValueError):
            parse_grid(bad)
