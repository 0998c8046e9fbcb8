"""relubits.experiments.sweep: same results on every executor, resumable checkpoints, clear errors."""

from __future__ import annotations

import argparse
import json
import sys

import pytest
from hypothesis import given, settings, strategies as st

from relubits.experiments.sweep import (
    EXECUTORS, add_sweep_arguments, executor_from_args, load_checkpoint, regime_point, regime_points, sweep,
)
from relubits.theory.regimes import regime_row

POINTS = regime_points([1, 3, 16], [2, 5], range(1, 13))  # 72 (W, L, b) points


def square(x):
    return x * x


class Boom(RuntimeError):
    pass


_CALLS: list = []


def counting_regime(point):
    _CALLS.append(tuple(point))
    return regime_point(point)


def make_failing(at):
    def fn(point):
        if tuple(point) == at:
            raise Boom(f"stop at {point}")
        return regime_point(point)
    return fn


@pytest.fixture(scope="module")
def reference():
    return [regime_point(p) for p in POINTS]


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed", reason="dask[distributed] not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        yield cluster


def test_regime_point_matches_regime_row():
    for W, L, b in POINTS[::7]:
        row = regime_point((W, L, b))
        assert row.pop("W") == W and row.pop("L") == L
        assert row == regime_row(W, L, b)


def test_inline_is_a_map(reference):
    assert sweep(regime_point, POINTS, progress=False) == reference
    assert sweep(square, iter(range(10)), progress=False, chunksize=3) == [i * i for i in range(10)]


def test_processes_identical(reference):
    assert sweep(regime_point, POINTS, executor="processes", workers=2, progress=False) == reference


def test_dask_identical_cluster_and_address(reference, dask_cluster):
    assert sweep(regime_point, POINTS, executor="dask", dask_address=dask_cluster, progress=False) == reference
    got = sweep(regime_point, POINTS, executor="dask", dask_address=dask_cluster.scheduler_address,
                progress=False, chunksize=5)
    assert got == reference


def test_dask_client_object(dask_cluster):
    distributed = pytest.importorskip("distributed")
    with distributed.Client(dask_cluster, set_as_default=False) as client:
        assert sweep(square, range(40), executor="dask", dask_address=client, progress=False) == [i * i for i in range(40)]
        assert client.status == "running"  # a client we were given is not closed


def test_fn_exception_propagates_everywhere(dask_cluster):
    fn = make_failing(POINTS[10])
    for kw in ({}, {"executor": "dask", "dask_address": dask_cluster}):
        with pytest.raises(Boom):
            sweep(fn, POINTS, progress=False, **kw)


def test_resume_after_interrupt_computes_only_the_rest(tmp_path, reference):
    ck = tmp_path / "regimes.jsonl"
    half = len(POINTS) // 2
    with pytest.raises(Boom):
        sweep(make_failing(POINTS[half]), POINTS, checkpoint=ck, progress=False, chunksize=4)
    state = load_checkpoint(ck)
    assert set(state.done) == set(range(half // 4 * 4))  # whole chunks before the failing one
    assert state.n_points == len(POINTS) and state.torn_bytes == 0
    _CALLS.clear()
    got = sweep(counting_regime, POINTS, checkpoint=ck, progress=False, chunksize=4)
    assert got == reference
    assert sorted(_CALLS) == sorted(tuple(POINTS[i]) for i in range(len(POINTS)) if i not in state.done)
    # complete now: a third call computes nothing
    _CALLS.clear()
    assert sweep(counting_regime, POINTS, checkpoint=ck, progress=False) == reference
    assert _CALLS == []


def test_resume_half_inline_rest_on_dask(tmp_path, reference, dask_cluster):
    ck = tmp_path / "half.jsonl"
    half = len(POINTS) // 2
    with pytest.raises(KeyboardInterrupt):
        def stop(point, _seen=[]):
            if len(_seen) == half:
                raise KeyboardInterrupt
            _seen.append(point)
            return regime_point(point)
        sweep(stop, POINTS, checkpoint=ck, progress=False, chunksize=1)
    assert len(load_checkpoint(ck).done) == half
    got = sweep(regime_point, POINTS, executor="dask", dask_address=dask_cluster, checkpoint=ck, progress=False)
    assert got == reference
    lines = ck.read_text().splitlines()
    assert len(lines) == 1 + len(POINTS)  # header + one record per point, no duplicates
    assert sorted(json.loads(x)["i"] for x in lines[1:]) == list(range(len(POINTS)))


def test_torn_last_line_is_dropped_and_repaired(tmp_path):
    ck = tmp_path / "torn.jsonl"
    pts = list(range(20))
    with pytest.raises(Boom):
        sweep(make_failing_int(12), pts, checkpoint=ck, progress=False, chunksize=5)
    with open(ck, "ab") as fh:
        fh.write(b'{"i":10,"point":10,"res')  # killed mid-write
    state = load_checkpoint(ck)
    assert state.torn_bytes > 0 and set(state.done) == set(range(10))
    assert sweep(square, pts, checkpoint=ck, progress=False) == [p * p for p in pts]
    for line in ck.read_text().splitlines():
        json.loads(line)  # every line valid again


def make_failing_int(at):
    def fn(x):
        if x == at:
            raise Boom
        return x * x
    return fn


def test_checkpoint_of_another_sweep_is_refused(tmp_path):
    ck = tmp_path / "a.jsonl"
    sweep(square, [1, 2, 3], checkpoint=ck, progress=False)
    with pytest.raises(ValueError, match="different sweep"):
        sweep(square, [1, 2, 4], checkpoint=ck, progress=False)
    bad = tmp_path / "b.jsonl"
    bad.write_text('{"hello": 1}\n')
    with pytest.raises(ValueError, match="not a relubits sweep checkpoint"):
        sweep(square, [1], checkpoint=bad, progress=False)
    assert bad.read_text() == '{"hello": 1}\n'  # untouched


def test_checkpoint_needs_json(tmp_path):
    with pytest.raises(ValueError, match="JSON"):
        sweep(square, [float("nan")], checkpoint=tmp_path / "n.jsonl", progress=False)
    with pytest.raises(ValueError, match="result of point 0"):
        sweep(lambda p: {1, 2}, [1], checkpoint=tmp_path / "s.jsonl", progress=False)


def test_checkpoint_results_are_json_round_trips(tmp_path):
    ck = tmp_path / "t.jsonl"
    first = sweep(lambda p: (p, p + 1), [1, 2], checkpoint=ck, progress=False)
    assert first == [[1, 2], [2, 3]]
    assert sweep(lambda p: (p, p + 1), [1, 2], checkpoint=ck, progress=False) == first


@given(st.lists(st.integers(-10**30, 10**30), max_size=30), st.integers(1, 7))
@settings(max_examples=60, deadline=None)
def test_inline_chunking_property(xs, chunk):
    assert sweep(square, xs, progress=False, chunksize=chunk) == [x * x for x in xs]


@pytest.mark.parametrize("kw, match", [
    ({"executor": "threads"}, "executor must be one of"),
    ({"workers": 0}, "workers must be an integer in \\[1, 1024\\]"),
    ({"workers": True}, "workers must be an integer in \\[1, 1024\\]"),
    ({"chunksize": 0}, "chunksize must be an integer >= 1"),
    ({"dask_address": "tcp://127.0.0.1:1"}, "only used with executor='dask'"),
])
def test_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        sweep(square, [1], progress=False, **kw)


def test_bad_types():
    with pytest.raises(TypeError, match="fn must be callable"):
        sweep(3, [1], progress=False)
    with pytest.raises(TypeError, match="points must be"):
        sweep(square, 5, progress=False)
    with pytest.raises(TypeError, match="not a string"):
        sweep(square, "abc", progress=False)
    with pytest.raises(ValueError, match=r"\(W, L, b\) triple"):
        regime_point((1, 2))


def test_unreachable_scheduler_is_a_clear_error():
    pytest.importorskip("distributed")
    with pytest.raises(ValueError, match="cannot connect"):
        import dask
        with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
            sweep(square, [1], executor="dask", dask_address="tcp://127.0.0.1:9", progress=False)


def test_progress_counter_without_tqdm(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    assert sweep(square, range(5), chunksize=2) == [0, 1, 4, 9, 16]
    err = capsys.readouterr().err
    assert "sweep: 0/5" in err and "sweep: 5/5" in err


def test_progress_bar_with_tqdm(capsys):
    pytest.importorskip("tqdm")
    sweep(square, range(5), desc="regimes")
    assert "regimes" in capsys.readouterr().err
    sweep(square, range(5), progress=False)
    assert capsys.readouterr().err == ""


def test_cli_helpers():
    p = argparse.ArgumentParser()
    add_sweep_arguments(p)
    assert executor_from_args(p.parse_args([])) == {"executor": "inline", "workers": None, "dask_address": None,
                                                     "checkpoint": None}
    assert executor_from_args(p.parse_args(["--workers", "3"]))["executor"] == "processes"
    kw = executor_from_args(p.parse_args(["--dask", "tcp://h:8786", "--checkpoint", "c.jsonl"]))
    assert kw == {"executor": "dask", "workers": None, "dask_address": "tcp://h:8786", "checkpoint": "c.jsonl"}
    assert executor_from_args(p.parse_args(["--dask", "local", "--workers", "2"]))["dask_address"] is None
    with pytest.raises(ValueError, match="--workers"):
        executor_from_args(p.parse_args(["--workers", "0"]))
    with pytest.raises(ValueError, match="--dask"):
        executor_from_args(p.parse_args(["--dask", " "]))
    assert set(EXECUTORS) == {"inline", "processes", "dask"}


def test_processes_need_a_picklable_function():
    with pytest.raises(TypeError, match="picklable"):
        sweep(lambda p: p, [1, 2], executor="processes", workers=1, progress=False)


def test_empty_checkpoint_file_is_a_fresh_start(tmp_path):
    ck = tmp_path / "empty.jsonl"
    ck.write_bytes(b"")  # killed between creating the file and writing the header
    assert sweep(square, [1, 2, 3], checkpoint=ck, progress=False) == [1, 4, 9]
    assert load_checkpoint(ck).done == {0: 1, 1: 4, 2: 9}


def test_regime_row_task_families_and_upper(dask_cluster):
    from relubits.experiments.sweep import RegimeRowTask
    from relubits.theory.regimes import FixedFamily

    task = RegimeRowTask(offset=3, symmetric=True, upper=upper_columns)
    pts = regime_points([4], [3], range(2, 10))
    got = sweep(task, pts, executor="dask", dask_address=dask_cluster, progress=False)
    want = [dict(W=4, L=3, **regime_row(4, 3, b, FixedFamily(3, True), upper_columns)) for b in range(2, 10)]
    assert got == want == sweep(task, pts, executor="processes", workers=2, progress=False)
    assert all(r["upper_b_squared"] == r["bits"] ** 2 for r in got)


def upper_columns(W, L, b):
    return {"upper_b_squared": b * b}


def test_regimes_cli_same_rows_with_workers(capsys):
    """`relubits regimes --workers 2` gives exactly the rows of the in-process run."""
    import json

    from relubits.cli import main

    assert main(["regimes", "--width", "8", "--depth", "4", "--bits-max", "10", "--json"]) == 0
    inline = json.loads(capsys.readouterr().out)
    assert main(["regimes", "--width", "8", "--depth", "4", "--bits-max", "10", "--json", "--workers", "2"]) == 0
    pooled = json.loads(capsys.readouterr().out)
    assert pooled["rows"] == inline["rows"] and len(inline["rows"]) == 10
