"""Exact piece analysis + certification vs plain dense sampling, on a deep sawtooth.

The network is the k-fold composition of the tent map (depth k + 1, width 2), which
has exactly 2**k linear pieces on [0, 1].  We time, in one run on one machine:

* certified: ``pieces`` (exact) + ``certify`` against the 1-Lipschitz target sin(x)
  (a rigorous bound on the sup error, reusing the computed pieces);
* sampling: plain NumPy float evaluation of the network at 16 points per piece
  (``relubits.Network.__call__``: one matrix product per layer), which certifies nothing.

It also shows how many pieces dense sampling at 10**3, 10**5, 10**6 points would count
(sign changes of the sampled slope), against the exact count.

Last line: ``ratio certify/sampling: X`` (target X <= 1.0).

Run: ``python benchmarks/bench_pieces.py [k]`` (default k = 17: 131072 pieces).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from relubits import Network, certify, compose, pieces


def sawtooth(k: int) -> Network:
    tent = Network.from_layers([([[2], [2]], [0, -1]), ([[1, -2]], [0])])
    net = tent
    for _ in range(k - 1):
        net = compose(tent, net)
    return net


def best_of(fn, repeat=3):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def sampled_piece_count(net: Network, n: int) -> int:
    x = np.linspace(0.0, 1.0, n)
    y = net(x)[:, 0]
    s = np.diff(y) / np.diff(x)
    return int(1 + np.count_nonzero(np.abs(np.diff(s)) > 1e-6 * np.maximum(1.0, np.abs(s[:-1]))))


def main(k: int = 17) -> float:
    net = sawtooth(k)
    target = np.sin

    def certified():
        P = pieces(net, (0, 1))
        return certify(net, target, lipschitz=1, pieces_=P)

    t_cert, cert = best_of(certified)
    n_exact = cert.n_pieces
    x = np.linspace(0.0, 1.0, 16 * n_exact)
    t_samp, _ = best_of(lambda: net(x))
    print(f"network: sawtooth k={k}, depth={net.depth}, width={net.width}, n_params={net.n_params}")
    print(f"exact pieces: {n_exact}  (expected 2**{k} = {2**k})")
    print(f"certified sup error vs sin(x): {cert.certified_error:.6g} (lower bound {cert.lower_bound:.6g}, "
          f"{cert.n_evaluations} target evaluations, converged={cert.converged})")
    print(f"time exact pieces + certify: {t_cert:.4f} s")
    print(f"time dense float sampling, 16 points/piece ({16 * n_exact} points): {t_samp:.4f} s")
    for n in (10**3, 10**5, 10**6):
        print(f"pieces seen by sampling at {n:>8d} points: {sampled_piece_count(net, n):>8d}   (exact: {n_exact})")
    ratio = t_cert / t_samp
    print(f"ratio certify/sampling: {ratio:.3f}")
    return ratio


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 17)
