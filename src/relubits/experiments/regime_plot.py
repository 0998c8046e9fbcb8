"""Regime map figure: the three proved lower bounds against the bit width ``b``.

Reads rows of :func:`relubits.theory.regimes.regime_rows` (plus optional
construction columns) and draws ``log2`` of each bound with the under / proper /
over regions shaded and the boundaries ``b1``, ``b2`` marked.  ``log2`` values are
computed exactly from the bounds (they stay readable far below float's range).
matplotlib is imported lazily with the Agg backend.
"""

from __future__ import annotations

import math
import os
from typing import Sequence

__all__ = ["plot_regime_map"]

_COLORS = {"under": "#f4c7c3", "proper": "#c8e6c9", "over": "#c5cae9"}


def _log2(v) -> float:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return math.nan
    return math.log2(v) if v > 0 else math.nan


def plot_regime_map(rows: Sequence[dict], path: str, W: int, L: int, b1: int | None, b2: int | None,
                    title: str | None = None, log2_columns: dict | None = None,
                    family_label: str = "fixed(b, b-1)") -> str:
    """Write the regime figure to ``path`` (PNG/PDF/SVG by extension) and return the path.

    Parameters
    ----------
    rows : list of dict
        Rows with ``bits``, ``lb_precision``, ``lb_memory``, ``lb_vc``, ``regime`` and
        optionally ``log2_*`` columns; any other numeric column whose name starts with
        ``upper`` or ``certified`` is drawn as an upper curve.
    path : str
        Output file; its directory must exist.
    W, L : int
        For the title.
    b1, b2 : int or None
        Boundaries to mark.
    title : str, optional
    log2_columns : dict, optional
        ``{column: list of exact log2 values}`` overriding the float columns (for values
        below float range).
    family_label : str
        Grid family, for the axis label.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        Empty rows or a missing output directory.
    """
    if not rows:
        raise ValueError("rows must not be empty")
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        raise ValueError(f"--out: directory {d!r} does not exist")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bits = [r["bits"] for r in rows]
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    lo, hi = bits[0] - 0.5, bits[-1] + 0.5
    # shaded regions from the per-row regime
    for r in rows:
        ax.axvspan(r["bits"] - 0.5, r["bits"] + 0.5, color=_COLORS[r["regime"]], alpha=0.6, lw=0)
    series = [("lb_precision", "precision (lattice / end gap)", "C3"),
              ("lb_memory", "memory (entropy)", "C2"),
              ("lb_vc", "grid-free (VC / pieces)", "C0")]
    log2_columns = log2_columns or {}
    for key, label, color in series:
        ys = log2_columns.get(key) or [_log2(r.get(key)) for r in rows]
        ax.plot(bits, ys, marker="o", ms=3, color=color, label=label)
    ax.plot(bits, [r.get("log2_lower_bound", _log2(r.get("lower_bound"))) for r in rows], color="k", lw=2.2,
            alpha=0.35, label="max = proved lower bound")
    extra = [k for k in rows[0] if (k.startswith("upper") or k.startswith("certified"))
             and any(isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool) for r in rows)]
    for i, k in enumerate(extra):
        ax.plot(bits, [_log2(r.get(k)) for r in rows], ls="--", marker="x", ms=4, color=f"C{4 + i}", label=k)
    for b, name in ((b1, "b1"), (b2, "b2")):
        if b is not None and lo <= b - 0.5 <= hi:
            ax.axvline(b - 0.5, color="k", ls=":", lw=1)
            ax.text(b - 0.5, 1.01, f"{name}={b}", transform=ax.get_xaxis_transform(), ha="center", fontsize=8)
    ax.set_xlim(lo, hi)
    # keep the interesting part readable: the precision curve may fall off the bottom
    keep = [r.get("log2_lower_bound", _log2(r.get("lower_bound"))) for r in rows]
    keep += [_log2(r.get("lb_vc")) for r in rows] + [_log2(r.get("lb_memory")) for r in rows]
    keep = [v for v in keep if not math.isnan(v)]
    if keep:
        top, bottom = max(keep), min(keep)
        ax.set_ylim(bottom - max(6.0, 1.5 * (top - bottom)), top + 2)
    ax.set_xlabel(f"bits per parameter b  (grid {family_label})")
    ax.set_ylabel("log2 of error bound")
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    handles += [Patch(color=_COLORS[k], alpha=0.6) for k in ("under", "proper", "over")]
    labels += ["under-quantised", "properly quantised", "over-quantised"]
    ax.legend(handles, labels, fontsize=7, loc="lower left")
    ax.set_title(title or f"Proved lower bounds on the minimax error, W={W}, L={L}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
