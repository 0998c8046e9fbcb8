"""pwlf fits and breakpoint lists as exact networks."""

from fractions import Fraction

import numpy as np
import pytest

from relubits import pieces
from relubits.io.pwlf import from_breakpoints, from_pwlf

pwlf = pytest.importorskip("pwlf", reason="needs the pwlf extra: pip install 'relubits[pwlf]'")


def fitted(breaks=(0.0, 0.3, 0.55, 1.0), degree=1):
    x = np.linspace(0, 1, 60)
    m = pwlf.PiecewiseLinFit(x, np.sin(3 * x), degree=degree)
    m.fit_with_breaks(list(breaks))
    return m


def test_network_equals_pwlf_formula_exactly():
    m = fitted()
    net = from_pwlf(m)
    b = [Fraction(float(v)) for v in m.fit_breaks]
    beta = [Fraction(float(v)) for v in m.beta]

    def formula(x):  # pwlf's model, evaluated exactly
        return beta[0] + beta[1] * (x - b[0]) + sum(beta[i + 1] * max(x - b[i], 0) for i in range(1, len(b) - 1))

    for x in [Fraction(-1), Fraction(0), Fraction(3, 10), Fraction(1, 7), Fraction(7, 8), Fraction(2)] + b:
        assert net.exact([x]) == [formula(x)]
    xs = np.linspace(-1, 2, 2001)
    assert np.max(np.abs(net(xs).ravel() - m.predict(xs))) < 1e-12
    assert pieces(net, (0, 1)).n_pieces == 3


def test_bad_pwlf_models():
    with pytest.raises(ValueError, match="degree=2"):
        from_pwlf(fitted(degree=2))
    with pytest.raises(ValueError, match="not fitted"):
        from_pwlf(pwlf.PiecewiseLinFit(np.linspace(0, 1, 5), np.zeros(5)))
    with pytest.raises(TypeError):
        from_pwlf(object())


def test_from_breakpoints_exact():
    net = from_breakpoints([0, Fraction(1, 3), 1], [0, 1, Fraction(1, 2)])
    P = pieces(net, (0, 1))
    assert P.breakpoints == [0, Fraction(1, 3), 1] and P.values == [0, 1, Fraction(1, 2)]
