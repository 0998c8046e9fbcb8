"""Over-quantization approximant (Theorem O) vs the refined payload (section 8) at the same width and depth.

For each (W, L): the over-quantization network (relubits.constructions.overquant, bits = the fewest its plan
needs, about L log2 W) and the best refined-payload network at 8, 16 or 32 bits (payload_grid(b)) of the same width and
depth, both certified by relubits.certify on the demo
target (MEASURED: certified_error is a rigorous upper bound).  Columns: bits, fine cells, certified error,
error * W^2 L^2 log2 W, and the ratio payload error / overquant error (the gain of reading log2 W digits per
layer from ~L log2 W-bit weights at equal (W, L)).
Last line: largest / smallest error * W^2 L^2 log2 W over the sizes (bounded = the unquantized rate).
Run: python benchmarks/bench_overquant.py [--sizes 16x16 24x20 32x16 32x32]
"""

import argparse
import math
import time

from relubits import certify
from relubits.constructions.overquant import overquant_approximant
from relubits.constructions.payload import payload_approximant, payload_grid
from relubits.experiments.memory import demo_target


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="+", default=["16x16", "24x20", "32x16", "32x32"])
    args = ap.parse_args()
    f = demo_target()
    print("W   L   oq_bits  oq_cells  oq_error    oq_err*W2L2log2W  pay_b pay_cells  pay_error       ratio  secs")
    prods = []
    for s in args.sizes:
        W, L = (int(v) for v in s.lower().split("x"))
        t = time.time()
        c = overquant_approximant(f, 1, W, L)
        e = certify(c.network, f, 1, rtol=0.01).certified_error
        best = None  # the refined payload at 8, 16 or 32 bits, whichever fits and certifies best
        for b in (8, 16, 32):
            try:
                p = payload_approximant(f, 1, W, L, payload_grid(b))
            except ValueError:
                continue
            ep = certify(p.network, f, 1, rtol=0.01).certified_error
            if best is None or ep < best[1]:
                best = (p, ep, b)
        prod = e * W * W * L * L * math.log2(W)
        prods.append(prod)
        pay = "n/a (no payload plan fits)" if best is None else (
            f"{best[2]:<5} {best[0].params['fine_cells']:<10} {best[1]:<15.4g} {best[1] / e:<6.1f}")
        print(f"{W:<3} {L:<3} {c.grid.bits:<8} {c.params['fine_cells']:<9} {e:<11.4g} {prod:<17.1f} {pay} "
              f"{time.time() - t:.1f}", flush=True)
    print(f"largest / smallest error*W^2L^2log2W: {max(prods) / min(prods):.2f} (max {max(prods):.0f})")


if __name__ == "__main__":
    main()
