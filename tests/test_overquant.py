"""Over-quantization approximant (Theorem O, docs/constructions.md section 9): on its grid, within (W, L),
certified error never above the promise, and error * W**2 L**2 log2 W bounded."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relubits import certify
from relubits.constructions.overquant import (OVERQUANT_CONSTANT, STEEPNESS, overquant_approximant,
                                              overquant_plan)
from relubits.grid import FixedGrid

RTOL = 0.01
F_SIN = lambda x: np.sin(23 * x) / 23  # noqa: E731


def zigzag(n_cells, seed):
    """Random +-1-slope zigzag with ``n_cells`` equal cells (1-Lipschitz)."""
    rng = np.random.default_rng(seed)
    vals = np.concatenate([[0.0], np.cumsum(rng.choice([-1.0, 1.0], size=n_cells)) / n_cells])
    knots = np.linspace(0, 1, n_cells + 1)
    return lambda x: np.interp(x, knots, vals)


def check(c, f, lipschitz=1):
    cert = certify(c.network, f, lipschitz, rtol=RTOL)
    p = float(c.promised_error)
    assert cert.lower_bound <= p, (cert.lower_bound, p)
    assert cert.certified_error <= p * (1 + RTOL) + 1e-15, (cert.certified_error, p)
    return cert


def scale(W, L):
    return W * W * L * L * math.log2(W)


@pytest.mark.parametrize("W,L", [(12, 9), (16, 16), (16, 24), (24, 20), (32, 16), (40, 12)])
def test_grid_and_size(W, L):
    c = overquant_approximant(F_SIN, 1, W, L)
    assert isinstance(c.grid, FixedGrid)
    assert bool(c.network.on_grid(c.grid))
    assert c.width <= W and c.depth <= L
    assert c.grid.bits == c.params["bits"]
    assert c.grid.bits == overquant_plan(1, W, L).bits
    assert c.params["fine_cells"] == c.params["regions"] * c.params["sub_regions"] * c.params["D"]
    # the packed digits need all 2 D fractional bits: one fewer puts a parameter off the grid
    coarser = FixedGrid(bits=c.grid.bits - 1, frac_bits=2 * c.params["D"] - 1, arbitrary=True)
    assert not c.network.on_grid(coarser)


@pytest.mark.parametrize("W,L", [(16, 16), (24, 20), (16, 24)])
def test_promise_zigzags_and_sin(W, L):
    N = overquant_plan(1, W, L).N
    for i, f in enumerate([zigzag(N, 1), zigzag(2 * N, 2), zigzag(7 * N // 3, 3), zigzag(N // 2 + 1, 4), F_SIN]):
        c = overquant_approximant(f, 1, W, L)
        check(c, f)


def test_promise_wider():
    W, L = 32, 16
    N = overquant_plan(1, W, L).N
    f = zigzag(2 * N, 5)
    c = overquant_approximant(f, 1, W, L)
    cert = check(c, f)
    assert cert.certified_error * scale(W, L) <= OVERQUANT_CONSTANT


def test_lipschitz_scaling_and_offset():
    f = lambda x: 3 * np.abs(x - 0.37) + 2.25  # noqa: E731
    c = overquant_approximant(f, 3, 16, 16)
    check(c, f, 3)
    c1 = overquant_approximant(lambda x: np.abs(x - 0.37), 1, 16, 16)
    assert c.promised_error == pytest.approx(3 * float(c1.promised_error), rel=1e-3)


@settings(max_examples=12)
@given(seed=st.integers(0, 10**6), cells=st.integers(2, 700))
def test_random_zigzags_property(seed, cells):
    f = zigzag(cells, seed)
    check(overquant_approximant(f, 1, 16, 16), f)


def test_measured_rate_bounded():
    """MEASURED: certified error * W^2 L^2 log2 W on hard zigzags (cells 2N) over a small sweep."""
    prods = []
    for W, L in [(16, 16), (16, 24), (24, 20), (24, 28)]:
        N = overquant_plan(1, W, L).N
        f = zigzag(2 * N, W + L)
        c = overquant_approximant(f, 1, W, L)
        cert = check(c, f)
        prods.append(cert.certified_error * scale(W, L))
    assert max(prods) <= OVERQUANT_CONSTANT
    # the product does not grow along the sweep (it falls as the fixed overhead layers amortise)
    assert all(b <= 1.1 * a for a, b in zip(prods, prods[1:])), prods


def test_promise_rate_lemma():
    """Lemma O.2 (proved): the planner's promise is <= OVERQUANT_CONSTANT C / (W^2 L^2 log2 W) for W >= 32,
    L >= 16, and the bits stay <= L log2 W + 2 log2 N + 4 log2 W + 20 (checked here on a sweep of plans)."""
    for W in (32, 48, 64, 128, 256):
        for L in (16, 24, 40, 64, 100, 256):
            p = overquant_plan(1, W, L)
            rho = Fraction(math.ceil((Fraction(1, p.N) + Fraction(1, 2**52)) * 2**p.frac_bits), 2**p.frac_bits)
            promise = rho * (1 + Fraction(4, STEEPNESS) + Fraction(p.N, 2**52))
            assert float(promise) * scale(W, L) <= OVERQUANT_CONSTANT, (W, L, p)
            assert p.bits <= L * math.log2(W) + 2 * math.log2(p.N) + 4 * math.log2(W) + 20, (W, L, p)
            assert p.width <= W and p.depth <= L


def test_bits_limit_stores_fewer_digits():
    full = overquant_plan(1, 32, 32)
    few = overquant_plan(1, 32, 32, bits=50)
    assert few.bits <= 50 < full.bits and few.D < full.D and few.N < full.N
    c = overquant_approximant(F_SIN, 1, 32, 24, bits=48)
    assert c.grid.bits == 48 and bool(c.network.on_grid(c.grid))
    check(c, F_SIN)


@pytest.mark.parametrize("kwargs,match", [
    (dict(width=11, depth=16), "width"), (dict(width=16, depth=8), "depth"),
    (dict(width=16, depth=16, bits=7), "bits"), (dict(width=32, depth=32, bits=20), "bits = 20"),
])
def test_bad_sizes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        overquant_approximant(F_SIN, 1, **kwargs)


@pytest.mark.parametrize("C", [10**400, -10**400, 0, 2**53 + 1, "1e400"])
def test_lipschitz_out_of_range(C):
    # one check (lipschitz.check_lipschitz) for every construction and the CLI; values too large for a
    # float must still give ValueError naming the parameter (was OverflowError)
    from relubits.constructions.payload import payload_grid, payload_plan

    for build in (lambda: overquant_plan(C, 16, 16), lambda: payload_plan(C, 16, 16, payload_grid(8))):
        with pytest.raises(ValueError, match="lipschitz must be in"):
            build()


def test_cli_lipschitz_out_of_range(capsys):
    from relubits.cli import main

    assert main(["overquant", "--lipschitz", str(10**400)]) == 2
    err = capsys.readouterr().err
    assert "--lipschitz" in err and "2**53" in err


def test_bad_inputs():
    with pytest.raises(ValueError, match="lipschitz"):
        overquant_approximant(F_SIN, 0, 16, 16)
    with pytest.raises(TypeError, match="callable"):
        overquant_approximant(3, 1, 16, 16)
    with pytest.raises(ValueError, match="finite"), np.errstate(all="ignore"):
        overquant_approximant(lambda x: x / 0.0 * 0.0, 1, 16, 16)
    with pytest.raises(ValueError, match=r"f\(0\)"):
        overquant_approximant(lambda x: x + 1e30, 1, 16, 16)
    p = overquant_plan(1, 32, 32)
    with pytest.raises(ValueError, match="does not fit"):
        overquant_approximant(F_SIN, 1, 16, 16, plan=p)
    with pytest.raises(ValueError, match="bits must be >= "):
        overquant_approximant(F_SIN, 1, 32, 32, bits=p.bits - 1, plan=p)


@pytest.mark.slow
@pytest.mark.parametrize("W,L", [(32, 32), (48, 24)])
def test_rate_large(W, L):
    N = overquant_plan(1, W, L).N
    for f in (zigzag(2 * N, 7), F_SIN):
        c = overquant_approximant(f, 1, W, L)
        cert = check(c, f)
        assert cert.certified_error * scale(W, L) <= OVERQUANT_CONSTANT


def test_cli_rows(capsys):
    import json

    from relubits.cli import main

    rc = main(["overquant", "--sizes", "16x16,12x9", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc in (0, None)
    r = out["rows"][0]
    assert r["within_promise"] and r["on_grid"] and r["width"] <= 16 and r["depth"] <= 16
    assert r["certified_error"] <= r["promised_error"] and r["minimax_lower_bound"] > 0
    assert "lower_bound" not in r  # the regime's minimax bound is not this network's certified lower bound
    assert r["error_x_W2L2log2W"] <= out["constant"]
    assert r["regime"] in ("under", "proper", "over")
    assert main(["overquant", "--sizes", "16x4"]) == 2
    assert "--sizes" in capsys.readouterr().err


def test_approximate_option(capsys):
    import json

    from relubits.cli import main
    from relubits.constructions.approximate import approximate

    a = approximate(F_SIN, 1, 40, 16, 16, construction="overquant")
    assert a.construction.name == "overquant" and a.to_dict()["within_promise"] and a.to_dict()["bits"] == 40
    with pytest.raises(ValueError, match="construction"):
        approximate(F_SIN, 1, 40, 16, 16, construction="nope")
    rc = main(["approximate", "--target", "sin(23*x)/23", "--lipschitz", "1", "--bits", "40", "--width", "16",
               "--depth", "16", "--construction", "overquant", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc in (0, None) and out["construction"] == "overquant" and out["on_grid"]
    assert out["certified_error"] <= out["promised_error"] * (1 + 0.05)
    assert main(["approximate", "--target", "x", "--lipschitz", "1", "--bits", "7", "--width", "16", "--depth", "16",
                 "--construction", "overquant"]) == 2
    assert "--bits" in capsys.readouterr().err
