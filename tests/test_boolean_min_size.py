"""Exact minimal sizes (relubits.experiments.min_size) and the theory numbers (relubits.theory.benign)."""

import numpy as np
import pytest

pytest.importorskip("highspy")

from relubits.constructions.boolean import boolean_function, evaluate_integer, integer_layers_of  # noqa: E402
from relubits.constructions.threshold import ThresholdCircuit, all_boolean_inputs  # noqa: E402
from relubits.experiments.min_size import min_relu_network, min_threshold_circuit  # noqa: E402
from relubits.theory.benign import (  # noqa: E402
    ip_ones_count, ip_ones_formula, lemma23_holds, lemma23_smallest_d, lindsey_check, muroga_weight_bound)


@pytest.mark.parametrize("fn,d,expected", [("ip", 1, 1), ("ip", 2, 2), ("disj", 1, 1), ("disj", 2, 2),
                                           ("parity", 3, 2), ("majority", 3, 1)])
def test_min_threshold_circuit_small(fn, d, expected):
    r = min_threshold_circuit(fn, d, time_limit=60)
    assert r.proof_status == "optimal"
    assert r.min_size == expected and r.lower_bound == expected
    assert isinstance(r.witness, ThresholdCircuit) and r.witness.size == expected
    X = all_boolean_inputs(r.witness.n_inputs)
    assert (r.witness.evaluate(X)[:, 0] == boolean_function(fn, d)(X)).all()
    # the log proves every smaller size infeasible
    assert [e["status"] for e in r.log] == ["infeasible"] * (expected - 1) + ["feasible"]


@pytest.mark.parametrize("fn,d,expected", [("ip", 1, 2), pytest.param("ip", 2, 4, marks=pytest.mark.slow),
                                           ("disj", 2, 4), ("parity", 1, 1),
                                           ("parity", 3, 4), ("majority", 3, 3)])
def test_min_relu_network_small(fn, d, expected):
    r = min_relu_network(fn, d, weight_bound=4, time_limit=60)
    assert r.proof_status == "optimal" and r.min_size == expected
    X = all_boolean_inputs(X_bits := (2 * d if fn in ("ip", "disj") else d))
    Y, D = evaluate_integer(integer_layers_of(r.witness), X)
    assert (Y[:, 0] == boolean_function(fn, d)(X) * D).all()
    assert sum(len(c) for _, c in r.witness) == expected
    assert r.witness_json() is not None and X_bits >= 1


def test_time_limit_reports_unknown_honestly():
    r = min_relu_network("ip", 3, time_limit=0.5)
    assert r.proof_status == "unknown" and r.min_size is None
    assert r.lower_bound >= 2


def test_min_size_bad_input():
    with pytest.raises(ValueError, match="at most 8"):
        min_threshold_circuit("ip", 5)
    with pytest.raises(ValueError, match="time_limit"):
        min_threshold_circuit("ip", 1, time_limit=0)
    with pytest.raises(ValueError, match="weight_bound"):
        min_relu_network("ip", 1, weight_bound=0)
    with pytest.raises(ValueError, match="every point"):
        min_relu_network("ip", 1, target=(np.array([[0, 0], [1, 1]]), np.array([0, 1])))


def test_muroga_bound_values():
    assert [muroga_weight_bound(m) for m in range(1, 10)] == [1, 1, 2, 3, 6, 14, 32, 76, 195]
    for m in range(1, 30):
        w = muroga_weight_bound(m)
        assert w**2 * 4**m <= (m + 1) ** (m + 1) < (w + 1) ** 2 * 4**m or w == 1


def test_ip_ones_and_lindsey():
    for d in range(1, 9):
        assert ip_ones_count(d) == ip_ones_formula(d) == 2 ** (2 * d - 1) - 2 ** (d - 1)
    for d in range(1, 5):
        r = lindsey_check(d)
        assert r.holds and max(r.max_one_rectangle, r.max_zero_rectangle) <= 2**d
        assert r.max_zero_rectangle == 2**d  # tight: {x: x_1 = 0} x {y: y_1... } style rectangles
        assert r.subsets_checked == 2 ** (2**d) - 1


def test_lemma23_threshold():
    assert lemma23_smallest_d() == 256
    assert lemma23_holds(256) and not lemma23_holds(255)


@pytest.mark.parametrize("fn,d,expected", [("ip", 1, 3), ("parity", 2, 4)])
def test_min_relu2_network_small(fn, d, expected):  # noqa: D103
    from relubits.experiments.min_size import min_relu2_network
    r = min_relu2_network(fn, d, weight_bound=2, time_limit=60)
    assert r.proof_status == "optimal" and r.min_size == expected
    assert len(r.witness) == 3 and sum(len(c) for _, c in r.witness) == expected
    n = 2 * d if fn in ("ip", "disj") else d
    X = all_boolean_inputs(n)
    Y, D = evaluate_integer(integer_layers_of(r.witness), X)
    assert (Y[:, 0] == boolean_function(fn, d)(X) * D).all()
    assert all(e["status"] == "infeasible" for e in r.log if e["size"] < expected)


@pytest.mark.slow
@pytest.mark.parametrize("fn,expected", [("ip", 4), ("disj", 4)])
def test_min_relu2_d2(fn, expected):
    from relubits.experiments.min_size import min_relu2_network
    r = min_relu2_network(fn, 2, weight_bound=2, time_limit=300)
    assert r.proof_status == "optimal" and r.min_size == expected
