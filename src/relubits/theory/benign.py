"""Numbers behind the benign-function lower bounds (Vardi, Reichman, Pitassi & Shamir, COLT 2021).

Pure functions of integers: Muroga's weight bound for threshold gates, the count of ones of IP_d,
an exhaustive check of Lindsey's lemma (every monochromatic rectangle of IP_d has at most 2^d
entries) for small d, and the arithmetic of the counting argument (Lemma 23).  Proofs and sources
are in docs/benign.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "muroga_weight_bound",
    "ip_ones_count",
    "ip_ones_formula",
    "LindseyReport",
    "lindsey_check",
    "lemma23_holds",
    "lemma23_smallest_d",
]


def _int(v, name, lo, hi=None):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {v!r}")
    v = int(v)
    if v < lo or (hi is not None and v > hi):
        raise ValueError(f"{name} must be in [{lo}, {hi if hi is not None else 'inf'}], got {v}")
    return v


def muroga_weight_bound(m: int) -> int:
    """``floor((m + 1)^((m + 1) / 2) / 2^m)``, computed exactly.

    Muroga, Toda & Takasu (1961): every threshold function of ``m`` Boolean variables has an integer
    realisation whose weights have absolute value at most this number (at least 1 is returned).

    Parameters
    ----------
    m : int >= 1, the fan-in

    Examples
    --------
    >>> [muroga_weight_bound(m) for m in range(1, 8)]
    [1, 1, 2, 3, 6, 14, 32]
    """
    m = _int(m, "m", 1, 4096)
    # floor(sqrt(x)) == isqrt(floor(x)) for x >= 0
    return max(1, math.isqrt((m + 1) ** (m + 1) // 4**m))


def ip_ones_formula(d: int) -> int:
    """``2^(2d-1) - 2^(d-1)``: the number of ``(x, y)`` with ``IP_d(x, y) = 1`` (docs/benign.md)."""
    d = _int(d, "d", 1)
    return 2 ** (2 * d - 1) - 2 ** (d - 1)


def _ip_matrix(d: int) -> np.ndarray:
    r = np.arange(2**d)
    pop = np.array([bin(v).count("1") for v in range(2**d)])
    return (pop[r[:, None] & r[None, :]] % 2).astype(np.int8)


def ip_ones_count(d: int) -> int:
    """Number of ones of IP_d counted exhaustively (d <= 12)."""
    d = _int(d, "d", 1, 12)
    return int(_ip_matrix(d).sum())


@dataclass(frozen=True)
class LindseyReport:
    """Largest monochromatic rectangles of the IP_d matrix, found exhaustively.

    Attributes
    ----------
    d : int
    max_one_rectangle, max_zero_rectangle : int
        Largest ``|S| * |T|`` with IP constant 1 (resp. 0) on ``S x T``.
    bound : int
        Lindsey's bound ``2^d``.
    holds : bool
        Both maxima are at most ``bound``.
    subsets_checked : int
    """

    d: int
    max_one_rectangle: int
    max_zero_rectangle: int
    bound: int
    holds: bool
    subsets_checked: int


def lindsey_check(d: int) -> LindseyReport:
    """Exhaustively find the largest monochromatic rectangles of IP_d (every row subset S, with T the
    largest compatible column set).

    Parameters
    ----------
    d : int in [1, 4] (2^(2^d) row subsets)

    Examples
    --------
    >>> r = lindsey_check(2)
    >>> r.max_one_rectangle, r.max_zero_rectangle, r.bound, r.holds
    (2, 4, 4, True)
    """
    d = _int(d, "d", 1, 4)
    M = _ip_matrix(d)
    n = 2**d
    # column masks: bit x of ones_col[y] set iff IP(x, y) = 1
    weights = (1 << np.arange(n, dtype=np.int64))
    ones_col = (M.T.astype(np.int64) * weights[None, :]).sum(1)
    zeros_col = ((1 - M.T).astype(np.int64) * weights[None, :]).sum(1)
    S = np.arange(1, 2**n, dtype=np.int64)
    size_S = np.zeros_like(S)
    for b in range(n):
        size_S += (S >> b) & 1
    best = []
    for col in (ones_col, zeros_col):
        T = ((S[:, None] & ~col[None, :]) == 0).sum(1)
        best.append(int((size_S * T).max()))
    return LindseyReport(d, best[0], best[1], n, max(best) <= n, int(S.size))


def lemma23_holds(d: int) -> bool:
    """Both explicit inequalities of the counting argument (spec 3.6) at ``d``:
    ``1 - 128/d >= 1/2`` and ``d^(log2 d) < 2^(d-1)`` (the latter via ``(log2 d)^2 < d - 1``)."""
    d = _int(d, "d", 2)
    return 2 * 128 <= d and math.log2(d) ** 2 < d - 1


def lemma23_smallest_d(limit: int = 10_000) -> int:
    """Smallest ``d`` from which :func:`lemma23_holds` holds for every larger ``d`` up to ``limit``."""
    limit = _int(limit, "limit", 3)
    last_fail = 1
    for d in range(2, limit + 1):
        if not lemma23_holds(d):
            last_fail = d
    return last_fail + 1
