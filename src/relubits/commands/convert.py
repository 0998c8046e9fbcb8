"""``relubits convert``: depth-precision conversion of a saved network (exact, verified before writing)."""

from __future__ import annotations

import os


def register(sub, common) -> None:
    p = sub.add_parser("convert", parents=[common],
                       help="convert a network to low-precision fixed-point weights (deeper, exactly the same function)")
    p.add_argument("net", help="network JSON file (relubits format); every parameter dyadic")
    p.add_argument("--bits", required=True, type=int, help="target bits per parameter b (>= 2)")
    p.add_argument("--frac-bits", type=int, default=None,
                   help="target fractional bits s, 0 <= s <= bits-2 (default: the s giving the least memory)")
    p.add_argument("--symmetric", action="store_true", help="symmetric target grid (no most-negative code)")
    p.add_argument("--out", required=True, help="output JSON file (written only after equivalence is verified)")
    p.add_argument("--points", type=int, default=64, help="random rational inputs compared exactly (default 64)")
    p.add_argument("--no-pieces", action="store_true",
                   help="skip the exact piece comparison for scalar networks (random points only)")
    p.set_defaults(handler=cmd_convert)


def cmd_convert(args) -> dict:
    from relubits.grid import FixedGrid
    from relubits.network import load
    from relubits.transforms.depth_precision import choose_frac_bits, depth_bound, to_precision

    if not os.path.exists(args.net):
        raise ValueError(f"net: file {args.net!r} does not exist")
    if args.bits < 2 or args.bits > 64:
        raise ValueError(f"--bits must be an integer in [2, 64], got {args.bits}")
    if not 1 <= args.points <= 10**6:
        raise ValueError(f"--points must be an integer in [1, 1000000], got {args.points}")
    out_dir = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(out_dir):
        raise ValueError(f"--out: directory {out_dir!r} does not exist")
    net = load(args.net)
    if args.frac_bits is None:
        grid = choose_frac_bits(net, args.bits, symmetric=args.symmetric)
    else:  # out-of-range frac_bits: to_precision names the obstruction (lattice, no weight 1)
        grid = FixedGrid(bits=args.bits, frac_bits=args.frac_bits, symmetric=args.symmetric)
    new, rep = to_precision(net, grid, points=args.points, use_pieces=not args.no_pieces)
    if not rep.equivalent:  # pragma: no cover - to_precision raises on a failed check
        raise ValueError("equivalence check failed; nothing written")
    new.save(args.out)  # atomic: a temporary file renamed into place
    bound = None
    if not rep.normalized and not rep.block_depths == tuple([1] * rep.depth_before):
        bound = depth_bound(rep.source_grid, grid, rep.depth_before)
    return {
        "equivalent": rep.equivalent,
        "method": rep.method,
        "points_checked": rep.points_checked,
        "depth_before": rep.depth_before,
        "depth_after": rep.depth_after,
        "depth_bound": bound,
        "depth_lower_bound": rep.depth_lower_bound or None,
        "depth_ratio": round(rep.depth_ratio, 4),
        "ceil_B_over_b": rep.ceil_B_over_b,
        "width_before": rep.width_before,
        "width_after": rep.width_after,
        "memory_bits_before": rep.memory_bits_before,
        "memory_bits_after": rep.memory_bits_after,
        "memory_ratio": round(rep.memory_ratio, 4),
        "source_grid": repr(rep.source_grid),
        "target_grid": repr(grid),
        "bits": grid.bits,
        "frac_bits": grid.frac_bits,
        "out": args.out,
        "measured": "depth, width and memory are measured on the written network; depth_bound and "
                    "depth_lower_bound are proved (docs/depth_precision.md); equivalence is proved there and "
                    "checked by " + rep.method,
    }
