"""Exact (SAT + certified cuts) minimal threshold circuits: relubits.experiments.min_size_sat."""

import itertools

import numpy as np
import pytest

pytest.importorskip("pysat")
pytest.importorskip("scipy")
pytest.importorskip("highspy")

from relubits.constructions.boolean import boolean_function  # noqa: E402
from relubits.constructions.threshold import all_boolean_inputs  # noqa: E402
from relubits.experiments.min_size import min_size  # noqa: E402
from relubits.experiments.min_size_sat import _certify, hull_intersection, min_threshold_circuit_sat  # noqa: E402


def test_hull_intersection_xor_and_and():
    V = all_boolean_inputs(2).astype(np.int64)
    xor = np.array([0, 1, 1, 0])
    S = hull_intersection(V, xor)
    assert S is not None and sorted(S) == [0, 1, 2, 3] and _certify(V, xor, S)
    assert hull_intersection(V, np.array([0, 0, 0, 1])) is None  # AND is a threshold function


def test_hull_intersection_agrees_with_brute_force_on_3_variables():
    """All 256 Boolean functions of 3 variables: exactly 104 are threshold functions."""
    V = all_boolean_inputs(3).astype(np.int64)
    n_threshold = 0
    for bits in itertools.product((0, 1), repeat=8):
        labels = np.array(bits)
        S = hull_intersection(V, labels)
        if S is None:
            n_threshold += 1
        else:
            assert _certify(V, labels, S)
    assert n_threshold == 104


@pytest.mark.parametrize("fn,d,expected", [("ip", 1, 1), ("ip", 2, 2), ("disj", 2, 2), ("parity", 3, 2),
                                           ("parity", 4, 3), ("majority", 4, 1)])
def test_sat_minimum_small(fn, d, expected):
    r = min_threshold_circuit_sat(fn, d, time_limit=60)
    assert r.proof_status == "optimal" and r.min_size == expected
    X = all_boolean_inputs(r.witness.n_inputs)
    assert (r.witness.evaluate(X)[:, 0] == boolean_function(fn, d)(X)).all()
    assert [e["status"] for e in r.log] == ["infeasible"] * (expected - 1) + ["feasible"]


def test_sat_alone_finds_witnesses_too():
    r = min_threshold_circuit_sat("parity", 3, time_limit=60, milp_first=0)
    assert r.min_size == 2 and r.log[-1]["by"] == "sat"
    X = all_boolean_inputs(3)
    assert (r.witness.evaluate(X)[:, 0] == X.sum(1) % 2).all()


def test_dispatch_and_time_limit():
    r = min_size("ip", 2, model="threshold", time_limit=60)
    assert r.min_size == 2 and "exact rational" in r.proof
    r = min_threshold_circuit_sat("ip", 3, time_limit=1.0, milp_first=0.2)
    assert r.proof_status == "unknown" and r.min_size is None and r.lower_bound >= 1
    with pytest.raises(ValueError, match="model"):
        min_size("ip", 1, model="nope")


@pytest.mark.parametrize("fn,d,expected", [("ip", 1, 2), ("parity", 2, 3), ("majority", 3, 3), ("parity", 1, 1)])
def test_relu1_real_weights_exact(fn, d, expected):
    from relubits.constructions.boolean import evaluate_integer, integer_layers_of
    from relubits.experiments.min_size_sat import min_relu_network_exact
    r = min_relu_network_exact(fn, d, time_limit=60, milp_first=0 if n_bits(fn, d) <= 2 else 10)
    assert r.proof_status == "optimal" and r.min_size == expected
    n = 2 * d if fn in ("ip", "disj") else d
    X = all_boolean_inputs(n)
    Y, D = evaluate_integer(integer_layers_of(r.witness), X)
    assert (Y[:, 0] == boolean_function(fn, d)(X) * D).all()
    assert "any real weights" in r.proof or expected == 1
    assert r.witness_json() is not None


def n_bits(fn, d):
    return 2 * d if fn in ("ip", "disj") else d


def test_farkas_certificate_is_exact():
    from relubits.experiments.min_size_sat import _farkas, _relu1_lp
    X = all_boolean_inputs(2).astype(np.int64)
    y = np.array([0, 1, 1, 0])
    # one positive unit active only at (1,1) cannot produce XOR
    A_eq, b_eq, G, h, keys = _relu1_lp(X, y, [[0, 0, 0, 1]], [1])
    cert = _farkas(A_eq, b_eq, G, h)
    assert cert not in (None, "inexact")
    u, v = cert
    assert all(t >= 0 for t in v)
    # the exact identity: u^T A_eq + v^T G = 0 and u.b + v.h < 0
    for col in range(A_eq.shape[1]):
        assert sum(int(A_eq[i, col]) * u[i] for i in range(4)) + sum(int(G[i, col]) * v[i] for i in range(4)) == 0
    assert sum(int(b_eq[i]) * u[i] for i in range(4)) < 0


def test_symmetries_of_ip_and_lex_leader_keep_answers():
    from relubits.experiments import min_size_sat as M
    from relubits.experiments.min_size import _truth_table
    X, y = _truth_table("ip", 2, None)
    perms = M._row_symmetries(X, y)
    # IP_2: swap the pairs, swap x_i <-> y_i in each pair: 2! * 2^2 = 8 symmetries, minus the identity
    assert len(perms) == 7
    for perm in perms:
        assert sorted(perm) == list(range(16)) and all(y[perm[r]] == y[r] for r in range(16))
    for sym in (True, False):
        st1, _ = M._size_decision(X, y, 1, float("inf"), True, 0, symmetry=sym)
        st2, circ = M._size_decision(X, y, 2, float("inf"), True, 0, symmetry=sym)
        assert st1 == "infeasible" and st2 == "feasible"
        assert (circ.evaluate(X)[:, 0] == y).all()


def test_ip3_five_gate_circuit():
    """Upper bound used in docs/benign.md: IP_3 with 5 gates (3 ANDs, [sum >= 2], sum - 2 g >= 1)."""
    from relubits.constructions.threshold import Gate, ThresholdCircuit

    def AND(i):
        w = [0] * 6
        w[i] = w[3 + i] = 1
        return Gate(tuple(w), -1)

    c = ThresholdCircuit(6, [AND(0), AND(1), AND(2), Gate((0,) * 6 + (1, 1, 1), -1),
                             Gate((0,) * 6 + (1, 1, 1, -2), 0)], [4])
    X = all_boolean_inputs(6)
    assert (c.evaluate(X)[:, 0] == boolean_function("ip", 3)(X)).all() and c.size == 5


@pytest.mark.slow
def test_ip3_needs_four_gates():
    """Exact proof (about 15 min on a loaded 2-core machine): no threshold circuit with 3 gates computes IP_3."""
    r = min_threshold_circuit_sat("ip", 3, max_gates=3, time_limit=3000, milp_first=0)
    assert r.lower_bound == 4 and [e["status"] for e in r.log] == ["infeasible"] * 3


def test_ip3_four_gate_witness():
    """The 4-gate circuit HiGHS found for IP_3 (576 s); with the slow UNSAT proof for 3 gates, min = 4."""
    from relubits.constructions.threshold import Gate, ThresholdCircuit

    c = ThresholdCircuit(6, [
        Gate((14, -1, 11, -12, -1, -5), -6),
        Gate((3, 1, 32, -29, 27, -29, -32), -1),
        Gate((70, 76, 69, 2, -6, 3, -68, -66), -75),
        Gate((191, 194, 194, -187, -1, -1, -195, -190, -195), -1)], [3])
    X = all_boolean_inputs(6)
    assert (c.evaluate(X)[:, 0] == boolean_function("ip", 3)(X)).all() and c.size == 4
