"""The core works without the io extras; a missing extra gives a message naming it."""

import subprocess
import sys

import numpy as np
import pytest

from relubits import Grid, Network


def test_missing_extra_is_named(monkeypatch):
    from relubits.io._optional import MissingExtraError, require

    monkeypatch.setitem(sys.modules, "onnx", None)  # makes `import onnx` fail
    with pytest.raises(MissingExtraError, match=r"pip install 'relubits\[onnx\]'"):
        require("onnx", "onnx")
    from relubits.io.onnx import to_onnx

    with pytest.raises(ImportError, match=r"relubits\[onnx\]"):
        to_onnx(Network.from_layers([([[1]], [0])]))


def test_cli_reports_missing_extra_in_one_line(monkeypatch, tmp_path, capsys):
    from relubits.cli import main

    Network.from_layers([([[1]], [0])]).save(tmp_path / "n.json")
    monkeypatch.setitem(sys.modules, "onnx", None)
    assert main(["export", str(tmp_path / "n.json"), "--out", str(tmp_path / "n.onnx")]) == 2
    err = capsys.readouterr().err
    assert "relubits[onnx]" in err and err.count("\n") == 1
    assert not (tmp_path / "n.onnx").exists()


def test_core_imports_without_io_packages():
    code = ("import sys\n"
            "for m in ('onnx', 'onnxruntime', 'torch', 'qonnx', 'pwlf'): sys.modules[m] = None\n"
            "import relubits, relubits.io.onnx, relubits.io.qonnx, relubits.io.torch, relubits.io.verify, relubits.io.pwlf\n"
            "import relubits.cli; relubits.cli.build_parser()\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_one_input_two_outputs_verified():
    pytest.importorskip("onnxruntime", reason="needs the onnx extra: pip install 'relubits[onnx]'")
    from relubits.io.onnx import to_onnx
    from relubits.io.verify import verify_export

    rng = np.random.default_rng(4)
    net = Network.from_float([(rng.normal(size=(6, 1)), rng.normal(size=6)), (rng.normal(size=(2, 6)), rng.normal(size=2))],
                             Grid.fixed(6, 3), overflow="saturate")
    chk = verify_export(net, to_onnx(net), n=3000, domain=(-2, 2))
    assert chk.verified and chk.n_breakpoints >= 2
