"""``relubits fixedpoint check|memorize|table`` through relubits.cli.main."""

import json

import pytest

from relubits.cli import main


def run_json(capsys, argv):
    rc = main(argv + ["--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)


def test_check_keys(capsys):
    data = run_json(capsys, ["fixedpoint", "check", "--activation", "gelu", "--format", "Q3.4"])
    assert {"necessary", "sufficient", "witness"} <= set(data)
    assert data["necessary"] is True and data["sufficient"] is True
    assert data["witness"]["sufficient"]["construction"] == "sign-edge"


def test_memorize_keys_and_exactness(capsys):
    data = run_json(capsys, ["fixedpoint", "memorize", "--function", "sin(3*x)", "--format", "SQ2.3",
                             "--activation", "relu", "--binary"])
    assert {"exact_inputs", "total_inputs", "width", "depth", "n_params"} <= set(data)
    assert data["exact_inputs"] == data["total_inputs"] == 63
    data = run_json(capsys, ["fixedpoint", "memorize", "--function", "x1 * x2 / 8", "--format", "Q2.1",
                             "--dim", "2", "--activation", "step", "--semantics", "fused"])
    assert data["exact_inputs"] == data["total_inputs"] == 256


def test_memorize_saves_codes(capsys, tmp_path):
    out = tmp_path / "net.json"
    run_json(capsys, ["fixedpoint", "memorize", "--function", "x", "--format", "Q1.1", "--activation", "step",
                      "--out", str(out)])
    saved = json.loads(out.read_text())
    assert saved["format"] == "Q1.1" and saved["layers"]


def test_table_writes_figure(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    fig = tmp_path / "t.png"
    data = run_json(capsys, ["fixedpoint", "table", "--bits-min", "4", "--bits-max", "5", "--out", str(fig)])
    assert fig.stat().st_size > 1000
    assert data["cells"] == len(data["rows"]) == data["formats"] * 9


@pytest.mark.parametrize("argv, word", [
    (["fixedpoint", "check", "--activation", "tanh", "--format", "Q3.4"], "activation"),
    (["fixedpoint", "check", "--format", "Q3"], "format"),
    (["fixedpoint", "check", "--format", "Q3.4", "--rounding", "stochastic"], "rounding"),
    (["fixedpoint", "memorize", "--function", "9*x", "--format", "Q2.3"], "outside"),
    (["fixedpoint", "memorize", "--function", "x", "--format", "Q2.3", "--overflow", "wrap"], "saturate"),
    (["fixedpoint", "memorize", "--function", "x", "--format", "Q2.3", "--binary"], "symmetric"),
    (["fixedpoint", "table", "--bits-max", "40"], "bits"),
])
def test_user_errors_exit_2_with_one_line(capsys, argv, word):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and word in err
