"""Build + certify time of the quantized approximant against its number of weights.

Claim (issue 5): the cost is linear in the number of weights.  Prints, per case, the weights,
build time, certify time and time per weight, and the ratio of time per weight between the
smallest and the largest case (target <= 1.5).  Comparator: the smallest case, measured in the
same run.

    python benchmarks/bench_ding.py [--quick]
"""

from __future__ import annotations

import argparse
import time

from relubits.constructions import ding as D
from relubits.constructions.ding_certify import certify_approximant_1d
from relubits.expr import parse_expr


def run(cases, target="0.1*sin(2*x)", levels=2) -> list[dict]:
    f = parse_expr(target)
    rows = []
    for n, eps in cases:
        t0 = time.perf_counter()
        A = D.approximant(f, d=1, n=n, eps=eps, levels=levels)
        W = A.n_weights
        t1 = time.perf_counter()
        cert, nbp = certify_approximant_1d(A, f, curvature=1 if n >= 2 else None)
        t2 = time.perf_counter()
        rows.append({"n": n, "eps": eps, "blocks": A.n_blocks, "weights": W, "build_s": t1 - t0,
                     "certify_s": t2 - t1, "us_per_weight": 1e6 * (t2 - t0) / W,
                     "certified": cert.certified_error, "promise": A.promised_error})
    return rows


def run_build(cases, target="0.1*sin(2*x)", levels=2) -> list[dict]:
    """Build only: construct, count weights exactly, check every template on the set."""
    f = parse_expr(target)
    rows = []
    for n, eps in cases:
        t0 = time.perf_counter()
        A = D.approximant(f, d=1, n=n, eps=eps, levels=levels)
        W = A.n_weights
        bits = A.memory_bits
        t1 = time.perf_counter()
        rows.append({"n": n, "eps": eps, "blocks": A.n_blocks, "weights": W, "memory_bits": bits,
                     "build_s": t1 - t0, "us_per_weight": 1e6 * (t1 - t0) / W})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    run_build([(2, 1e-2)])  # warm-up (imports, caches)
    bcases = [(2, 1e-4), (2, 1e-5)] if args.quick else [(2, 1e-4), (2, 1e-5), (2, 1e-6)]
    brows = run_build(bcases)
    print("A. build (construct + exact weight count + on-set check), d=1, n=2, 2 levels")
    print(f"{'eps':>8} {'blocks':>7} {'weights':>10} {'build s':>8} {'us/weight':>9}")
    for r in brows:
        print(f"{r['eps']:>8.0e} {r['blocks']:>7} {r['weights']:>10} {r['build_s']:>8.2f} {r['us_per_weight']:>9.3f}")
    ratio = brows[0]["us_per_weight"] / brows[-1]["us_per_weight"]
    print(f"build time-per-weight ratio smallest/largest case: {ratio:.2f} (target <= 1.5; "
          f"{brows[0]['weights']} vs {brows[-1]['weights']} weights)")
    print()
    cases = [(2, 1e-2), (2, 3e-3)] if args.quick else [(2, 1e-2), (2, 3e-3), (2, 1e-3)]
    rows = run(cases)
    print("B. build + exact certificate (pieces of every block; cost grows with the number of linear pieces,")
    print("   ~ N 2^m, faster than the weights ~ N m: not linear in weights)")
    print(f"{'n':>2} {'eps':>8} {'blocks':>7} {'weights':>10} {'build s':>8} {'certify s':>9} {'us/weight':>9}"
          f" {'certified':>10} {'promise':>10}")
    for r in rows:
        print(f"{r['n']:>2} {r['eps']:>8.0e} {r['blocks']:>7} {r['weights']:>10} {r['build_s']:>8.2f} "
              f"{r['certify_s']:>9.2f} {r['us_per_weight']:>9.3f} {r['certified']:>10.3e} {r['promise']:>10.3e}")
    ratio = rows[0]["us_per_weight"] / rows[-1]["us_per_weight"]
    print(f"build+certify time-per-weight ratio smallest/largest case: {ratio:.2f} "
          f"({rows[0]['weights']} vs {rows[-1]['weights']} weights)")


if __name__ == "__main__":
    main()
