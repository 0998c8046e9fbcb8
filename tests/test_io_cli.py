"""relubits export / quantize on the command line, and the runnable examples."""

import json
import os
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx", reason="needs the onnx extra: pip install 'relubits[onnx]'")
pytest.importorskip("onnxruntime", reason="needs the onnx extra: pip install 'relubits[onnx]'")

from relubits import Grid, Network  # noqa: E402
from relubits.cli import main  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def net_file(tmp_path):
    rng = np.random.default_rng(0)
    net = Network.from_float([(rng.normal(size=(8, 1)), rng.normal(size=8)), (rng.normal(size=(1, 8)), rng.normal(size=1))],
                             Grid.fixed(6, 3), overflow="saturate")
    p = tmp_path / "net.json"
    net.save(p)
    return p


def _json(capsys):
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("fmt", ["onnx", "qdq", "qonnx"])
def test_export_cli(net_file, tmp_path, capsys, fmt):
    if fmt == "qonnx":
        pytest.importorskip("qonnx", reason="needs the qonnx extra: pip install 'relubits[qonnx]'")
    out = tmp_path / f"n.{fmt}.onnx"
    assert main(["export", str(net_file), "--format", fmt, "--out", str(out), "--json"]) == 0
    d = _json(capsys)
    assert d["verified"] is True and d["max_abs_diff"] <= d["bound"]
    assert {"verified", "max_abs_diff", "bound", "opset", "ir_version"} <= set(d)
    assert d["n_inputs"] >= 10_000 and out.exists()


@pytest.mark.parametrize("argv,msg", [
    (["--format", "qdq", "--bits", "0"], "--bits must be an integer in [1, 32]"),
    (["--format", "qonnx", "--bits", "33"], "--bits must be an integer in [1, 32]"),
    (["--format", "qdq", "--bits", "2"], "too small"),
    (["--format", "onnx", "--bits", "8"], "--bits applies"),
])
def test_export_cli_errors_write_nothing(net_file, tmp_path, capsys, argv, msg):
    out = tmp_path / "x.onnx"
    assert main(["export", str(net_file), "--out", str(out)] + argv) == 2
    err = capsys.readouterr().err
    assert msg in err and err.count("\n") == 1
    assert sorted(os.listdir(tmp_path)) == ["net.json"]


def test_quantize_cli_onnx_and_target(net_file, tmp_path, capsys):
    from relubits.io.onnx import to_onnx
    from relubits.network import load

    model = tmp_path / "m.onnx"
    to_onnx(load(net_file), model)
    assert main(["quantize", str(model), "--bits", "4", "--json"]) == 0
    d = _json(capsys)
    assert d["bits"] == 4 and d["certified_error_before"] == 0
    assert d["certified_error_after"] >= d["lower_bound_after"] > 0
    assert main(["quantize", str(model), "--bits", "8", "--target", "sin(3*x)", "--lipschitz", "3",
                 "--out", str(tmp_path / "q.json"), "--json"]) == 0
    d = _json(capsys)
    assert {"certified_error_before", "certified_error_after", "bits"} <= set(d)
    assert d["certified_error_after"] >= d["lower_bound_after"] and (tmp_path / "q.json").exists()
    q = load(tmp_path / "q.json")
    for i, (A, c, den) in enumerate(q.integer_layers):  # every layer on its own 8-bit grid
        layer = Network.from_integer_layers([(A, c, den)])
        assert layer.on_grid(Grid.fixed(8, d["frac_bits"][i]))


def test_quantize_then_export_verified(net_file, tmp_path, capsys):
    from relubits.io.onnx import from_onnx

    assert main(["quantize", str(net_file), "--bits", "5", "--export", str(tmp_path / "q.onnx"),
                 "--out", str(tmp_path / "q.json"), "--json"]) == 0
    d = _json(capsys)
    assert d["export_verified"] is True and d["export_max_abs_diff"] <= d["export_bound"]
    from relubits.network import load

    assert from_onnx(tmp_path / "q.onnx") == load(tmp_path / "q.json")


def test_quantize_cli_torch_multi_d(tmp_path, capsys):
    torch = pytest.importorskip("torch", reason="needs the torch extra: pip install 'relubits[torch]'")
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    torch.save(m.state_dict(), tmp_path / "m.pt")
    assert main(["quantize", str(tmp_path / "m.pt"), "--bits", "6", "--json"]) == 0
    d = _json(capsys)
    assert d["input_dim"] == 2 and d["certified_error_after"] >= d["lower_bound_after"] > 0
    assert main(["quantize", str(tmp_path / "m.pt"), "--bits", "6", "--target", "x", "--lipschitz", "1"]) == 2
    assert "scalar model" in capsys.readouterr().err


@pytest.mark.parametrize("bits", ["0", "33"])
def test_quantize_cli_bits_range(net_file, capsys, bits):
    assert main(["quantize", str(net_file), "--bits", bits]) == 2
    assert "--bits must be an integer in [1, 32]" in capsys.readouterr().err


def test_quantize_cli_bad_files(tmp_path, capsys):
    (tmp_path / "bad.onnx").write_bytes(b"\x08\x07garbage")
    assert main(["quantize", str(tmp_path / "bad.onnx"), "--bits", "4"]) == 2
    assert "ONNX" in capsys.readouterr().err
    assert main(["quantize", str(tmp_path / "none.onnx"), "--bits", "4"]) == 2
    assert main(["quantize", str(tmp_path / "bad.txt"), "--bits", "4"]) == 2


@pytest.mark.parametrize("name,extra", [("export_onnx", None), ("export_qdq", None), ("export_qonnx", "qonnx"),
                                        ("torch_roundtrip", "torch")])
def test_examples_run(name, extra, tmp_path, monkeypatch, capsys):
    if extra:
        pytest.importorskip(extra, reason=f"needs the {extra} extra: pip install 'relubits[{extra}]'")
    monkeypatch.setattr(sys, "argv", [name, str(tmp_path)])
    runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")
    assert "verified=True" in capsys.readouterr().out or name == "torch_roundtrip"
