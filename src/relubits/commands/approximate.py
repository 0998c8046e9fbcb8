"""Sub-commands ``approximate`` (best certified b-bit approximant within (W, L)) and ``memory``
(deep vs shallow vs naive rounding under a memory budget)."""

from __future__ import annotations

import os

from relubits.constructions.lipschitz import check_lipschitz
from relubits.exact import as_fraction


def register(sub, common) -> None:
    p = sub.add_parser("approximate", parents=[common],
                       help="build and certify a b-bit network approximating a Lipschitz target on [0, 1]")
    p.add_argument("--target", required=True, help="formula in x, e.g. 'abs(x - 0.3)'")
    p.add_argument("--lipschitz", required=True, help="Lipschitz constant C > 0 of the target on [0, 1]")
    p.add_argument("--bits", required=True, type=int,
                   help="bits per parameter, >= 3 (grid fixed(b, b-3); b=3: fixed(3, 1)); with --construction "
                        "overquant 8..100000 on that construction's grid")
    p.add_argument("--width", required=True, type=int, help="width budget W >= 2")
    p.add_argument("--depth", required=True, type=int, help="depth budget L >= 2 (affine maps)")
    p.add_argument("--out", default=None, help="write the network (relubits JSON) to this file")
    p.add_argument("--rtol", type=float, default=0.05, help="certificate tolerance (default 0.05)")
    p.add_argument("--construction", choices=("auto", "overquant"), default="auto",
                   help="auto (default): best of hinge chain and shallow baseline; overquant: the over-quantization "
                        "network (unquantized rate, ~L log2 W-bit weights; needs width >= 12, depth >= 9)")
    p.add_argument("--max-error", default=None,
                   help="required accuracy: refuse (exit 2) if a proved lower bound of the (W, L, b) class exceeds "
                        "it, or if the constructed network's certified error does")
    p.set_defaults(handler=cmd_approximate)

    p = sub.add_parser("memory", parents=[common],
                       help="best certified error under a memory budget: deep vs shallow vs naive rounding")
    p.add_argument("--budget", required=True, type=int, help="memory budget in bits, >= 64")
    p.add_argument("--bits", default="3,4,6,8,12,16", help="comma-separated bit widths (default 3,4,6,8,12,16)")
    p.add_argument("--target", default=None, help="formula in x (default: the built-in demo target, Lipschitz 1)")
    p.add_argument("--lipschitz", default="1", help="Lipschitz constant of --target (default 1)")
    p.add_argument("--constructions", default="deep,shallow,rounded",
                   help="subset of deep,shallow,rounded,payload (payload: the refined-payload deep network, "
                        "b >= 7, budgets of about 1e5 bits and up)")
    p.set_defaults(handler=cmd_memory)


def _check_out(path: str | None) -> None:
    if path is None:
        return
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        raise ValueError(f"--out: directory {d!r} does not exist")


def cmd_approximate(args) -> dict:
    from relubits.constructions.approximate import approximate
    from relubits.expr import parse_expr

    overquant = getattr(args, "construction", "auto") == "overquant"
    if overquant and not 8 <= args.bits <= 100_000:
        raise ValueError(f"--bits must be an integer in [8, 100000] with --construction overquant, got {args.bits}")
    if not overquant and (args.bits < 3 or args.bits > 64):
        raise ValueError(f"--bits must be an integer in [3, 64], got {args.bits} "
                         "(no fixed grid with fewer bits holds 1, -1 and an amplification factor)")
    if not 2 <= args.width <= 10**6:
        raise ValueError(f"--width must be an integer in [2, 1000000], got {args.width}")
    if not 2 <= args.depth <= 10**6:
        raise ValueError(f"--depth must be an integer in [2, 1000000] (affine maps), got {args.depth}")
    if not 0 < args.rtol < 1:
        raise ValueError(f"--rtol must be in (0, 1), got {args.rtol}")
    _check_out(args.out)
    f = parse_expr(args.target, 1, name="--target")
    C = check_lipschitz(args.lipschitz, "--lipschitz")
    max_error = None
    if args.max_error is not None:
        max_error = as_fraction(args.max_error, "--max-error")
        if not 0 < max_error <= 2**53:
            raise ValueError(f"--max-error must be in (0, 2**53], got {args.max_error}")
    if max_error is not None and not overquant:  # overquant: its grid is known after the plan; checked below
        from relubits.constructions.approximate import regime_summary
        from relubits.constructions.lipschitz import chain_grid

        reg = regime_summary(args.width, args.depth, chain_grid(args.bits))
        # the bounds are for 1-Lipschitz targets; a C-Lipschitz class contains C times them
        lb = reg["lower_bound"] * float(C)
        if lb > float(max_error):
            raise ValueError(f"--max-error {args.max_error} is unreachable for width {args.width}, depth {args.depth}, "
                             f"{args.bits} bits: the proved {reg['binding']} lower bound ({reg['regime']} regime) is "
                             f"{lb:.3g} for some {C}-Lipschitz target")
    a = approximate(f, C, args.bits, args.width, args.depth, rtol=args.rtol,
                    construction="overquant" if overquant else "auto")
    out = a.to_dict()
    if max_error is not None and overquant and out["lower_bound"] * float(C) > float(max_error):
        raise ValueError(f"--max-error {args.max_error} is unreachable for width {args.width}, depth {args.depth} on "
                         f"{out['grid']}: the proved {out['lower_bound_binding']} lower bound ({out['regime']} regime) "
                         f"is {out['lower_bound'] * float(C):.3g} for some {C}-Lipschitz target")
    if max_error is not None and out["certified_error"] > float(max_error):
        raise ValueError(f"--max-error {args.max_error} not reached: best certified error {out['certified_error']:.3g} "
                         f"({out['construction']}); no proved bound rules it out (lower bound {out['lower_bound']:.3g}), "
                         "so a larger depth or more bits may reach it")
    if out["certified_error"] < out["lower_bound"]:  # would contradict a proved bound: report, never hide
        out["warning"] = "certified error below the proved lower bound for this class: the target is easier than the worst case"
    if args.out:
        net = a.construction.network
        net.meta.update({"target": args.target, "lipschitz": str(C), "grid": repr(a.construction.grid)})
        net.save(args.out)
        out["out"] = args.out
    out["target"] = args.target
    return out


def cmd_memory(args) -> dict:
    from relubits.experiments.memory import DEMO_TARGET, memory_rows

    try:
        bits = [int(b) for b in args.bits.split(",") if b.strip()]
    except ValueError:
        raise ValueError(f"--bits must be comma-separated integers, got {args.bits!r}") from None
    if not bits or any(b < 3 or b > 64 for b in bits):
        raise ValueError(f"--bits entries must be integers in [3, 64], got {args.bits!r}")
    if not 64 <= args.budget <= 10**8:
        raise ValueError(f"--budget must be an integer in [64, 100000000] bits, got {args.budget}")
    cons = [c.strip() for c in args.constructions.split(",") if c.strip()]
    bad = [c for c in cons if c not in ("deep", "shallow", "rounded", "payload")]
    if bad or not cons:
        raise ValueError(f"--constructions must be a subset of deep,shallow,rounded,payload; got {args.constructions!r}")
    target = args.target if args.target is not None else DEMO_TARGET
    from relubits.expr import parse_expr

    f = parse_expr(target, 1, name="--target")
    C = check_lipschitz(args.lipschitz, "--lipschitz")
    rows = memory_rows(args.budget, bits, f=f, lipschitz=C, constructions=cons)
    best = {}
    for r in rows:
        k = r["construction"]
        if k not in best or r["certified_error"] < best[k]["certified_error"]:
            best[k] = r
    return {
        "budget_bits": args.budget, "target": target, "lipschitz": str(C),
        "best": {k: {"bits": v["bits"], "certified_error": v["certified_error"], "eps_times_memory": v["eps_times_memory"]}
                 for k, v in best.items()},
        "kind": "measured: certified upper bounds (relubits.certify) of constructed networks; "
                "entropy limit: eps_times_memory >= ~1 for any encoding (docs/theory.md)",
        "rows": rows,
    }
