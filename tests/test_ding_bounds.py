"""Bounds of Ding et al. (theory/ding_bounds.py): formulas, special cases, argument checks."""

import math

import pytest
from hypothesis import given, strategies as st

from relubits.theory import ding_bounds as B


def test_nonlinear_special_cases():
    # lam = 2: W = 2 L^2 (1/eps)^(d/n); lam -> large: -> lam L (1/eps)^(d/n)
    eps = 2.0 ** -10
    assert B.nonlinear_weights_bound(eps, 1, 1, 2) == pytest.approx(2 * 10 ** 2 * 2 ** 10)
    assert B.nonlinear_weights_bound(eps, 2, 1, 64) == pytest.approx(64 * 10 ** (1 + 1 / 63) * 2 ** 20)
    assert B.nonlinear_memory_bound(eps, 1, 1, 4) == pytest.approx(2 * B.nonlinear_weights_bound(eps, 1, 1, 4))


def test_linear_bounds():
    eps = 2.0 ** -12
    assert B.linear_weights_bound(eps, 1, 2, 4) == pytest.approx((12 + 144 / 4) * 2 ** 6)
    assert B.linear_memory_bound(eps, 1, 2, 4) == pytest.approx((4 * 12 + 144) * 2 ** 6)
    assert B.optimal_bits_linear(1e-6) == 2


def test_overhead_is_log5_for_two_levels():
    for k in (4, 10, 20):
        eps = 2.0 ** -k
        assert B.overhead_ratio(eps, 2, 3, 2) == pytest.approx(2 * k ** 5)


def test_optimal_levels_matches_spec_table():
    # spec §3.5 table (constants 1): lam_opt = 3, 3, 3, 4, 4 for eps = 1e-2, 1e-3, 1e-6, 1e-9, 1e-12
    for eps, lam in ((1e-2, 3), (1e-3, 3), (1e-6, 3), (1e-9, 4), (1e-12, 4)):
        assert B.optimal_levels(eps).levels == lam
    r = B.optimal_levels(1e-6)
    assert r.memory_at_two / r.memory_at_optimum == pytest.approx(1.88, abs=0.01)


def test_square_chain_weights_spec_snippet():
    assert [B.square_chain_weights(64, l) for l in (2, 3, 4, 8)] == [4160, 640, 365, 194]
    for m in (8, 16, 32, 64):
        for lam in (2, 3, 4, 8):
            assert B.square_chain_weights(m, lam) <= lam * m ** (1 + 1 / (lam - 1))


@given(st.integers(0, 500), st.lists(st.integers(2, 9), max_size=3))
def test_chain_factors_sum_and_greedy(j, extra):
    exps = tuple(sorted({1, *extra}))
    f = B.chain_factors(j, exps)
    assert sum(f) == j
    assert all(e in exps for e in f)


def test_square_stages_is_minimal():
    for eps in (0.2, 1e-2, 1e-3, 2.0 ** -20, 1e-9):
        m = B.square_stages(eps)
        assert 2.0 ** (-2 * m - 2) <= eps
        assert m == 1 or 2.0 ** (-2 * (m - 1) - 2) > eps


def test_taylor_and_grid_exponent():
    assert B.taylor_error_bound(4, 2, 2) == pytest.approx(4 / (2 * 16))
    nu = B.grid_exponent(1e-3, 2, 2)
    assert B.taylor_error_bound(2 ** nu, 2, 2) <= 1e-3 < B.taylor_error_bound(2 ** (nu - 1), 2, 2)
    assert B.n_multi_indices(2, 3) == 6 and B.n_multi_indices(3, 1) == 1


@pytest.mark.parametrize("kw,msg", [
    (dict(eps=0), "eps"), (dict(eps=1), "eps"), (dict(eps=-0.5), "eps"), (dict(eps=float("nan")), "eps"),
    (dict(d=0), "d must"), (dict(d=4), "d must"), (dict(n=0), "n must"), (dict(n=4), "n must"),
    (dict(lam=1), "lambda"), (dict(lam=2.5), "lambda"),
])
def test_bad_arguments_name_the_parameter(kw, msg):
    args = dict(eps=0.1, d=1, n=1, lam=2)
    args.update(kw)
    with pytest.raises(ValueError, match=msg):
        B.nonlinear_weights_bound(args["eps"], args["d"], args["n"], args["lam"])


def test_bounds_decrease_in_eps():
    prev = 0
    for k in range(1, 30):
        w = B.nonlinear_weights_bound(2.0 ** -k, 1, 1, 3)
        assert w > prev
        prev = w
    assert math.isfinite(B.yarotsky_lower_weights_any(1e-9, 3, 1))
