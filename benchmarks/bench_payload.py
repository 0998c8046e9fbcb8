"""eps*M of the refined-payload approximant vs the hinge chain, for b in {4, 8, 16, 32} at two budgets.

For each budget M (bits) and bit width b: the payload network (relubits.constructions.payload) with the
smallest promise whose dense memory n_params*b <= M, certified by relubits.certify on the demo target
(MEASURED: certified_error is a rigorous upper bound), and the hinge chain of the same budget
(experiments.memory.deep_for_budget, greedy encoder) as the comparator, certified the same way.
The payload design needs b >= 7 (payload_grid); at b = 4 its row says n/a.
eps*M counts every parameter (dense storage); eps*M_nz counts only nonzero ones (a sparse format whose
index storage is not counted).
Last line: largest / smallest payload eps*M across b at the larger budget (flat in b means < 2).
Run: python benchmarks/bench_payload.py [--budgets 10000 160000]
"""

import argparse
import time

from relubits import certify
from relubits.constructions.payload import payload_for_budget
from relubits.experiments.memory import deep_for_budget, demo_target


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budgets", type=int, nargs="+", default=[10_000, 160_000])
    ap.add_argument("--bits", type=int, nargs="+", default=[4, 8, 16, 32])
    args = ap.parse_args()
    f = demo_target()
    print("budget  bits  construction  width  depth  fine_cells  memory_bits  certified_error  eps*M  eps*M_nz  promised*M  secs")
    last = {}
    for M in args.budgets:
        for b in args.bits:
            for name in ("payload", "chain"):
                t = time.perf_counter()
                try:
                    c = payload_for_budget(f, 1, b, M) if name == "payload" else deep_for_budget(f, 1, b, M)
                except ValueError as e:
                    print(f"{M:7d}  {b:4d}  {name:12s}  n/a ({e})")
                    continue
                cert = certify(c.network, f, 1, rtol=1e-3)
                mem = c.memory_bits
                cells = c.params.get("fine_cells", c.params.get("knots"))
                em = cert.certified_error * mem
                em_nz = cert.certified_error * c.network.memory_bits(c.grid, nonzero_only=True)
                print(f"{M:7d}  {b:4d}  {name:12s}  {c.width:5d}  {c.depth:5d}  {cells:10}  {mem:11d}  "
                      f"{cert.certified_error:15.6g}  {em:6.1f}  {em_nz:8.1f}  {float(c.promised_error) * mem:10.1f}  "
                      f"{time.perf_counter() - t:5.1f}")
                if name == "payload" and M == max(args.budgets):
                    last[b] = em
    if len(last) >= 2:
        print(f"payload eps*M ratio largest/smallest across b={sorted(last)} at M={max(args.budgets)}: "
              f"{max(last.values()) / min(last.values()):.3f}")
    else:
        print("payload eps*M ratio: n/a (fewer than two bit widths fit)")


if __name__ == "__main__":
    main()
