"""``relubits ding`` and ``relubits ding-sweep``: quantized universal approximation (Ding et al.)."""

from __future__ import annotations

import math
import time


def register(sub, common) -> None:
    p = sub.add_parser("ding", parents=[common],
                       help="quantized approximant of a W^(n,inf) target: certified error, weights, memory vs bounds")
    p.add_argument("--target", required=True, help="formula in x (d=1) or x1..xd / x, y, z, e.g. '0.1*sin(2*x)'")
    p.add_argument("--dim", type=int, default=1, help="input dimension d in {1, 2, 3} (default 1)")
    p.add_argument("--smoothness", type=int, default=1, help="smoothness order n in {1, 2, 3} (default 1)")
    p.add_argument("--eps", type=float, required=True, help="target sup error, 0 < eps < 1")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--levels", type=int, help="lambda distinct weight values (nonlinear quantization), >= 2")
    g.add_argument("--bits", type=int, help="lambda-bit fixed-point weights Grid.fixed(lambda, lambda-1), >= 2")
    p.add_argument("--sharing", choices=("shared", "paper"), default="shared",
                   help="square nets with one shared constant chain (default) or one scaling chain per stage (paper)")
    p.add_argument("--certify", choices=("auto", "structural", "exact", "grid"), default="auto",
                   help="certificate: structural (compositional, linear in the weights, docs/ding.md §11), "
                        "exact (d = 1 only: exact pieces), grid (grid + Lipschitz bound); auto = exact for d = 1, "
                        "structural for d >= 2")
    p.add_argument("--grid-exp", type=int, default=None,
                   help="grid spacing 2^-GRID_EXP, 1..30 (only with --certify grid; default: the finest within "
                        "2^20 points)")
    p.add_argument("--max-blocks", type=int, default=200_000, help="refuse constructions with more blocks (default 200000)")
    p.set_defaults(handler=cmd_ding)

    p = sub.add_parser("ding-sweep", parents=[common],
                       help="measured weights/memory vs 1/eps and vs bit width, against the Ding et al. bounds")
    p.add_argument("--out", default=None, help="write the figure (PNG) here")
    p.add_argument("--target", default=None, help="1-D target in the unit ball of W^(2,inf) (default 0.1*sin(2*x))")
    p.add_argument("--eps-min", type=float, default=1e-6, help="smallest eps of the sweep (default 1e-6)")
    p.add_argument("--width-eps", type=float, default=1e-4, help="eps of the memory-vs-bit-width curve (default 1e-4)")
    p.add_argument("--sharing", choices=("shared", "paper"), default="paper",
                   help="square-net variant inside the approximants (default paper, the bound's construction)")
    p.add_argument("--quick", action="store_true", help="eps down to 1e-3 and lambda <= 8 (seconds)")
    p.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    p.add_argument("--dask", default=None, help="not supported for this sweep (accepted for interface symmetry)")
    p.set_defaults(handler=cmd_ding_sweep)


def _check_int(name: str, v, lo: int, hi: int) -> int:
    if v is None or not lo <= v <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {v}")
    return v


def cmd_ding(args) -> dict:
    from relubits.constructions import ding as D
    from relubits.constructions.ding_certify import (
        certify_approximant_1d,
        certify_grid,
        error_lipschitz,
    )
    from relubits.constructions.ding_structural import certify_structural
    from relubits.expr import parse_expr
    from relubits.theory import ding_bounds as B

    d = _check_int("--dim", args.dim, 1, 3)
    n = _check_int("--smoothness", args.smoothness, 1, 3)
    if not (0.0 < args.eps < 1.0) or math.isnan(args.eps):
        raise ValueError(f"--eps must be in (0, 1), got {args.eps}")
    if args.levels is not None:
        lam = _check_int("--levels", args.levels, 2, 64)
        model = "levels"
    else:
        lam = _check_int("--bits", args.bits, 2, 64)
        model = "bits"
    if args.grid_exp is not None and not 1 <= args.grid_exp <= 30:
        raise ValueError(f"--grid-exp must be in [1, 30], got {args.grid_exp}")
    if not 1 <= args.max_blocks <= 10_000_000:
        raise ValueError(f"--max-blocks must be in [1, 10000000], got {args.max_blocks}")
    how = getattr(args, "certify", "auto")
    if how == "auto":
        how = "exact" if d == 1 else "structural"
    if args.grid_exp is not None and how != "grid":
        raise ValueError(f"--grid-exp applies only to --certify grid, got --certify {how} (auto picks exact for "
                         "--dim 1, structural otherwise)")
    if how == "exact" and d != 1:
        raise ValueError(f"--certify exact needs --dim 1 (exact pieces are 1-D), got --dim {d}; use structural or grid")
    f = parse_expr(args.target, dim=d, name="--target")
    D.check_unit_ball(f, d, n, name="--target")
    t_build = time.perf_counter()
    A = D.approximant(f, d=d, n=n, eps=args.eps, sharing=args.sharing, max_blocks=args.max_blocks,
                      **({"levels": lam} if model == "levels" else {"bits": lam}))
    W = A.n_weights
    t_cert = time.perf_counter()
    if how == "structural":
        sc = certify_structural(A, f)
        certified, lower, method = sc.certified_error, sc.lower_bound, sc.method
        extra = {"certificate_terms": sc.terms,
                 "product_error_per_alpha": {",".join(map(str, al)): v for al, v in sc.product_error.items()},
                 "lower_bound_method": f"measured: float evaluation with rigorous error bounds at "
                                       f"{sc.samples} sampled points, minus the float error of the target"}
    elif how == "exact":
        cert, nbp = certify_approximant_1d(A, f, curvature=1 if n >= 2 else None)
        certified, lower, method = cert.certified_error, cert.lower_bound, "exact pieces + certify (Lipschitz 1)"
        extra = {"breakpoints": nbp}
    else:
        Lip = error_lipschitz(A)  # per coordinate, of f - f_hat (docs/ding.md §6.1)
        q = args.grid_exp
        if q is None:  # finest grid within 2^20 points, stopping once the slack fits in eps - promise
            q = 1
            while (2 ** (q + 1) + 1) ** d <= 2 ** 20 and d * Lip * 2.0 ** -q / 2 > args.eps - A.promised_error:
                q += 1
        if not 1 <= q <= 30:
            raise ValueError(f"--grid-exp must be in [1, 30], got {q}")
        gc = certify_grid(A.evaluate, f, [(0, 1)] * d, d * Lip, q)
        certified, lower, method = gc.certified_error, gc.lower_bound, f"grid 2^-{q} + error Lipschitz bound {Lip:.4g}"
        extra = {"grid_points": gc.n_points, "lipschitz_slack": gc.lipschitz_slack}
    if model == "levels":
        bw, bm = B.nonlinear_weights_bound(args.eps, d, n, lam), B.nonlinear_memory_bound(args.eps, d, n, lam)
    else:
        bw, bm = B.linear_weights_bound(args.eps, d, n, lam), B.linear_memory_bound(args.eps, d, n, lam)
    t_done = time.perf_counter()
    out = {
        "certified_error": certified,
        "lower_bound": lower,
        "method": method,
        "certification": method,  # the same value as "method": the key before "method" existed, kept for compatibility
        "certified_within_eps": bool(certified <= args.eps),
        "promised_error": A.promised_error,
        "promise_status": "proved (docs/ding.md §7); assumes the target is in the unit ball",
        "eps": args.eps,
        "n_weights": W,
        "memory_bits": A.memory_bits,
        "depth": A.depth,
        "levels_or_bits": lam,
        "quantization": model,
        "weight_set": A.weight_set.describe(),
        "bound_weights": bw,
        "bound_memory": bm,
        "ratio_weights": W / bw,
        "bound_status": "[R] recalled form of the paper's bound, hidden constants set to 1",
        "blocks": A.n_blocks,
        "N": A.N,
        "stages": A.m_stages,
        "coef_bits": A.coef_bits,
        "sharing": args.sharing,
        "error_budget": A.error_budget,
        "seconds_build": t_cert - t_build,
        "seconds_certify": t_done - t_cert,
    }
    out.update(extra)
    return out


def cmd_ding_sweep(args) -> dict:
    from relubits.experiments import ding_sweep as S

    if args.out:
        from relubits.files import check_figure_path

        check_figure_path(args.out)
    if args.dask:
        raise ValueError("--dask is not supported by ding-sweep; use --workers N")
    if args.workers < 1 or args.workers > 64:
        raise ValueError(f"--workers must be in [1, 64], got {args.workers}")
    if not 0 < args.eps_min < 0.1:
        raise ValueError(f"--eps-min must be in (0, 0.1), got {args.eps_min}")
    if not 0 < args.width_eps < 1:
        raise ValueError(f"--width-eps must be in (0, 1), got {args.width_eps}")
    target = args.target or S.DEFAULT_TARGET
    from relubits.constructions.ding import check_unit_ball
    from relubits.expr import parse_expr

    check_unit_ball(parse_expr(target, name="--target"), 1, 2, name="--target")
    eps_min = max(args.eps_min, 1e-3) if args.quick else args.eps_min
    eps_list = []
    k = 1
    while 10.0 ** -k >= eps_min * (1 - 1e-9):
        eps_list.append(10.0 ** -k)
        k += 1
    levels = S.LEVELS_DEFAULT
    bits = (2, 4, 8) if args.quick else S.BITS_DEFAULT
    rows = S.approximant_rows(target, 1, 2, eps_list, levels, bits, sharing=args.sharing, workers=args.workers)
    lam_max = 8 if args.quick else 16
    wc = S.memory_vs_width(target, 1, 2, max(args.width_eps, 1e-3) if args.quick else args.width_eps, lam_max,
                           sharing=args.sharing, workers=args.workers)
    if args.out:
        S.plot_sweep(rows, wc, args.out)
    table = [{k: r[k] for k in ("model", "lam", "eps", "N", "n_weights", "bound_weights", "ratio", "memory_bits",
                                "bound_memory", "ratio_memory", "depth")} for r in rows]
    return {
        "target": target, "d": 1, "n": 2, "sharing": args.sharing,
        "measured_optimal_levels": wc["measured_optimal_levels"],
        "measured_optimal_bits": wc["measured_optimal_bits"],
        "bound_optimal_levels": wc["bound_optimal_levels"],
        "bound_optimal_bits_linear": wc["bound_optimal_bits_linear"],
        "width_eps": wc["eps"],
        "figure": args.out,
        "status": "measured (counted on exact networks); bounds are the paper's [R] forms with constants 1",
        "rows": table,
    }
