"""Memory-optimality table: best certified error under a memory budget, deep vs shallow vs rounded.

For a budget ``M`` bits and each bit width ``b`` (grid :func:`relubits.constructions.lipschitz.chain_grid`):

* ``deep``: the hinge chain (width 2) with the largest depth whose dense memory ``n_params * b <= M``;
* ``shallow``: the one-hidden-layer baseline with ``W = floor((M/b - 1)/3)`` (``3W + 1`` parameters);
* ``rounded``: the float one-hidden-layer interpolant with the same ``W``, every parameter rounded;
* ``payload`` (opt-in): the refined-payload deep network (:func:`relubits.constructions.payload.payload_for_budget`,
  docs/constructions.md section 8) with the smallest promise in the budget, on its own grid
  ``payload_grid(b)``; needs ``b >= 7`` and budgets of about ``10**5`` bits and more.

Each row holds the certified error (rigorous upper bound from :func:`relubits.certify`, i.e. *measured*),
the memory actually used and ``eps_times_memory = certified_error * memory_bits``.  The entropy limit
(docs/theory.md, Theorem M) says no encoding reaches ``eps`` on every 1-Lipschitz target with fewer than
``1/eps - 1`` bits, so ``eps_times_memory >= ~1`` for every row on a hard target.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from relubits.constructions.lipschitz import chain_grid, check_lipschitz, lipschitz_approximant
from relubits.constructions.shallow import shallow_approximant
from relubits.exact import as_fraction, as_int
from relubits.transforms.quantize import rounded_approximant

__all__ = ["DEMO_TARGET", "demo_target", "deep_for_budget", "memory_rows"]

#: Built-in 1-Lipschitz target (the design notes' ``f_sin``): kinks and oscillation at scale 1/23.
DEMO_TARGET = "(abs(sin(23*x))/23 + 0.3*abs(x - 0.61))/1.3"


def demo_target() -> Callable[[np.ndarray], np.ndarray]:
    """The built-in target :data:`DEMO_TARGET` as a vectorised callable (Lipschitz constant 1)."""
    from relubits.expr import parse_expr

    return parse_expr(DEMO_TARGET)


def _chain_params(depth: int, C, grid, width: int = 4) -> int:
    from relubits.constructions.lipschitz import chain_plan

    p = chain_plan(C, depth, grid, width)
    n_amp, J, n_shr = len(p.factors), p.J, len(p.shrinks)
    if p.fanout:  # 4-wide amplification (8 + 20 per layer), first chain layer reads 4 channels (10)
        n = 8 + 20 * (n_amp - 1) + 10 + 6 * (J - 1)
    else:
        n = 4 + 6 * (n_amp - 1 + J)
    if n_shr:
        n += 3 + 2 * (n_shr - 1) + 2
    else:
        n += 3
    return n


def deep_for_budget(f: Callable, lipschitz: Any, bits: int, budget: int, width: int = 4, encoder: str = "greedy"):
    """The hinge chain with the most knots whose dense memory is at most ``budget`` bits.

    ``width`` (default 4) only matters on grids without the value 2 (``b = 3``), where width 4 lets the
    amplification double by fan-out; otherwise the chain has width 2.

    Raises
    ------
    ValueError
        If even the smallest chain (depth 3) exceeds the budget.
    """
    grid = chain_grid(bits)
    C = as_fraction(lipschitz, "lipschitz")
    b = grid.bits_per_param
    lo = None
    for d in range(3, 64):  # smallest depth with a feasible plan (b = 3 grids need a few amplification layers)
        try:
            n = _chain_params(d, C, grid, width)
        except ValueError:
            continue
        lo = d
        break
    if lo is None or n * b > budget:
        raise ValueError(f"budget = {budget} bits is below the smallest deep network at {bits} bits")
    hi = max(lo + 1, budget // (6 * b) + 64)
    while _chain_params(hi, C, grid, width) * b <= budget:
        hi *= 2
    while hi - lo > 1:  # largest depth whose plan fits (params are monotone in depth once feasible)
        mid = (lo + hi) // 2
        if _chain_params(mid, C, grid, width) * b <= budget:
            lo = mid
        else:
            hi = mid
    c = lipschitz_approximant(f, C, width, lo, grid, encoder=encoder)
    assert c.memory_bits <= budget
    return c


def memory_rows(budget: int, bits_list: Sequence[int] = (3, 4, 6, 8, 12, 16), f: Callable | None = None,
                lipschitz: Any = 1, constructions: Sequence[str] = ("deep", "shallow", "rounded"),
                rtol: float = 0.05) -> list[dict]:
    """Rows of the memory table for one budget.

    Parameters
    ----------
    budget : int
        Memory budget in bits, >= 64.
    bits_list : sequence of int
        Bit widths (each >= 3).
    f : callable, optional
        Target (default :func:`demo_target`), ``lipschitz``-Lipschitz.
    constructions : sequence of {"deep", "shallow", "rounded", "payload"}

    Returns
    -------
    list of dict
        Keys: construction, width, depth, bits, memory_bits, budget_bits, certified_error (measured),
        eps_times_memory, promised_error and promised_times_memory (proved, for every C-Lipschitz target),
        regime and lower_bound (proved minimax lower bound of the row's (W, L, grid) class) and
        lower_bound_times_memory (a worst-case floor on eps*M for that class).
    """
    from relubits.certify import certify
    from relubits.constructions.approximate import regime_summary

    budget = as_int(budget, "budget", 64, 10**8)
    f = f if f is not None else demo_target()
    C = check_lipschitz(lipschitz)
    for name in constructions:
        if name not in ("deep", "shallow", "rounded", "payload"):
            raise ValueError(f"constructions must be among deep, shallow, rounded, payload; got {name!r}")
    rows = []
    for b in bits_list:
        b = as_int(b, "bits", 3, 64)
        grid = chain_grid(b)
        W = (budget // b - 1) // 3
        for name in constructions:
            if name == "deep":  # both encoders (same network shape); keep the better certified one
                try:
                    pair = [deep_for_budget(f, C, b, budget, encoder=enc) for enc in ("greedy", "midpoint")]
                except ValueError:
                    continue
                certs = [certify(cc.network, f, C, rtol=rtol) for cc in pair]
                i = 0 if certs[0].certified_error <= certs[1].certified_error else 1
                c, cert = pair[i], certs[i]
            elif name == "payload":
                from relubits.constructions.payload import payload_for_budget

                if b < 7:
                    continue  # the payload grid needs two base-4 digits per weight plus 1.5, 4, 6
                try:
                    c = payload_for_budget(f, C, b, budget)
                except ValueError:
                    continue  # no payload network fits this budget
            elif W < 2:
                continue
            elif name == "shallow":
                c = shallow_approximant(f, C, W, grid)
            else:
                c = rounded_approximant(f, W, grid)
            if name != "deep":
                # the payload promise is nearly attained, so a looser tolerance would put the
                # certified upper bound above it; 1e-3 keeps certificate <= promise informative
                cert = certify(c.network, f, C, rtol=min(rtol, 1e-3) if name == "payload" else rtol)
            mem = c.memory_bits
            reg = regime_summary(max(c.width, 1), c.depth, c.grid if name == "payload" else grid)
            rows.append({
                "construction": name, "encoder": c.params.get("encoder"), "width": c.width, "depth": c.depth, "bits": b, "memory_bits": mem,
                "budget_bits": budget, "certified_error": cert.certified_error,
                "eps_times_memory": cert.certified_error * mem,
                "promised_error": None if c.promised_error is None else float(c.promised_error),
                "promised_times_memory": None if c.promised_error is None else float(c.promised_error) * mem,
                "regime": reg["regime"], "lower_bound": reg["lower_bound"],
                "lower_bound_times_memory": reg["lower_bound"] * mem,
            })
    return rows
