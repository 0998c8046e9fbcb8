"""run_demo: fast, every promise kept, figure written."""

import os
import time

from relubits.experiments.demo import FIGURE_NAME, run_demo


def test_run_demo(tmp_path):
    t = time.time()
    rows = run_demo(tmp_path)
    assert time.time() - t < 60
    assert {r["construction"] for r in rows} == {"deep", "shallow"}
    for r in rows:
        assert r["certified_error"] <= r["promised_error"]
        assert r["memory_bits"] <= 20_000
        assert r["regime"] in ("under", "proper", "over")
    deep = {r["bits"]: r for r in rows if r["construction"] == "deep"}
    shallow = {r["bits"]: r for r in rows if r["construction"] == "shallow"}
    # at 3-4 bits the deep chain is ~100x better than the shallow net under the same budget
    assert deep[3]["certified_error"] * 50 < shallow[3]["certified_error"]
    assert deep[4]["certified_error"] * 50 < shallow[4]["certified_error"]
    assert os.path.exists(tmp_path / FIGURE_NAME)
