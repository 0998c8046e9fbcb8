"""ONNX / QDQ / QONNX export and import: exact round trips, runtime verification, bad input."""

import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

onnx = pytest.importorskip("onnx", reason="needs the onnx extra: pip install 'relubits[onnx]'")
pytest.importorskip("onnxruntime", reason="needs the onnx extra: pip install 'relubits[onnx]'")

from relubits import Grid, Network, compose, pieces  # noqa: E402
from relubits.io.onnx import from_onnx, load_model, run, to_onnx, to_qdq  # noqa: E402
from relubits.io.qonnx import to_qonnx  # noqa: E402
from relubits.io.verify import export, verify_export  # noqa: E402


def random_net(seed, widths=(1, 8, 8, 1), bits=6, frac=3):
    rng = np.random.default_rng(seed)
    layers = [(rng.normal(size=(o, i)), rng.normal(size=o)) for i, o in zip(widths[:-1], widths[1:])]
    return Network.from_float(layers, Grid.fixed(bits, frac), overflow="saturate")


def sawtooth(depth):
    """Telgarsky's tent map composed ``depth`` times: 2**depth pieces on [0, 1]."""
    tent = Network.from_layers([([[1], [1]], [0, Fraction(-1, 2)]), ([[2, -4]], [0])])
    net = tent
    for _ in range(depth - 1):
        net = compose(tent, net)
    return net


nets = st.builds(random_net, st.integers(0, 10**6),
                 st.sampled_from([(1, 4, 1), (1, 8, 8, 1), (2, 6, 3), (3, 5, 5, 2)]),
                 st.integers(2, 12), st.integers(-2, 8))


@settings(max_examples=15, deadline=None)
@given(nets)
def test_float_and_qdq_round_trip_exact(net):
    # the file holds exactly the network's parameters: import gives the same exact network
    assert from_onnx(to_onnx(net)) == net
    assert from_onnx(to_qdq(net)) == net


@settings(max_examples=8, deadline=None)
@given(nets)
def test_runtime_agrees_with_exact_evaluation(net):
    for make in (to_onnx, to_qdq):
        chk = verify_export(net, make(net), n=2000, domain=(-1, 1))
        assert chk.verified, chk
        assert chk.max_abs_diff <= chk.bound


def test_verify_uses_ten_thousand_inputs_and_breakpoints():
    net = random_net(7)
    chk = verify_export(net, to_onnx(net))
    assert chk.n_inputs >= 10_000 and chk.verified
    assert chk.n_breakpoints == pieces(net, (0, 1)).n_pieces + 1
    assert chk.n_exact_expected > 1000 and chk.n_bit_identical >= chk.n_exact_expected


def test_sawtooth_is_bit_identical_at_every_breakpoint():
    net = sawtooth(8)  # 256 pieces, all breakpoints dyadic k/256
    for make in (to_onnx, to_qdq, to_qonnx):
        chk = verify_export(net, make(net), n=10_000)
        assert chk.verified and chk.n_breakpoints == 257
        # all inputs on the 2**-10 grid and the breakpoints are exact in float32
        assert chk.n_bit_identical >= chk.n_exact_expected >= 257 + 2000


def test_parity_network_exported_and_verified():
    boolean = pytest.importorskip("relubits.constructions.boolean")
    rec = boolean.parity_network(4)
    net = rec.network if hasattr(rec, "network") else rec.net
    chk = verify_export(net, to_onnx(net), n=1000)
    assert chk.verified


def test_ir_version_is_pinned_and_loadable():
    net = random_net(1)
    for make, opset in ((to_onnx, 17), (to_qdq, 21), (to_qonnx, 13)):
        m = make(net)
        assert m.ir_version < onnx.IR_VERSION or m.ir_version <= 13
        assert [o.version for o in m.opset_import if o.domain == ""] == [opset]
    run(to_onnx(net), np.zeros((1, 1)))  # ORT loads it


def test_float32_refuses_unrepresentable_and_auto_falls_back():
    third = Network.from_layers([([[Fraction(1, 3)]], [0])])
    with pytest.raises(ValueError, match=r"1/3 is not exactly representable in float32"):
        to_onnx(third, dtype="float32")
    with pytest.raises(ValueError, match="float64"):
        to_onnx(third)  # not a float64 either
    fine = Network.from_layers([([[Fraction(2**25 + 1, 2**30)]], [0])])  # 26 significant bits
    with pytest.raises(ValueError, match="float32"):
        to_onnx(fine, dtype="float32")
    m = to_onnx(fine)
    assert m.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    assert from_onnx(m) == fine
    chk = verify_export(fine, m, n=500)
    assert chk.verified and chk.dtype == "float64"


def test_qdq_containers_and_int2_flag():
    net = Network.from_layers([([[1], [-2]], [0, 0]), ([[1, -1]], [0])])  # codes fit 2 bits
    m = to_qdq(net, bits=2)
    types = {t.name: t.data_type for t in m.graph.initializer}
    assert types["layer0.weight_q"] == onnx.TensorProto.INT4  # INT2 avoided by default
    m2 = to_qdq(net, bits=2, allow_int2=True)
    assert {t.data_type for t in m2.graph.initializer if t.name.endswith("weight_q")} == {onnx.TensorProto.INT2}
    assert m2.opset_import[0].version == 25
    assert verify_export(net, m2, n=500, domain=(-1, 1)).verified
    m8 = to_qdq(random_net(3, bits=8, frac=4), bits=8)
    assert {t.data_type for t in m8.graph.initializer if t.name.endswith("weight_q")} <= {onnx.TensorProto.INT8, onnx.TensorProto.INT4}


@pytest.mark.parametrize("bits", [0, 33, -1])
def test_bits_outside_range(bits):
    net = random_net(0)
    for make in (to_qdq, to_qonnx):
        with pytest.raises(ValueError, match=r"bits must be an integer in \[1, 32\]"):
            make(net, bits=bits)


def test_bits_too_small_names_the_need():
    net = random_net(0, bits=6, frac=3)
    with pytest.raises(ValueError, match=r"needing \d+ bits"):
        to_qdq(net, bits=2)
    with pytest.raises(ValueError, match=r"needing \d+ bits"):
        to_qonnx(net, bits=2)


def test_non_dyadic_refused_for_qdq():
    with pytest.raises(ValueError, match="power of two"):
        to_qdq(Network.from_layers([([[Fraction(1, 3)]], [0])]))


def _graph(nodes, inits, in_shape=("n", 2), out_dim=1):
    h = onnx.helper
    g = h.make_graph(nodes, "g", [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, list(in_shape))],
                     [h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["n", out_dim])], inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
    m.ir_version = 8
    return m


def test_import_gemm_model_from_other_tools():
    h, nh = onnx.helper, onnx.numpy_helper
    W = np.array([[0.5, -1.25], [2.0, 0.75], [1.0, 1.0]], dtype=np.float32)  # (out, in), transB=1
    b = np.array([0.1, -0.2, 0.3], dtype=np.float32)
    W2 = np.array([[1.0], [-0.5], [0.25]], dtype=np.float32)
    m = _graph([h.make_node("Gemm", ["x", "W", "b"], ["h"], transB=1, alpha=2.0),
                h.make_node("Relu", ["h"], ["r"]),
                h.make_node("MatMul", ["r", "W2"], ["z"]),
                h.make_node("Sub", ["z", "c"], ["y"])],
               [nh.from_array(W, "W"), nh.from_array(b, "b"), nh.from_array(W2, "W2"),
                nh.from_array(np.array([0.5], dtype=np.float32), "c")])
    net = from_onnx(m)
    assert net.widths == (2, 3, 1)
    x = [Fraction(1, 4), Fraction(-3, 8)]
    hid = [max(2 * (sum(Fraction(float(W[i, j])) * x[j] for j in range(2))) + Fraction(float(b[i])), 0) for i in range(3)]
    want = sum(Fraction(float(W2[i, 0])) * hid[i] for i in range(3)) - Fraction(1, 2)
    assert net.exact(x) == [want]


@pytest.mark.parametrize("op", ["Sigmoid", "Tanh"])
def test_unsupported_activation_is_named(op):
    h, nh = onnx.helper, onnx.numpy_helper
    m = _graph([h.make_node("MatMul", ["x", "W"], ["z"]), h.make_node(op, ["z"], ["y"])],
               [nh.from_array(np.ones((2, 1), dtype=np.float32), "W")])
    with pytest.raises(ValueError, match=f"unsupported ONNX op '{op}'"):
        from_onnx(m)


def test_conv_is_refused():
    h, nh = onnx.helper, onnx.numpy_helper
    g = h.make_graph([h.make_node("Conv", ["x", "W"], ["y"])], "g",
                     [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 1, 4, 4])],
                     [h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 1, 4, 4])],
                     [nh.from_array(np.ones((1, 1, 1, 1), dtype=np.float32), "W")])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)])
    m.ir_version = 8
    with pytest.raises(ValueError, match="rank 2|Conv"):
        from_onnx(m)
    m2 = _graph([h.make_node("Conv", ["x", "W"], ["y"])], [nh.from_array(np.ones((1, 2, 1), dtype=np.float32), "W")])
    with pytest.raises(ValueError, match="unsupported ONNX op 'Conv'"):
        from_onnx(m2)


def test_dynamic_feature_dimension_refused():
    h, nh = onnx.helper, onnx.numpy_helper
    m = _graph([h.make_node("MatMul", ["x", "W"], ["y"])], [nh.from_array(np.ones((2, 1), dtype=np.float32), "W")],
               in_shape=("n", "d"))
    with pytest.raises(ValueError, match="dynamic shapes are not supported.*'d'"):
        from_onnx(m)


def test_residual_graph_refused():
    h, nh = onnx.helper, onnx.numpy_helper
    m = _graph([h.make_node("Relu", ["x"], ["r"]), h.make_node("Add", ["x", "r"], ["s"]),
                h.make_node("MatMul", ["s", "W"], ["y"])], [nh.from_array(np.ones((2, 1), dtype=np.float32), "W")])
    with pytest.raises(ValueError, match="combines two activations"):
        from_onnx(m)


def test_truncated_and_corrupted_files(tmp_path):
    net = random_net(5)
    good = tmp_path / "good.onnx"
    to_onnx(net, good)
    data = good.read_bytes()
    for i, bad in enumerate([data[: len(data) // 2], data[:-7], b"\x00garbage" * 20, b""]):
        p = tmp_path / f"bad{i}.onnx"
        p.write_bytes(bad)
        with pytest.raises(ValueError, match="ONNX"):
            from_onnx(p)
        with pytest.raises(ValueError):
            verify_export(net, p)


def test_export_writes_nothing_on_failed_verification(tmp_path, monkeypatch):
    import relubits.io.verify as V

    net = random_net(2)
    target = tmp_path / "out.onnx"
    target.write_bytes(b"previous")
    real = V.verify_export

    def failing(*a, **k):
        from dataclasses import replace
        return replace(real(*a, **k), verified=False)

    monkeypatch.setattr(V, "verify_export", failing)
    with pytest.raises(ValueError, match="nothing was written"):
        export(net, target, "onnx", n=100)
    assert target.read_bytes() == b"previous"
    assert sorted(os.listdir(tmp_path)) == ["out.onnx"]  # no temporary file left behind
    with pytest.raises(ValueError, match="bits"):
        export(net, tmp_path / "x.onnx", "qdq", bits=40)
    assert sorted(os.listdir(tmp_path)) == ["out.onnx"]


def test_export_writes_atomically_when_verified(tmp_path):
    net = random_net(4)
    for fmt in ("onnx", "qdq", "qonnx"):
        chk = export(net, tmp_path / f"n.{fmt}", fmt, n=1000)
        assert chk.verified and load_model(tmp_path / f"n.{fmt}") is not None
    assert sorted(os.listdir(tmp_path)) == ["n.onnx", "n.qdq", "n.qonnx"]


def test_deep_lipschitz_construction_exported_and_verified():
    lip = pytest.importorskip("relubits.constructions.lipschitz", reason="construction module not present")
    c = lip.lipschitz_approximant(np.sin, 1, 2, 40, Grid.fixed(4, 2))  # depth-36 hinge chain on a 4-bit grid
    net = c.network
    for make in (to_onnx, to_qdq, to_qonnx):
        m = make(net)
        chk = verify_export(net, m, n=2000)
        assert chk.verified and chk.n_breakpoints == pieces(net, (0, 1)).n_pieces + 1
        assert from_onnx(m) == net


@pytest.mark.parametrize("bits,frac,widths", [(24, 22, (3, 16, 1)), (20, 30, (1, 8, 8, 2)), (12, 3, (2, 6, 1))])
def test_reference_matches_exact_batch_with_large_numerators(bits, frac, widths):
    # verify_export's own exact evaluation (with per-input exactness flags) must equal Network.exact_batch,
    # also when numerators overflow int64 (regression: c * D once wrapped around silently)
    from relubits.io.verify import _reference, verification_inputs

    net = random_net(11, widths=widths, bits=bits, frac=frac)
    X, _ = verification_inputs(net, 500, (-1, 1))
    H, D, exact, bound = _reference(net, X, 24)
    num, den = net.exact_batch(X.astype(np.float64), raw=True)
    assert np.array_equal(H.astype(object) * den, num * D)
    chk = verify_export(net, to_onnx(net, dtype="float32") if bits <= 24 else to_onnx(net), n=500, domain=(-1, 1))
    assert chk.verified and chk.max_abs_diff <= chk.bound


def test_float32_torch_style_weights_verify():
    rng = np.random.default_rng(12)
    W1, b1 = rng.normal(size=(32, 5)).astype(np.float32), rng.normal(size=32).astype(np.float32)
    W2, b2 = rng.normal(size=(1, 32)).astype(np.float32), rng.normal(size=1).astype(np.float32)
    net = Network.from_layers([(W1.astype(np.float64), b1.astype(np.float64)), (W2.astype(np.float64), b2.astype(np.float64))])
    chk = verify_export(net, to_onnx(net), n=1000, domain=(-1, 1))
    assert chk.verified and 0 < chk.max_abs_diff <= chk.bound < 1e-3


def test_codes_beyond_32_bits_or_float32_refused():
    wide = Network.from_layers([([[2**40 + 1]], [0])])
    for make in (to_qdq, to_qonnx):
        with pytest.raises(ValueError, match="at most 32"):
            make(wide)
    mid = Network.from_layers([([[2**25 + 1]], [0])])  # fits INT32 but DequantizeLinear's float32 output cannot hold it
    with pytest.raises(ValueError, match="float32"):
        to_qdq(mid)
    with pytest.raises(ValueError, match="float32"):
        to_qonnx(mid)


def test_import_per_channel_qdq_with_zero_point():
    h, nh = onnx.helper, onnx.numpy_helper
    q = np.array([[0, 255], [128, 7]], dtype=np.uint8)  # (in=2, out=2), MatMul layout
    scale = np.array([0.5, 0.25], dtype=np.float32)      # per output channel: axis=1
    zp = np.array([128, 1], dtype=np.uint8)
    g = h.make_graph([h.make_node("DequantizeLinear", ["q", "s", "z"], ["W"], axis=1),
                      h.make_node("MatMul", ["x", "W"], ["y"])], "g",
                     [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["n", 2])],
                     [h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["n", 2])],
                     [nh.from_array(q, "q"), nh.from_array(scale, "s"), nh.from_array(zp, "z")])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)])
    m.ir_version = 7
    net = from_onnx(m)
    W = (q.astype(int) - zp.astype(int)) * np.array([Fraction(1, 2), Fraction(1, 4)], dtype=object)
    assert net.exact([1, 0]) == list(W[0]) and net.exact([0, 1]) == list(W[1])
    assert np.allclose(net(np.array([[0.5, -1.0]])), run(m, np.array([[0.5, -1.0]])))
