"""Batch evaluation speed: relubits exact path vs float path vs ONNX Runtime float32 vs torch CPU.

One network (1 -> 64 -> 64 -> 64 -> 1, 8-bit fixed-point weights k/2**5 by default), one batch of 10**5
inputs on the dyadic grid k/2**16 in [0, 1) (exactly representable in float32, so every engine
sees the same inputs).  Each engine: one warm-up run, then the best of ``--repeat`` runs.
Printed: times, and each time divided by ONNX Runtime's (same thread count).  Target from
issue 8: exact path <= 2x ONNX Runtime.

Run: python benchmarks/bench_eval.py [--n 100000] [--repeat 5] [--threads 1]
(OPENBLAS_CORETYPE may be set on shared machines; numpy's float path is affected, say so.)
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from relubits import Grid, Network


def best_of(fn, repeat):
    fn()  # warm-up
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)


def proposed_exact_batch(net: Network, X: np.ndarray):
    """Prototype of a faster ``Network.exact_batch`` (proposed for network.py; not used by the library).

    Integer numerators are carried in float32 / float64 arrays, so the products run in BLAS,
    and that is exact because a *static* bound proves every partial sum of every layer stays
    below 2**24 / 2**53 in magnitude: with ``B_0 = max|X numerators|`` and
    ``B_{i+1} = rowsum_i * B_i + max|c_i| * D_i`` (``D_i`` the running denominator), every
    intermediate integer is at most ``B_{i+1}`` whatever the summation order.  Falls back to
    the current integer path when the bound fails.  Returns ``(numerators, den)`` like
    ``exact_batch(raw=True)`` (numerators as int64 here).
    """
    from relubits.exact import dyadic_arrays

    x = np.asarray(X, dtype=np.float64).reshape(-1, net.input_dim)
    num, D0 = dyadic_arrays(x, "X")  # (the lead's version should vectorise this too)
    B = max(abs(int(v)) for v in num.ravel()) if num.size else 0
    D = D0
    plan = []
    for i, (A, c, d) in enumerate(net.integer_layers):
        rowsum = max(sum(abs(int(v)) for v in row) for row in A)
        B = rowsum * B + max(abs(int(v)) for v in c) * D
        D *= d
        plan.append(B)
    if max(plan) >= 2**53:
        return net.exact_batch(X, raw=True)
    dt = np.float32 if max(plan) < 2**24 else np.float64
    H = num.astype(np.int64).astype(dt)
    D = D0
    layers = _float_int_layers(net, dt)
    for i, (AT, c, d) in enumerate(layers):
        H = H @ AT
        H += c * dt(D)
        D *= d
        if i < len(layers) - 1:
            np.maximum(H, 0, out=H)
    return H.astype(np.int64), D


_CACHE: dict = {}


def _float_int_layers(net, dt):
    key = (id(net), dt)
    if key not in _CACHE:
        _CACHE[key] = [(np.ascontiguousarray(A.astype(np.int64).T).astype(dt), c.astype(np.int64).astype(dt), d)
                       for A, c, d in net.integer_layers]
    return _CACHE[key]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="threads for ORT and torch (default 1)")
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--weight-bits", type=int, default=8, help="fixed-point weights, frac bits = bits - 3 (default 8)")
    ap.add_argument("--input-bits", type=int, default=16, help="inputs k / 2**input_bits (default 16)")
    args = ap.parse_args(argv)
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
    pn, pd = proposed_exact_batch(net, X64)
    cn, cd = net.exact_batch(X64, raw=True)
    assert np.array_equal(pn.astype(object) * cd, cn * pd), "prototype disagrees with exact_batch"
    rows.append(("proposed exact path (prototype above)", best_of(lambda: proposed_exact_batch(net, X64), args.repeat)))
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
    # correctness of what was timed: the exact path equals exact evaluation, floats are close
    num, den = net.exact_batch(X64[:1000], raw=True)
    ref = np.array([float(int(v)) / den for v in num.ravel()])
    assert np.max(np.abs(net(X64[:1000]).ravel() - ref)) < 1e-9
    print(f"network widths {net.widths}, {net.n_params} parameters, batch n = {args.n}, threads = {args.threads}, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"{'engine':38s} {'time [ms]':>10s} {'/ ORT':>8s}")
    for name, t in rows:
        ratio = f"{t / t_ort:8.2f}" if t_ort else "     n/a"
        print(f"{name:38s} {t * 1e3:10.2f} {ratio}")
    if t_ort:
        r = t_exact / t_ort
        print(f"exact path / ONNX Runtime = {r:.2f} (target <= 2): {'met' if r <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
