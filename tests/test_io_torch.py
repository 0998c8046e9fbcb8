"""PyTorch round trips (exact) and refusal of what relubits cannot represent."""

from fractions import Fraction

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="needs the torch extra: pip install 'relubits[torch]'")

from relubits import Grid, Network  # noqa: E402
from relubits.io.torch import from_torch, load_torch, to_torch  # noqa: E402


def mlp(sizes, seed=0):
    torch.manual_seed(seed)
    mods = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        mods.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


@pytest.mark.parametrize("sizes", [(1, 16, 1), (3, 32, 32, 2), (5, 8, 8, 8, 1)])
def test_torch_relubits_torch_identical(sizes):
    model = mlp(sizes, seed=len(sizes))
    net = from_torch(model)
    back = to_torch(net)
    X = torch.randn(4096, sizes[0])
    assert torch.equal(model(X), back(X))
    assert from_torch(back) == net
    # the exact network agrees with torch's float32 evaluation up to float32 rounding
    Xd = X.double().numpy()
    assert np.max(np.abs(net(Xd) - model(X).detach().double().numpy())) < 1e-4


def test_relubits_torch_relubits_exact_and_float64_when_needed():
    rng = np.random.default_rng(0)
    net = Network.from_float([(rng.normal(size=(6, 2)), rng.normal(size=6)), (rng.normal(size=(1, 6)), rng.normal(size=1))],
                             Grid.fixed(40, 30), overflow="saturate")  # ~31-bit codes: not float32
    m = to_torch(net)
    assert m[0].weight.dtype == torch.float64 and from_torch(m) == net
    with pytest.raises(ValueError, match="float32"):
        to_torch(net, dtype="float32")
    with pytest.raises(ValueError, match="1/3"):
        to_torch(Network.from_layers([([[Fraction(1, 3)]], [0])]))


def test_consecutive_linear_layers_merge_exactly_and_skip_identity():
    torch.manual_seed(1)
    m = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Dropout(0.5), torch.nn.Linear(4, 3), torch.nn.ReLU(),
                            torch.nn.Sequential(torch.nn.Identity(), torch.nn.Linear(3, 1, bias=False)))
    net = from_torch(m.eval())
    assert net.widths == (2, 3, 1)
    x = [Fraction(1, 2), Fraction(-3, 4)]
    W = [(Fraction(float(v)) for v in row) for row in m[0].weight.tolist()]
    h = [sum(w * xi for w, xi in zip(row, x)) + Fraction(float(b)) for row, b in zip(W, m[0].bias.tolist())]
    h2 = [max(sum(Fraction(float(w)) * hi for w, hi in zip(row, h)) + Fraction(float(b)), 0)
          for row, b in zip(m[2].weight.tolist(), m[2].bias.tolist())]
    want = sum(Fraction(float(w)) * v for w, v in zip(m[4][1].weight.tolist()[0], h2))
    assert net.exact(x) == [want]


@pytest.mark.parametrize("layer", [torch.nn.Conv1d(1, 1, 1), torch.nn.Sigmoid(), torch.nn.BatchNorm1d(4), torch.nn.Tanh()])
def test_unsupported_layers_named(layer):
    m = torch.nn.Sequential(torch.nn.Linear(4, 4), layer)
    with pytest.raises(ValueError, match=f"unsupported torch layer {type(layer).__name__} at '1'"):
        from_torch(m)


def test_bad_module_inputs():
    with pytest.raises(TypeError):
        from_torch([1, 2])
    with pytest.raises(ValueError, match="start with a Linear"):
        from_torch(torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 1)))
    with pytest.raises(ValueError, match="expects 3 inputs"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(3, 1)))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_pt_files(tmp_path):
    model = mlp((2, 8, 1), seed=3)
    net = from_torch(model)
    torch.save(model.state_dict(), tmp_path / "sd.pt")
    assert load_torch(tmp_path / "sd.pt") == net
    torch.jit.save(torch.jit.script(model), tmp_path / "ts.pt")
    assert load_torch(tmp_path / "ts.pt") == net
    torch.save(model, tmp_path / "whole.pt")
    with pytest.raises(ValueError, match="does not unpickle whole modules"):
        load_torch(tmp_path / "whole.pt")
    data = (tmp_path / "sd.pt").read_bytes()
    (tmp_path / "trunc.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated|corrupted|state_dict"):
        load_torch(tmp_path / "trunc.pt")


def test_torch_onnx_exporter_output_imports_exactly():
    pytest.importorskip("onnx", reason="needs the onnx extra: pip install 'relubits[onnx]'")
    import io
    import warnings

    from relubits.io.onnx import from_onnx

    model = mlp((3, 8, 8, 1), seed=5).eval()
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, 3),), buf, dynamo=False, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
    assert from_onnx(buf.getvalue()) == from_torch(model)  # a plain Gemm/Relu model from another tool
