"""Exhaustive verification throughput: IP_10 on all 2^20 Boolean inputs.

Measured in one run: (a) relubits' vectorised exact check (`exhaustive_check`, exact integer
arithmetic through float64 BLAS where every partial sum is an integer below 2^53, int64 otherwise),
(b) a plain per-input Python loop over the same integer layers (Python ints, exact), timed on a
random subset and reported as inputs per second.  Both must agree on every input they see.

Run:  python benchmarks/bench_boolean.py [--d 10] [--loop-inputs 20000]
"""

import argparse
import time

import numpy as np

from relubits.constructions.boolean import exhaustive_check, integer_layers_of, ip_network


def python_loop_errors(layers, f_bits, xs):
    """Per-input exact evaluation with Python ints (hidden values scaled by their denominators)."""
    L = [([list(map(int, row)) for row in A], list(map(int, c)), int(den)) for A, c, den in layers]
    errors = 0
    for x in xs:
        h, D = list(x), 1
        for li, (A, c, den) in enumerate(L):
            z = [sum(a * v for a, v in zip(row, h)) + b * D for row, b in zip(A, c)]
            D *= den
            h = z if li == len(L) - 1 else [v if v > 0 else 0 for v in z]
        if h[0] != f_bits(x) * D:
            errors += 1
    return errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, default=10)
    ap.add_argument("--loop-inputs", type=int, default=20000)
    args = ap.parse_args()
    d = args.d
    rec = ip_network(d)
    rep = exhaustive_check(rec.network, "ip", d)
    fast = rep.inputs_per_second
    print(f"IP_{d}: {rec.neurons} neurons, depth {rec.depth}")
    print(f"vectorised exact check: {rep.inputs_checked} inputs, {rep.errors} errors, "
          f"{rep.seconds:.3f} s, {fast:,.0f} inputs/s")

    rng = np.random.default_rng(0)
    idx = rng.choice(2 ** (2 * d), size=min(args.loop_inputs, 2 ** (2 * d)), replace=False)
    xs = [[(int(r) >> (2 * d - 1 - k)) & 1 for k in range(2 * d)] for r in idx]

    def f_bits(x):
        return sum(x[i] * x[d + i] for i in range(d)) % 2

    layers = integer_layers_of(rec.network)
    t0 = time.perf_counter()
    errs = python_loop_errors(layers, f_bits, xs)
    slow = len(xs) / (time.perf_counter() - t0)
    print(f"per-input Python loop: {len(xs)} inputs, {errs} errors, {slow:,.0f} inputs/s "
          f"(full 2^{2 * d} would take {2 ** (2 * d) / slow:.1f} s)")
    assert errs == 0 and rep.errors == 0
    print(f"ratio vs per-input Python loop: {fast / slow:.0f}x (target >= 100x)")


if __name__ == "__main__":
    main()
