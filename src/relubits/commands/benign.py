"""``relubits benign`` and ``relubits benign-sweep``: exact Boolean networks, their exhaustive checks,
and exact minimal sizes for tiny instances (Vardi, Reichman, Pitassi & Shamir, COLT 2021)."""

from __future__ import annotations

__all__ = ["register", "run_benign", "run_sweep"]


def register(sub, common) -> None:
    p = sub.add_parser("benign", parents=[common],
                       help="exact ReLU network for IP/DISJ/parity/majority, checked on every Boolean input")
    p.add_argument("--function", required=True, choices=["ip", "disj", "parity", "majority"])
    p.add_argument("--d", required=True, type=int,
                   help="size parameter: 2d inputs for ip/disj, d inputs for parity/majority (>= 1)")
    p.add_argument("--force", action="store_true",
                   help="check exhaustively even above 2**22 inputs")
    p.add_argument("--min-size", action="store_true",
                   help="also compute the exact minimal size by MILP (at most 8 input bits)")
    p.add_argument("--model", choices=["relu1", "relu1-real", "relu2", "threshold", "threshold-milp"],
                   default="relu1",
                   help="minimal-size model: one- or two-hidden-layer ReLU (integer weights in [-B, B], "
                        "output weights +-1) or threshold circuit (SAT with exact cuts; threshold-milp: "
                        "HiGHS only); relu1-real: one hidden layer, real weights, exact SAT+Farkas proofs, "
                        "practical up to about 3 input bits (default relu1)")
    p.add_argument("--weight-bound", type=int, default=None,
                   help="B for --model relu1/relu2 (default 4 for relu1, 2 for relu2)")
    p.add_argument("--time-limit", type=float, default=60.0,
                   help="seconds for the minimal-size search; when hit, proof_status is 'unknown'")
    p.add_argument("--protocol", action="store_true",
                   help="also simulate and check the real-communication protocol (at most 16 input bits)")
    p.set_defaults(handler=run_benign)

    s = sub.add_parser("benign-sweep", parents=[common],
                       help="neurons against d for the constructions, with exact minima for small d")
    s.add_argument("--out", default=None, help="PNG figure to write (matplotlib)")
    s.add_argument("--d-max", type=int, default=10, help="largest d for the constructions (1..11)")
    s.add_argument("--min-d-max", type=int, default=2,
                   help="largest d for exact minimal sizes (0 to skip; <= 4)")
    s.add_argument("--time-limit", type=float, default=30.0,
                   help="seconds per minimal-size search; 'unknown' when hit")
    s.add_argument("--models", default="relu1,threshold",
                   help="comma-separated minimal-size models among relu1, relu2, threshold, threshold-milp")
    s.add_argument("--workers", type=int, default=1, help="parallel processes for the searches")
    s.add_argument("--dask", default=None, help="not supported by this sweep (kept for a uniform CLI)")
    s.set_defaults(handler=run_sweep)


def run_benign(args) -> dict:
    from relubits.constructions.boolean import (
        MAX_EXHAUSTIVE_BITS, benign_network, boolean_function, exhaustive_check, n_inputs_of)

    if args.d < 1:
        raise ValueError(f"--d must be >= 1, got {args.d}")
    if not args.time_limit > 0:  # also rejects nan
        raise ValueError(f"--time-limit must be > 0 seconds, got {args.time_limit}")
    n = n_inputs_of(args.function, args.d)
    if n > MAX_EXHAUSTIVE_BITS and not args.force:
        raise ValueError(f"--d {args.d} gives {n} input bits (2**{n} inputs), above the exhaustive limit of "
                         f"{MAX_EXHAUSTIVE_BITS} bits; pass --force to check anyway")
    if n > 26:
        raise ValueError(f"--d {args.d} gives {n} input bits; exhaustive checks support at most 26")
    rec = benign_network(args.function, args.d)
    rep = exhaustive_check(rec.network, args.function, args.d, force=args.force)
    out = {
        "function": args.function,
        "d": args.d,
        "n_inputs": n,
        "neurons": rec.neurons,
        "depth": rec.depth,
        "exhaustive_errors": rep.errors,
        "inputs_checked": rep.inputs_checked,
        "lipschitz_bound": rec.lipschitz_bound,
        "lipschitz_norm": "max-norm (hence also Euclidean) on inputs; proved bound, not the exact constant",
        "promised_neurons": rec.promised_neurons,
        "construction": rec.construction,
        "inputs_per_second": round(rep.inputs_per_second, 1),
        "status": "measured: exact integer evaluation on every Boolean input",
    }
    if args.protocol:
        from relubits.constructions.protocol import network_protocol

        cert = network_protocol(rec.network, boolean_function(args.function, args.d))
        out["protocol_rounds"] = cert.rounds
        out["protocol_valid"] = cert.valid
    if args.min_size:
        from relubits.experiments.min_size import MAX_MIN_SIZE_BITS, min_size

        if n > MAX_MIN_SIZE_BITS:
            raise ValueError(f"--min-size accepts at most {MAX_MIN_SIZE_BITS} input bits; --d {args.d} gives {n}")
        if not args.time_limit > 0:
            raise ValueError(f"--time-limit must be > 0 seconds, got {args.time_limit}")
        kw = {}
        if args.model in ("relu1", "relu2") and args.weight_bound is not None:
            hi = 1024 if args.model == "relu1" else 64
            if not 1 <= args.weight_bound <= hi:
                raise ValueError(f"--weight-bound must be in [1, {hi}] for --model {args.model}, got {args.weight_bound}")
            kw["weight_bound"] = args.weight_bound
        res = min_size(args.function, args.d, model=args.model, time_limit=args.time_limit, **kw)
        out.update({
            "min_model": args.model,
            "min_neurons": res.min_size,
            "min_lower_bound": res.lower_bound,
            "min_upper_bound": res.upper_bound,
            "witness": res.witness_json(),
            "witness_errors": res.witness_errors,
            "proof_status": res.proof_status,
            "proof": res.proof,
            "search_log": res.log,
        })
    return out


def _search_job(job):
    from relubits.experiments.min_size import min_size

    fn, d, model, tl = job
    r = min_size(fn, d, model=model, time_limit=tl)
    w = r.witness
    depth = None if w is None else (w.depth if model.startswith("threshold") else len(w))
    return {"function": fn, "d": d, "model": model, "min_size": r.min_size, "lower_bound": r.lower_bound,
            "upper_bound": r.upper_bound, "proof_status": r.proof_status, "witness_errors": r.witness_errors,
            "depth": depth}


def run_sweep(args) -> dict:
    from relubits.constructions.boolean import FUNCTIONS, benign_network, exhaustive_check

    if args.out:
        from relubits.files import check_figure_path

        check_figure_path(args.out)
    if not 1 <= args.d_max <= 11:
        raise ValueError(f"--d-max must be in [1, 11], got {args.d_max}")
    if not 0 <= args.min_d_max <= 4:
        raise ValueError(f"--min-d-max must be in [0, 4], got {args.min_d_max}")
    if not args.time_limit > 0:
        raise ValueError(f"--time-limit must be > 0 seconds, got {args.time_limit}")
    if not 1 <= args.workers <= 1024:
        raise ValueError(f"--workers must be an integer in [1, 1024], got {args.workers}")
    if args.dask:
        raise ValueError("--dask is not supported by benign-sweep; use --workers")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    bad = [m for m in models if m not in ("relu1", "relu1-real", "relu2", "threshold", "threshold-milp")]
    if bad or not models:
        raise ValueError("--models must list some of relu1, relu1-real, relu2, threshold, threshold-milp; "
                         f"got {args.models!r}")
    rows = []
    for fn in FUNCTIONS:
        for d in range(1, args.d_max + 1):
            rec = benign_network(fn, d)
            rep = exhaustive_check(rec.network, fn, d)
            rows.append({"function": fn, "d": d, "kind": "construction", "neurons": rec.neurons,
                         "depth": rec.depth, "exhaustive_errors": rep.errors, "proof_status": "measured"})
    jobs = [(fn, d, model, args.time_limit) for fn in ("ip", "disj") for d in range(1, args.min_d_max + 1)
            for model in models]
    if args.workers > 1 and jobs:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(args.workers) as ex:
            results = list(ex.map(_search_job, jobs))
    else:
        results = [_search_job(j) for j in jobs]
    for r in results:
        rows.append({"function": r["function"], "d": r["d"], "kind": f"min-{r['model']}",
                     "neurons": r["min_size"] if r["min_size"] is not None else r["upper_bound"],
                     "depth": r["depth"], "exhaustive_errors": r["witness_errors"],
                     "proof_status": r["proof_status"] if r["min_size"] is not None
                     else f"unknown (>= {r['lower_bound']})"})
    fits = {}
    for fn in FUNCTIONS:  # least-squares line neurons = slope * d + intercept over the constructions
        pts = [(r["d"], r["neurons"]) for r in rows if r["function"] == fn and r["kind"] == "construction"]
        if len(pts) >= 2:
            import numpy as np

            slope, icpt = np.polyfit([p[0] for p in pts], [p[1] for p in pts], 1)
            fits[fn] = {"slope": round(float(slope), 6), "intercept": round(float(icpt), 6)}
    out = {"construction_fit": fits, "rows": rows}
    if args.out:
        _plot(rows, args.out)
        out["figure"] = args.out
    return out


def _plot(rows, path):
    import os
    import tempfile

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    colors = {"ip": "C0", "disj": "C1", "parity": "C2", "majority": "C3"}
    offset = {"ip": -0.09, "disj": 0.09, "parity": 0.0, "majority": 0.0}
    for fn in colors:
        pts = [(r["d"], r["neurons"]) for r in rows if r["function"] == fn and r["kind"] == "construction"]
        if pts:
            ax.plot(*zip(*pts), "-o", color=colors[fn], ms=3, label=f"{fn}: construction")
        for kind, marker in (("min-relu1", "s"), ("min-relu1-real", "o"), ("min-relu2", "D"),
                             ("min-threshold", "^"), ("min-threshold-milp", "v")):
            pts = [(r["d"], r["neurons"]) for r in rows
                   if r["function"] == fn and r["kind"] == kind and r["neurons"] is not None]
            if pts:
                pts = [(x + offset[fn], y) for x, y in pts]
                ax.plot(*zip(*pts), marker, color=colors[fn], mfc="none", ms=8,
                        label=f"{fn}: exact min ({kind[4:]})")
    ax.set_xlabel("d  (ip/disj: 2d input bits; parity/majority: d bits)")
    ax.set_ylabel("neurons (hidden + output) / gates")
    ax.set_title("Exact Boolean networks: size vs d (all checked on every input)")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=d)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120)
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
