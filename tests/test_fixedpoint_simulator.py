"""Bit-exact simulator: agreement with APyTypes (>= 10^4 random cases) and fxpmath, int64 proof,
escalation to Python ints, overflow errors, constructors and bad input."""

from fractions import Fraction

import numpy as np
import pytest

from relubits.fixedpoint import (
    ACTIVATIONS,
    ROUNDING_MODES,
    SEMANTICS,
    FixedFormat,
    FixedNetwork,
    FixedOverflowError,
    apply_overflow,
    round_shift,
)


def random_net(rng, fmt, semantics, bias, activation=None, max_width=5, max_depth=4, small=False):
    depth = int(rng.integers(1, max_depth + 1))
    widths = [int(rng.integers(1, max_width + 1)) for _ in range(depth + 1)]
    lo, hi = (fmt.k_min, fmt.k_max + 1) if not small else (-fmt.scale, fmt.scale + 1)
    lo, hi = max(lo, fmt.k_min), min(hi, fmt.k_max + 1)
    layers = [
        (rng.integers(lo, hi, (widths[i + 1], widths[i])), rng.integers(lo, hi, widths[i + 1]))
        for i in range(depth)
    ]
    act = activation or str(rng.choice(list(ACTIVATIONS)))
    return FixedNetwork(layers, fmt, activation=act, semantics=semantics, bias=bias)


def sequential_reference(net, x):
    """One input, scalar Python-int arithmetic straight from the definition of the semantics."""
    fmt = net.fmt
    h = [int(v) for v in x]
    for i, (W, b) in enumerate(zip(net.weights, net.biases)):
        z = []
        for o in range(W.shape[0]):
            if net.semantics == "fused":
                acc = sum(int(W[o, j]) * h[j] for j in range(len(h))) + (int(b[o]) << fmt.frac_bits)
                z.append(apply_overflow(round_shift(acc, fmt.frac_bits, fmt.rounding), fmt))
                continue
            acc = int(b[o]) if net.bias == "first" else 0
            for j in range(len(h)):
                p = apply_overflow(round_shift(int(W[o, j]) * h[j], fmt.frac_bits, fmt.rounding), fmt)
                acc = apply_overflow(acc + p, fmt)
            if net.bias == "last":
                acc = apply_overflow(acc + int(b[o]), fmt)
            z.append(acc)
        if i < net.depth - 1:
            z = [int(v) for v in net._activate(np.array(z, dtype=np.int64))]
        h = z
    return h


def test_matches_scalar_definition_including_saturation_fallback():
    rng = np.random.default_rng(3)
    for trial in range(40):
        fmt = FixedFormat(int(rng.integers(0, 3)), int(rng.integers(1, 4)),
                          rounding=str(rng.choice(sorted(ROUNDING_MODES))),
                          overflow=str(rng.choice(["saturate", "wrap"])),
                          symmetric=bool(trial % 3 == 0))
        net = random_net(rng, fmt, SEMANTICS[trial % 2], ("last", "first")[(trial // 2) % 2])
        X = rng.integers(fmt.k_min, fmt.k_max + 1, (20, net.input_dim))
        got = net.forward(X)
        for x, g in zip(X, got):
            assert g.tolist() == sequential_reference(net, x)


def test_agrees_with_apytypes_on_10k_random_cases():
    pytest.importorskip("apytypes")
    from relubits.fixedpoint.reference import forward_apytypes

    rng = np.random.default_rng(2024)
    cases = mismatches = 0
    trial = 0
    while cases < 10_000:
        trial += 1
        fmt = FixedFormat(int(rng.integers(0, 4)), int(rng.integers(0, 6)),
                          rounding=str(rng.choice(sorted(ROUNDING_MODES))),
                          overflow=str(rng.choice(["saturate", "wrap"])))
        net = random_net(rng, fmt, SEMANTICS[trial % 2], ("last", "first")[(trial // 2) % 2])
        X = rng.integers(fmt.k_min, fmt.k_max + 1, (100, net.input_dim))
        mismatches += int((net.forward(X) != forward_apytypes(net, X)).any(axis=1).sum())
        cases += len(X)
    assert cases >= 10_000 and mismatches == 0


def test_agrees_with_apytypes_on_wide_formats_int64_and_python_ints():
    pytest.importorskip("apytypes")
    from relubits.fixedpoint.reference import forward_apytypes

    rng = np.random.default_rng(5)
    for bits_int, bits_frac, expect in [(10, 12, "int64"), (20, 20, "python-int")]:
        fmt = FixedFormat(bits_int, bits_frac, rounding="nearest-even")
        for sem in SEMANTICS:
            net = random_net(rng, fmt, sem, "last", activation="relu", max_width=6, max_depth=3)
            assert {a["dtype"] for a in net.accumulators} == {expect}
            X = rng.integers(fmt.k_min, fmt.k_max + 1, (50, net.input_dim))
            got = net.forward(X)
            assert (got == forward_apytypes(net, X)).all()


@pytest.mark.slow
def test_agrees_with_fxpmath():
    pytest.importorskip("fxpmath")
    from relubits.fixedpoint.reference import forward_fxpmath

    rng = np.random.default_rng(7)
    cases = 0
    for trial in range(40):
        fmt = FixedFormat(int(rng.integers(0, 4)), int(rng.integers(0, 5)),
                          rounding=str(rng.choice(sorted(ROUNDING_MODES))),
                          overflow=str(rng.choice(["saturate", "wrap"])))
        net = random_net(rng, fmt, SEMANTICS[trial % 2], ("last", "first")[(trial // 2) % 2], max_width=3)
        X = rng.integers(fmt.k_min, fmt.k_max + 1, (300, net.input_dim))
        assert (net.forward(X) == forward_fxpmath(net, X)).all()
        cases += len(X)
    assert cases >= 10_000


def test_accumulator_proof_selects_dtypes_and_exact_mode_is_identical():
    rng = np.random.default_rng(11)
    small = random_net(rng, FixedFormat(3, 4), "per-op", "last", activation="relu")
    assert {a["dtype"] for a in small.accumulators} == {"int32"}
    fmt = FixedFormat(16, 17)  # 34 bits: products need 66 bits: Python ints
    layers = [(rng.integers(fmt.k_min, fmt.k_max + 1, (4, 3)), rng.integers(fmt.k_min, fmt.k_max + 1, 4)),
              (rng.integers(fmt.k_min, fmt.k_max + 1, (1, 4)), rng.integers(fmt.k_min, fmt.k_max + 1, 1))]
    for sem in SEMANTICS:
        auto = FixedNetwork(layers, fmt, semantics=sem)
        exact = FixedNetwork(layers, fmt, semantics=sem, backend="exact")
        assert auto.accumulators[0]["accumulator_bits"] > 64
        with pytest.raises(ValueError, match="int64"):
            FixedNetwork(layers, fmt, semantics=sem, backend="int64")
        X = rng.integers(fmt.k_min, fmt.k_max + 1, (30, 3))
        assert (auto.forward(X) == exact.forward(X)).all()
        assert [list(map(int, r)) for r in auto.forward(X[:5])] == [sequential_reference(auto, x) for x in X[:5]]


def test_formats_over_62_bits_need_exact_mode():
    fmt = FixedFormat(40, 30)
    with pytest.raises(ValueError, match="backend='exact'"):
        FixedNetwork([([[1]], [0])], fmt)
    net = FixedNetwork([([[2**30]], [0])], fmt, backend="exact")  # weight 1.0
    big = 2**65 + 12345
    assert int(net.forward(np.array([[big]], dtype=object))[0, 0]) == big


def test_overflow_error_is_raised_never_wrapped():
    fmt = FixedFormat(1, 2, overflow="error")
    net = FixedNetwork([([[4, 4]], [0])], fmt, activation="relu")  # x1 + x2
    assert net.forward([[2, 3]]).tolist() == [[5]]
    with pytest.raises(FixedOverflowError, match="overflow"):
        net.forward([[7, 7]])
    # with saturate the same input saturates, with wrap it wraps
    assert FixedNetwork([([[4, 4]], [0])], fmt.replace(overflow="saturate")).forward([[7, 7]]).tolist() == [[7]]
    assert FixedNetwork([([[4, 4]], [0])], fmt.replace(overflow="wrap")).forward([[7, 7]]).tolist() == [[-2]]


def test_sum_order_matters_under_saturation_and_bias_position():
    fmt = FixedFormat(1, 0)  # codes [-2, 1]
    layers = [([[1, 1]], [-1])]
    last = FixedNetwork(layers, fmt, bias="last")
    first = FixedNetwork(layers, fmt, bias="first")
    # x = (1, 1): last: (1 + 1 -> 1) - 1 = 0; first: (-1 + 1) + 1 = 1
    assert last.forward([[1, 1]]).tolist() == [[0]] and first.forward([[1, 1]]).tolist() == [[1]]
    fused = FixedNetwork(layers, fmt, semantics="fused")
    assert fused.forward([[1, 1]]).tolist() == [[1]]


def test_per_op_and_fused_differ_by_product_rounding():
    fmt = FixedFormat(1, 1)
    layers = [([[1, 1]], [0])]  # 0.5 x1 + 0.5 x2
    x = [[1, 1]]  # 0.5 * 0.5 = 0.25 -> 0 (ties-even) twice; fused: 0.5 exactly
    assert FixedNetwork(layers, fmt).forward(x).tolist() == [[0]]
    assert FixedNetwork(layers, fmt, semantics="fused").forward(x).tolist() == [[1]]


def test_bad_parameters_are_named():
    fmt = FixedFormat(1, 2)
    with pytest.raises(ValueError, match=r"layer 0 weight\[0, 1\] = code 8"):
        FixedNetwork([([[1, 8]], [0])], fmt)
    with pytest.raises(TypeError, match="integer codes"):
        FixedNetwork([([[0.5]], [0])], fmt)
    with pytest.raises(ValueError, match="layer 1 bias"):
        FixedNetwork.from_values([([[1]], [0]), ([[1]], [Fraction(1, 8)])], fmt)
    with pytest.raises(ValueError, match="semantics"):
        FixedNetwork([([[1]], [0])], fmt, semantics="tree")
    with pytest.raises(ValueError, match="activation"):
        FixedNetwork([([[1]], [0])], fmt, activation="tanh")
    with pytest.raises(ValueError, match="input"):
        FixedNetwork([([[1]], [0])], fmt).forward([[9]])
    with pytest.raises(ValueError, match="columns"):
        FixedNetwork([([[1]], [0]), ([[1, 1]], [0])], fmt)


def test_from_values_and_evaluate_are_exact():
    fmt = FixedFormat(2, 2)
    net = FixedNetwork.from_values([([[1], [-1]], [Fraction(-1, 2), Fraction(1, 2)]), ([["1.5", 1]], [0])], fmt)
    out = net.evaluate([Fraction(1), Fraction(-3, 4)])
    # x = 1: 1.5 * relu(0.5) + relu(-0.5) = 0.75; x = -0.75: 0 + 1 * relu(1.25) = 1.25
    assert out[:, 0].tolist() == [Fraction(3, 4), Fraction(5, 4)]
    assert (net.depth, net.width, net.widths, net.n_params) == (2, 2, (1, 2, 1), 7)


def test_from_relubits_network():
    relubits = pytest.importorskip("relubits")
    if not hasattr(relubits, "Network"):
        pytest.skip("core Network not available")
    from relubits import Network

    net = Network.from_layers([([[1], [-1]], [Fraction(-1, 2), 0]), ([[2, 1]], [Fraction(1, 4)])])
    fmt = FixedFormat(2, 2)
    fx = FixedNetwork.from_network(net, fmt)
    xs = [Fraction(k, 4) for k in range(-6, 7)]
    exact = [net.exact([x])[0] for x in xs]  # weights 2 and 1: no rounding, no overflow on [-2, 2)
    assert fx.evaluate(xs)[:, 0].tolist() == exact
    with pytest.raises(ValueError, match="not a multiple"):
        FixedNetwork.from_network(Network.from_layers([([[Fraction(1, 8)]], [0])]), fmt)
