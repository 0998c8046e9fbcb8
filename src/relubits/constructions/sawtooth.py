"""Triangle (tent) maps and their compositions with every weight on a given small grid.

The tent ``T(y) = 2 relu(y) - 4 relu(y - 1/2)`` maps [0, 1] onto [0, 1]; ``T^k`` is the sawtooth with
``2**(k-1)`` teeth and ``2**k`` linear pieces (Telgarsky).  :func:`sawtooth` builds ``T^k`` on any fixed
grid containing ``1/2`` and ``-1/2`` (i.e. ``frac_bits >= 1``) and some positive and negative power of two:
the constants 2 and -4 are never required as weights -- when they are not on the grid they are produced
by *fan-out*: ``2 relu(y) = sum of 2/w copies of w relu(y)`` with ``w`` the largest power of two <= 2 on the
grid (likewise ``-4``).  The result is exact on [0, 1] (promised error 0 against ``T^k``).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from relubits.constructions.promise import Construction
from relubits.exact import as_int
from relubits.grid import FixedGrid, Grid
from relubits.network import Network

__all__ = ["sawtooth", "tent_power"]


def tent_power(x: Fraction, k: int) -> Fraction:
    """Reference value ``T^k(x)`` for ``x in [0, 1]`` (exact)."""
    y = Fraction(x)
    for _ in range(k):
        y = 2 * y if y <= Fraction(1, 2) else 2 - 2 * y
    return y


def _largest_pow2(grid: FixedGrid, limit: Fraction, sign: int) -> Fraction | None:
    w = Fraction(limit)
    while w >= grid.step:
        if sign * w in grid:
            return w
        w /= 2
    return None


def sawtooth(k: int, grid: Grid) -> Construction:
    """The sawtooth ``T^k`` on [0, 1] as a network with every parameter on ``grid``.

    Parameters
    ----------
    k : int
        Number of tent compositions, 1 <= k <= 4096.
    grid : FixedGrid
        ``frac_bits >= 1`` (so ``±1/2`` are on it) and containing 1.

    Returns
    -------
    Construction
        depth ``k + 1``; width ``2/w_+ + 4/w_-`` (6 when 2 and -4 are on the grid); ``promised_error = 0``.

    Raises
    ------
    ValueError
        A grid without ``±1/2`` or 1.

    Examples
    --------
    >>> c = sawtooth(3, Grid.fixed(4, 1))
    >>> [c.network.exact([Fraction(j, 8)])[0] for j in range(5)]
    [Fraction(0, 1), Fraction(1, 1), Fraction(0, 1), Fraction(1, 1), Fraction(0, 1)]
    """
    k = as_int(k, "k", 1, 4096)
    if not isinstance(grid, FixedGrid):
        raise TypeError(f"grid must be a fixed-point grid (Grid.fixed), got {type(grid).__name__}")
    for v in (Fraction(1, 2), Fraction(-1, 2), Fraction(1)):
        if v not in grid:
            raise ValueError(f"grid must contain {v} (tent breakpoint and unit input weight), got {grid!r}")
    wp = _largest_pow2(grid, Fraction(2), 1)
    wn = _largest_pow2(grid, Fraction(4), -1)
    if wp is None or wn is None:
        raise ValueError(f"grid must contain a positive and a negative power of two, got {grid!r}")
    n_p = int(Fraction(2) / wp)
    n_n = int(Fraction(4) / wn)
    n = n_p + n_n
    den = 2 ** max(grid.frac_bits, 1)

    def q(v: Fraction) -> int:
        r = v * den
        assert r.denominator == 1
        return int(r)

    out_row = [q(wp)] * n_p + [q(-wn)] * n_n  # T(y) = sum of these times the hidden units
    bias = [0] * n_p + [q(Fraction(-1, 2))] * n_n
    layers = [(np.array([[q(Fraction(1))]] * n, dtype=object), np.array(bias, dtype=object), den)]
    for _ in range(k - 1):
        A = np.array([out_row for _ in range(n)], dtype=object)
        layers.append((A, np.array(bias, dtype=object), den))
    layers.append((np.array([out_row], dtype=object), np.array([0], dtype=object), den))
    net = Network.from_integer_layers(layers, meta={"construction": "sawtooth", "k": k})
    chk = net.on_grid(grid)
    if not chk:
        raise AssertionError(chk.describe())
    return Construction(name="sawtooth", network=net, grid=grid, promised_error=Fraction(0),
                        formula="exact: network = T^k on [0, 1]", params={"k": k, "fan_out": [n_p, n_n]})
