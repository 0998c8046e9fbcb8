"""The shallow baseline: one hidden layer, every parameter on the same b-bit fixed-point grid.

A one-hidden-layer network ``d + sum_i v_i relu(a_i x + c_i)`` can only break at ``x = -c_i/a_i``; on
``Grid.fixed(b, s)`` these are the Farey fractions ``p/q`` with ``q <= 2**(b-1) - 1`` (independent of ``s``).
:func:`shallow_approximant` picks ``width - 1`` knots as uniform as that set allows (nearest Farey
fraction to ``k/n``, via :meth:`fractions.Fraction.limit_denominator`), realises the knot ``p/q`` as
``relu(m q 2**-s x - m p 2**-s)`` with the largest ``m`` allowed (finest slope resolution), chooses each
slope change ``v_i`` on the grid greedily so that the network's value at the next knot is as close to the
target as possible, and spends one neuron on a fine constant ``v relu(2**-s)`` (resolution ``2**-2s``).

Promise (proof: docs/constructions.md, section 4): with node errors ``e_i = net(t_i) - f(t_i)``
(computed exactly after construction) and knot gaps ``h_i``,

    eps <= max_i ( max(|e_i|, |e_{i+1}|) + C h_i / 2 ) + 2 C 2**-54.

Memory is ``(3 W + 1) b`` bits while the error cannot go below ``~2**-(b+1)`` (the Farey end gap), so
``eps * M`` grows with ``b`` and with ``W`` -- the shallow baseline is not memory-optimal.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

import numpy as np

from relubits.constructions.lipschitz import check_lipschitz
from relubits.constructions.promise import Construction
from relubits.exact import as_int
from relubits.grid import FixedGrid, Grid
from relubits.network import Network

__all__ = ["shallow_approximant", "farey_knots", "MAX_WIDTH"]

#: Largest width the shallow builder accepts (cost is linear in width; beyond this a request is a mistake).
MAX_WIDTH = 10**7


def farey_knots(n: int, Q: int) -> list[Fraction]:
    """Up to ``n`` distinct knots in ``[0, 1)``: 0 and the nearest fractions with denominator <= ``Q`` to ``k/n``.

    Examples
    --------
    >>> farey_knots(4, 3)
    [Fraction(0, 1), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3)]
    """
    n = as_int(n, "n", 1)
    Q = as_int(Q, "Q", 1)
    out = {Fraction(0)}
    for k in range(1, n):
        t = Fraction(k, n).limit_denominator(Q)
        if t < 1:
            out.add(t)
    return sorted(out)


def shallow_approximant(f: Callable[[np.ndarray], np.ndarray], lipschitz: Any, width: int, grid: Grid) -> Construction:
    """One-hidden-layer approximant of a Lipschitz target with every parameter on ``grid``.

    Parameters
    ----------
    f : callable
        Vectorised target ``f(x: ndarray) -> ndarray`` on [0, 1].
    lipschitz : number
        Lipschitz constant ``C > 0`` of ``f`` (enters the promise).
    width : int
        Hidden neurons, >= 2 (one is the fine-constant neuron).
    grid : FixedGrid
        ``Grid.fixed(b, s)`` with ``b >= 2`` and ``s >= 0``.

    Returns
    -------
    Construction
        depth 2, width ``<= width``; ``promised_error`` as in the module docstring.

    Raises
    ------
    ValueError
        ``width < 2``, a grid without positive codes, or a target value at 0 outside the grid's range.

    Examples
    --------
    >>> from relubits import Grid
    >>> c = shallow_approximant(lambda x: x * (1 - x), 1, 8, Grid.fixed(8, 5))
    >>> c.network.depth, c.network.width <= 8, bool(c.network.on_grid(Grid.fixed(8, 5)))
    (2, True, True)
    """
    if not callable(f):
        raise TypeError(f"f must be a callable f(x: ndarray) -> ndarray, got {type(f).__name__}")
    if not isinstance(grid, FixedGrid):
        raise TypeError(f"grid must be a fixed-point grid (Grid.fixed), got {type(grid).__name__}")
    width = as_int(width, "width", 2, MAX_WIDTH)
    C = check_lipschitz(lipschitz)
    s = grid.frac_bits
    if s < 0:
        raise ValueError(f"grid must have frac_bits >= 0, got {grid!r}")
    Q = grid.kmax
    if Q < 1:
        raise ValueError(f"grid must contain a positive value, got {grid!r}")
    step = grid.step
    knots = farey_knots(width - 1, Q)
    n = len(knots)
    ends = knots + [Fraction(1)]
    xs = np.array([float(t) for t in ends], dtype=np.float64)
    fv = np.asarray(f(xs), dtype=np.float64).reshape(-1)
    if fv.shape[0] != n + 1 or not np.all(np.isfinite(fv)):
        raise ValueError("f must map a float array to a finite array of the same shape")
    F = [Fraction(float(v)) for v in fv]

    # output bias d and fine constant v_c * 2**-s (resolution 2**-2s)
    if not grid.min <= F[0] <= grid.max + grid.max * step:
        raise ValueError(f"target value f(0) = {float(F[0]):.6g} is outside the range of {grid!r}")
    d = grid.round(min(max(F[0], grid.min), grid.max), mode="floor")
    vc = grid.round((F[0] - d) / step, mode="nearest-even", overflow="saturate")
    val0 = d + vc * step

    a, c, v = [], [], []
    val = val0
    S = Fraction(0)
    node_err = [val0 - F[0]]
    for i, t in enumerate(knots):
        p, q = t.numerator, t.denominator
        m = Q // q
        ai = m * q * step
        ci = -m * p * step
        h = ends[i + 1] - t
        want = (F[i + 1] - val) / h
        vi = grid.round((want - S) / ai, mode="nearest-even", overflow="saturate")
        S += vi * ai
        val = val + S * h
        node_err.append(val - F[i + 1])
        a.append(ai), c.append(ci), v.append(vi)
    A1 = [[ai] for ai in a] + [[Fraction(0)]]
    c1 = c + [step]
    A2 = [v + [vc]]
    net = Network.from_layers([(A1, c1), (A2, [d])], meta={"construction": "shallow", "knots": n})
    chk = net.on_grid(grid)
    if not chk:
        raise AssertionError(f"shallow construction left the grid: {chk.describe()}")
    bound = max(max(abs(node_err[i]), abs(node_err[i + 1])) + C * (ends[i + 1] - ends[i]) / 2 for i in range(n))
    promised = bound + 2 * C * Fraction(1, 2**54)
    gap = max(ends[i + 1] - ends[i] for i in range(n))
    return Construction(
        name="shallow",
        network=net,
        grid=grid,
        promised_error=promised,
        formula="max_i(max(|e_i|,|e_i+1|) + C h_i/2) + 2C 2^-54  (e_i = exact node errors, h_i = Farey knot gaps)",
        params={"knots": n, "max_gap": str(gap), "lipschitz": str(C)},
    )
