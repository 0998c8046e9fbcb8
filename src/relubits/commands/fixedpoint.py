"""``relubits fixedpoint check|memorize|table``: representability conditions and exact memorizers
for networks evaluated in fixed-point arithmetic (see ``docs/fixed_point.md``)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

_SEM = ("per-op", "fused")


def _format_args(p) -> None:
    p.add_argument("--format", required=True, metavar="QM.N",
                   help="Qm.n (two's complement, m integer bits + sign), SQm.n (symmetric) or UQm.n (unsigned)")
    p.add_argument("--rounding", default="nearest-even",
                   help="nearest-even (default), nearest-away, toward-zero, floor, ceil")
    p.add_argument("--overflow", default="saturate", help="saturate (default), wrap, error")
    p.add_argument("--activation", default="relu",
                   help="relu, identity, step, sigmoid, elu, softplus, silu, mish, gelu (default relu)")
    p.add_argument("--semantics", default="per-op", choices=_SEM,
                   help="per-op: every product and sum rounded; fused: one rounding per neuron")
    p.add_argument("--bias", default="last", choices=("last", "first"), help="bias position in the per-op sum")
    p.add_argument("--dim", type=int, default=1, help="input dimension d (1 or 2)")
    p.add_argument("--binary", action="store_true", help="weights in {-1, +1} (zero = no edge)")


def register(sub, common) -> None:
    p = sub.add_parser("fixedpoint", parents=[common],
                       help="fixed-point networks: representability conditions, exact memorizers, verdict table")
    fsub = p.add_subparsers(dest="fixedpoint_command", metavar="SUBCOMMAND", parser_class=type(p))
    c = fsub.add_parser("check", parents=[common], help="necessary / sufficient condition with witnesses")
    _format_args(c)
    c.set_defaults(handler=cmd_check)
    m = fsub.add_parser("memorize", parents=[common],
                        help="build a network equal to a function on every grid point, verify exhaustively")
    _format_args(m)
    m.add_argument("--function", required=True, metavar="EXPR",
                   help="f(x) (or f(x1, x2) with --dim 2), evaluated in float64 and rounded to the format; "
                        "values outside the format are an error")
    m.add_argument("--out", default=None, help="save the network's integer codes (JSON) here")
    m.set_defaults(handler=cmd_memorize)
    t = fsub.add_parser("table", parents=[common], help="verdict table over formats and activations")
    t.add_argument("--out", default=None, help="draw the table (PNG) here")
    t.add_argument("--bits-min", type=int, default=4)
    t.add_argument("--bits-max", type=int, default=16)
    t.add_argument("--semantics", default="per-op", choices=_SEM)
    t.add_argument("--dim", type=int, default=1)
    t.add_argument("--symmetric", action="store_true", help="symmetric formats instead of two's complement")
    t.set_defaults(handler=cmd_table)
    p.set_defaults(handler=lambda args: (_ for _ in ()).throw(
        ValueError("fixedpoint needs a subcommand: check, memorize or table")))


def _fmt(args):
    from relubits.fixedpoint import parse_format

    return parse_format(args.format, rounding=args.rounding, overflow=args.overflow)


def cmd_check(args) -> dict:
    from relubits.fixedpoint.conditions import check

    fmt = _fmt(args)
    v = check(args.activation, fmt, semantics=args.semantics, bias=args.bias,
              weights="binary" if args.binary else "any", d=args.dim)
    out = {"necessary": v.necessary, "sufficient": v.sufficient, "witness": v.witness,
           "activation": v.activation, "format": str(fmt), "semantics": v.semantics, "d": v.d,
           "zero_somewhere": v.zero_somewhere}
    nw, sw = v.witness["necessary"], v.witness["sufficient"]
    out["necessary_witness"] = nw.get("reason", "") + (f" pair {nw['pair']}" if "pair" in nw else "") or \
        f"edge {nw.get('edge')}"
    out["sufficient_witness"] = sw.get("reason") or sw.get("construction", "")
    return out


def cmd_memorize(args) -> dict:
    from relubits.expr import parse_expr
    from relubits.fixedpoint.memorize import grid_points, memorize, verify

    fmt = _fmt(args)
    if args.dim not in (1, 2):
        raise ValueError(f"--dim must be 1 or 2, got {args.dim}")
    if fmt.size ** args.dim > 1 << 16:
        raise ValueError(f"--format {fmt.name} with --dim {args.dim} has {fmt.size ** args.dim} grid points "
                         "(at most 65536 for memorize)")
    f = parse_expr(args.function, dim=args.dim, name="--function")
    pts = grid_points(fmt, args.dim)
    X = pts.astype(np.float64) / fmt.scale
    with np.errstate(all="ignore"):
        vals = f(X) if args.dim > 1 else f(X[:, 0])
    vals = np.broadcast_to(np.asarray(vals, dtype=np.float64), (len(pts),))
    Y = np.empty(len(pts), dtype=np.int64)
    for i, v in enumerate(vals):
        x = [str(Fraction(int(k), fmt.scale)) for k in pts[i]]
        if not np.isfinite(v):
            raise ValueError(f"--function is not finite at x={x[0] if args.dim == 1 else x}")
        k = fmt.replace(overflow="saturate").quantize(Fraction(float(v)))
        if k in (fmt.k_min, fmt.k_max) and Fraction(float(v)) not in fmt and not (
                fmt.min - fmt.step / 2 <= Fraction(float(v)) <= fmt.max + fmt.step / 2):
            raise ValueError(f"--function value {float(v):.6g} at x={x[0] if args.dim == 1 else x} is outside "
                             f"[{fmt.min}, {fmt.max}] of format {fmt.name}")
        Y[i] = k
    mem = memorize(Y, fmt, args.activation, weights="binary" if args.binary else "any",
                   semantics=args.semantics, bias=args.bias, d=args.dim)
    res = verify(mem.net, Y, d=args.dim)
    if args.out:
        import json
        import os

        from relubits.files import atomic_write

        if os.path.isdir(args.out):
            raise ValueError(f"--out {args.out!r} is a folder; give a file path")
        data = {"format": fmt.name, "rounding": fmt.rounding, "overflow": fmt.overflow,
                "activation": mem.net.activation, "semantics": mem.net.semantics, "bias": mem.net.bias,
                "layers": [{"W": W.tolist(), "b": b.tolist()} for W, b in zip(mem.net.weights, mem.net.biases)]}
        atomic_write(args.out, json.dumps(data))
    return {"exact_inputs": res.exact_inputs, "total_inputs": res.total_inputs, "width": mem.net.width,
            "depth": mem.net.depth, "n_params": mem.net.n_params, "n_nonzero": mem.net.n_nonzero,
            "construction": mem.construction, "format": str(fmt), "first_mismatch": res.first_mismatch}


def formats_for_table(bits_min: int, bits_max: int, symmetric: bool = False) -> list:
    """Formats of bits_min..bits_max total bits with integer bits 1, 2, 3 and about half."""
    from relubits.fixedpoint import FixedFormat

    if not (2 <= bits_min <= bits_max <= 16):
        raise ValueError(f"--bits-min/--bits-max must satisfy 2 <= min <= max <= 16, got {bits_min}, {bits_max}")
    out = []
    for b in range(bits_min, bits_max + 1):
        for p in sorted({1, 2, 3, (b - 1) // 2}):
            if 0 <= p <= b - 1:
                out.append(FixedFormat(p, b - 1 - p, symmetric=symmetric))
    return out


def cmd_table(args) -> dict:
    from relubits.fixedpoint.conditions import plot_verdict_table, verdict_table

    if args.out:
        from relubits.files import check_figure_path

        check_figure_path(args.out)
    fmts = formats_for_table(args.bits_min, args.bits_max, args.symmetric)
    rows = verdict_table(fmts, semantics=args.semantics, d=args.dim)
    if args.out:
        plot_verdict_table(rows, args.out)
    known = [r for r in rows if r["necessary"] is not None]
    zero = [r for r in known if r["zero_somewhere"]]
    return {
        "formats": len(fmts),
        "cells": len(rows),
        "sufficient": sum(r["sufficient"] for r in rows),
        "necessary_fails": sum(r["necessary"] is False for r in rows),
        "coincide": sum(r["coincide"] for r in known),
        "coincide_where_zero": f"{sum(r['coincide'] for r in zero)}/{len(zero)}",
        "out": args.out,
        "rows": rows,
    }
