"""Hinge-chain approximant: on the grid, within (W, L), certified error never above the promise."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from relubits import Grid, certify
from relubits.constructions.lipschitz import chain_grid, chain_plan, chain_promise, lipschitz_approximant

F_SIN = lambda x: (np.abs(np.sin(23 * x)) / 23 + 0.3 * np.abs(x - 0.61)) / 1.3  # noqa: E731


def within(cert, promised):
    """The certificate is consistent with the promise: its lower bound (attained) never exceeds the promise, and its
    rigorous upper bound exceeds it at most by the certificate's resolution (rtol 1e-7, atol 1e-6: the promise can be
    tight -- e.g. the midpoint encoder's cone bound on a zigzag -- or the error exactly 0)."""
    p = float(promised)
    return cert.lower_bound <= p and cert.certified_error <= p * (1 + 1e-6) + 2e-6


def zigzag(n_cells, seed):
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=n_cells)
    vals = np.concatenate([[0.0], np.cumsum(signs) / n_cells])
    knots = np.linspace(0, 1, n_cells + 1)
    return lambda x: np.interp(x, knots, vals)


@pytest.mark.parametrize("bits", [3, 4, 6, 8, 16])
@pytest.mark.parametrize("depth", [12, 60, 300])
def test_promise_on_grid_and_size(bits, depth):
    g = chain_grid(bits)
    for width in (2, 4):
        c = lipschitz_approximant(F_SIN, 1, width, depth, g)
        net = c.network
        assert net.on_grid(g)
        assert net.width <= width and net.depth <= depth
        cert = certify(net, F_SIN, 1, rtol=0.02)
        assert cert.certified_error <= float(c.promised_error)
        assert c.memory_bits == net.n_params * bits


@settings(max_examples=20, deadline=None)
@given(bits=st.sampled_from([3, 4, 5, 8, 12]), depth=st.integers(8, 200), cells=st.integers(1, 8).map(lambda k: 2**k),
       seed=st.integers(0, 10**6), lip=st.sampled_from([Fraction(1, 2), 1, Fraction(3, 2), 2]),
       width=st.sampled_from([2, 3, 4]), encoder=st.sampled_from(["greedy", "midpoint"]))
def test_promise_holds_on_random_zigzags(bits, depth, cells, seed, lip, width, encoder):
    z = zigzag(cells, seed)
    f = lambda x: float(lip) * z(x)  # noqa: E731
    g = chain_grid(bits)
    try:
        c = lipschitz_approximant(f, lip, width, depth, g, encoder=encoder)
    except ValueError as exc:  # only the documented refusals
        assert "depth" in str(exc) or "f(0)" in str(exc)
        return
    assert c.network.on_grid(g)
    assert within(certify(c.network, f, lip, rtol=1e-7, atol=1e-6), c.promised_error)


def test_exact_evaluation_matches_promise_on_dyadic_points():
    g = chain_grid(6)
    c = lipschitz_approximant(F_SIN, 1, 2, 150, g)
    xs = np.arange(0, 2**12 + 1) / 2**12
    ys = c.network.exact_batch(xs.reshape(-1, 1))
    err = max(abs(float(y[0]) - fv) for y, fv in zip(ys, F_SIN(xs)))
    assert err <= float(c.promised_error)


def test_breakpoints_are_knots():
    from relubits import pieces

    g = chain_grid(8)
    c = lipschitz_approximant(F_SIN, 1, 2, 100, g)
    K = Fraction(c.params["K"])
    for t in pieces(c.network).breakpoints:
        assert (t * K).denominator == 1  # every breakpoint is a knot j/K: no trifling region


def test_eps_times_memory_flat_in_memory():
    """Measured: eps*M stays within 2x while memory grows 16x (deep chain, b = 4)."""
    g = chain_grid(4)
    vals = []
    for depth in (150, 2400):
        c = lipschitz_approximant(F_SIN, 1, 2, depth, g)
        vals.append(certify(c.network, F_SIN, 1).certified_error * c.memory_bits)
    assert max(vals) / min(vals) < 2 and max(vals) <= 64


def test_plan_uses_depth_budget():
    g = chain_grid(8)
    for L in (3, 10, 100, 1000):
        p = chain_plan(1, L, g)
        assert p.depth <= L
    assert chain_plan(1, 1000, g).K > chain_plan(1, 100, g).K


@pytest.mark.parametrize("kwargs, word", [
    ({"width": 1}, "width"), ({"depth": 2}, "depth"), ({"lipschitz": 0}, "lipschitz"), ({"lipschitz": -1}, "lipschitz"),
])
def test_bad_input(kwargs, word):
    args = {"f": F_SIN, "lipschitz": 1, "width": 2, "depth": 50, "grid": chain_grid(8)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=word):
        lipschitz_approximant(**args)


def test_bad_grids():
    with pytest.raises(ValueError, match="bits"):
        chain_grid(2)
    with pytest.raises(TypeError, match="grid"):
        lipschitz_approximant(F_SIN, 1, 2, 50, Grid.bipolar())
    with pytest.raises(ValueError, match="frac_bits"):
        lipschitz_approximant(F_SIN, 1, 2, 50, Grid.fixed(8, 0))
    with pytest.raises(ValueError, match="f\\(0\\)"):
        lipschitz_approximant(lambda x: x + 100, 1, 2, 50, chain_grid(8))


def test_non_lipschitz_target_is_reported():
    c = lipschitz_approximant(lambda x: 3 * x, 1, 2, 60, chain_grid(8))
    with pytest.raises(ValueError, match="Lipschitz"):
        certify(c.network, lambda x: 3 * x, 1)


@settings(max_examples=30, deadline=None)
@given(bits=st.sampled_from([3, 4, 8, 16]), width=st.sampled_from([2, 4]), depth=st.integers(6, 120),
       f0=st.floats(-6, 6), lip=st.sampled_from([Fraction(1, 100), Fraction(1, 4), 1, 3, 10]), k=st.floats(1, 30))
def test_offsets_and_lipschitz_constants(bits, width, depth, f0, lip, k):
    """Any f(0) and C: either a clear refusal naming f(0)/depth, or a network keeping its promise."""
    f = lambda x: f0 + float(lip) * np.sin(k * x) / k  # noqa: E731
    g = chain_grid(bits)
    try:
        c = lipschitz_approximant(f, lip, width, depth, g)
    except ValueError as exc:
        assert "f(0)" in str(exc) or "depth" in str(exc)
        return
    assert c.network.on_grid(g) and c.network.width <= width and c.network.depth <= depth
    assert c.promised_error == chain_promise(lip, width, depth, g)
    assert within(certify(c.network, f, lip, rtol=1e-7, atol=1e-6), c.promised_error)


@pytest.mark.parametrize("bits", [8, 16, 32])
def test_midpoint_encoder_keeps_promise_and_helps_on_kinked_target(bits):
    g = chain_grid(bits)
    res = {}
    for enc in ("greedy", "midpoint"):
        c = lipschitz_approximant(F_SIN, 1, 4, 400, g, encoder=enc)
        assert c.network.on_grid(g)
        res[enc] = certify(c.network, F_SIN, 1, rtol=0.01).certified_error
        assert res[enc] <= float(c.promised_error)
    assert res["midpoint"] < res["greedy"]


def test_bad_encoder():
    with pytest.raises(ValueError, match="encoder"):
        lipschitz_approximant(F_SIN, 1, 2, 40, chain_grid(8), encoder="dp")
