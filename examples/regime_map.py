"""Which proved lower bound binds: precision (under), memory (proper) or VC/pieces (over)?

Run:  python examples/regime_map.py [FIGURE.png]
"""

import sys

from relubits.theory.regimes import boundaries, regime, regime_rows

# One configuration in detail: W = 8, L = 4, 6-bit weights in [-1, 1).
r = regime(8, 4, 6)
print(f"W=8 L=4 b=6: regime={r.regime} (binding: {r.binding}), lower bound {float(r.lower_bound):.3g}")
print(f"  precision {float(r.precision.eps):.3g}, memory {float(r.memory.eps):.3g}, grid-free {float(r.grid_free.eps):.3g}")
print(f"  family fixed(b, b-1): under for b < {r.boundaries.b1}, proper for b in [{r.boundaries.b1}, {r.boundaries.b2}), over after")

# Shallow nets have no proper window; deep ones do, and it widens with depth.
for W, L in [(32, 2), (8, 4), (8, 8)]:
    bd = boundaries(W, L)
    print(f"W={W:2d} L={L:2d}: b1={bd.b1}, b2={bd.b2}, proper window={bd.proper_window}")

if len(sys.argv) > 1:
    from relubits.experiments.regime_plot import plot_regime_map

    bd = boundaries(8, 4)
    print("figure:", plot_regime_map(regime_rows(8, 4, 24), sys.argv[1], 8, 4, bd.b1, bd.b2))
