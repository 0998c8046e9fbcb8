"""The regime map as a sweep: a local Dask cluster against one process, same results.

Sweeps the regime classification (:func:`relubits.experiments.sweep.regime_point`: the
three proved lower bounds and which one binds, ``fixed(bits=b, frac_bits=b-1)`` grids)
over a grid of ``(W, L, b)`` points -- 10 widths x 8 depths x 16 bit widths = 1280 points
by default -- and times, in one run on one machine:

* single process: ``sweep(..., executor="inline")``;
* Dask: ``sweep(..., executor="dask")`` on a ``distributed.LocalCluster`` with N worker
  processes (one thread each), started and warmed up (workers import relubits) before the
  clock starts (both times printed separately);
* (for reference) a ``concurrent.futures`` process pool with N workers.

It checks that the three result lists are identical, then prints the wall times.
Last line: ``ratio dask/single: X`` (below 1 means the cluster was faster).

Run: ``python benchmarks/bench_sweep.py [N_WORKERS] [SCALE]`` (defaults: 2 workers, the
machine's core count if smaller; SCALE multiplies the number of bit widths, default 1).
Measured, not proved: the ratio depends on the machine and its load.
"""

from __future__ import annotations

import os
import sys
import time

from relubits.experiments.sweep import regime_point, regime_points, sweep

WIDTHS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
DEPTHS = (2, 3, 4, 6, 8, 12, 16, 24)


def main(n_workers: int = 2, scale: int = 1) -> float:
    from distributed import LocalCluster

    points = regime_points(WIDTHS, DEPTHS, range(1, 16 * scale + 1))
    print(f"points: {len(points)} (W in {WIDTHS[0]}..{WIDTHS[-1]}, L in {DEPTHS[0]}..{DEPTHS[-1]}, "
          f"b in 1..{16 * scale}); workers: {n_workers}; cores: {os.cpu_count()}; "
          f"load average: {os.getloadavg()[0]:.1f}")

    t0 = time.perf_counter()
    single = sweep(regime_point, points, progress=False)
    t_single = time.perf_counter() - t0
    print(f"single process:            {t_single:8.3f} s")

    t0 = time.perf_counter()
    pool = sweep(regime_point, points, executor="processes", workers=n_workers, progress=False)
    t_pool = time.perf_counter() - t0
    print(f"process pool ({n_workers} workers):  {t_pool:8.3f} s")

    t0 = time.perf_counter()
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        t_start = time.perf_counter() - t0
        t0 = time.perf_counter()
        sweep(regime_point, points[:4 * n_workers], executor="dask", dask_address=cluster, progress=False,
              chunksize=1)  # workers import relubits once, as the single process already has
        print(f"dask LocalCluster start:   {t_start:8.3f} s + warm-up {time.perf_counter() - t0:.3f} s (not counted)")
        t0 = time.perf_counter()
        dask = sweep(regime_point, points, executor="dask", dask_address=cluster, progress=False)
        t_dask = time.perf_counter() - t0
    print(f"dask ({n_workers} workers):          {t_dask:8.3f} s")

    same = single == pool == dask
    print(f"identical results: {same}")
    if not same:
        raise SystemExit("results differ between executors")
    counts = {r: sum(1 for row in single if row["regime"] == r) for r in ("under", "proper", "over")}
    print(f"regimes: {counts}")
    ratio = t_dask / t_single
    print(f"ratio dask/single: {ratio:.3f}")
    return ratio


if __name__ == "__main__":
    nw = int(sys.argv[1]) if len(sys.argv) > 1 else min(2, os.cpu_count() or 1)
    sc = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    main(nw, sc)
