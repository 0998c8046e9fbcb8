"""Protocol certificates (relubits.constructions.protocol)."""

import numpy as np
import pytest

from relubits.constructions.boolean import FUNCTIONS, benign_network, boolean_function, round_output
from relubits.constructions.protocol import circuit_protocol, network_protocol
from relubits.constructions.threshold import disj_circuit, ip_circuit, majority_circuit, parity_circuit

CIRCUITS = {"ip": ip_circuit, "disj": disj_circuit, "parity": parity_circuit, "majority": majority_circuit}


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_network_protocol_rounds_equal_neurons(fn):
    for d in range(1, 5):
        rec = benign_network(fn, d)
        cert = network_protocol(rec.network, boolean_function(fn, d))
        assert cert.valid
        assert cert.rounds == rec.neurons
        assert cert.inputs_checked == 2 ** rec.n_inputs


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_circuit_protocol_rounds_equal_gates(fn):
    for d in range(1, 5):
        c = CIRCUITS[fn](d)
        cert = circuit_protocol(c, boolean_function(fn, d))
        assert cert.valid and cert.rounds == c.size


def test_protocol_with_other_splits_and_rounding_gadget():
    rng = np.random.default_rng(0)
    rec = benign_network("ip", 3)
    for _ in range(5):
        alice = tuple(rng.choice(6, size=rng.integers(0, 7), replace=False).tolist())
        cert = network_protocol(rec.network, boolean_function("ip", 3), alice=alice)
        assert cert.valid and set(cert.alice) | set(cert.bob) == set(range(6))
    cert = network_protocol(round_output(rec.network), boolean_function("ip", 3))
    assert cert.valid and cert.rounds == rec.neurons + 2


def test_protocol_detects_wrong_function():
    rec = benign_network("ip", 2)
    cert = network_protocol(rec.network, boolean_function("disj", 2))
    assert not cert.valid and cert.output_errors > 0


def test_protocol_bad_split():
    with pytest.raises(ValueError, match="alice"):
        network_protocol(benign_network("ip", 2).network, boolean_function("ip", 2), alice=[0, 9])
    with pytest.raises(ValueError, match="at most"):
        network_protocol(benign_network("ip", 9).network, boolean_function("ip", 9))


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_protocol_valid_for_random_networks(data):
    """Any network defines f(x) = [N(x) > 1/2]; its protocol must certify exactly that f."""
    from fractions import Fraction

    from relubits.constructions.boolean import evaluate_integer, integer_layers_of
    from relubits.network import Network

    n = data.draw(st.integers(1, 5))
    widths = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    dims = [n] + widths + [1]
    ent = st.integers(-3, 3)
    layers = []
    for a, b in zip(dims, dims[1:]):
        A = [[data.draw(ent) for _ in range(a)] for _ in range(b)]
        c = [Fraction(data.draw(ent), data.draw(st.sampled_from([1, 2, 4]))) for _ in range(b)]
        layers.append((A, c))
    net = Network.from_layers(layers)
    il = integer_layers_of(net)

    def f(X):
        Y, D = evaluate_integer(il, X)
        return (2 * Y[:, 0] > D).astype(np.int64)

    alice = data.draw(st.lists(st.integers(0, n - 1), unique=True))
    cert = network_protocol(net, f, alice=alice)
    assert cert.valid
    assert cert.rounds == sum(dims[1:])
