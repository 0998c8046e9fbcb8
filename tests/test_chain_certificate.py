"""Linear-time chain certificate: agrees with relubits.certify, rejects non-chains and broken positivity."""

from fractions import Fraction

import numpy as np
import pytest

from relubits import Network, certify
from relubits.constructions.chain_certificate import certify_chain, chain_function
from relubits.constructions.lipschitz import chain_grid, lipschitz_approximant
from relubits.constructions.shallow import shallow_approximant

F = lambda x: np.abs(np.sin(7 * x)) / 7 + 0.5 * np.abs(x - 0.3)  # noqa: E731  (Lipschitz <= 1.5)


@pytest.mark.parametrize("bits, width, depth", [(3, 2, 60), (3, 4, 60), (3, 4, 7), (4, 2, 200), (8, 2, 90), (16, 2, 40)])
def test_agrees_with_certify(bits, width, depth):
    c = lipschitz_approximant(F, 1.5, width, depth, chain_grid(bits))
    ref = certify(c.network, F, 1.5, rtol=0.001)
    mine = certify_chain(c.network, F, 1.5)
    assert ref.lower_bound <= mine.certified_error <= float(c.promised_error)
    assert mine.lower_bound <= ref.certified_error


@pytest.mark.parametrize("bits, width, f0", [(6, 2, 0.0), (3, 4, 0.0), (3, 2, 0.0), (3, 4, 2.0)])
def test_chain_function_matches_exact_evaluation(bits, width, f0):
    g = lambda x: F(x) + f0  # noqa: E731
    c = lipschitz_approximant(g, 1.5, width, 120, chain_grid(bits))
    K, e, PJ, w, c0 = chain_function(c.network)
    xs = [Fraction(j, 97) for j in range(98)]
    got = c.network.exact_batch([[x] for x in xs])
    for x, y in zip(xs, got):
        u = K * x
        assert y[0] == w * (PJ + sum(ei * max(u - i, 0) for i, ei in enumerate(e))) + c0


def test_rejects_other_networks():
    s = shallow_approximant(F, 1.5, 8, chain_grid(8))
    with pytest.raises(ValueError):
        certify_chain(s.network, F, 1.5)


def test_rejects_negative_accumulator():
    c = lipschitz_approximant(F, 1.5, 2, 40, chain_grid(8))
    layers = c.network.integer_layers
    # make the accumulator of a middle chain layer strongly negative: positivity fails
    for li in range(5, len(layers) - 6):
        A, cc, d = layers[li]
        cc = cc.copy()
        cc[1] = -4 * d
        layers[li] = (A, cc, d)
    bad = Network.from_integer_layers(layers)
    with pytest.raises(ValueError, match="positivity"):
        certify_chain(bad, F, 1.5)
