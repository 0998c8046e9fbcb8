"""``relubits regimes``: the three proved lower bounds and the regime for b = 1..B."""

from __future__ import annotations

import importlib
from typing import Callable

#: Where ``--upper auto`` looks for the construction columns ``FUNCTION(W, L, b) -> dict``.
DEFAULT_UPPER = "relubits.constructions.approximate:regime_upper"


def register(sub, common) -> None:
    p = sub.add_parser("regimes", parents=[common],
                       help="proved lower bounds (precision, memory, VC) and the quantisation regime per bit width")
    p.add_argument("--width", type=int, required=True, help="hidden width W >= 1")
    p.add_argument("--depth", type=int, required=True, help="number of affine maps L >= 2")
    p.add_argument("--bits-max", type=int, required=True, help="largest bit width B (rows b = 1..B), <= 4096")
    p.add_argument("--offset", type=int, default=1,
                   help="grid family fixed(bits=b, frac_bits=b-OFFSET): 1 -> values in [-1,1) (default), 3 -> [-4,4)")
    p.add_argument("--symmetric", action="store_true", help="symmetric fixed-point grids (no most-negative code)")
    p.add_argument("--out", default=None, help="write the regime figure (PNG) here")
    p.add_argument("--upper", default=None, metavar="MODULE:FUNCTION",
                   help="add construction columns from FUNCTION(W, L, b) -> dict (e.g. a promised bound and a "
                        f"certified error); 'auto' = {DEFAULT_UPPER}; omitted by default. Numeric columns named "
                        "upper* or certified* are drawn in the figure")
    from relubits.experiments.sweep import add_sweep_arguments

    add_sweep_arguments(p)
    p.set_defaults(handler=cmd_regimes)


def _resolve_upper(spec: str | None) -> Callable | None:
    if spec is None:
        return None
    if spec == "auto":
        spec = DEFAULT_UPPER
    if ":" not in spec:
        raise ValueError(f"--upper must look like MODULE:FUNCTION, got {spec!r}")
    mod, fn = spec.split(":", 1)
    try:
        f = getattr(importlib.import_module(mod), fn)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"--upper: cannot load {spec!r} ({exc})") from None
    if not callable(f):
        raise ValueError(f"--upper: {spec!r} is not callable")
    return f


def cmd_regimes(args) -> dict:
    from relubits.theory.architecture import n_params
    from relubits.theory.regimes import FixedFamily, boundaries, regime_rows
    from relubits.theory.vc import grid_free_bound

    if args.out:
        from relubits.files import check_figure_path

        check_figure_path(args.out)
    W, L, B = args.width, args.depth, args.bits_max
    if not 1 <= W <= 10**6:
        raise ValueError(f"--width must be an integer in [1, 1000000], got {W}")
    if not 2 <= L <= 10**5:
        raise ValueError(f"--depth must be an integer in [2, 100000] (number of affine maps), got {L}")
    if not -64 <= args.offset <= 64:
        raise ValueError(f"--offset must be an integer in [-64, 64], got {args.offset}")
    fam = FixedFamily(offset=args.offset, symmetric=args.symmetric)
    if not fam.b_min <= B <= 4096:
        raise ValueError(f"--bits-max must be in [{fam.b_min}, 4096], got {B}")
    upper = _resolve_upper(args.upper)
    from relubits.experiments.sweep import RegimeRowTask, executor_from_args, sweep

    executor = executor_from_args(args)
    if executor.get("executor", "inline") == "inline" and not executor.get("checkpoint"):
        rows = regime_rows(W, L, B, fam, upper=upper)
    else:
        rows = [{k: v for k, v in r.items() if k not in ("W", "L")}
                for r in sweep(RegimeRowTask(args.offset, args.symmetric, upper),
                               [(W, L, b) for b in range(fam.b_min, B + 1)], progress=not args.json, **executor)]
    bd = boundaries(W, L, fam, b_max=max(4096, B))
    gf = grid_free_bound(W, L)
    out = {
        "width": W,
        "depth": L,
        "n_params": n_params(W, L),
        "grid_family": fam.label,
        "b1": bd.b1,
        "b2": bd.b2,
        "proper_window": list(bd.proper_window) if bd.proper_window else None,
        "vc_upper": gf.vc_upper,
        "status": "proved lower bounds (docs/theory.md); VC constants cited from BHLM 2019 Thm 7",
        "rows": rows,
    }
    if args.out:
        from relubits.experiments.regime_plot import plot_regime_map

        from relubits.theory.precision import precision_bound
        from relubits.theory.regimes import log2_fraction

        log2_cols = None
        if any(r["lb_precision"] == 0.0 for r in rows):  # below float range: use exact log2
            log2_cols = {"lb_precision": [log2_fraction(precision_bound(W, L, fam.grid(r["bits"])).eps)
                                          for r in rows]}
        out["figure"] = plot_regime_map(rows, args.out, W, L, bd.b1, bd.b2, log2_columns=log2_cols,
                                        family_label=fam.label.replace("bits=b, frac_bits=", "b, "))
    return out
