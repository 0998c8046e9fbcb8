"""Naive rounding: every parameter on the grid, nothing silently clipped, result is what rounding gives."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from relubits import Grid, Network, certify
from relubits.transforms.quantize import round_network, rounded_approximant


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-3, 3, allow_nan=False), min_size=7, max_size=7), st.integers(2, 10))
def test_round_network_rounds_each_parameter(vals, bits):
    net = Network.from_layers([([[vals[0]], [vals[1]]], [vals[2], vals[3]]), ([[vals[4], vals[5]]], [vals[6]])])
    g = Grid.fixed(bits, bits - 3 if bits > 3 else 1)
    out = round_network(net, g, overflow="saturate")
    assert out.on_grid(g)
    for (A, c), (A2, c2) in zip(net.layers, out.layers):
        for v, w in zip(list(A.ravel()) + list(c.ravel()), list(A2.ravel()) + list(c2.ravel())):
            assert w == g.round(v, overflow="saturate")


def test_overflow_is_an_error_by_default():
    net = Network.from_layers([([[100]], [0])])
    with pytest.raises(ValueError, match="range"):
        round_network(net, Grid.fixed(4, 1))


def test_rounded_approximant_is_on_grid_and_promises_nothing():
    g = Grid.fixed(8, 5)
    f = lambda x: np.abs(x - 0.3)  # noqa: E731
    c = rounded_approximant(f, 16, g)
    assert c.network.on_grid(g) and c.promised_error is None
    # fine grid, coarse knots: rounding changes little, so the error is near the interpolation error
    assert certify(c.network, f, 1).certified_error < 0.1
    # coarse grid: naive rounding is catastrophic (the knots -j/W collapse)
    bad = rounded_approximant(f, 256, Grid.fixed(4, 1))
    assert bad.network.on_grid(Grid.fixed(4, 1))
    assert certify(bad.network, f, 1).certified_error > 0.1  # the float interpolant errs by < 0.002
