"""The demo story: one Lipschitz target, several bit widths, deep vs shallow under one memory budget.

:func:`run_demo` approximates the built-in target :data:`relubits.experiments.memory.DEMO_TARGET`
(1-Lipschitz, kinks and oscillations at scale 1/23) with the deep hinge chain and the shallow baseline at
``b = 3, 4, 8, 16`` bits per parameter under the same memory budget, certifies every network and
classifies each ``(W, L, grid)`` by the proved lower bounds (regime).  Every number in a row is either
measured (``certified_error``: rigorous upper bound by :func:`relubits.certify`) or proved
(``promised_error``, ``lower_bound``).  It writes ``lipschitz_demo.png`` (certified error vs bits, log
scale) to ``out_dir`` when matplotlib is installed; :data:`FIGURE_NAME` is its file name.
"""

from __future__ import annotations

import os
from typing import Sequence

from relubits.exact import as_int

__all__ = ["run_demo", "FIGURE_NAME"]

#: File name of the figure :func:`run_demo` writes into ``out_dir``.
FIGURE_NAME = "lipschitz_demo.png"


def run_demo(out_dir: str | os.PathLike = ".", budget: int = 20_000, bits_list: Sequence[int] = (3, 4, 8, 16)) -> list[dict]:
    """Deep vs shallow at several bit widths under one memory budget (runs in a few seconds).

    Parameters
    ----------
    out_dir : path
        Existing directory for the figure.
    budget : int
        Memory budget in bits (default 20 000).
    bits_list : sequence of int
        Bit widths (each >= 3).

    Returns
    -------
    list of dict
        One row per (construction, bits): construction, bits, width, depth, memory_bits, certified_error,
        promised_error, eps_times_memory, promised_times_memory, regime, lower_bound.

    Raises
    ------
    ValueError
        ``out_dir`` is not a directory, or a bad budget / bit width.
    """
    from relubits.certify import certify
    from relubits.constructions.approximate import regime_summary
    from relubits.constructions.lipschitz import chain_grid
    from relubits.constructions.shallow import shallow_approximant
    from relubits.experiments.memory import deep_for_budget, demo_target

    out_dir = os.fspath(out_dir)
    if not os.path.isdir(out_dir):
        raise ValueError(f"out_dir {out_dir!r} is not an existing directory")
    budget = as_int(budget, "budget", 256)
    f = demo_target()
    rows = []
    for b in bits_list:
        b = as_int(b, "bits", 3, 64)
        grid = chain_grid(b)
        W = (budget // b - 1) // 3
        for name, c in (("deep", deep_for_budget(f, 1, b, budget, encoder="midpoint")),
                        ("shallow", shallow_approximant(f, 1, W, grid))):
            cert = certify(c.network, f, 1, rtol=0.05)
            reg = regime_summary(max(c.width, 1), c.depth, grid)
            rows.append({
                "construction": name, "bits": b, "width": c.width, "depth": c.depth, "memory_bits": c.memory_bits,
                "certified_error": cert.certified_error, "promised_error": float(c.promised_error),
                "eps_times_memory": cert.certified_error * c.memory_bits,
                "promised_times_memory": float(c.promised_error) * c.memory_bits,
                "regime": reg["regime"], "lower_bound": reg["lower_bound"],
            })
    _figure(rows, os.path.join(out_dir, FIGURE_NAME), budget)
    return rows


def _figure(rows: list[dict], path: str, budget: int) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - optional
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, marker in (("deep", "o"), ("shallow", "s")):
        rs = [r for r in rows if r["construction"] == name]
        ax.plot([r["bits"] for r in rs], [r["certified_error"] for r in rs], marker=marker, label=f"{name} (certified)")
    rs = [r for r in rows if r["construction"] == "deep"]
    ax.plot([r["bits"] for r in rs], [r["lower_bound"] for r in rs], "k:", label="proved lower bound (deep W, L)")
    ax.axhline(1.0 / budget, color="gray", lw=0.8, ls="--", label="entropy limit 1/M")
    ax.set_yscale("log")
    ax.set_xlabel("bits per parameter b")
    ax.set_ylabel("sup error on [0, 1]")
    ax.set_title(f"1-Lipschitz target, memory budget {budget} bits")
    ax.legend(fontsize=8)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)
