"""Pick and certify the best b-bit approximant of a Lipschitz target within a width/depth budget.

:func:`approximate` builds every construction that fits the request -- the deep hinge chain
(:mod:`relubits.constructions.lipschitz`, width 2) and the shallow baseline
(:mod:`relubits.constructions.shallow`, depth 2) -- on the grid :func:`chain_grid` ``(bits)``, certifies
each with :func:`relubits.certify`, and returns the one with the smallest certified error together with
the proved lower bound for the requested class (:func:`regime_summary`).

What each number is: ``certified_error`` is a rigorous upper bound measured by :func:`relubits.certify`;
``promised_error`` is proved (docs/constructions.md); ``lower_bound``/``regime`` are proved bounds of the
theory module for the requested (W, L, grid).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from relubits.constructions.lipschitz import chain_grid, check_lipschitz, lipschitz_approximant
from relubits.constructions.promise import Construction
from relubits.constructions.shallow import shallow_approximant
from relubits.exact import as_fraction, as_int

__all__ = ["approximate", "Approximation", "regime_summary", "certify_construction", "regime_upper"]


def regime_summary(W: int, L: int, grid) -> dict:
    """Which proved lower bound binds for ``(W, L, grid)``, cheaply enough for deep networks.

    Uses :func:`relubits.theory.precision.precision_bound` (under), the counting bound
    ``1/(P * bits + 1)`` of :mod:`relubits.theory.entropy` without the symmetry refinement (proper;
    Theorem M of docs/theory.md, ``P = n_params(W, L)``) and
    :func:`relubits.theory.vc.grid_free_bound` (over).  The largest one is the lower bound; ties go to
    the earlier regime.

    Returns
    -------
    dict
        ``regime``, ``lower_bound`` (float), ``lower_bound_exact`` (str), ``binding``, and the three bounds.
    """
    from relubits.theory.architecture import n_params
    from relubits.theory.precision import precision_bound
    from relubits.theory.vc import grid_free_bound

    pb = precision_bound(W, L, grid)
    eps_mem = Fraction(1, n_params(W, L) * grid.bits_per_param + 1)
    gf = grid_free_bound(W, L)
    cands = [("under", pb.eps, pb.source), ("proper", eps_mem, "memory"), ("over", gf.eps, gf.source)]
    name, best, ingr = cands[0]
    for n2, v, i2 in cands[1:]:
        if v > best:
            name, best, ingr = n2, v, i2
    return {"regime": name, "lower_bound": float(best), "lower_bound_exact": str(best) if best.denominator < 10**60 else None,
            "binding": ingr, "bound_under": float(pb.eps), "bound_proper": float(eps_mem), "bound_over": float(gf.eps)}


def certify_construction(c: Construction, f: Callable, lipschitz: Any, rtol: float = 0.05):
    """Certify ``c.network`` against ``f`` and check the promise.

    Returns
    -------
    Certificate
        From :func:`relubits.certify`.

    Raises
    ------
    AssertionError
        If the certified *lower* bound exceeds the promise (the construction broke its theorem).
    """
    from relubits.certify import certify

    cert = certify(c.network, f, lipschitz, rtol=rtol)
    if c.promised_error is not None and cert.lower_bound > float(c.promised_error) * (1 + 1e-12):
        raise AssertionError(f"{c.name}: measured error {cert.lower_bound} exceeds the promise {float(c.promised_error)}")
    return cert


@dataclass(frozen=True, eq=False)
class Approximation:
    """Result of :func:`approximate`: the chosen construction, its certificate, and the rejected ones."""

    construction: Construction
    certificate: Any
    candidates: tuple
    regime: dict

    def to_dict(self) -> dict:
        """The keys of ``relubits approximate --json``."""
        c, cert = self.construction, self.certificate
        out = {
            "certified_error": cert.certified_error,
            "width": c.width,
            "depth": c.depth,
            "n_params": c.n_params,
            "memory_bits": c.memory_bits,
            "bits": c.grid.bits_per_param,
            "regime": self.regime["regime"],
            "lower_bound": self.regime["lower_bound"],
            "on_grid": bool(c.network.on_grid(c.grid)),
            "construction": c.name + (f" ({c.params['encoder']} encoder)" if "encoder" in c.params else ""),
            "grid": repr(c.grid),
            "promised_error": None if c.promised_error is None else float(c.promised_error),
            "promise_formula": c.formula,
            "within_promise": None if c.promised_error is None else bool(cert.certified_error <= float(c.promised_error)
                                                                         or cert.lower_bound <= float(c.promised_error)),
            "eps_times_memory": cert.certified_error * c.memory_bits,
            "lower_bound_binding": self.regime["binding"],
            "candidates": [{"construction": cc.name, "encoder": cc.params.get("encoder"), "width": cc.width, "depth": cc.depth,
                            "memory_bits": cc.memory_bits, "certified_error": ce.certified_error}
                           for cc, ce in self.candidates],
            "kind": "certified_error: measured rigorous upper bound (relubits.certify); promised_error: proved "
                    "(docs/constructions.md); lower_bound/regime: proved bounds for the requested (width, depth, grid) "
                    "(docs/theory.md)",
        }
        return out


def approximate(f: Callable[[np.ndarray], np.ndarray], lipschitz: Any, bits: int, width: int, depth: int,
                rtol: float = 0.05, construction: str = "auto") -> Approximation:
    """Best certified approximant of ``f`` with ``bits``-bit parameters, width <= ``width``, depth <= ``depth``.

    Parameters
    ----------
    f : callable
        Vectorised target on [0, 1].
    lipschitz : number
        Lipschitz constant ``C > 0``; a violation is detected by certification (ValueError).
    bits : int
        Bits per parameter, >= 3; the grid is :func:`chain_grid` ``(bits)``.
    width : int
        Width budget, >= 2.
    depth : int
        Depth budget (affine maps), >= 2 (>= 3 for the deep construction).
    rtol : float
        Relative tolerance of the certificate.
    construction : {"auto", "overquant"}
        ``"auto"`` (default): the best of the hinge chain and the shallow baseline on
        :func:`chain_grid` ``(bits)``.  ``"overquant"``: only the over-quantization network
        (:func:`relubits.constructions.overquant.overquant_approximant`, docs/constructions.md section 9) on
        its own ``bits``-bit fixed-point grid; then ``bits`` may be 8..100000, ``width >= 12``,
        ``depth >= 9``, and ``regime`` is computed for that grid.

    Returns
    -------
    Approximation

    Raises
    ------
    ValueError
        Bad budget (naming the argument and accepted range) or a target that violates ``lipschitz``.

    Examples
    --------
    >>> a = approximate(lambda x: np.abs(x - 0.5), 1, 6, 4, 40)
    >>> a.construction.name, a.certificate.certified_error <= float(a.construction.promised_error)
    ('hinge-chain', True)
    """
    if construction not in ("auto", "overquant"):
        raise ValueError(f"construction must be 'auto' or 'overquant', got {construction!r}")
    if construction == "overquant":
        from relubits.constructions.overquant import overquant_approximant

        bits = as_int(bits, "bits", 8, 100_000)
        C = as_fraction(lipschitz, "lipschitz")
        c = overquant_approximant(f, C, width, depth, bits=bits)
        cert = certify_construction(c, f, C, rtol=rtol)
        return Approximation(construction=c, certificate=cert, candidates=((c, cert),),
                             regime=regime_summary(width, depth, c.grid))
    bits = as_int(bits, "bits", 3, 64)
    width = as_int(width, "width", 2, 10**6)
    depth = as_int(depth, "depth", 2, 10**6)
    C = check_lipschitz(lipschitz)
    grid = chain_grid(bits)
    cands = []
    if depth >= 3:
        for enc in ("greedy", "midpoint"):
            cands.append(lipschitz_approximant(f, C, width, depth, grid, encoder=enc))
    cands.append(shallow_approximant(f, C, width, grid))
    certified = [(c, certify_construction(c, f, C, rtol=rtol)) for c in cands]
    best = min(certified, key=lambda t: t[1].certified_error)
    return Approximation(construction=best[0], certificate=best[1], candidates=tuple(certified),
                         regime=regime_summary(width, depth, grid))


def _zigzag(knots: int, seed: int) -> Callable[[np.ndarray], np.ndarray]:
    """A random 1-Lipschitz zigzag: slopes +-1 on ``knots`` equal cells of [0, 1] (a hard target)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, knots + 1)
    v = np.concatenate([[0.0], np.cumsum(rng.choice([-1.0, 1.0], knots) / knots)])
    return lambda x: np.interp(x, t, v)


def regime_upper(W: int, L: int, b: int) -> dict:
    """Construction columns for ``relubits regimes --upper auto`` (measured, certified).

    Builds the deep hinge chain (:func:`lipschitz_approximant`) of width ``<= W`` and depth
    ``L`` on ``chain_grid(b)`` = ``Grid.fixed(b, b - 3)`` for two 1-Lipschitz targets: a random
    +-1-slope zigzag at the finest resolution the chain can hold (its knot count), and
    ``sin(2 pi x) / (2 pi)``.  Returns the promised bound (proved, docs/constructions.md) and
    the two certified errors (:func:`relubits.certify`).  For ``b < 3`` or ``L < 3`` the chain
    does not exist and the columns are ``None``.

    Note that the chain's grid is ``fixed(b, b-3)``; the lower-bound columns use the grid family
    of the ``regimes`` command (``--offset 3`` makes them the same family).

    Examples
    --------
    >>> row = regime_upper(4, 6, 8)
    >>> row["certified_zigzag"] <= row["upper_promised"]
    True
    """
    from relubits.certify import certify
    from relubits.constructions.lipschitz import chain_plan

    W = as_int(W, "W", 1)
    L = as_int(L, "L", 1)
    b = as_int(b, "b", 1)
    empty = {"upper_promised": None, "certified_zigzag": None, "certified_smooth": None}
    if b < 3 or L < 3 or W < 2:
        return empty
    grid = chain_grid(b)
    try:
        plan = chain_plan(1, L, grid, W)
    except ValueError:
        return empty
    # twice the chain's knot count plus one: cells misaligned with the knots (harder than aligned ones)
    zig = _zigzag(2 * max(1, int(plan.J)) + 1, seed=1000003 * W + 1009 * L + b)
    smooth = lambda x: np.sin(2 * np.pi * x) / (2 * np.pi)  # noqa: E731
    out = {}
    for name, f in (("zigzag", zig), ("smooth", smooth)):
        c = lipschitz_approximant(f, 1, W, L, grid)
        out.setdefault("upper_promised", float(c.promised_error))
        out[f"certified_{name}"] = certify(c.network, f, 1, rtol=0.05).certified_error
    return out
