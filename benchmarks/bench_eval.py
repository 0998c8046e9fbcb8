"""Batch evaluation speed: relubits exact path vs float path vs ONNX Runtime float32 vs torch CPU.

One network (1 -> 64 -> 64 -> 64 -> 1, 8-bit fixed-point weights k/2**5 by default), one batch of 10**5
inputs on the dyadic grid k/2**16 in [0, 1) (exactly representable in float32, so every engine
sees the same inputs).  Each engine: one warm-up run, then the best of ``--repeat`` runs.
Every engine gets the same number of threads (``--threads``, default 1: ORT intra-op threads,
torch threads, and NumPy's BLAS through OPENBLAS/OMP/MKL_NUM_THREADS set before NumPy loads).
Printed: times, and each time divided by ONNX Runtime's.  Target from issue 8: exact path <= 2x
ONNX Runtime.

The exact path's outputs are exact rationals (numerators up to about 2**45 here, so its BLAS
work is float64, proved exact by a static bound); ONNX Runtime and torch compute rounded float32.

OPENBLAS_CORETYPE: shared machines sometimes force an older OpenBLAS kernel (e.g. Haswell/AVX2 on
an AVX-512 CPU) while ONNX Runtime's own kernels still use AVX-512.  The script prints the
setting; ``--native-blas`` removes it before NumPy loads so both use the CPU's native kernels.

Run: python benchmarks/bench_eval.py [--n 100000] [--repeat 5] [--threads 1] [--native-blas]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time


def best_of(fn, repeat):
    fn()  # warm-up
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="threads for every engine: ORT, torch and NumPy's BLAS (default 1)")
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--weight-bits", type=int, default=8, help="fixed-point weights, frac bits = bits - 3 (default 8)")
    ap.add_argument("--input-bits", type=int, default=16, help="inputs k / 2**input_bits (default 16)")
    ap.add_argument("--native-blas", action="store_true",
                    help="unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE so NumPy uses the CPU's native kernels")
    args = ap.parse_args(argv)
    coretype = os.environ.get("OPENBLAS_CORETYPE", "(unset)")
    if "numpy" not in sys.modules:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
        if args.native_blas:
            os.environ.pop("OPENBLAS_CORETYPE", None)
            os.environ.pop("OPENBLAS_L2_SIZE", None)
            coretype = "(unset by --native-blas)"
    else:
        print("note: NumPy was already imported, so --threads / --native-blas do not reach its BLAS")
    import numpy as np

    from relubits import Grid, Network

    rng = np.random.default_rng(0)
    W = args.width
    sizes = [1, W, W, W, 1]
    layers = [(rng.normal(size=(o, i)) / np.sqrt(i), rng.normal(size=o) / 4) for i, o in zip(sizes[:-1], sizes[1:])]
    net = Network.from_float(layers, Grid.fixed(args.weight_bits, args.weight_bits - 3), overflow="saturate")
    X = (rng.integers(0, 2**args.input_bits, size=(args.n, 1)) / 2**args.input_bits).astype(np.float32)
    X64 = X.astype(np.float64)
    rows = []
    t_exact = best_of(lambda: net.exact_batch(X64, raw=True), args.repeat)
    rows.append(("relubits exact (integer) path", t_exact))
    rows.append(("relubits float64 path", best_of(lambda: net(X64), args.repeat)))
    t_ort = None
    try:
        import onnxruntime as ort

        from relubits.io.onnx import to_onnx
        so = ort.SessionOptions()
        so.intra_op_num_threads = args.threads
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        sess = ort.InferenceSession(to_onnx(net).SerializeToString(), so, providers=["CPUExecutionProvider"])
        t_ort = best_of(lambda: sess.run(None, {"x": X}), args.repeat)
        rows.append((f"ONNX Runtime {ort.__version__} float32", t_ort))
    except ImportError:
        print("onnxruntime not installed: pip install 'relubits[onnx]'")
    try:
        import torch

        from relubits.io.torch import to_torch
        torch.set_num_threads(args.threads)
        model = to_torch(net)
        Xt = torch.from_numpy(X)
        with torch.inference_mode():
            rows.append((f"torch {torch.__version__} CPU float32", best_of(lambda: model(Xt), args.repeat)))
    except ImportError:
        print("torch not installed: pip install 'relubits[torch]'")
    # correctness of what was timed: the exact path equals Fraction arithmetic on a sample, and the
    # float path is within its certified bound of the exact values
    from fractions import Fraction
    num, den = net.exact_batch(X64, raw=True)
    for r in range(0, args.n, max(1, args.n // 50)):
        h = [Fraction(float(X64[r, 0]))]
        for j, (A, c) in enumerate(net.layers):
            h = [sum((a * v for a, v in zip(row, h)), Fraction(0)) + b for row, b in zip(A, c)]
            h = [max(v, Fraction(0)) for v in h] if j < net.depth - 1 else h
        assert Fraction(int(num[r, 0]), den) == h[0], "exact path disagrees with Fraction arithmetic"
    ref = np.array([int(v) / den for v in num.ravel()])
    assert np.all(np.abs(net(X64).ravel() - ref) <= net.float_error_bound(X64).ravel())
    print(f"network widths {net.widths}, {net.n_params} parameters, batch n = {args.n}, threads = {args.threads}, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"OPENBLAS_CORETYPE={coretype}")
    print(f"{'engine':38s} {'time [ms]':>10s} {'/ ORT':>8s}")
    for name, t in rows:
        ratio = f"{t / t_ort:8.2f}" if t_ort else "     n/a"
        print(f"{name:38s} {t * 1e3:10.2f} {ratio}")
    if t_ort:
        r = t_exact / t_ort
        print(f"exact path / ONNX Runtime = {r:.2f} (target <= 2): {'met' if r <= 2 else 'NOT met'}")
        if coretype not in ("(unset)", "(unset by --native-blas)"):
            print(f"note: OPENBLAS_CORETYPE={coretype} pins NumPy's BLAS kernels while ONNX Runtime picks its own; "
                  "--native-blas compares both on the CPU's native kernels")


if __name__ == "__main__":
    main()
