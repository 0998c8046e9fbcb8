"""Regime classification: consistency with the three bounds, boundaries vs a full scan, the upper hook."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from relubits.theory.architecture import n_params
from relubits.theory.entropy import memory_bound
from relubits.theory.gridspec import GridSpec, grid_spec
from relubits.theory.precision import precision_bound
from relubits.theory.regimes import (REGIMES, FixedFamily, boundaries, log2_fraction, regime, regime_row,
                                     regime_rows)
from relubits.theory.vc import grid_free_bound


@pytest.mark.parametrize("W,L", [(2, 2), (8, 2), (2, 4), (8, 4), (32, 4), (4, 8), (16, 3)])
@pytest.mark.parametrize("offset", [1, 3])
def test_boundaries_match_a_full_scan(W, L, offset):
    fam = FixedFamily(offset)
    bd = boundaries(W, L, fam, b_max=80)
    rows = regime_rows(W, L, 80, fam)
    seq = [r["regime"] for r in rows]
    ranks = [REGIMES.index(x) for x in seq]
    assert ranks == sorted(ranks)  # under ... proper ... over, never back
    first_not_under = next((r["bits"] for r in rows if r["regime"] != "under"), None)
    first_over = next((r["bits"] for r in rows if r["regime"] == "over"), None)
    assert bd.b1 == first_not_under
    assert bd.b2 == first_over
    for r in rows:
        assert r["lower_bound"] == max(r["lb_precision"], r["lb_memory"], r["lb_vc"])


def test_regime_result_fields():
    r = regime(8, 4, 6)
    assert r.n_params == n_params(8, 4) == 169
    assert r.lower_bound == max(r.bounds.values())
    assert r.bounds[r.regime] == r.lower_bound
    assert (r.regime, r.binding) == ("proper", "memory")
    g = GridSpec.fixed(6, 5)
    assert r.precision == precision_bound(8, 4, g)
    assert r.memory == memory_bound(8, 4, g)
    assert r.grid_free == grid_free_bound(8, 4)
    assert (r.boundaries.b1, r.boundaries.b2) == (3, 18)
    with pytest.raises(Exception):
        r.regime = "over"  # frozen


def test_regime_accepts_core_grids():
    from relubits import Grid

    r1 = regime(8, 4, Grid.fixed(6, 5))
    r2 = regime(8, 4, GridSpec.fixed(6, 5))
    assert r1.lower_bound == r2.lower_bound and r1.boundaries == r2.boundaries
    assert regime(8, 4, Grid.fixed(6, 3)).boundaries.family.endswith("b-3)")
    rb = regime(4, 3, Grid.bipolar())
    assert rb.boundaries is None and rb.regime in REGIMES
    assert grid_spec(Grid.levels([-1, 0, 1])).codes == (-1, 0, 1)


def test_shallow_nets_have_no_proper_window():
    for W in (2, 8, 32, 128):
        bd = boundaries(W, 2)
        assert bd.b1 == bd.b2 and bd.proper_window is None


def test_shallow_eps_times_memory_grows_with_log_width():
    """Proposition S (docs/theory.md): for L = 2, (lower bound) * P b >= (log2 W - 1)/2 for every b."""
    import math

    for k in range(1, 13):
        W = 2**k
        for b in range(1, 41):
            r = regime_row(W, 2, b)
            assert r["lower_bound"] * n_params(W, 2) * b >= (math.log2(W) - 1) / 2


def test_deep_nets_have_a_proper_window_that_grows_with_depth():
    w = [boundaries(8, L).proper_window for L in (4, 6, 8)]
    assert all(x is not None for x in w)
    assert w[0][1] - w[0][0] < w[1][1] - w[1][0] < w[2][1] - w[2][0]


@settings(max_examples=25, deadline=None)
@given(W=st.integers(1, 24), L=st.integers(2, 8), b=st.integers(1, 30))
def test_row_consistency(W, L, b):
    row = regime_row(W, L, b)
    bounds = {"under": row["lb_precision"], "proper": row["lb_memory"], "over": row["lb_vc"]}
    assert bounds[row["regime"]] == row["lower_bound"] == max(bounds.values())
    assert abs(2 ** row["log2_lower_bound"] - row["lower_bound"]) <= 1e-9 * row["lower_bound"]


def test_upper_hook_adds_columns_and_is_optional():
    calls = []

    def upper(W, L, b):
        calls.append((W, L, b))
        return {"upper_promised": 1.0 / b, "certified_error": 0.5 / b}

    rows = regime_rows(4, 3, 5, upper=upper)
    assert calls == [(4, 3, b) for b in range(1, 6)]
    assert all("upper_promised" in r and "certified_error" in r for r in rows)
    assert all("upper_promised" not in r for r in regime_rows(4, 3, 5))
    with pytest.raises(ValueError, match="clash"):
        regime_rows(4, 3, 2, upper=lambda W, L, b: {"regime": "x"})
    with pytest.raises(TypeError, match="dict"):
        regime_rows(4, 3, 2, upper=lambda W, L, b: 1.0)


def test_log2_fraction_far_below_float_range():
    assert log2_fraction(Fraction(1, 2**5000)) == -5000
    r = regime_row(4, 16, 200)
    assert r["lb_precision"] == 0.0 and r["regime"] == "proper"


def test_parameter_count_matches_core_network():
    from relubits import Network

    for W in (1, 2, 5):
        for L in (2, 3, 6):
            widths = [1] + [W] * (L - 1) + [1]
            net = Network.from_layers([([[0] * widths[i]] * widths[i + 1], [0] * widths[i + 1]) for i in range(L)])
            assert net.n_params == n_params(W, L)
            assert (net.width, net.depth) == (W, L)


def test_bad_input():
    with pytest.raises(ValueError, match="bits_max"):
        regime_rows(4, 3, 0)
    with pytest.raises(ValueError, match="bits must be"):
        FixedFamily(1, symmetric=True).grid(1)
    with pytest.raises(ValueError, match="depth L"):
        regime(4, 1, 4)


# -- CLI ------------------------------------------------------------------------------
def test_cli_json(capsys):
    from relubits.cli import main

    assert main(["regimes", "--width", "8", "--depth", "4", "--bits-max", "6", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["b1"], out["b2"]) == (3, 18)
    assert [r["bits"] for r in out["rows"]] == list(range(1, 7))
    assert {"lb_precision", "lb_memory", "lb_vc", "lower_bound", "binding", "regime"} <= set(out["rows"][0])
    assert [r["regime"] for r in out["rows"]] == ["under", "under"] + ["proper"] * 4


def test_cli_figure_and_upper_hook(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    import sys
    import types

    from relubits.cli import main

    fake = types.ModuleType("fake_upper_module")
    fake.upper = _fake_upper
    monkeypatch.setitem(sys.modules, "fake_upper_module", fake)

    fig = tmp_path / "regimes.png"
    rc = main(["regimes", "--width", "4", "--depth", "3", "--bits-max", "10", "--out", str(fig), "--json",
               "--upper", "fake_upper_module:upper"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert fig.exists() and fig.stat().st_size > 1000 and out["figure"] == str(fig)
    assert all(r["upper_bound"] == 1.0 for r in out["rows"])


def _fake_upper(W, L, b):
    return {"upper_bound": 1.0}


@pytest.mark.parametrize("argv,msg", [
    (["--width", "0", "--depth", "3", "--bits-max", "4"], "--width"),
    (["--width", "2", "--depth", "1", "--bits-max", "4"], "--depth"),
    (["--width", "2", "--depth", "3", "--bits-max", "0"], "--bits-max"),
    (["--width", "2", "--depth", "3", "--bits-max", "4", "--upper", "nocolon"], "--upper"),
    (["--width", "2", "--depth", "3", "--bits-max", "4", "--out", "/nonexistent/dir/x.png"], "--out"),
])
def test_cli_bad_input(argv, msg, capsys):
    from relubits.cli import main

    assert main(["regimes", *argv]) == 2
    err = capsys.readouterr().err
    assert msg in err and len(err.strip().splitlines()) == 1
