import json
from fractions import Fraction

import pytest

from relubits import Network, from_pwl, load
from relubits.cli import main


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def net_file(tmp_path):
    net = from_pwl([0, Fraction(1, 2), 1], [0, Fraction(1, 4), 1])
    path = tmp_path / "net.json"
    net.save(path)
    return path


def test_info_json_keys(capsys, net_file):
    code, out, err = run(capsys, "info", str(net_file), "--json")
    assert code == 0 and err == ""
    d = json.loads(out)
    assert {"width", "depth", "n_params", "n_nonzero", "memory_bits", "grid"} <= set(d)
    assert (d["width"], d["depth"], d["n_params"]) == (2, 2, 7)
    assert d["on_grid"] is True and d["memory_bits"] == 7 * int(d["grid_spec"]["bits"])


def test_info_with_grid_off_grid(capsys, net_file):
    code, out, _ = run(capsys, "info", str(net_file), "--grid", "fixed:8:0", "--json")
    d = json.loads(out)
    assert code == 0 and d["on_grid"] is False and d["memory_bits"] is None and "not on" in d["off_grid"]


def test_certify_json_brackets_truth(capsys, net_file):
    code, out, _ = run(capsys, "certify", str(net_file), "--target", "x**2", "--lipschitz", "2", "--json")
    d = json.loads(out)
    assert code == 0
    assert d["lower_bound"] <= 1 / 16 <= d["certified_error"] <= 1.011 / 16
    assert {"certified_error", "lower_bound", "argmax", "n_pieces"} <= set(d) and d["n_pieces"] == 2


def test_pieces_lists_exact_breakpoints(capsys, net_file):
    code, out, _ = run(capsys, "pieces", str(net_file), "--json")
    d = json.loads(out)
    assert [r["x"] for r in d["rows"]] == ["0", "1/2", "1"] and [r["value"] for r in d["rows"]] == ["0", "1/4", "1"]


def test_demo_json(capsys, tmp_path):
    code, out, _ = run(capsys, "demo", "--quick", "--json", "--out-dir", str(tmp_path))
    d = json.loads(out)
    assert code == 0 and d["rows"] and d["figure"].endswith(".png")
    assert (tmp_path / d["figure"].rsplit("/", 1)[-1]).exists()
    for r in d["rows"]:
        # the construction's proved promise holds on the built-in target
        assert 0 < r["certified_error"] <= r["promised_error"]
        assert r["memory_bits"] <= d["budget_bits"] and r["regime"] in ("under", "proper", "over")


@pytest.mark.parametrize("args,word", [
    (["certify", "NET", "--target", "__import__('os')", "--lipschitz", "1"], "not allowed"),
    (["certify", "NET", "--target", "x", "--lipschitz", "abc"], "lipschitz"),
    (["certify", "NET", "--target", "x", "--lipschitz", "1", "--domain", "1", "0"], "a < b"),
    (["certify", "NET", "--target", "3*x", "--lipschitz", "1"], "Lipschitz"),
    (["certify", "missing.json", "--target", "x", "--lipschitz", "1"], "does not exist"),
    (["info", "NET", "--grid", "fixed:0:1"], "bits"),
    (["info"], "required"),
    (["nonsense"], "invalid choice"),
    (["certify", "NET", "--lipschitz", "1"], "--target"),
])
def test_bad_input_exit_2_one_line(capsys, net_file, args, word):
    args = [str(net_file) if a == "NET" else a for a in args]
    try:
        code = main(args)
    except SystemExit as exc:  # argparse errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert word in err


def test_corrupted_file_exit_2(capsys, tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"format": "relubits.network", "version": 1, "layers": [')
    code, out, err = run(capsys, "info", str(p))
    assert code == 2 and "JSON" in err and out == ""
