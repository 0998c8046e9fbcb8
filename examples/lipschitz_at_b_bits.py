"""Approximate a 1-Lipschitz function with every weight on a b-bit grid, and check the promise.

Run: python examples/lipschitz_at_b_bits.py
"""

import numpy as np

from relubits import certify
from relubits.constructions.lipschitz import chain_grid, lipschitz_approximant
from relubits.constructions.shallow import shallow_approximant


def f(x):
    return (np.abs(np.sin(23 * x)) / 23 + 0.3 * np.abs(x - 0.61)) / 1.3  # 1-Lipschitz


for bits in (3, 4, 8):
    grid = chain_grid(bits)  # Grid.fixed(b, b-3); b = 3: Grid.fixed(3, 1)
    deep = lipschitz_approximant(f, lipschitz=1, width=4, depth=400, grid=grid)
    assert deep.network.on_grid(grid)
    cert = certify(deep.network, f, 1)
    shallow = shallow_approximant(f, 1, width=deep.memory_bits // (3 * bits), grid=grid)
    cert_s = certify(shallow.network, f, 1)
    print(f"b={bits}: deep W={deep.width} L={deep.depth} M={deep.memory_bits} bits: certified {cert.certified_error:.3g} "
          f"<= promised {float(deep.promised_error):.3g}; eps*M = {cert.certified_error * deep.memory_bits:.1f}")
    print(f"      shallow W={shallow.width} M={shallow.memory_bits} bits: certified {cert_s.certified_error:.3g}; "
          f"eps*M = {cert_s.certified_error * shallow.memory_bits:.1f}")
    assert cert.certified_error <= float(deep.promised_error)
