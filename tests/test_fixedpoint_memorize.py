"""Memorization constructions, verified exhaustively on every grid point."""

from fractions import Fraction

import numpy as np
import pytest

from relubits.fixedpoint import ACTIVATIONS, SEMANTICS, FixedFormat
from relubits.fixedpoint.conditions import check
from relubits.fixedpoint.memorize import grid_points, memorize, table_codes, verify


def formats_up_to(bits, symmetric=False):
    out = []
    for b in range(3, bits + 1):
        for p in range(1, b - 1 + 1):
            s = b - 1 - p
            if s >= 0:
                out.append(FixedFormat(p, s, symmetric=symmetric))
    return out


def random_table(rng, fmt, d):
    return rng.integers(fmt.k_min, fmt.k_max + 1, fmt.size ** d)


@pytest.mark.parametrize("weights", ["any", "binary"])
def test_relu_exact_on_all_small_formats_d1(weights):
    rng = np.random.default_rng(0)
    for sym in (True, False):
        for fmt in formats_up_to(6, symmetric=sym):
            if weights == "binary" and not sym:
                continue  # two's complement: separately tested to be impossible
            for sem in SEMANTICS:
                if not check("relu", fmt, semantics=sem, weights=weights).sufficient:
                    # only two's complement formats with a single fraction bit or none, where no
                    # ReLU neuron is zero exactly at the minimum
                    assert not sym and fmt.frac_bits <= 1, fmt
                    continue
                Y = random_table(rng, fmt, 1)
                mem = memorize(Y, fmt, "relu", weights=weights, semantics=sem, d=1)
                res = verify(mem.net, Y, d=1)
                assert res.exact_inputs == res.total_inputs == fmt.size, (fmt, sem, res.first_mismatch)
                if weights == "binary":
                    for W in mem.net.weights:
                        assert set(np.unique(W)) <= {0, fmt.scale, -fmt.scale}


def test_relu_exact_d2_and_size_report():
    rng = np.random.default_rng(1)
    fmt = FixedFormat(1, 2, symmetric=True)
    for weights in ("any", "binary"):
        for bias in ("last", "first"):
            Y = random_table(rng, fmt, 2)
            mem = memorize(Y, fmt, "relu", weights=weights, bias=bias, d=2)
            assert verify(mem.net, Y, d=2)
            size = mem.size
            assert size["depth"] == mem.promise["depth"]
            assert size["width"] <= mem.promise["width"]
            assert mem.points == fmt.size ** 2


def test_binary_relu_impossible_on_twos_complement_is_the_necessary_condition():
    fmt = FixedFormat(1, 2)
    v = check("relu", fmt, weights="binary")
    assert v.necessary is False and v.witness["necessary"]["pair"] == ["-2", "-7/4"]
    with pytest.raises(ValueError, match="symmetric"):
        memorize(np.zeros(fmt.size, dtype=np.int64), fmt, "relu", weights="binary", d=1)
    assert check("relu", fmt).sufficient  # with any weights: a (1 - delta)-type neuron separates


@pytest.mark.parametrize("act", [a for a in ACTIVATIONS if a != "relu"])
def test_every_certified_activation_memorizes_exactly(act):
    rng = np.random.default_rng(2)
    certified = 0
    for fmt in [FixedFormat(1, 2), FixedFormat(2, 2), FixedFormat(3, 2), FixedFormat(3, 1),
                FixedFormat(2, 3, symmetric=True)]:
        for sem in SEMANTICS:
            for d in (1, 2):
                if d == 2 and fmt.bits > 5:
                    continue
                v = check(act, fmt, semantics=sem, d=d)
                if not v.sufficient:
                    with pytest.raises(ValueError, match="sufficient condition fails"):
                        memorize(random_table(rng, fmt, d), fmt, act, semantics=sem, d=d)
                    continue
                certified += 1
                Y = random_table(rng, fmt, d)
                mem = memorize(Y, fmt, act, semantics=sem, d=d)
                res = verify(mem.net, Y, d=d)
                assert res.exact_inputs == res.total_inputs, (fmt, sem, d, res.first_mismatch)
    # ELU and Mish: no small format passes the sufficient condition (an open gap, see the docs)
    assert certified > 0 or act in ("elu", "mish")


def test_adversarial_tables():
    fmt = FixedFormat(2, 1, symmetric=True)
    pts = grid_points(fmt, 1)[:, 0]
    tables = {
        "all max": np.full(fmt.size, fmt.k_max),
        "all min": np.full(fmt.size, fmt.k_min),
        "alternating": np.where(pts % 2 == 0, fmt.k_max, fmt.k_min),
        "one-hot": np.where(pts == 0, fmt.k_max, 0),
    }
    for name, Y in tables.items():
        for act in ("relu", "step", "identity"):
            if check(act, fmt).sufficient:
                assert verify(memorize(Y, fmt, act, d=1).net, Y, d=1), (name, act)


def test_verify_reports_first_mismatch():
    fmt = FixedFormat(1, 1, symmetric=True)
    Y = np.arange(fmt.k_min, fmt.k_max + 1)
    mem = memorize(Y, fmt, "relu", d=1)
    wrong = Y.copy()
    wrong[2] += 1
    res = verify(mem.net, wrong, d=1)
    assert res.mismatches == 1 and res.first_mismatch == {"x": ["-1/2"], "expected": "0", "got": "-1/2"}


def test_table_forms_and_errors():
    fmt = FixedFormat(1, 1)
    as_dict = {Fraction(k, 2): Fraction(-k, 4) * 2 if abs(k) < 4 else 0 for k in range(-4, 4)}
    Y, d = table_codes(as_dict, fmt)
    assert d == 1 and len(Y) == fmt.size
    Yf, _ = table_codes(lambda x: -x if x > -2 else x, FixedFormat(1, 2), d=1)
    assert len(Yf) == 16
    missing = dict(list(as_dict.items())[1:])
    with pytest.raises(ValueError, match="missing input x=-2"):
        table_codes(missing, fmt)
    with pytest.raises(ValueError, match="table value"):
        table_codes({**as_dict, Fraction(0): 5}, fmt)
    with pytest.raises(ValueError, match="overflow='saturate'"):
        memorize(as_dict, fmt.replace(overflow="wrap"))
    with pytest.raises(ValueError, match="1 in the format"):
        memorize(np.zeros(8, dtype=np.int64), FixedFormat(0, 2), d=1)
    with pytest.raises(ValueError, match="weights"):
        memorize(as_dict, fmt, weights="ternary")
    with pytest.raises(ValueError, match="binary weights"):
        memorize(as_dict, fmt, activation="step", weights="binary")


@pytest.mark.slow
def test_full_sweep_up_to_8_bits_d1_and_6_bits_d2():
    """The issue's sweep: every format up to 8 bits (d = 1) and 6 bits (d = 2), ReLU any and binary
    (symmetric for binary), and every activation the checker certifies."""
    rng = np.random.default_rng(3)
    for d, bits in ((1, 8), (2, 6)):
        for sym in (False, True):
            for fmt in formats_up_to(bits, symmetric=sym):
                for act in ACTIVATIONS:
                    for weights in (("any", "binary") if act == "relu" else ("any",)):
                        v = check(act, fmt, d=d, weights=weights)
                        if not v.sufficient:
                            continue
                        Y = random_table(rng, fmt, d)
                        mem = memorize(Y, fmt, act, weights=weights, d=d)
                        res = verify(mem.net, Y, d=d)
                        assert res.exact_inputs == res.total_inputs, (fmt, act, weights, d)


def test_sizes_meet_the_construction_promises():
    rng = np.random.default_rng(4)
    for fmt in [FixedFormat(1, 3, symmetric=True), FixedFormat(2, 3), FixedFormat(3, 2)]:
        for d in (1, 2):
            if d == 2 and fmt.bits > 5:
                continue
            for act in ("relu", "gelu", "step", "elu"):
                for w in (("any", "binary") if act == "relu" else ("any",)):
                    if not check(act, fmt, d=d, weights=w).sufficient:
                        continue
                    mem = memorize(random_table(rng, fmt, d), fmt, act, weights=w, d=d)
                    size, promise = mem.size, mem.promise
                    assert size["depth"] == promise["depth"], (fmt, act, w, d)
                    assert size["width"] <= promise["width"], (fmt, act, w, d)
                    assert size["n_nonzero"] <= promise["n_nonzero"], (fmt, act, w, d)
