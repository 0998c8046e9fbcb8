"""`relubits approximate` and `relubits memory`: keys, bars, clear errors."""

import json

import numpy as np
import pytest

from relubits.cli import main
from relubits.constructions.approximate import approximate
from relubits.experiments.memory import memory_rows

KEYS = {"certified_error", "width", "depth", "n_params", "memory_bits", "bits", "regime", "lower_bound", "on_grid",
        "construction"}


def run(capsys, argv):
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_approximate_json(capsys, tmp_path):
    path = tmp_path / "net.json"
    rc, out, err = run(capsys, ["approximate", "--target", "abs(x - 0.3)", "--lipschitz", "1", "--bits", "6",
                                "--width", "4", "--depth", "120", "--out", str(path), "--json"])
    assert rc == 0, err
    d = json.loads(out)
    assert KEYS <= set(d)
    assert d["on_grid"] is True and d["width"] <= 4 and d["depth"] <= 120
    assert d["certified_error"] <= d["promised_error"]
    assert d["regime"] in ("under", "proper", "over")
    assert d["memory_bits"] == d["n_params"] * 6
    from relubits import load

    assert load(str(path)).n_params == d["n_params"]


def test_approximate_shallow_when_depth_2(capsys):
    rc, out, _ = run(capsys, ["approximate", "--target", "x*(1-x)", "--lipschitz", "1", "--bits", "8",
                              "--width", "16", "--depth", "2", "--json"])
    d = json.loads(out)
    assert rc == 0 and d["construction"] == "shallow" and d["depth"] == 2


@pytest.mark.parametrize("argv, word", [
    (["--bits", "2"], "--bits"), (["--width", "1"], "--width"), (["--depth", "1"], "--depth"),
    (["--lipschitz", "0"], "--lipschitz"), (["--target", "3*x"], "Lipschitz"), (["--target", "import os"], "target"),
])
def test_approximate_errors(capsys, argv, word):
    base = {"--target": "x/2", "--lipschitz": "1", "--bits": "8", "--width": "4", "--depth": "50"}
    for k, v in zip(argv[::2], argv[1::2]):
        base[k] = v
    args = ["approximate"] + [t for kv in base.items() for t in kv]
    rc, out, err = run(capsys, args)
    assert rc == 2 and out == ""
    assert word in err and len(err.strip().splitlines()) == 1


def test_memory_json(capsys):
    rc, out, err = run(capsys, ["memory", "--budget", "4000", "--bits", "4,8", "--json"])
    assert rc == 0, err
    d = json.loads(out)
    assert {r["construction"] for r in d["rows"]} == {"deep", "shallow", "rounded"}
    for r in d["rows"]:
        assert r["memory_bits"] <= 4000
        assert abs(r["eps_times_memory"] - r["certified_error"] * r["memory_bits"]) < 1e-9 * r["eps_times_memory"] + 1e-12
        if r["promised_error"] is not None:
            assert r["certified_error"] <= r["promised_error"]


def test_memory_errors(capsys):
    assert run(capsys, ["memory", "--budget", "10"])[0] == 2
    assert run(capsys, ["memory", "--budget", "1000", "--bits", "2"])[0] == 2
    assert run(capsys, ["memory", "--budget", "1000", "--constructions", "deep,foo"])[0] == 2


@pytest.mark.slow
def test_bars_deep_memory_optimal():
    """Bars: deep eps*M <= 64 at M >= 1e4 and varying < 2x while M grows 16x (b = 3, 4, 8)."""
    small = memory_rows(10_000, (3, 4, 8), constructions=("deep",))
    big = memory_rows(160_000, (3, 4, 8), constructions=("deep",))
    for r1, r2 in zip(small, big):
        assert r1["bits"] == r2["bits"]
        assert r1["eps_times_memory"] <= 64 and r2["eps_times_memory"] <= 64
        assert max(r1["eps_times_memory"], r2["eps_times_memory"]) / min(r1["eps_times_memory"], r2["eps_times_memory"]) < 2


def test_library_approximate_picks_smallest_error():
    f = lambda x: np.abs(x - 0.5)  # noqa: E731
    a = approximate(f, 1, 8, 8, 60)
    errs = [ce.certified_error for _, ce in a.candidates]
    assert a.certificate.certified_error == min(errs)


def test_max_error_unreachable_names_the_bound(capsys):
    rc, out, err = run(capsys, ["approximate", "--target", "x/2", "--lipschitz", "1", "--bits", "3", "--width", "16",
                                "--depth", "2", "--max-error", "0.01"])
    assert rc == 2 and "unreachable" in err and "lattice" in err
    rc, out, err = run(capsys, ["approximate", "--target", "x/2", "--lipschitz", "1", "--bits", "4", "--width", "2",
                                "--depth", "10", "--max-error", "1e-4"])
    assert rc == 2 and "memory" in err


def test_max_error_reached_or_not(capsys):
    base = ["approximate", "--target", "abs(x - 0.5)", "--lipschitz", "1", "--bits", "8", "--width", "2", "--depth", "30"]
    rc, out, _ = run(capsys, base + ["--max-error", "0.1", "--json"])
    assert rc == 0 and json.loads(out)["certified_error"] <= 0.1
    rc, out, err = run(capsys, ["approximate", "--target", "abs(sin(40*x))/40", "--lipschitz", "1", "--bits", "8",
                                "--width", "2", "--depth", "30", "--max-error", "0.002"])
    assert rc == 2 and "not reached" in err


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=12, deadline=None)
@given(bits=st.integers(3, 20), width=st.integers(2, 40), depth=st.integers(2, 300), k=st.floats(1, 30))
def test_approximate_property(bits, width, depth, k):
    f = lambda x: np.sin(k * x) / k + 0.25  # noqa: E731
    try:
        a = approximate(f, 1, bits, width, depth, rtol=0.05)
    except ValueError as exc:  # only the documented refusal: an offset the grid cannot reach
        assert "f(0)" in str(exc) or "depth" in str(exc)
        return
    c, cert = a.construction, a.certificate
    assert c.network.on_grid(c.grid) and c.width <= width and c.depth <= depth
    assert cert.lower_bound <= float(c.promised_error)
    assert a.to_dict()["memory_bits"] == c.n_params * bits


def test_regime_upper_columns_hold_their_promise():
    """`relubits regimes --upper auto`: the chain's certified errors never exceed its promise."""
    from relubits.constructions.approximate import regime_upper

    assert regime_upper(8, 6, 2) == {"upper_promised": None, "certified_zigzag": None, "certified_smooth": None}
    for b in (3, 5, 8):
        row = regime_upper(8, 6, b)
        assert 0 < row["certified_zigzag"] <= row["upper_promised"]
        assert 0 < row["certified_smooth"] <= row["upper_promised"]


def test_regimes_cli_upper_auto(capsys, tmp_path):
    import json

    from relubits.cli import main

    fig = tmp_path / "reg.png"
    assert main(["regimes", "--width", "4", "--depth", "5", "--bits-max", "6", "--offset", "3", "--upper", "auto",
                 "--out", str(fig), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert fig.exists()
    assert all(r["certified_zigzag"] is None or r["certified_zigzag"] <= r["upper_promised"] for r in d["rows"])


def test_memory_payload_rows(capsys):
    # opt-in refined-payload rows: only for b >= 7, within budget, on their grid (memory_bits checks it
    # exactly) and certified within the proved promise
    rc, out, err = run(capsys, ["memory", "--budget", "20000", "--bits", "4,8", "--constructions", "payload,deep",
                                "--json"])
    assert rc == 0, err
    rows = json.loads(out)["rows"]
    pay = [r for r in rows if r["construction"] == "payload"]
    assert [r["bits"] for r in pay] == [8]
    for r in pay:
        assert r["memory_bits"] <= 20000 and r["certified_error"] <= r["promised_error"]
    assert {r["bits"] for r in rows if r["construction"] == "deep"} == {4, 8}
