"""Measured sizes of the quantized constructions against the Ding et al. bounds (sweeps and figure).

Everything here is *measured* (counted on the exact networks) next to the bound formulas
of :mod:`relubits.theory.ding_bounds` (constants 1); the ratio measured/bound is printed so
one can see it stays bounded as ``eps`` shrinks.  Reproduce: ``relubits ding-sweep --out FIG.png``.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor


from relubits.constructions import ding as D
from relubits.theory import ding_bounds as B

__all__ = ["EPS_DEFAULT", "LEVELS_DEFAULT", "BITS_DEFAULT", "square_rows", "approximant_row", "approximant_rows",
           "memory_vs_width", "plot_sweep", "DEFAULT_TARGET"]

EPS_DEFAULT = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6)
LEVELS_DEFAULT = (2, 3, 4, 8)
BITS_DEFAULT = (2, 4, 8, 16)
#: The sweep's target: in the unit ball of W^(2,inf)([0,1]) (|f|, |f'|, |f''| <= 0.4).
DEFAULT_TARGET = "0.1*sin(2*x)"


def _model_kw(model: str, lam: int) -> dict:
    return {"levels": lam} if model == "levels" else {"bits": lam}


def square_rows(eps_list=EPS_DEFAULT, levels=LEVELS_DEFAULT, bits=BITS_DEFAULT, sharing=("paper", "shared")) -> list[dict]:
    """Square nets (the per-multiplication unit): measured weights vs the [R] per-multiplication factor.

    The factor is the bound with the volume ``(1/eps)^(d/n)`` removed: ``lam L^(1+1/(lam-1))``
    (levels) or ``L + L^2/lam`` (bits), ``L = log2(1/eps)``.
    """
    rows = []
    for sh in sharing:
        for model, lams in (("levels", levels), ("bits", bits)):
            for lam in lams:
                for eps in eps_list:
                    m = B.square_stages(eps)
                    r = D.square_net(m, sharing=sh, **_model_kw(model, lam))
                    bound = r.bound_weights
                    rows.append({"unit": "square", "sharing": sh, "model": model, "lam": lam, "eps": eps, "m": m,
                                 "n_weights": r.n_weights, "memory_bits": r.memory_bits, "depth": r.depth,
                                 "bound_weights": bound, "ratio": r.n_weights / bound})
    return rows


def approximant_row(args) -> dict:
    """One measured approximant (picklable for process pools): ``(target, d, n, eps, model, lam, sharing)``."""
    from relubits.expr import parse_expr

    text, d, n, eps, model, lam, sharing = args
    f = parse_expr(text, dim=d)
    A = D.approximant(f, d=d, n=n, eps=eps, sharing=sharing, **_model_kw(model, lam))
    if model == "levels":
        bw = B.nonlinear_weights_bound(eps, d, n, lam)
        bm = B.nonlinear_memory_bound(eps, d, n, lam)
    else:
        bw = B.linear_weights_bound(eps, d, n, lam)
        bm = B.linear_memory_bound(eps, d, n, lam)
    W = A.n_weights
    return {"unit": "approximant", "sharing": sharing, "model": model, "lam": lam, "eps": eps, "d": d, "n": n,
            "N": A.N, "blocks": A.n_blocks, "n_weights": W, "memory_bits": A.memory_bits, "depth": A.depth,
            "promised_error": A.promised_error, "bound_weights": bw, "bound_memory": bm,
            "ratio": W / bw, "ratio_memory": A.memory_bits / bm}


def approximant_rows(target: str = DEFAULT_TARGET, d: int = 1, n: int = 2, eps_list=EPS_DEFAULT, levels=LEVELS_DEFAULT,
                     bits=BITS_DEFAULT, sharing: str = "shared", workers: int = 1) -> list[dict]:
    """Measured weights and memory of the full approximant for every (model, lam, eps)."""
    jobs = [(target, d, n, eps, model, lam, sharing)
            for model, lams in (("levels", levels), ("bits", bits)) for lam in lams for eps in eps_list]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            return list(ex.map(approximant_row, jobs))
    return [approximant_row(j) for j in jobs]


def memory_vs_width(target: str = DEFAULT_TARGET, d: int = 1, n: int = 2, eps: float = 1e-4,
                    lam_max: int = 16, sharing: str = "paper", workers: int = 1) -> dict:
    """Measured memory against the number of levels (2..lam_max) and bit width; measured and bound optima."""
    rows_l = approximant_rows(target, d, n, (eps,), levels=tuple(range(2, lam_max + 1)), bits=(), sharing=sharing,
                              workers=workers)
    rows_b = approximant_rows(target, d, n, (eps,), levels=(), bits=tuple(range(2, lam_max + 1)), sharing=sharing,
                              workers=workers)
    best_l = min(rows_l, key=lambda r: (r["memory_bits"], r["lam"]))
    best_b = min(rows_b, key=lambda r: (r["memory_bits"], r["lam"]))
    pred = B.optimal_levels(eps, d, n, lam_max)
    return {"eps": eps, "levels_rows": rows_l, "bits_rows": rows_b,
            "measured_optimal_levels": best_l["lam"], "measured_optimal_bits": best_b["lam"],
            "bound_optimal_levels": pred.levels, "bound_optimal_bits_linear": B.optimal_bits_linear(eps, d, n, lam_max)}


def plot_sweep(rows: list[dict], width_curve: dict, out: str) -> None:
    """Three panels: weights vs 1/eps, memory vs 1/eps (measured and [R] bounds), memory vs bit width."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(17, 5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    keys = sorted({(r["model"], r["lam"]) for r in rows})
    for i, (model, lam) in enumerate(keys):
        rs = sorted((r for r in rows if r["model"] == model and r["lam"] == lam), key=lambda r: -r["eps"])
        x = [1 / r["eps"] for r in rs]
        col = colors[i % len(colors)]
        lab = f"{lam} levels" if model == "levels" else f"{lam}-bit"
        ls = "-" if model == "levels" else "--"
        axes[0].loglog(x, [r["n_weights"] for r in rs], ls, marker="o", color=col, label=f"{lab} measured")
        axes[0].loglog(x, [r["bound_weights"] for r in rs], ":", color=col, alpha=0.7)
        axes[1].loglog(x, [r["memory_bits"] for r in rs], ls, marker="o", color=col, label=f"{lab} measured")
        axes[1].loglog(x, [r["bound_memory"] for r in rs], ":", color=col, alpha=0.7)
    axes[0].set_title("weights vs 1/eps (dotted: [R] bound, constants 1)")
    axes[1].set_title("memory (bits) vs 1/eps (dotted: [R] bound)")
    for ax in axes[:2]:
        ax.set_xlabel("1/eps")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7)
    wl = width_curve["levels_rows"]
    wb = width_curve["bits_rows"]
    axes[2].plot([r["lam"] for r in wl], [r["memory_bits"] for r in wl], "o-", label="levels: measured memory")
    axes[2].plot([r["lam"] for r in wb], [r["memory_bits"] for r in wb], "s--", label="bits: measured memory")
    ax2 = axes[2].twinx()
    ax2.plot([r["lam"] for r in wl], [r["bound_memory"] for r in wl], ":", color="gray", label="levels: [R] bound")
    ax2.set_ylabel("[R] bound (constants 1)")
    axes[2].axvline(width_curve["measured_optimal_levels"], color=colors[0], alpha=0.5)
    axes[2].axvline(width_curve["bound_optimal_levels"], color="gray", ls=":", alpha=0.8)
    axes[2].set_title(f"memory vs lambda at eps={width_curve['eps']:g}: measured opt "
                      f"{width_curve['measured_optimal_levels']} levels / {width_curve['measured_optimal_bits']} bits, "
                      f"bound opt {width_curve['bound_optimal_levels']} levels", fontsize=8)
    axes[2].set_xlabel("lambda (levels or bits)")
    axes[2].set_ylabel("measured memory (bits)")
    axes[2].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
