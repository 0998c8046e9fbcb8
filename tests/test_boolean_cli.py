"""CLI: relubits benign / benign-sweep."""

import json

import pytest

from relubits.cli import main


def _run(capsys, argv):
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out


def test_benign_json_keys(capsys):
    rc, out = _run(capsys, ["benign", "--function", "ip", "--d", "10", "--json"])
    assert rc == 0
    data = json.loads(out.out)
    for k in ("neurons", "depth", "exhaustive_errors", "inputs_checked", "lipschitz_bound"):
        assert k in data
    assert data["neurons"] == 21 and data["exhaustive_errors"] == 0 and data["inputs_checked"] == 2**20
    assert data["lipschitz_bound"] == 380


def test_benign_min_size_json(capsys):
    pytest.importorskip("highspy")
    rc, out = _run(capsys, ["benign", "--function", "disj", "--d", "2", "--min-size", "--json",
                            "--protocol"])
    assert rc == 0
    data = json.loads(out.out)  # the HiGHS banner must not pollute stdout
    assert data["min_neurons"] == 4 and data["proof_status"] == "optimal"
    assert data["witness"] and data["protocol_valid"] is True


@pytest.mark.parametrize("argv,msg", [
    (["benign", "--function", "ip", "--d", "0"], "--d must be >= 1"),
    (["benign", "--function", "ip", "--d", "12"], "--force"),
    (["benign", "--function", "ip", "--d", "5", "--min-size"], "at most 8"),
    (["benign", "--function", "ip", "--d", "1", "--min-size", "--time-limit", "0"], "--time-limit"),
    (["benign-sweep", "--d-max", "40"], "--d-max"),
])
def test_benign_bad_input_exit_2(capsys, argv, msg):
    rc, out = _run(capsys, argv + ["--json"])
    assert rc == 2 and msg in out.err and out.err.count("\n") == 1 and out.out == ""


def test_benign_sweep_figure(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("highspy")
    fig = tmp_path / "sweep.png"
    rc, out = _run(capsys, ["benign-sweep", "--out", str(fig), "--d-max", "4", "--min-d-max", "1", "--json"])
    assert rc == 0 and fig.stat().st_size > 1000
    rows = json.loads(out.out)["rows"]
    assert {r["kind"] for r in rows} == {"construction", "min-relu1", "min-threshold"}
    fit = json.loads(out.out)["construction_fit"]
    assert fit["ip"]["slope"] == pytest.approx(2.0) and fit["disj"]["slope"] == pytest.approx(1.0)
    assert all(r["exhaustive_errors"] == 0 for r in rows if r["kind"] == "construction")
