"""Shallow baseline: depth 2, on the grid, certified error never above the promise; eps*M grows with b."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from relubits import Grid, certify, pieces
from relubits.constructions.lipschitz import chain_grid
from relubits.constructions.shallow import farey_knots, shallow_approximant

F_SIN = lambda x: (np.abs(np.sin(23 * x)) / 23 + 0.3 * np.abs(x - 0.61)) / 1.3  # noqa: E731


@settings(max_examples=15, deadline=None)
@given(bits=st.integers(3, 16), width=st.integers(2, 300), a=st.floats(-1, 1), k=st.floats(1, 40))
def test_promise_and_grid(bits, width, a, k):
    f = lambda x: a * np.sin(k * x) / k  # noqa: E731  (|a|-Lipschitz <= 1)
    g = chain_grid(bits)
    c = shallow_approximant(f, 1, width, g)
    assert c.network.depth == 2 and c.network.width <= width
    assert c.network.on_grid(g)
    cert = certify(c.network, f, 1, rtol=0.02)
    assert cert.certified_error <= float(c.promised_error)


def test_breakpoints_are_farey_knots():
    g = Grid.fixed(6, 3)
    c = shallow_approximant(F_SIN, 1, 40, g)
    for t in pieces(c.network).breakpoints[1:-1]:
        assert t.denominator <= g.kmax


def test_farey_knots_exhaustive_small():
    for Q in range(1, 12):
        for n in range(1, 30):
            ks = farey_knots(n, Q)
            assert ks[0] == 0 and all(t.denominator <= Q and 0 <= t < 1 for t in ks)
            assert len(set(ks)) == len(ks) <= n


def test_eps_times_memory_grows_with_bits_at_large_b():
    """Measured: at a fixed width the shallow eps*M grows with b once the Farey set is not the limit."""
    vals = []
    for b in (10, 16, 24):
        c = shallow_approximant(F_SIN, 1, 200, chain_grid(b))
        vals.append(certify(c.network, F_SIN, 1).certified_error * c.memory_bits)
    assert vals[0] < vals[1] < vals[2]


def test_bad_input():
    with pytest.raises(ValueError, match="width"):
        shallow_approximant(F_SIN, 1, 1, chain_grid(8))
    with pytest.raises(TypeError, match="grid"):
        shallow_approximant(F_SIN, 1, 8, Grid.levels([0, 1]))
    with pytest.raises(ValueError, match="lipschitz"):
        shallow_approximant(F_SIN, 0, 8, chain_grid(8))
