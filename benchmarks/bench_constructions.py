"""Construction + certification time per weight as the network grows from 10^3 to 10^6 parameters.

Deep: hinge chain (relubits.constructions.lipschitz) certified by the linear-time structural certificate
(relubits.constructions.chain_certificate.certify_chain).  Shallow: one-hidden-layer baseline certified by
relubits.certify.  Prints time per parameter for each size and the ratio largest/smallest (target: <= 1.5,
i.e. linear cost).  Run: python benchmarks/bench_constructions.py [--max 1000000]
"""

import argparse
import time

from relubits import certify
from relubits.constructions.chain_certificate import certify_chain
from relubits.constructions.lipschitz import chain_grid, lipschitz_approximant
from relubits.constructions.shallow import shallow_approximant
from relubits.experiments.memory import demo_target


def timed(fn, repeat=1):
    """Best of ``repeat`` runs (the machine may be shared; the minimum is the least noisy)."""
    best = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return out, best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max", type=int, default=10**6, help="largest parameter count (default 1e6)")
    ap.add_argument("--bits", type=int, default=8)
    args = ap.parse_args()
    f = demo_target()
    grid = chain_grid(args.bits)
    sizes = [n for n in (10**3, 10**4, 10**5, 10**6) if n <= args.max]
    for name in ("deep", "shallow"):
        per = []
        print(f"{name}: params  build_s  certify_s  total_us_per_param  certified_error  promised_error")
        for n in sizes:
            rep = 3 if n <= 10**5 else 1
            if name == "deep":
                c, tb = timed(lambda: lipschitz_approximant(f, 1, 2, n // 6, grid), rep)
                cert, tc = timed(lambda: certify_chain(c.network, f, 1), rep)
            else:
                c, tb = timed(lambda: shallow_approximant(f, 1, n // 3, chain_grid(24)), rep)
                cert, tc = timed(lambda: certify(c.network, f, 1, rtol=0.05), rep)
            p = c.network.n_params
            per.append((tb + tc) / p)
            print(f"  {p:>9d}  {tb:7.3f}  {tc:9.3f}  {1e6 * per[-1]:18.2f}  {cert.certified_error:15.3g}  "
                  f"{float(c.promised_error):14.3g}")
            assert cert.certified_error <= float(c.promised_error)
        # ratio over the sizes >= 1e4 (1e3 is dominated by fixed overheads such as numpy/f warm-up)
        big = per[1:] if len(per) > 2 else per
        print(f"  {name}: time-per-param ratio max/min over sizes >= 1e4: {max(big) / min(big):.2f} (target <= 1.5); "
              f"including 1e3: {max(per) / min(per):.2f}")


if __name__ == "__main__":
    main()
