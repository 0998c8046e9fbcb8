"""The user's target as the constructions see it: float values at nodes, and the +-1 lattice path.

Every deep construction samples the target ``f`` at a grid of nodes in float64 (the certificate
accounts for the float evaluation, see docs/certify.md) and the payload-style ones encode it as a
lattice path with unit steps.  Both live here so that their validation is written once.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable, Sequence

import numpy as np

__all__ = ["target_values", "greedy_path"]


def target_values(f: Callable[[np.ndarray], np.ndarray], xs: np.ndarray) -> np.ndarray:
    """``f(xs)`` as a float64 vector, checked for shape and finiteness.

    Parameters
    ----------
    f : callable
        Vectorised target: maps a float64 array of shape ``(n,)`` to ``n`` values.
    xs : ndarray of float64, shape (n,)
        Nodes in ``[0, 1]``.

    Returns
    -------
    ndarray of float64, shape (n,)

    Raises
    ------
    ValueError
        If ``f`` returns another number of values, or NaN / inf.

    Examples
    --------
    >>> target_values(lambda x: 2 * x, np.array([0.0, 0.5])).tolist()
    [0.0, 1.0]
    """
    fv = np.asarray(f(xs), dtype=np.float64).reshape(-1)
    if fv.shape[0] != xs.shape[0]:
        raise ValueError(f"f must map an array of shape ({xs.shape[0]},) to one of the same shape, got {fv.shape}")
    if not np.all(np.isfinite(fv)):
        raise ValueError("f must be finite on [0, 1]; it returned NaN or inf")
    return fv


def greedy_path(F: Sequence[Fraction]) -> tuple[list[int], list[int]]:
    """Integer path ``G`` with steps ``+-1`` and ``|G_m - F_m| <= 1`` at every node.

    ``G_0 = floor(F_0 + 1/2)`` and ``G_{m+1} = G_m + 1`` iff ``F_{m+1} >= G_m``.  If ``F`` moves by at
    most 1 per node (a 1-Lipschitz target in units of the step), the bound holds by induction
    (docs/constructions.md, section 8, encoder).

    Returns
    -------
    G : list of int
        The path, ``len(F)`` values.
    sig : list of int
        Its steps, ``len(F) - 1`` values in ``{-1, +1}``.

    Examples
    --------
    >>> greedy_path([Fraction(0), Fraction(1, 2), Fraction(3, 2), Fraction(1)])
    ([0, 1, 2, 1], [1, 1, -1])
    """
    G = [math.floor(F[0] + Fraction(1, 2))]
    sig = []
    for m in range(len(F) - 1):
        st = 1 if F[m + 1] >= G[-1] else -1
        sig.append(st)
        G.append(G[-1] + st)
    return G, sig
