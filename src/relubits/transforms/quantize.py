"""Naive post-training rounding: build with exact or float weights, then round every parameter to a grid.

This is the baseline a user would try first.  :func:`round_network` rounds an existing network's
parameters (each one independently, with a named rounding mode and overflow policy);
:func:`rounded_approximant` builds the float one-hidden-layer interpolant of a target at ``width``
uniform knots and rounds it with :meth:`Network.from_float`.  Nothing is promised: the certified error
after rounding is a measurement (on coarse grids the knots ``-j/W`` and slope changes collapse and the
error is often larger than the target's range).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from relubits.constructions.promise import Construction
from relubits.exact import as_int
from relubits.grid import Grid, _check_mode
from relubits.network import Network

__all__ = ["round_network", "rounded_approximant"]


def round_network(net: Network, grid: Grid, mode: str = "nearest-even", overflow: str = "error") -> Network:
    """Round every weight and bias of ``net`` to ``grid`` (exactly, one parameter at a time).

    Parameters
    ----------
    net : Network
    grid : Grid
    mode : str
        A rounding mode of :data:`relubits.grid.ROUNDING_MODES`.
    overflow : {"error", "saturate"}
        ``"error"`` (default) raises on a parameter outside the grid's range; ``"saturate"`` clips it
        to the range (explicitly requested, never silent).

    Returns
    -------
    Network
        A new network (``net`` is not modified) with every parameter on ``grid``.

    Raises
    ------
    ValueError
        A parameter outside the grid's range with ``overflow="error"``, or a bad mode.

    Examples
    --------
    >>> from relubits import Grid, Network
    >>> n = Network.from_layers([([[0.3]], [0.1])])
    >>> round_network(n, Grid.fixed(8, 4)).layers[0][0][0, 0]
    Fraction(5, 16)
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a relubits Network, got {type(net).__name__}")
    if not isinstance(grid, Grid):
        raise TypeError(f"grid must be a relubits Grid, got {type(grid).__name__}")
    _check_mode(mode, overflow)
    layers = []
    for i, (A, c) in enumerate(net.layers):
        layers.append((grid.round_array(A, mode=mode, overflow=overflow, name=f"layers[{i}].A"),
                       grid.round_array(c, mode=mode, overflow=overflow, name=f"layers[{i}].c")))
    meta = dict(net.meta)
    meta["rounded_to"] = repr(grid)
    return Network.from_layers(layers, meta=meta)


def rounded_approximant(f: Callable[[np.ndarray], np.ndarray], width: int, grid: Grid,
                        mode: str = "nearest-even", overflow: str = "saturate") -> Construction:
    """Float one-hidden-layer interpolant at knots ``j/width``, every parameter rounded to ``grid``.

    The float network is ``f(0) + sum_j v_j relu(x - j/W)`` with ``v_j`` the slope changes of the linear
    interpolant of ``f`` at ``j/W`` (``j = 0..W``); :meth:`Network.from_float` rounds it.  The default
    ``overflow="saturate"`` clips out-of-range parameters (this baseline is meant to show what naive
    rounding does; pass ``"error"`` to refuse instead).

    Returns
    -------
    Construction
        ``name="rounded"``, ``promised_error=None`` (nothing is proved).

    Examples
    --------
    >>> from relubits import Grid
    >>> c = rounded_approximant(lambda x: x / 2, 4, Grid.fixed(8, 5))
    >>> bool(c.network.on_grid(Grid.fixed(8, 5))), c.promised_error is None
    (True, True)
    """
    if not callable(f):
        raise TypeError(f"f must be a callable f(x: ndarray) -> ndarray, got {type(f).__name__}")
    W = as_int(width, "width", 1)
    xs = np.arange(W + 1, dtype=np.float64) / W
    fv = np.asarray(f(xs), dtype=np.float64).reshape(-1)
    if fv.shape[0] != W + 1 or not np.all(np.isfinite(fv)):
        raise ValueError("f must map a float array to a finite array of the same shape")
    slopes = np.diff(fv) * W
    v = np.concatenate([[slopes[0]], np.diff(slopes)])
    layers = [(np.ones((W, 1)), -xs[:W]), (v.reshape(1, W), np.array([fv[0]]))]
    net = Network.from_float(layers, grid, mode=mode, overflow=overflow, meta={"construction": "rounded"})
    return Construction(name="rounded", network=net, grid=grid, promised_error=None,
                        formula="none: naive rounding proves nothing (measured only)",
                        params={"knots": W, "mode": mode, "overflow": overflow})
