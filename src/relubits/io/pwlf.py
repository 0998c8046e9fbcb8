"""Continuous piecewise-linear fits as exact networks: ``pwlf`` models and breakpoint lists.

A fitted degree-1 ``pwlf.PiecewiseLinFit`` model computes

    y(x) = beta_0 + beta_1 (x - b_0) + sum_{i=1}^{n-1} beta_{i+1} relu(x - b_i)

(``b_0 < ... < b_n`` its ``fit_breaks``; pwlf writes the hinge as ``(x - b_i) * (x > b_i)``,
which is ``relu(x - b_i)``).  :func:`from_pwlf` writes exactly this formula as a depth-2
network -- ``x - b_0 = relu(x - b_0) - relu(b_0 - x)`` -- with the model's float64 parameters
taken exactly, so the network equals pwlf's formula on the whole real line, not only on the
fitted interval (pwlf's own ``predict`` differs from it by float64 rounding only).

Requires the ``pwlf`` extra only for type checks on the model; ``from_breakpoints`` needs nothing.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from relubits.network import Network

__all__ = ["from_pwlf", "from_breakpoints"]


def from_pwlf(model: Any) -> Network:
    """Exact network of a fitted degree-1 ``pwlf.PiecewiseLinFit`` model.

    Parameters
    ----------
    model : pwlf.PiecewiseLinFit
        Fitted (``fit``, ``fitfast`` or ``fit_with_breaks``) with ``degree=1``.

    Returns
    -------
    Network
        Depth 2, width ``n_segments + 1``; ``meta["source"] == "pwlf"``.

    Raises
    ------
    ValueError
        Unfitted model, degree other than 1, mixed degrees, non-finite parameters.
    TypeError
        Not a pwlf model.

    Examples
    --------
    >>> import numpy as np, pwlf  # doctest: +SKIP
    >>> m = pwlf.PiecewiseLinFit(np.linspace(0, 1, 50), np.abs(np.linspace(0, 1, 50) - 0.5))  # doctest: +SKIP
    >>> _ = m.fit_with_breaks([0, 0.5, 1])  # doctest: +SKIP
    >>> from_pwlf(m).widths  # doctest: +SKIP
    (1, 3, 1)
    """
    if not all(hasattr(model, a) for a in ("degree", "predict")):
        raise TypeError(f"model must be a pwlf.PiecewiseLinFit, got {type(model).__name__}")
    if getattr(model, "mixed_degree", False):
        raise ValueError("mixed-degree pwlf fits are not supported; fit with degree=1")
    if model.degree != 1:
        raise ValueError(f"only degree-1 (continuous piecewise-linear) pwlf fits are ReLU networks, got degree={model.degree}")
    breaks = getattr(model, "fit_breaks", None)
    beta = getattr(model, "beta", None)
    if breaks is None or beta is None:
        raise ValueError("the pwlf model is not fitted yet (call fit, fitfast or fit_with_breaks first)")
    b = np.asarray(breaks, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    n_seg = len(b) - 1
    if n_seg < 1 or beta.shape != (n_seg + 1,):
        raise ValueError(f"pwlf model has {len(b)} breaks and {beta.shape} coefficients; expected n+1 and n+1")
    if not (np.all(np.isfinite(b)) and np.all(np.isfinite(beta))):
        raise ValueError("pwlf model parameters must be finite")
    # hidden: relu(x - b0), relu(b0 - x), relu(x - b_i) for i = 1..n-1
    A1 = [[1.0], [-1.0]] + [[1.0] for _ in range(1, n_seg)]
    c1 = [-b[0], b[0]] + [-b[i] for i in range(1, n_seg)]
    A2 = [[beta[1], -beta[1]] + [beta[i + 1] for i in range(1, n_seg)]]
    c2 = [beta[0]]
    return Network.from_layers([(A1, c1), (A2, c2)],
                               meta={"source": "pwlf", "fit_breaks": [float(v) for v in b]})


def from_breakpoints(breakpoints: Sequence[Any], values: Sequence[Any], form: str = "shallow",
                     width: int | None = None) -> Network:
    """Network equal to the continuous PWL interpolant of ``(breakpoints, values)`` on ``[t_0, t_n]``.

    A thin alias of :func:`relubits.from_pwl` (same parameters, exact rationals accepted),
    kept here so that every way into relubits lives in :mod:`relubits.io`.
    """
    from relubits.pieces import from_pwl

    return from_pwl(breakpoints, values, form=form, width=width)
