"""Necessary / sufficient conditions: verdicts, witnesses and the negative controls of the spec."""

import numpy as np
import pytest

from relubits.fixedpoint import ACTIVATIONS, FixedFormat, FixedNetwork, rounded_activation
from relubits.fixedpoint.conditions import check, verdict_table


def test_relu_and_step_pass_both_conditions():
    for act in ("relu", "step"):
        v = check(act, FixedFormat(2, 3))
        assert v.necessary is True and v.sufficient is True
        assert v.witness["sufficient"]["construction"] in ("relu-indicator", "sign-edge")


def test_constant_rounded_activation_fails_the_necessary_condition():
    # floor(sigmoid) in a format with no fraction bits is 0 everywhere (sigmoid < 1)
    fmt = FixedFormat(2, 0, rounding="floor")
    assert rounded_activation("sigmoid", fmt).is_constant()
    v = check("sigmoid", fmt)
    assert v.necessary is False and v.sufficient is False
    assert "constant" in v.witness["necessary"]["reason"]


def test_unseparated_pair_really_is_unseparated_by_any_network():
    """Negative control: with an unseparated neighbour pair, random deep networks agree on it."""
    fmt = FixedFormat(1, 2)
    v = check("relu", fmt, weights="binary")
    a, b = (fmt.to_code(__import__("fractions").Fraction(x)) for x in v.witness["necessary"]["pair"])
    rng = np.random.default_rng(0)
    one = fmt.scale
    for _ in range(200):
        widths = [1] + [int(rng.integers(1, 5)) for _ in range(int(rng.integers(1, 4)))] + [1]
        layers = [(rng.choice([-one, 0, one], (widths[i + 1], widths[i])),
                   rng.integers(fmt.k_min, fmt.k_max + 1, widths[i + 1])) for i in range(len(widths) - 1)]
        net = FixedNetwork(layers, fmt)
        out = net.forward([[a], [b]])
        assert out[0, 0] == out[1, 0]


def test_sigmoid_needs_enough_integer_bits():
    # the spec's failure case: symmetric Q1.2 never reaches 0 or 1
    v = check("sigmoid", FixedFormat(1, 2, symmetric=True))
    assert v.necessary is True and v.sufficient is False
    assert v.zero_somewhere is False
    assert check("sigmoid", FixedFormat(3, 2)).sufficient is True


def test_identity_with_saturation_is_universal_somewhere_and_wrap_is_not_certified():
    assert check("identity", FixedFormat(1, 2)).sufficient
    v = check("identity", FixedFormat(1, 2, overflow="wrap"))
    assert not v.sufficient and "saturate" in v.witness["sufficient"]["reason"]


def test_sufficient_implies_necessary_in_the_table():
    fmts = [FixedFormat(p, b - 1 - p) for b in (4, 5, 6) for p in range(0, b)]
    rows = verdict_table(fmts)
    assert len(rows) == len(fmts) * len(ACTIVATIONS)
    for r in rows:
        if r["sufficient"]:
            assert r["necessary"] is True, r


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="activation"):
        check("tanh", FixedFormat(1, 1))
    with pytest.raises(ValueError, match="semantics"):
        check("relu", FixedFormat(1, 1), semantics="tree")
    with pytest.raises(ValueError, match="d must be"):
        check("relu", FixedFormat(1, 1), d=3)
