"""Tests for relubits.constructions.boolean and .threshold (issue 7)."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relubits.constructions.boolean import (
    FUNCTIONS, MAX_EXHAUSTIVE_BITS, benign_network, boolean_function, disj_network, embed_boolean,
    embedded_target, evaluate_integer, exhaustive_check, integer_layers_of, ip_network,
    lipschitz_upper_bound, n_inputs_of, round_output)
from relubits.constructions.threshold import (
    Gate, ThresholdCircuit, all_boolean_inputs, circuit_to_layers, circuit_to_network, disj_circuit,
    ip_circuit, majority_circuit, parity_circuit)

CIRCUITS = {"ip": ip_circuit, "disj": disj_circuit, "parity": parity_circuit, "majority": majority_circuit}


# ---------------------------------------------------------------- truth functions
def test_truth_functions_against_definitions():
    X = all_boolean_inputs(6)
    for r, x in enumerate(X.tolist()):
        a, b = x[:3], x[3:]
        assert boolean_function("ip", 3)(X[r:r + 1])[0] == sum(p * q for p, q in zip(a, b)) % 2
        assert boolean_function("disj", 3)(X[r:r + 1])[0] == int(not any(p and q for p, q in zip(a, b)))
        assert boolean_function("parity", 6)(X[r:r + 1])[0] == sum(x) % 2
        assert boolean_function("majority", 6)(X[r:r + 1])[0] == int(sum(x) > 3)


def test_all_boolean_inputs_rows_are_binary_of_index():
    X = all_boolean_inputs(5)
    assert X.shape == (32, 5)
    assert [int("".join(map(str, row)), 2) for row in X.tolist()] == list(range(32))


# ---------------------------------------------------------------- networks: exhaustive exactness
@pytest.mark.parametrize("fn", FUNCTIONS)
def test_networks_exact_small_d(fn):
    for d in range(1, 7):
        rec = benign_network(fn, d)
        rep = exhaustive_check(rec.network, fn, d)
        assert rep.errors == 0 and rep.inputs_checked == 2 ** n_inputs_of(fn, d)
        assert rec.neurons == rec.promised_neurons
        assert rec.depth == rec.promised_depth


@pytest.mark.parametrize("fn", ["ip", "disj"])
def test_ip_disj_exact_d10_all_2_20_inputs(fn):
    rec = benign_network(fn, 10)
    rep = exhaustive_check(rec.network, fn, 10)
    assert rep.inputs_checked == 2**20
    assert rep.errors == 0
    assert rep.seconds < 30  # vectorised: well under a second on an idle core
    assert rec.neurons == (21 if fn == "ip" else 12)


def test_exhaustive_check_catches_a_wrong_network():
    rec = ip_network(4)
    rep = exhaustive_check(rec.network, "disj", 4)
    assert rep.errors > 0 and rep.first_counterexample is not None
    x = np.array([rep.first_counterexample])
    assert rec.network.exact(list(map(int, x[0])))[0] != boolean_function("disj", 4)(x)[0]


def test_exhaustive_check_agrees_with_core_exact_batch():
    rec = ip_network(3)
    X = all_boolean_inputs(6)
    Y, D = evaluate_integer(integer_layers_of(rec.network), X)
    core = rec.network.exact_batch(X.astype(int).tolist())
    assert [Fraction(int(y), D) for y in Y[:, 0]] == [row[0] for row in core]


def test_bad_d_and_limits():
    with pytest.raises(ValueError, match="d must be"):
        ip_network(0)
    with pytest.raises(TypeError):
        ip_network(2.5)
    with pytest.raises(ValueError, match="function must be one of"):
        benign_network("xor", 2)
    with pytest.raises(ValueError, match="force"):
        exhaustive_check(ip_network(12).network, "ip", 12)
    assert MAX_EXHAUSTIVE_BITS == 22
    with pytest.raises(ValueError, match="input dimension"):
        exhaustive_check(ip_network(3).network, "ip", 4)
    with pytest.raises(ValueError, match="one output"):
        exhaustive_check(circuit_to_network(ThresholdCircuit(2, [Gate((1, 1), 0)], [0, 0])).network, "parity", 2)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 8), st.integers(0, 2**31 - 1))
def test_ip_output_in_unit_interval_on_the_cube(d, seed):
    net = ip_network(d).network
    X = np.random.default_rng(seed).random((200, 2 * d))
    Y = net(X)[:, 0]
    assert Y.min() >= -1e-12 and Y.max() <= 1 + 1e-12


def test_ip_output_range_exact_on_dyadic_points():
    d = 3
    rng = np.random.default_rng(0)
    Xn = rng.integers(0, 257, size=(2000, 2 * d))  # points k/256 in [0, 1]
    Y, D = evaluate_integer(integer_layers_of(ip_network(d).network), Xn, scale=256)
    assert (Y[:, 0] >= 0).all() and (Y[:, 0] <= D).all()


def test_lipschitz_bound_formula_and_validity():
    for d in range(1, 7):
        assert lipschitz_upper_bound(ip_network(d).network) == 2 * d * (2 * d - 1)
        assert lipschitz_upper_bound(disj_network(d).network) == 2 * d
    net = ip_network(4).network
    L = float(lipschitz_upper_bound(net))
    rng = np.random.default_rng(1)
    X = rng.random((500, 8))
    Y = X + rng.normal(scale=1e-3, size=X.shape)
    lhs = np.abs(net(X)[:, 0] - net(Y)[:, 0])
    rhs = L * np.abs(X - Y).max(1)
    assert (lhs <= rhs + 1e-12).all()


# ---------------------------------------------------------------- threshold circuits
def test_threshold_circuits_exact():
    for fn, make in CIRCUITS.items():
        for d in range(1, 6):
            c = make(d)
            n = c.n_inputs
            X = all_boolean_inputs(n)
            assert (c.evaluate(X)[:, 0] == boolean_function(fn, d)(X)).all()


def test_circuit_to_network_size_depth_and_exactness():
    for fn, make in CIRCUITS.items():
        for d in range(1, 5):
            c = make(d)
            res = circuit_to_network(c)
            assert c.is_layered
            assert res.forwarded == 0
            assert res.neurons == 2 * c.size + 1  # Lemma 22: 2s + q
            assert res.depth == c.depth + 1
            assert exhaustive_check(res.network, fn, d).errors == 0


def test_circuit_network_outputs_in_unit_interval_on_any_real_input():
    rng = np.random.default_rng(2)
    for c in (ip_circuit(3), parity_circuit(4), disj_circuit(2)):
        net = circuit_to_network(c).network
        X = rng.normal(scale=10, size=(2000, c.n_inputs))
        Y = net(X)
        assert Y.min() >= 0 and Y.max() <= 1
        exact = net.exact([Fraction(v).limit_denominator(1000) for v in X[0]])
        assert 0 <= exact[0] <= 1


def test_non_layered_circuit_is_forwarded_and_exact():
    xor = ThresholdCircuit(2, [Gate((1, 1), -1), Gate((1, 1, -2), 0)], [1])
    assert not xor.is_layered
    res = circuit_to_network(xor)
    assert res.forwarded == 2 and res.neurons == res.promised_neurons == 7
    assert exhaustive_check(res.network, "parity", 2).errors == 0


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_random_circuits_network_matches_circuit(data):
    n = data.draw(st.integers(1, 4))
    s = data.draw(st.integers(1, 4))
    gates = []
    for k in range(s):
        w = tuple(data.draw(st.integers(-3, 3)) for _ in range(n + k))
        gates.append(Gate(w, data.draw(st.integers(-4, 4))))
    outs = data.draw(st.lists(st.integers(0, s - 1), min_size=1, max_size=2))
    c = ThresholdCircuit(n, gates, outs)
    res = circuit_to_layers(c)
    X = all_boolean_inputs(n)
    Y, D = evaluate_integer(integer_layers_of(res.layers), X)
    assert (Y == c.evaluate(X).astype(np.int64) * D).all()
    assert res.neurons == res.promised_neurons


def test_circuit_validation():
    with pytest.raises(ValueError, match="weights"):
        ThresholdCircuit(2, [Gate((1,), 0)], [0])
    with pytest.raises(ValueError, match="outputs"):
        ThresholdCircuit(2, [Gate((1, 1), 0)], [3])
    with pytest.raises(TypeError, match="int"):
        Gate((1.5, 1), 0)
    with pytest.raises(ValueError, match="Boolean"):
        majority_circuit(3).evaluate([[0, 2, 1]])


# ---------------------------------------------------------------- Proposition 17 and rounding
def _support_points(rng, N, n, den=64):
    """Dyadic points k/den of ([0,1/4] u [3/4,1])^n."""
    k = rng.integers(0, den // 4 + 1, size=(N, n))
    hi = rng.integers(0, 2, size=(N, n)).astype(bool)
    return np.where(hi, den - k, k), den


@pytest.mark.parametrize("fn,d", [("ip", 3), ("disj", 3), ("parity", 5)])
def test_embedding_zero_error_on_support(fn, d):
    rec = benign_network(fn, d)
    emb = embed_boolean(rec)
    n = rec.n_inputs
    assert emb.neurons == emb.promised_neurons == rec.neurons + 2 * n
    assert emb.depth == rec.depth + 1
    rng = np.random.default_rng(3)
    Xn, den = _support_points(rng, 5000, n)
    Y, D = evaluate_integer(integer_layers_of(emb.network), Xn, scale=den)
    g = boolean_function(fn, d)
    want = g((2 * Xn >= den).astype(np.int8)).astype(np.int64)
    assert (Y[:, 0] == want * D).all()  # exact: zero L2(mu) error on these samples
    # and the 4-Lipschitz target agrees there
    assert np.array_equal(embedded_target(g, Xn / den), want.astype(float))


def test_embedded_target_is_4_lipschitz_and_in_unit_interval():
    g = boolean_function("ip", 2)
    rng = np.random.default_rng(4)
    X = rng.random((4000, 4))
    Y = np.clip(X + rng.normal(scale=0.05, size=X.shape), 0, 1)
    fX, fY = embedded_target(g, X), embedded_target(g, Y)
    assert fX.min() >= 0 and fX.max() <= 1
    assert (np.abs(fX - fY) <= 4 * np.linalg.norm(X - Y, axis=1) + 1e-12).all()


def test_round_output_recovers_boolean_within_one_third():
    rec = ip_network(3)
    rounded = round_output(rec.network)
    assert sum(rounded.widths[1:]) == rec.neurons + 2
    assert exhaustive_check(rounded, "ip", 3).errors == 0
    # the gadget alone: [3t-1]_+ - [3t-2]_+ is g wherever |t - g| <= 1/3
    from relubits.network import Network
    gadget = round_output(Network.from_layers([([[1]], [0])]))
    for g in (0, 1):
        for k in range(-30, 31):
            t = Fraction(g) + Fraction(k, 90)
            assert gadget.exact([t])[0] == g


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_index_truth_table_matches_truth_function(fn):
    from relubits.constructions.boolean import _truth_from_index
    for d in range(1, 6):
        n = n_inputs_of(fn, d)
        r = np.arange(2**n, dtype=np.int64)
        assert (_truth_from_index(fn, d, r) == boolean_function(fn, d)(all_boolean_inputs(n))).all()


def test_exhaustive_check_chunking_does_not_matter():
    net = ip_network(5).network
    wrong = disj_network(5).network
    for cb in (1, 3, 10, 12):
        assert exhaustive_check(net, "ip", 5, chunk_bits=cb).errors == 0
        rep = exhaustive_check(wrong, "ip", 5, chunk_bits=cb)
        assert rep.errors == exhaustive_check(wrong, "ip", 5).errors > 0
