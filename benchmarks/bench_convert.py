"""Benchmark: depth-precision conversion time vs network size (linear cost claim).

Converts random B = 32-bit integer networks of depth 4 and growing width to b = 8-bit weights
(``relubits.transforms.depth_precision.to_precision``, construction only, then the exact-point
check separately) and prints time per source parameter.  The printed ratio compares the time per
parameter of the largest case with the smallest one (measured in the same run); a ratio near 1
means cost linear in the number of parameters.

Run:  python benchmarks/bench_convert.py [--quick]
      python benchmarks/bench_convert.py --memory   # memory ratio vs width and format (docs table)
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import numpy as np

from relubits import Grid, Network
from relubits.transforms.depth_precision import choose_frac_bits, to_precision


def random_net(rng: random.Random, widths, B: int, S: int = 0) -> Network:
    layers = []
    for a, b in zip(widths, widths[1:]):
        A = np.array([[rng.randint(-2**(B - 1), 2**(B - 1) - 1) for _ in range(a)] for _ in range(b)], dtype=object)
        c = np.array([rng.randint(-2**(B - 1), 2**(B - 1) - 1) for _ in range(b)], dtype=object)
        layers.append((A, c, 2**S))
    return Network.from_integer_layers(layers)


def memory_table() -> None:
    """Measured memory ratio (non-zero params x bits, after / before) by width, format and b."""
    rng = random.Random(4)
    cases = [(32, 0, 2), (32, 0, 3), (32, 0, 4), (32, 0, 8), (32, 31, 3), (32, 31, 4), (32, 31, 8),
             (32, 16, 3), (32, 16, 4), (32, 16, 8)]
    print("uniform random B-bit codes, depth 4, frac_bits from choose_frac_bits; columns B/S->b")
    print(f"{'width':>5} " + " ".join(f"{'%d/%d->%d' % c:>9}" for c in cases))
    for W in (8, 16, 32, 64):
        cells = []
        for B, S, b in cases:
            net = random_net(rng, [1, W, W, W, 1], B, S)
            _new, rep = to_precision(net, choose_frac_bits(net, b), verify=False)
            cells.append(f"{rep.memory_ratio:>9.2f}")
        print(f"{W:>5} " + " ".join(cells))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes")
    ap.add_argument("--memory", action="store_true", help="print the memory-ratio table instead")
    args = ap.parse_args(argv)
    if args.memory:
        memory_table()
        return 0
    widths = [8, 16, 32, 64] if args.quick else [8, 16, 32, 64, 128]
    rng = random.Random(0)
    grid = Grid.fixed(8, 0)
    rows = []
    print(f"{'width':>6} {'params':>8} {'depth':>11} {'mem_ratio':>9} {'convert_s':>10} {'us/param':>9} {'verify_s':>9}")
    for W in widths:
        net = random_net(rng, [1, W, W, W, 1], 32)
        best = float("inf")
        for _ in range(3 if W <= 32 else 1):
            t0 = time.perf_counter()
            new, rep = to_precision(net, grid, verify=False)
            best = min(best, time.perf_counter() - t0)
        t0 = time.perf_counter()
        pts = [[rng.randint(-10**6, 10**6)] for _ in range(16)]
        assert net.exact_batch(pts) == new.exact_batch(pts)
        tv = time.perf_counter() - t0
        per = best / net.n_params * 1e6
        rows.append((W, net.n_params, per))
        print(f"{W:>6} {net.n_params:>8} {rep.depth_before:>4} -> {rep.depth_after:<4} {rep.memory_ratio:>9.3f} "
              f"{best:>10.3f} {per:>9.2f} {tv:>9.3f}")
    ratio = rows[-1][2] / rows[0][2]
    print(f"time per parameter, largest / smallest case: {ratio:.2f} "
          f"(params {rows[0][1]} -> {rows[-1][1]}; measured in this run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
