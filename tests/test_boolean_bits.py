"""Bit extraction on [0,1]^d and Telgarsky's phi_k (relubits.constructions.benign_bits)."""

from fractions import Fraction

import numpy as np
import pytest

from relubits import pieces
from relubits.constructions.benign_bits import (
    failure_measure, measured_failure_rate, ramp_bit_extraction, telgarsky_bit_extraction, telgarsky_phi,
    true_bits)


@pytest.mark.parametrize("k", range(1, 8))
def test_phi_k_tents_exactly(k):
    p = pieces(telgarsky_phi(k), (0, 1))
    assert p.n_pieces == 2**k  # 2^(k-1) tents, two pieces each
    assert p.lipschitz == 2**k
    assert p.values == [Fraction(i % 2) for i in range(2**k + 1)]  # heights exactly 1, troughs 0
    assert p.breakpoints == [Fraction(i, 2**k) for i in range(2**k + 1)]
    assert telgarsky_phi(k).depth == k + 1 and sum(telgarsky_phi(k).widths[1:-1]) == 2 * k


def test_true_bits_msb_first():
    X = np.array([[0.0, 0.5, 0.75, 0.999, 1.0]]).T
    assert true_bits(X, 2).tolist() == [[0, 0], [1, 0], [1, 1], [1, 1], [1, 1]]


@pytest.mark.parametrize("make", [ramp_bit_extraction, telgarsky_bit_extraction])
@pytest.mark.parametrize("c", [1, 2, 3])
def test_failure_measure_within_promise(make, c):
    ext = make(c, Fraction(1, 64))
    m = failure_measure(ext)
    assert 0 < m <= ext.promised_measure_per_coordinate
    if make is ramp_bit_extraction:
        assert m == Fraction(1, 64)  # exactly 2^c strips of width Delta / 2^c


@pytest.mark.parametrize("make", [ramp_bit_extraction, telgarsky_bit_extraction])
def test_measured_rate_matches_exact_measure_in_d_dims(make):
    d, c = 3, 3
    ext = make(c, Fraction(1, 32), d=d)
    assert ext.network.input_dim == d and ext.network.output_dim == d * c
    m = failure_measure(ext)
    exact_p = 1 - (1 - float(m)) ** d
    rate = measured_failure_rate(ext, n_samples=20000, seed=1)
    assert abs(rate - exact_p) < 5 * np.sqrt(exact_p * (1 - exact_p) / 20000)
    assert rate <= float(ext.promised_failure_probability()) + 0.01


def test_sizes_and_depths():
    r = ramp_bit_extraction(4, Fraction(1, 8), d=2)
    assert r.depth == 2 and r.neurons == 2 * 2 * (2**4 + 1) + 2 * 4
    t = telgarsky_bit_extraction(4, Fraction(1, 8))
    assert t.depth == 4 + 2


def test_bad_parameters():
    with pytest.raises(ValueError, match="delta"):
        ramp_bit_extraction(2, 0)
    with pytest.raises(ValueError, match="c must be"):
        telgarsky_bit_extraction(0)
    with pytest.raises(TypeError, match="delta"):
        ramp_bit_extraction(2, "abc")
