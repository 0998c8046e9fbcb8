"""The baseline story: interpolate, quantize, certify.

A built-in 1-Lipschitz target is interpolated on uniform grids of ``n`` pieces,
written as a one-hidden-layer network (hinges ``relu(x - t_k)``), every parameter is
rounded to a ``b``-bit fixed-point grid (naive post-training rounding), and the
certified sup error on [0, 1] is measured.  Each row is *measured* (the error is a
certified upper bound computed by :func:`relubits.certify`).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from relubits.certify import certify
from relubits.grid import Grid
from relubits.network import Network

__all__ = ["DEMO_TARGET", "demo_target", "interpolant_layers", "quantized_interpolant", "run_pwl_demo"]

#: The built-in target: 1-Lipschitz on [0, 1], |f''| <= 4 pi.
DEMO_TARGET = "(sin(2*pi*x) + sin(6*pi*x)/3)/(4*pi)"
DEMO_LIPSCHITZ = 1
DEMO_CURVATURE = 4 * math.pi


def demo_target(x: np.ndarray) -> np.ndarray:
    """The demo target ``(sin(2 pi x) + sin(6 pi x)/3) / (4 pi)``, 1-Lipschitz on [0, 1]."""
    return (np.sin(2 * np.pi * x) + np.sin(6 * np.pi * x) / 3) / (4 * np.pi)


def interpolant_layers(f, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Float layers of the one-hidden-layer interpolant of ``f`` at ``k / n``, k = 0..n."""
    t = np.arange(n + 1) / n
    v = f(t)
    s = np.diff(v) * n
    coef = np.concatenate([[s[0]], np.diff(s)])
    A1 = np.ones((n, 1))
    c1 = -t[:-1]
    return [(A1, c1), (coef.reshape(1, -1), np.array([v[0]]))]


def quantized_interpolant(f, n: int, bits: int) -> tuple[Network, Grid]:
    """Interpolant with every parameter rounded (nearest-even) to the best-scaled ``bits``-bit grid."""
    layers = interpolant_layers(f, n)
    big = max(float(np.max(np.abs(np.concatenate([A.ravel(), c.ravel()])))) for A, c in layers)
    int_bits = max(0, math.ceil(math.log2(big + 1e-300)) + 1) if big > 0 else 0
    frac = bits - 1 - int_bits
    grid = Grid.fixed(bits, frac)
    return Network.from_float(layers, grid, overflow="error", meta={"construction": "rounded interpolant", "pieces": n}), grid


def run_pwl_demo(pieces_list=(4, 16, 64), bits_list=(4, 8, 12, 16), progress=None) -> list[dict]:
    """Rows of (pieces, bits, memory, certified error) for the rounded interpolant of the demo target."""
    rows = []
    for n in pieces_list:
        for b in bits_list:
            net, grid = quantized_interpolant(demo_target, n, b)
            cert = certify(net, demo_target, DEMO_LIPSCHITZ, curvature=Fraction(DEMO_CURVATURE).limit_denominator(10**6) + Fraction(1, 10**5), rtol=0.02)
            mem = net.memory_bits(grid)
            rows.append({"construction": "shallow rounded", "pieces_target": n, "bits": b, "width": net.width,
                         "depth": net.depth, "memory_bits": mem, "certified_error": cert.certified_error,
                         "lower_bound": cert.lower_bound, "eps_times_memory": cert.certified_error * mem})
            if progress is not None:
                progress.write(f"  n={n:4d} b={b:3d}: error <= {cert.certified_error:.3g}\n")
    return rows
