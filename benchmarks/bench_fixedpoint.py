"""Forward pass of a width-64, depth-4 fixed-point MLP on 10^4 inputs with per-operation rounding.

relubits (integer NumPy kernels) vs APyTypes (its own products and casts, vectorised over the
batch) vs fxpmath (its own Fxp products and re-quantisations, vectorised over the batch), in one
run, on the same network and inputs; the outputs of all three are asserted identical, bit for bit.

Run: ``python benchmarks/bench_fixedpoint.py [--n 10000] [--fxp-n 10000] [--format Q7.8]``.
fxpmath is slow; ``--fxp-n`` can time it on a subset (its time is then scaled linearly to ``n``,
and the report says so).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from relubits.fixedpoint import FixedNetwork, parse_format
from relubits.fixedpoint.reference import forward_apytypes, forward_fxpmath


def build(fmt, width=64, depth=4, d_in=64, seed=0):
    rng = np.random.default_rng(seed)
    widths = [d_in] + [width] * depth
    # weights of magnitude up to ~2/sqrt(fan_in): typical trained scale, some saturation happens
    wmax = max(1, int(2 * fmt.scale / np.sqrt(d_in)))
    layers = [
        (rng.integers(-wmax, wmax + 1, (widths[i + 1], widths[i])),
         rng.integers(-fmt.scale // 2, fmt.scale // 2 + 1, widths[i + 1]))
        for i in range(depth)
    ]
    return FixedNetwork(layers, fmt, activation="relu", semantics="per-op")


def best_of(fn, repeat):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--fxp-n", type=int, default=1000,
                    help="inputs for fxpmath (default 1000: about a minute; its time is scaled to --n)")
    ap.add_argument("--format", default="Q7.8")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    fmt = parse_format(args.format)
    net = build(fmt)
    rng = np.random.default_rng(1)
    X = rng.integers(-2 * fmt.scale, 2 * fmt.scale + 1, (args.n, net.input_dim))
    t_rb, y_rb = best_of(lambda: net.forward(X), args.repeat)
    t_apy, y_apy = best_of(lambda: forward_apytypes(net, X), args.repeat)
    assert (y_rb == y_apy).all(), "relubits and APyTypes disagree"
    n_fxp = args.fxp_n or args.n
    t_fxp, y_fxp = best_of(lambda: forward_fxpmath(net, X[:n_fxp]), 1)
    assert (y_rb[:n_fxp] == y_fxp).all(), "relubits and fxpmath disagree"
    t_fxp_n = t_fxp * args.n / n_fxp
    sat = float(np.mean((y_rb == fmt.k_max) | (y_rb == fmt.k_min)))
    print(f"network: widths {net.widths}, format {fmt}, per-op rounding, bias last, ReLU")
    print(f"inputs: {args.n} (fxpmath: {n_fxp}{'' if n_fxp == args.n else ', time scaled linearly'})")
    print(f"outputs identical in all three: yes; saturated outputs: {sat:.1%}")
    print(f"relubits: {t_rb:.3f} s   apytypes: {t_apy:.3f} s   fxpmath: {t_fxp_n:.3f} s  (best of {args.repeat}; fxpmath 1 run)")
    print(f"speedup vs fxpmath: {t_fxp_n / t_rb:.1f}")
    print(f"time ratio vs apytypes: {t_rb / t_apy:.3f}")


if __name__ == "__main__":
    main()
