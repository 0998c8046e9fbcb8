from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, strategies as st

from relubits import Network, certify, from_pwl
from relubits.certify import Certificate


def interpolant(f, n):
    t = [Fraction(i, n) for i in range(n + 1)]
    return from_pwl(t, [f(x) for x in t])


@pytest.mark.parametrize("n", [1, 2, 7, 50])
def test_x_squared_interpolant_error_is_h2_over_4(n):
    net = interpolant(lambda x: x * x, n)
    truth = 1 / (4 * n * n)
    for kw in ({}, {"curvature": 2}):
        c = certify(net, lambda x: x**2, lipschitz=2, **kw)
        assert c.lower_bound <= truth <= c.certified_error
        assert c.converged and c.certified_error <= truth * 1.011 + 1e-12
        assert c.n_pieces == n


def test_exact_rational_target():
    net = interpolant(lambda x: x * x, 4)
    c = certify(net, lambda x: x * x, lipschitz=2, f_exact=True, max_evals=50_000)
    assert c.lower_bound <= Fraction(1, 64) <= c.certified_error <= 1.011 / 64


@given(st.integers(1, 30), st.floats(0.5, 8), st.floats(0, 1))
def test_certificate_brackets_sine_error(n, freq, phase):
    f = lambda x: np.sin(freq * x + phase) / freq  # 1-Lipschitz, |f''| <= freq
    t = np.arange(n + 1) / n
    net = from_pwl(list(t), list(f(t)))
    c = certify(net, f, lipschitz=1, curvature=freq)
    xs = np.linspace(0, 1, 20001)
    sampled = float(np.max(np.abs(f(xs) - net(xs)[:, 0])))
    assert sampled <= c.certified_error
    # the lower bound is attained at argmax (checked in high precision)
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.prec = 120
    xa = Fraction(c.argmax_exact)
    fx = mpmath.sin(freq * mpmath.mpf(xa.numerator) / xa.denominator + phase) / freq
    nx = net.exact([xa])[0]
    assert abs(fx - mpmath.mpf(nx.numerator) / nx.denominator) >= c.lower_bound
    assert c.certified_error <= c.lower_bound * 1.0101 + 1e-12 or not c.converged


def test_lower_bound_is_attained_at_argmax():
    f = lambda x: np.abs(x - 0.3)
    net = Network.from_layers([([[0]], [Fraction(1, 10)])])  # constant 0.1
    c = certify(net, f, lipschitz=1)
    x = Fraction(c.argmax_exact)
    assert abs(abs(x - Fraction(0.3)) - Fraction(1, 10)) >= Fraction(c.lower_bound) - Fraction(1, 10**12)
    assert c.certified_error >= 0.6 and c.lower_bound > 0.59


def test_non_lipschitz_target_is_reported():
    net = from_pwl([0, 1], [0, 1])
    with pytest.raises(ValueError, match="Lipschitz"):
        certify(net, lambda x: np.sin(40 * x), lipschitz=1)


def test_budget_exhaustion_is_honest():
    net = from_pwl([0, 1], [0, 1])
    c = certify(net, lambda x: x, lipschitz=1, max_evals=1000)
    assert not c.converged and c.certified_error > 0 and c.lower_bound == 0


@pytest.mark.parametrize("kw,word", [
    (dict(domain=(1, 0)), "a < b"), (dict(lipschitz=-1), "lipschitz"), (dict(rtol=-0.1), "rtol"),
    (dict(max_evals=0), "max_evals"), (dict(lipschitz=float("nan")), "finite"), (dict(curvature=-1), "curvature"),
])
def test_bad_arguments(kw, word):
    args = dict(net=from_pwl([0, 1], [0, 1]), f=lambda x: x, lipschitz=1)
    args.update(kw)
    with pytest.raises((ValueError, TypeError), match=word):
        certify(**args)


def test_non_finite_target():
    with pytest.raises(ValueError, match="finite"):
        certify(from_pwl([0, 1], [0, 1]), lambda x: np.log(x), lipschitz=1)


def test_certificate_dict_keys():
    c = certify(from_pwl([0, 1], [0, 1]), lambda x: x / 2, lipschitz=1)
    d = c.to_dict()
    assert {"certified_error", "lower_bound", "argmax", "n_pieces"} <= set(d)
    assert isinstance(c, Certificate)
