"""QONNX export at exact bit-widths, run by qonnx's own executor, and exact import of Quant nodes."""

from fractions import Fraction

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="needs the onnx extra: pip install 'relubits[onnx]'")

from relubits import Grid, Network  # noqa: E402
from relubits.io.onnx import from_onnx  # noqa: E402
from relubits.io.qonnx import QONNX_DOMAIN, eval_const, to_qonnx  # noqa: E402


def net_with_codes(bits, seed=0, e=-2):
    rng = np.random.default_rng(seed)
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    A1 = rng.integers(lo, hi + 1, size=(5, 1)).astype(object)
    A2 = rng.integers(lo, hi + 1, size=(1, 5)).astype(object)
    A1[0, 0] = A2[0, 0] = lo  # make the bit-width tight
    A1[1, 0] = A2[0, 1] = 1  # and the scale 2**e (an odd code)
    den = 1 << -e
    return Network.from_integer_layers([(A1, np.zeros(5, dtype=object), den), (A2, np.ones(1, dtype=object), den)])


def _bitwidths(model):
    init = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    return [int(init[n.input[3]]) for n in model.graph.node if n.op_type == "Quant"]


@pytest.mark.parametrize("bits", [2, 3, 5, 11, 17, 24])
def test_quant_nodes_carry_the_exact_bit_width(bits):
    net = net_with_codes(bits, seed=bits)
    m = to_qonnx(net)
    assert _bitwidths(m) == [bits, bits]
    assert all(n.domain == QONNX_DOMAIN for n in m.graph.node if n.op_type == "Quant")
    annos = {a.tensor_name: a.quant_parameter_tensor_names[0].value for a in m.graph.quantization_annotation}
    assert annos["layer0.weight"] == f"FIXED<{bits},{bits - 2}>"
    assert from_onnx(m) == net  # Quant of on-grid weights is the identity: exact import


def test_explicit_bits_up_to_32():
    net = net_with_codes(3)
    assert _bitwidths(to_qonnx(net, bits=32)) == [32, 32]
    with pytest.raises(ValueError, match="needing 3 bits"):
        to_qonnx(net, bits=2)


def test_bipolar_and_unsigned_one_bit():
    bip = Network.from_layers([([[1], [-1]], [0, 0]), ([[Fraction(1, 2), Fraction(-1, 2)]], [0])])
    m = to_qonnx(bip)
    assert [n.op_type for n in m.graph.node if n.domain == QONNX_DOMAIN] == ["BipolarQuant", "BipolarQuant"]
    assert from_onnx(m) == bip
    uns = Network.from_layers([([[1], [0]], [0, 0]), ([[1, 1]], [0])])  # codes {0, 1}
    mu = to_qonnx(uns)
    q = [n for n in mu.graph.node if n.op_type == "Quant"][0]
    assert {a.name: onnx.helper.get_attribute_value(a) for a in q.attribute}["signed"] == 0
    assert _bitwidths(mu)[0] == 1
    # codes {-1, 0}: a signed 1-bit Quant would be bipolar in qonnx, so 2 bits are required
    neg = Network.from_layers([([[-1], [0]], [0, 0]), ([[1, 1]], [0])])
    with pytest.raises(ValueError, match="bipolar in qonnx"):
        to_qonnx(neg, bits=1)


def test_quant_import_rounds_exactly():
    fr = lambda v: np.array(v, dtype=object)  # noqa: E731
    x = np.array([Fraction(5, 8), Fraction(-3, 8), Fraction(100)], dtype=object)
    out = eval_const("Quant", [x, fr(Fraction(1, 4)), fr(Fraction(0)), fr(Fraction(3))], {"signed": 1}, "q")
    # 5/8 / 1/4 = 2.5 -> 2 (half-even); -1.5 -> -2; 400 -> clamp 3
    assert list(out) == [Fraction(1, 2), Fraction(-1, 2), Fraction(3, 4)]
    out = eval_const("Quant", [x, fr(Fraction(1, 4)), fr(Fraction(0)), fr(Fraction(3))],
                     {"signed": 1, "rounding_mode": "HALF_UP"}, "q")
    assert list(out)[:2] == [Fraction(3, 4), Fraction(-1, 2)]
    with pytest.raises(ValueError, match="rounding_mode"):
        eval_const("Quant", [x, fr(1), fr(0), fr(3)], {"rounding_mode": "STOCHASTIC"}, "q")


def test_qonnx_executor_agrees_with_exact_evaluation():
    pytest.importorskip("qonnx", reason="needs the qonnx extra: pip install 'relubits[qonnx]'")
    from relubits.io.verify import verify_export

    rng = np.random.default_rng(9)
    net = Network.from_float([(rng.normal(size=(12, 2)), rng.normal(size=12)), (rng.normal(size=(12, 12)), rng.normal(size=12)),
                              (rng.normal(size=(1, 12)), rng.normal(size=1))], Grid.fixed(5, 2), overflow="saturate")
    chk = verify_export(net, to_qonnx(net), domain=(-2, 2))
    assert chk.verified and chk.format == "qonnx" and chk.runtime.startswith("qonnx")
    assert chk.n_inputs >= 10_000
