"""Depth-precision conversion: the same function with 8-, 4-, 3- and 2-bit weights.

A random 32-bit network becomes deeper networks on low-precision fixed-point grids; each one is
checked to compute exactly the same function (linear pieces compared exactly), and the script
prints depth and memory before and after (measured), then the table of memory ratios behind
docs/depth_precision.md.

Run:  python examples/depth_precision.py
"""

import random
from fractions import Fraction

import numpy as np

from relubits import Grid, Network, pieces
from relubits.transforms.depth_precision import choose_frac_bits, representability, to_precision


def random_net(rng, widths, B, S):
    layers = []
    for a, b in zip(widths, widths[1:]):
        A = np.array([[rng.randint(-2**(B - 1), 2**(B - 1) - 1) for _ in range(a)] for _ in range(b)], dtype=object)
        c = np.array([rng.randint(-2**(B - 1), 2**(B - 1) - 1) for _ in range(b)], dtype=object)
        layers.append((A, c, 2**S))
    return Network.from_integer_layers(layers)


rng = random.Random(2026)

# 1. an integer network with 32-bit weights, converted to 8, 4, 3 and 2 bits
net = random_net(rng, [1, 6, 6, 1], 32, 0)
print(f"source: {net}, 32-bit integer weights")
for b in (8, 4, 3, 2):
    new, rep = to_precision(net, Grid.fixed(b, 0))
    print(f"  b={b}: depth {rep.depth_before} -> {rep.depth_after}, width {rep.width_before} -> {rep.width_after}, "
          f"memory {rep.memory_bits_before} -> {rep.memory_bits_after} bits (x{rep.memory_ratio:.2f}), "
          f"equivalent={rep.equivalent} by {rep.method}")

# 2. a fixed-point network Q8.8 (16 bits, 8 fractional) to 8 bits; frac_bits chosen for least memory
net = random_net(rng, [1, 8, 8, 1], 16, 8)
grid = choose_frac_bits(net, 8)
new, rep = to_precision(net, grid)
x = Fraction(-7, 3)
print(f"Q8.8 network -> {grid!r}: depth {rep.depth_before} -> {rep.depth_after} (proved lower bound "
      f"{rep.depth_lower_bound}), memory x{rep.memory_ratio:.2f}; "
      f"f({x}) = {net.exact([x])[0]} both ways: {net.exact([x]) == new.exact([x])}")
P, Q = pieces(net, (-4, 4)), pieces(new, (-4, 4))
print(f"  pieces on [-4, 4]: {P.n_pieces} and {Q.n_pieces}, identical: {P.breakpoints == Q.breakpoints and P.values == Q.values}")

# 3. an impossible request: the integer grid cannot produce f(0) = 1/2 at any depth
half = Network.from_layers([([[1]], [Fraction(1, 2)])])
try:
    to_precision(half, Grid.fixed(8, 0))
except ValueError as exc:
    print("integer grid refused:", str(exc)[:150], "...")

# 4. measured memory ratio (after / before) for hidden width 16, depth 4, by source format and b
print("\nmemory ratio (nonzero params x bits, after / before), width 16, depth 4, frac_bits chosen by choose_frac_bits:")
print(f"{'source':>14} " + " ".join(f"{'b=' + str(b):>12}" for b in (2, 3, 4, 8)))
for B, S in ((32, 0), (16, 0), (32, 31), (16, 15), (32, 16), (16, 8)):
    net = random_net(rng, [1, 16, 16, 16, 1], B, S)
    cells = []
    for b in (2, 3, 4, 8):
        try:
            g = choose_frac_bits(net, b)
            _new, rep = to_precision(net, g, verify=False)
            cells.append(f"{rep.memory_ratio:5.2f} (s={g.frac_bits},L'={rep.depth_after})")
        except ValueError:
            r = representability(net, Grid.fixed(b, 0))
            cells.append("s=0 impossible" if r.proved_impossible else "refused")
    print(f"{'B=%d S=%d' % (B, S):>14} " + " ".join(f"{c:>12}" for c in cells))
