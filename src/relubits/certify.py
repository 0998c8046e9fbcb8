"""Certified sup-norm error of a scalar network against a Lipschitz target.

:func:`certify` brackets ``E = sup_{x in [a, b]} |f(x) - net(x)|`` between a lower
bound, attained at an explicit point, and a rigorous upper bound.

Method ("pieces+lipschitz")
---------------------------
1. The network's exact linear pieces on ``[a, b]`` (:func:`relubits.pieces`).
2. On a piece with slope ``s``, ``g = f - net`` is Lipschitz with constant
   ``K = L_f + |s|``.  Between two points ``u < v`` where ``g`` is known up to
   ``e_u, e_v``, ``sup_[u,v] |g| <= (|g(u) + g(v)| + e_u + e_v + K (v - u)) / 2``
   (the two cones of slope ``K`` from the endpoints meet at that height).
3. Each interval whose bound exceeds ``(1 + rtol) * lower + atol`` is split in four
   and re-evaluated, all intervals at once (vectorised), until the bounds agree or
   ``max_evals`` evaluations of ``f`` are spent (the certificate then says
   ``converged=False``; its bounds are still rigorous).

What is assumed about ``f``
---------------------------
``f`` is called on float64 arrays.  Its computed value at a float ``x`` is assumed
to be within ``f_error + f_rel_error * |f(x)|`` of the true value (defaults: 0 and
``2**-50``, i.e. eight units in the last place -- right for a short NumPy formula;
pass larger values for long computations).  Breakpoints that are not floats are
rounded to the nearest float before calling ``f``; the resulting change of ``f``
(at most ``L_f`` times the rounding) is added to the error.  Network values are
exact rationals rounded once; all float arithmetic of the bound itself is covered by
a final relative inflation of ``2**-40``.  With ``f_exact=True``, ``f`` is instead
called on :class:`~fractions.Fraction` points and must return exact rationals
(slow, per point; for rational targets such as PWL interpolants).

A target that violates its stated Lipschitz constant between two evaluated points
is reported as a ``ValueError`` (the certificate would otherwise be false).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from relubits.exact import as_fraction
from relubits.network import Network
from relubits.pieces import Pieces, _to_float, parse_domain, pieces

__all__ = ["Certificate", "certify"]

_U = 2.0**-53
_TINY = 2.0**-1074
_INFLATE = 1.0 + 2.0**-40


@dataclass(frozen=True)
class Certificate:
    """A certified bracket of ``sup |f - net|`` over a domain.

    Attributes
    ----------
    certified_error : float
        Rigorous upper bound on the sup-norm error.
    lower_bound : float
        ``|f(argmax) - net(argmax)| >= lower_bound`` (rigorous).
    argmax : float
        The point where the lower bound is attained (exactly representable as a float
        or a breakpoint rounded to float; see ``argmax_exact``).
    argmax_exact : str
        That point as an exact fraction ``"p/q"``.
    n_pieces : int
        Linear pieces of the network on the domain.
    method : str
        ``"pieces+lipschitz"`` (float target) or ``"pieces+exact"`` (rational target).
    converged : bool
        Whether ``certified_error <= (1 + rtol) * lower_bound + atol`` was reached.
    n_evaluations : int
        Calls of ``f`` at single points.
    domain : tuple of float
    lipschitz : float
        The target's Lipschitz constant that was assumed.
    rtol, atol : float
        Requested agreement between the bounds.
    """

    certified_error: float
    lower_bound: float
    argmax: float
    argmax_exact: str
    n_pieces: int
    method: str
    converged: bool
    n_evaluations: int
    domain: tuple
    lipschitz: float
    rtol: float
    atol: float

    def to_dict(self) -> dict:
        """JSON-ready dict (the CLI's ``certify --json`` keys)."""
        d = asdict(self)
        d["domain"] = list(self.domain)
        return d


def _call_f(f: Callable, x: np.ndarray) -> np.ndarray:
    try:
        y = np.asarray(f(x), dtype=np.float64)
    except (TypeError, ValueError):
        y = None
    if y is None or y.shape != x.shape:
        if y is not None and y.shape == ():
            y = np.full(x.shape, float(y))
        else:
            y = np.array([float(f(float(v))) for v in x], dtype=np.float64)
    if not np.all(np.isfinite(y)):
        bad = int(np.argmax(~np.isfinite(y)))
        raise ValueError(f"target f is not finite at x = {x[bad]!r} (f(x) = {y[bad]})")
    return y


def certify(net: Network, f: Callable, lipschitz: Any, domain: Any = (0, 1), rtol: float = 0.01,
            atol: float = 1e-12, f_error: float = 0.0, f_rel_error: float = 2.0**-50,
            max_evals: int = 2_000_000, f_exact: bool = False, curvature: Any = None,
            pieces_: Pieces | None = None) -> Certificate:
    """Certified sup-norm error of a scalar network against a Lipschitz target.

    Parameters
    ----------
    net : Network
        Scalar input and output.
    f : callable
        Target; called on float64 arrays (or on single Fractions with ``f_exact=True``).
    lipschitz : float or rational
        A Lipschitz constant of ``f`` on ``domain`` (>= 0).
    domain : (a, b)
        Rational interval, ``a < b``.
    rtol : float
        Stop when ``certified_error <= (1 + rtol) * lower_bound + atol`` (default 1%).
    atol : float
        Absolute slack (needed when the error is 0).
    f_error, f_rel_error : float
        Assumed accuracy of each computed value of ``f`` (see module docs).
    max_evals : int
        Budget of evaluations of ``f``.
    f_exact : bool
        ``f`` takes and returns exact rationals.
    curvature : float, optional
        A bound on ``|f''|`` where it exists (f with Lipschitz derivative).  Since the
        network is affine on each piece, ``|g''| <= curvature`` there and the bound
        ``max(|g(u)|, |g(v)|) + curvature (v - u)**2 / 8`` is used as well (quadratic
        convergence instead of linear).
    pieces_ : Pieces, optional
        Reuse a precomputed :func:`relubits.pieces` result for the same network and domain.

    Returns
    -------
    Certificate

    Raises
    ------
    ValueError
        Bad domain or tolerances, a non-finite target value, or a target that violates
        the stated Lipschitz constant.

    Examples
    --------
    >>> from relubits import from_pwl
    >>> net = from_pwl([0, 0.5, 1], [0, 0.25, 1])           # interpolant of x**2, h = 1/2
    >>> c = certify(net, lambda x: x**2, lipschitz=2, curvature=2)
    >>> c.certified_error >= 0.0625 >= c.lower_bound > 0.0624   # exact error h**2/4
    True
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a relubits Network, got {type(net).__name__}")
    if not callable(f):
        raise TypeError("f must be callable")
    a, b = parse_domain(domain)
    Lf = as_fraction(lipschitz, "lipschitz")
    if not 0 <= Lf < 2**1000:
        raise ValueError(f"lipschitz must be in [0, 2**1000), got {float(Lf) if Lf < 2**1000 else 'a larger number'}")
    for nm, v in (("rtol", rtol), ("atol", atol), ("f_error", f_error), ("f_rel_error", f_rel_error)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise ValueError(f"{nm} must be a finite number >= 0, got {v!r}")
    if isinstance(max_evals, bool) or not isinstance(max_evals, int) or max_evals < 1:
        raise ValueError(f"max_evals must be an integer >= 1, got {max_evals!r}")
    C2 = None
    if curvature is not None:
        C2f = as_fraction(curvature, "curvature")
        if not 0 <= C2f < 2**1000:
            raise ValueError(f"curvature must be in [0, 2**1000), got {curvature}")
        C2 = float(C2f) * (1 + 4 * _U)
    P = pieces_ if pieces_ is not None else pieces(net, (a, b))
    Lf_up = float(Lf) * (1 + 4 * _U)
    S = P.slopes_float()
    icpt = P.intercepts_float()
    S_abs, I_abs = np.abs(S), np.abs(icpt)

    def target(xs: np.ndarray) -> np.ndarray:
        if f_exact:
            return np.array([float(Fraction(f(Fraction(float(v))))) for v in xs], dtype=np.float64)
        return _call_f(f, xs)

    # ---- the exact breakpoints ------------------------------------------------------------------
    x = P.breakpoints_float()
    nv_num, nv_den = P.value_numerators()
    nv = _to_float(nv_num, nv_den)
    if f_exact:
        gex = [Fraction(f(t)) - Fraction(int(n), int(d)) for t, n, d in zip(P.breakpoints, nv_num, nv_den)]
        g = np.array([float(v) for v in gex])
        fv = g + nv
        e = np.abs(g) * 2 * _U + _TINY
        pos_err = np.zeros_like(x)
    else:
        fv = target(x)
        g = fv - nv
        pos_err = np.abs(x) * _U + _TINY  # |x - t| for a breakpoint t rounded to float
        # f error + Lf * |x - t| + rounding of the network value and of the subtraction
        e = f_error + f_rel_error * np.abs(fv) + Lf_up * pos_err + (np.abs(nv) + np.abs(g)) * _U
    n_evals = len(x)
    method = "pieces+exact" if f_exact else "pieces+lipschitz"
    if C2 is not None:
        method += "+curvature"

    lb_vals = np.abs(g) - e
    i_best = int(np.argmax(lb_vals))
    lower = max(float(lb_vals[i_best]), 0.0)
    arg_exact = Fraction(int(P.bp_num[i_best]), int(P.bp_den[i_best]))

    iv = _Intervals(x[:-1], x[1:], g[:-1], g[1:], fv[:-1], fv[1:], e[:-1], e[1:], pos_err[:-1], pos_err[1:],
                    np.arange(len(x) - 1), Lf_up + S_abs * (1 + 2 * _U))
    _check_lipschitz(iv, Lf_up, float(Lf))
    U = iv.upper(C2)
    final_u = 0.0
    converged = False
    while True:
        threshold = lower * (1 + rtol) + atol
        if max(float(U.max()) if U.size else 0.0, final_u) <= threshold:
            converged = True
            break
        splittable = (U > threshold) & (iv.xb - iv.xa > 64 * np.abs(iv.xb) * _U + 64 * _TINY)
        if not np.any(splittable):
            break
        # number of parts: enough for the cone bound to reach the threshold if the max stays put
        M = np.maximum(np.abs(iv.ga), np.abs(iv.gb))[splittable]
        room = np.maximum(threshold - M, threshold * rtol / (2 * (1 + rtol)) + _TINY)
        hs = (iv.xb - iv.xa)[splittable]
        parts = np.ceil(iv.K[splittable] * hs / (2 * room))
        if C2 is not None:
            parts = np.minimum(parts, np.ceil(hs * np.sqrt(C2 / (8 * room))))
        parts = np.clip(np.nan_to_num(parts, nan=4.0, posinf=256.0), 2, 256).astype(np.int64)
        if lower <= atol:  # no error seen yet: probe coarsely before trusting the threshold
            parts = np.minimum(parts, 4)
        budget = max_evals - n_evals
        if budget < int(np.count_nonzero(splittable)):
            break
        if int((parts - 1).sum()) > budget:
            parts = np.maximum(2, (parts * (budget / (parts - 1).sum())).astype(np.int64))
            if int((parts - 1).sum()) > budget:
                break
        final_u = max(final_u, float(U[~splittable].max()) if np.any(~splittable) else 0.0)
        sub = iv.take(splittable)
        # new points: u + (v - u) * k / parts, k = 1 .. parts - 1 (floats, hence exact points)
        rep = np.repeat(np.arange(len(parts)), parts - 1)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(parts - 1) - (parts - 1), parts - 1) + 1
        xm = sub.xa[rep] + (sub.xb - sub.xa)[rep] * (k / parts[rep])
        fm = target(xm)
        n_evals += len(xm)
        pid = sub.piece[rep]
        netm = S[pid] * xm + icpt[pid]
        gm = fm - netm
        em = f_error + f_rel_error * np.abs(fm) + (S_abs[pid] * np.abs(xm) + I_abs[pid]) * 4 * _U + _TINY + np.abs(gm) * _U
        lbm = np.abs(gm) - em
        j = int(np.argmax(lbm))
        if lbm[j] > lower:
            lower = float(lbm[j])
            arg_exact = Fraction(float(xm[j]))
        iv = sub.refine(parts, rep, xm, gm, fm, em)
        _check_lipschitz(iv, Lf_up, float(Lf))
        U = iv.upper(C2)
    upper = max(float(U.max()) if U.size else 0.0, final_u, lower) * _INFLATE
    return Certificate(
        certified_error=upper, lower_bound=lower, argmax=float(arg_exact), argmax_exact=str(arg_exact),
        n_pieces=P.n_pieces, method=method, converged=converged, n_evaluations=n_evals,
        domain=(float(a), float(b)), lipschitz=float(Lf), rtol=float(rtol), atol=float(atol),
    )


@dataclass
class _Intervals:
    """Parallel arrays describing the current intervals of the refinement."""

    xa: np.ndarray
    xb: np.ndarray
    ga: np.ndarray
    gb: np.ndarray
    fa: np.ndarray
    fb: np.ndarray
    ea: np.ndarray
    eb: np.ndarray
    da: np.ndarray
    db: np.ndarray
    piece: np.ndarray
    K: np.ndarray

    def h_up(self) -> np.ndarray:
        return (self.xb - self.xa) * (1 + 2 * _U) + self.da + self.db

    def upper(self, C2: float | None) -> np.ndarray:
        h = self.h_up()
        cone = (np.abs(self.ga + self.gb) + self.ea + self.eb + self.K * h) * 0.5
        if C2 is not None:
            quad = np.maximum(np.abs(self.ga) + self.ea, np.abs(self.gb) + self.eb) + C2 * h * h / 8
            cone = np.minimum(cone, quad)
        return cone * (1 + 8 * _U)

    def take(self, mask: np.ndarray) -> "_Intervals":
        return _Intervals(*(getattr(self, n)[mask] for n in self.__dataclass_fields__))

    def refine(self, parts, rep, xm, gm, fm, em) -> "_Intervals":
        """Replace each interval by its ``parts`` sub-intervals (new interior points given flat)."""
        n = len(parts)
        starts = np.cumsum(parts) - parts  # position of each interval's first sub-interval
        total = int(parts.sum())
        owner = np.repeat(np.arange(n), parts)
        # point arrays per interval: [a, interior..., b] laid out flat with parts + 1 points each
        def lay(end_a, interior, end_b):
            out = np.empty(total + n, dtype=np.float64)
            base = starts + np.arange(n)
            out[base] = end_a
            out[base + parts] = end_b
            pos = np.repeat(base, parts - 1) + (np.arange(len(rep)) - np.repeat(np.cumsum(parts - 1) - (parts - 1), parts - 1)) + 1
            out[pos] = interior
            return out
        X = lay(self.xa, xm, self.xb)
        G = lay(self.ga, gm, self.gb)
        F = lay(self.fa, fm, self.fb)
        E = lay(self.ea, em, self.eb)
        Dp = lay(self.da, np.zeros_like(xm), self.db)
        left = np.arange(total) + owner  # index of each sub-interval's left point in the flat layout
        return _Intervals(X[left], X[left + 1], G[left], G[left + 1], F[left], F[left + 1], E[left], E[left + 1],
                          Dp[left], Dp[left + 1], self.piece[owner], self.K[owner])


def _check_lipschitz(iv: _Intervals, Lf_up: float, Lf: float) -> None:
    """Raise if |f(v) - f(u)| exceeds L_f |v - u| by more than the evaluation errors allow."""
    h = iv.h_up()
    slack = iv.ea + iv.eb + (np.abs(iv.fa) + np.abs(iv.fb) + np.abs(iv.ga) + np.abs(iv.gb)) * 8 * _U
    viol = np.abs(iv.fb - iv.fa) > Lf_up * h + slack
    if np.any(viol):
        i = int(np.argmax(viol))
        ratio = abs(iv.fb[i] - iv.fa[i]) / max(iv.xb[i] - iv.xa[i], _TINY)
        raise ValueError(
            f"target f is not {Lf:g}-Lipschitz: |f({float(iv.xb[i])!r}) - f({float(iv.xa[i])!r})| / |dx| = {ratio:.6g}"
            f" > lipschitz = {Lf:g}"
        )
