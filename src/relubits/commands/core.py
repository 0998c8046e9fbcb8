"""Core sub-commands: ``info``, ``certify``, ``pieces``, ``demo``."""

from __future__ import annotations

import os
import sys
from fractions import Fraction

from relubits.exact import as_fraction


def register(sub, common) -> None:
    p = sub.add_parser("info", parents=[common], help="size, depth, width and memory of a saved network")
    p.add_argument("net", help="network JSON file (relubits format)")
    p.add_argument("--grid", default=None,
                   help="grid for memory_bits, e.g. fixed:8:4, fixed:8:4:sym, bipolar, levels:-1,0,1 "
                        "(default: the smallest fixed grid holding every parameter)")
    p.set_defaults(handler=cmd_info)

    p = sub.add_parser("certify", parents=[common], help="certified sup error of a scalar network against a target")
    p.add_argument("net", help="network JSON file")
    p.add_argument("--target", required=True, help="formula in x, e.g. 'sin(3*x)/3'")
    p.add_argument("--lipschitz", required=True, help="Lipschitz constant of the target on the domain")
    p.add_argument("--domain", nargs=2, default=["0", "1"], metavar=("A", "B"), help="interval (default 0 1)")
    p.add_argument("--curvature", default=None, help="optional bound on |f''| (faster, tighter bounds)")
    p.add_argument("--rtol", type=float, default=0.01, help="relative agreement of the bounds (default 0.01)")
    p.set_defaults(handler=cmd_certify)

    p = sub.add_parser("pieces", parents=[common], help="exact breakpoints of a scalar network")
    p.add_argument("net", help="network JSON file")
    p.add_argument("--domain", nargs=2, default=["0", "1"], metavar=("A", "B"), help="interval (default 0 1)")
    p.add_argument("--limit", type=int, default=20, help="breakpoints to list (default 20; all with --limit -1)")
    p.set_defaults(handler=cmd_pieces)

    p = sub.add_parser("demo", parents=[common], help="the main job on a built-in target: certified error vs bits")
    p.add_argument("--out-dir", default=".", help="where figures are written (default: current directory)")
    p.add_argument("--quick", action="store_true", help="smaller table")
    p.set_defaults(handler=cmd_demo)


def _load(path: str):
    from relubits.network import load

    if not os.path.exists(path):
        raise ValueError(f"net: file {path!r} does not exist")
    return load(path)


def _domain(pair) -> tuple[Fraction, Fraction]:
    return as_fraction(pair[0], "--domain A"), as_fraction(pair[1], "--domain B")


def smallest_fixed_grid(net):
    """The smallest ``Grid.fixed(bits, frac_bits)`` holding every parameter of ``net`` (dyadic nets only)."""
    from relubits.grid import Grid

    frac = 0
    mags = []
    for A, c, d in net.integer_layers:
        if d & (d - 1):
            return None
        frac = max(frac, d.bit_length() - 1)
    for A, c, d in net.integer_layers:
        k = (1 << frac) // d
        mags.extend(int(v) * k for v in list(A.ravel()) + list(c.ravel()))
    lo, hi = min(mags), max(mags)
    bits = 1
    while not (-(2 ** (bits - 1)) <= lo and hi <= 2 ** (bits - 1) - 1):
        bits += 1
    if bits > 64:
        return Grid.fixed(bits, frac, arbitrary=True)
    return Grid.fixed(bits, frac)


def cmd_info(args) -> dict:
    from relubits.grid import grid_to_dict, parse_grid

    net = _load(args.net)
    grid = parse_grid(args.grid) if args.grid else smallest_fixed_grid(net)
    out = {"width": net.width, "depth": net.depth, "widths": list(net.widths), "n_params": net.n_params,
           "n_nonzero": net.n_nonzero, "memory_bits": None, "grid": None, "on_grid": None}
    if grid is not None:
        chk = net.on_grid(grid)
        out["grid"] = repr(grid)
        out["grid_spec"] = grid_to_dict(grid)
        out["on_grid"] = bool(chk)
        out["memory_bits"] = net.memory_bits(grid) if chk else None
        if not chk:
            out["off_grid"] = chk.describe()
    return out


def cmd_certify(args) -> dict:
    from relubits.certify import certify
    from relubits.expr import parse_expr

    f = parse_expr(args.target, 1, name="--target")
    net = _load(args.net)
    cert = certify(net, f, lipschitz=as_fraction(args.lipschitz, "--lipschitz"), domain=_domain(args.domain),
                   rtol=args.rtol, curvature=None if args.curvature is None else as_fraction(args.curvature, "--curvature"))
    out = cert.to_dict()
    out["status"] = "certified upper bound" + ("" if cert.converged else " (bounds did not meet rtol within the budget)")
    return out


def cmd_pieces(args) -> dict:
    from relubits.pieces import pieces

    net = _load(args.net)
    P = pieces(net, _domain(args.domain))
    bps, vals = P.breakpoints, P.values
    n = len(bps) if args.limit < 0 else min(args.limit, len(bps))
    return {"n_pieces": P.n_pieces, "lipschitz": str(P.lipschitz), "n_breakpoints": len(bps),
            "rows": [{"x": str(bps[i]), "value": str(vals[i])} for i in range(n)]}


def cmd_demo(args) -> dict:
    from relubits.experiments.demo import FIGURE_NAME, run_demo
    from relubits.experiments.memory import DEMO_TARGET as DEMO_TARGET_TEXT

    out_dir = os.fspath(args.out_dir)
    if not os.path.isdir(out_dir):
        raise ValueError(f"--out-dir {out_dir!r} is not an existing directory")
    bits = (4, 8) if args.quick else (3, 4, 8, 16)
    if not args.json:
        sys.stderr.write(f"approximating {DEMO_TARGET_TEXT} on [0, 1] at b = {', '.join(map(str, bits))} bits ...\n")
    rows = run_demo(out_dir, bits_list=bits)
    figure = os.path.join(out_dir, FIGURE_NAME)
    return {
        "target": DEMO_TARGET_TEXT, "lipschitz": 1, "budget_bits": 20000,
        "certified_error": "measured: a certified upper bound on sup |f - net| over [0, 1] (relubits.certify)",
        "promised_error": "proved: the construction's error bound (docs/constructions.md)",
        "lower_bound": "proved: minimax lower bound for the class (W, L, grid), worst case over all 1-Lipschitz targets (docs/theory.md)",
        "figure": figure if os.path.exists(figure) else None,
        "rows": rows,
    }
