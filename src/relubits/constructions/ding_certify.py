"""Certified sup errors for the constructions of :mod:`relubits.constructions.ding`.

* d = 1: exact.  Each block of an approximant is analysed with exact 1-D pieces on its
  support; the sum is the continuous piecewise-linear function through the exact values
  at the union of all breakpoints (``from_pwl``), certified against the target with
  :func:`relubits.certify` (Lipschitz constant 1 and, for ``n >= 2``, curvature 1 -- both
  hold in the unit ball of ``W^(n,inf)``).
* d >= 2: a dyadic grid of spacing ``h``; the network is evaluated in float64 with the
  rigorous forward error bound ``Network.float_error_bound`` (equivalent to exact
  evaluation up to that bound), the target in float64 with relative error ``2^-50``;
  between grid points ``|e(x) - e(g)| <= sum_k (Lip_k f + Lip_k net) h / 2``, with the
  network's Lipschitz bound proved in docs/ding.md §6.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

__all__ = ["GridCertificate", "certify_grid", "certify_approximant_1d", "approximant_lipschitz",
           "product_lipschitz"]


@dataclass(frozen=True)
class GridCertificate:
    """Result of :func:`certify_grid`.

    Attributes
    ----------
    certified_error : float
        Rigorous upper bound on ``sup |f - net|`` over the box.
    lower_bound : float
        A rigorous lower bound (the largest grid error minus its float error).
    grid_max : float
        Largest ``|f - net|`` seen on the grid (float).
    h : float
        Grid spacing.
    lipschitz_slack : float
        ``sum_k (Lip_k f + Lip_k net) h / 2``.
    n_points : int
    method : str
    """

    certified_error: float
    lower_bound: float
    grid_max: float
    h: float
    lipschitz_slack: float
    n_points: int
    method: str = "grid+lipschitz"


def certify_grid(evaluate: Callable, f: Callable, box: list, lipschitz: float, h_exp: int,
                 chunk: int = 1 << 19) -> GridCertificate:
    """Grid + Lipschitz certificate of ``sup |f - g|`` on a box.

    Parameters
    ----------
    evaluate : callable
        ``X -> (values, float_error_bounds)`` for an (k, d) float array.
    f : callable
        Target on an (k, d) float array.
    box : list of (lo, hi)
        Dyadic box (each ``hi - lo`` a power of two times an integer).
    lipschitz : float
        ``sum_k (Lip_k f + Lip_k g)``, Lipschitz constants per coordinate (sup norm of partials).
    h_exp : int
        Grid spacing ``h = 2^-h_exp``; points ``lo + j h`` (exact in float64).
    """
    d = len(box)
    h = 2.0 ** -h_exp
    axes = []
    for lo, hi in box:
        k = int(round((hi - lo) / h))
        if abs(lo + k * h - hi) > 0:
            raise ValueError(f"box side [{lo}, {hi}] is not a multiple of h = 2^-{h_exp}")
        axes.append(lo + h * np.arange(k + 1))
    n_points = math.prod(len(a) for a in axes)
    if n_points > 2 ** 26:
        raise ValueError(f"grid of {n_points} points is too large (h_exp = {h_exp}, d = {d})")
    worst = 0.0
    worst_low = 0.0
    mesh_idx = np.arange(n_points)
    shape = [len(a) for a in axes]
    for start in range(0, n_points, chunk):
        idx = np.unravel_index(mesh_idx[start:start + chunk], shape)
        X = np.stack([axes[k][idx[k]] for k in range(d)], axis=1)
        v, ev = evaluate(X)
        fx = np.asarray(f(X), dtype=np.float64).reshape(-1)
        if not np.all(np.isfinite(fx)):
            raise ValueError("target is not finite on the grid")
        fe = np.abs(fx) * 2.0 ** -50 + 1e-300
        e = np.abs(fx - v)
        worst = max(worst, float(np.max(e + ev + fe)) * (1 + 2.0 ** -50))
        worst_low = max(worst_low, float(np.max(e - ev - fe)))
    slack = lipschitz * h / 2
    return GridCertificate(certified_error=(worst + slack) * (1 + 2.0 ** -50), lower_bound=max(worst_low, 0.0),
                           grid_max=worst, h=h, lipschitz_slack=slack, n_points=n_points)


def product_lipschitz(M: int, m: int) -> float:
    """Per-coordinate Lipschitz bound of the approximate product on ``[-M, M]^2``: ``M (1 + 2^-m)`` [C, docs §6]."""
    return M * (1.0 + 2.0 ** -m)


def approximant_lipschitz(A) -> float:
    """Per-coordinate Lipschitz bound of an :class:`~relubits.constructions.ding.Approximant` [C, docs §6].

    ``2^d T max|c~| r N (1 + delta + 2^(1-m))^(r-1)`` with ``T`` multi-indices, ``r = d + n - 1``
    factors, ``delta = (r-1) 2^-2m`` the chained product error.
    """
    T = len(A.templates)
    r = A.d + A.n - 1
    delta = max(r - 1, 0) * 4 * 2.0 ** (-2 * A.m_stages - 2)
    cmax = 1.0 + 2.0 ** -A.coef_bits
    return 2 ** A.d * T * cmax * r * A.N * (1 + delta + 2.0 ** (1 - A.m_stages)) ** max(r - 1, 0)


def certify_approximant_1d(A, f: Callable, curvature: float | None = None):
    """Exact certificate for a 1-D approximant: returns ``(Certificate, n_breakpoints)``.

    Every block is analysed with exact pieces on its support ``[(m-1)/N, (m+1)/N] & [0,1]``;
    the sum is rebuilt exactly as a PWL network and certified with :func:`relubits.certify`.
    """
    from relubits import certify, from_pwl, pieces

    if A.d != 1:
        raise ValueError("certify_approximant_1d needs d = 1")
    N = A.N
    bps = {Fraction(0), Fraction(1)}
    live = [k for k, code in A.codes.items() if code != 0]  # zero-coefficient blocks are identically 0
    P = {}
    for key in live:
        mm = key[0]
        lo = max(Fraction(mm[0] - 1, N), Fraction(0))
        hi = min(Fraction(mm[0] + 1, N), Fraction(1))
        pc = pieces(A.block(key), (lo, hi))
        P[key] = (pc.breakpoints, pc.values, pc.slopes)
        bps.update(pc.breakpoints)
    U = sorted(bps)
    vals = [Fraction(0)] * len(U)
    for key in live:
        b_bps, b_vals, b_sl = P[key]
        i0 = bisect.bisect_left(U, b_bps[0])
        i1 = bisect.bisect_right(U, b_bps[-1])
        j = 0
        for i in range(i0, i1):  # exact linear interpolation on the block's own pieces
            u = U[i]
            while j + 1 < len(b_sl) and b_bps[j + 1] <= u:
                j += 1
            vals[i] += b_vals[j] + b_sl[j] * (u - b_bps[j])
    g = from_pwl(U, vals, form="shallow")
    cert = certify(g, lambda x: np.asarray(f(np.asarray(x, dtype=np.float64).reshape(-1)), dtype=np.float64).reshape(-1),
                   lipschitz=1, domain=(0, 1), curvature=curvature)
    return cert, len(U)


def error_lipschitz(A) -> float:
    """Per-coordinate Lipschitz bound of the error ``f - f_hat`` of an approximant [C, docs/ding.md §6.1].

    ``|d_k (f - f_hat)| <= T1 + 2 N (Taylor + T 2^-(t+1) + T delta_fd) + 2^d T (1 + 2^-t) b_r`` with
    ``T1 = 1`` (n = 1) or ``d^(n-1)/(n-1)! N^-(n-1) + T 2^-(t+1) (n-1) N + T delta_fd N`` (n >= 2) and
    ``b_r`` the derivative bound of the chained product error (recursion in the docs).
    """
    d, n, N = A.d, A.n, A.N
    T = len(A.templates)
    t = A.coef_bits
    h = 2.0 ** -A.m_stages
    E = 2.0 ** (-2 * A.m_stages - 2)
    dfd = A.error_budget.get("derivatives", 0.0) / (2 * 2 ** d * T) if T else 0.0  # per-coefficient FD error
    crd = 2.0 ** -(t + 1)
    taylor = A.error_budget["taylor"]
    if n == 1:
        t1 = 1.0
    else:
        t1 = d ** (n - 1) / math.factorial(n - 1) / N ** (n - 1) + T * crd * (n - 1) * N + T * dfd * N
    t2 = 2 * N * (taylor + T * crd + T * dfd)
    r = d + n - 1
    a, b, delta = float(N), 0.0, 0.0
    for _ in range(2, r + 1):
        a_new = (1 + delta + 2 * h) * (a + N)
        b = 2 * h * a + b + 2 * h * N + delta * N
        a = a_new
        delta += 4 * E
    t3 = 2 ** d * T * (1 + 2.0 ** -t) * b
    return (t1 + t2 + t3) * (1 + 1e-12)
