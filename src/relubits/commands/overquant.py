"""``relubits overquant``: the over-quantization construction (Theorem O) at a few (W, L): bits used,
promised and certified error, ``error * W^2 L^2 log2 W`` and the regime of the theory module."""

from __future__ import annotations

import math
from fractions import Fraction

from relubits.constructions.lipschitz import check_lipschitz

#: Largest fine-cell count this command builds and certifies (about 30 s at N = 2*10^4 on one core).
MAX_CELLS = 40_000
DEFAULT_TARGET = "sin(23*x)/23"


def register(sub, common) -> None:
    p = sub.add_parser("overquant", parents=[common],
                       help="over-quantization construction: unquantized rate C/(W^2 L^2 log2 W) with ~L log2 W-bit "
                            "weights; certified error per (W, L)")
    p.add_argument("--sizes", default="16x16",
                   help="comma-separated WxL pairs, 12 <= W <= 256, 9 <= L <= 256 (default 16x16)")
    p.add_argument("--bits", type=int, default=None,
                   help="bits per parameter (default: the fewest the best plan needs, about L log2 W)")
    p.add_argument("--target", default=DEFAULT_TARGET, help=f"formula in x (default {DEFAULT_TARGET!r}, Lipschitz 1)")
    p.add_argument("--lipschitz", default="1", help="Lipschitz constant C > 0 of --target on [0, 1] (default 1)")
    p.add_argument("--rtol", type=float, default=0.01, help="certificate tolerance (default 0.01)")
    p.set_defaults(handler=cmd_overquant)


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """``"16x16,24x20"`` -> ``[(16, 16), (24, 20)]``; ValueError naming ``--sizes`` otherwise."""
    out = []
    for part in str(text).split(","):
        bits = part.strip().lower().split("x")
        if len(bits) != 2 or not all(b.strip().isdigit() for b in bits):
            raise ValueError(f"--sizes must be comma-separated WxL pairs such as 16x16, got {part.strip()!r}")
        W, L = int(bits[0]), int(bits[1])
        if not (12 <= W <= 256 and 9 <= L <= 256):
            raise ValueError(f"--sizes: need 12 <= W <= 256 and 9 <= L <= 256, got {W}x{L}")
        out.append((W, L))
    if not 1 <= len(out) <= 16:
        raise ValueError(f"--sizes must list 1 to 16 pairs, got {len(out)}")
    return out


def cmd_overquant(args) -> dict:
    from relubits.certify import certify
    from relubits.constructions.overquant import OVERQUANT_CONSTANT, overquant_approximant, overquant_plan
    from relubits.expr import parse_expr
    from relubits.theory.regimes import regime

    sizes = parse_sizes(args.sizes)
    if args.bits is not None and not 8 <= args.bits <= 100_000:
        raise ValueError(f"--bits must be an integer in [8, 100000], got {args.bits}")
    if not 0 < args.rtol < 1:
        raise ValueError(f"--rtol must be in (0, 1), got {args.rtol}")
    C = check_lipschitz(args.lipschitz, "--lipschitz")
    f = parse_expr(args.target, 1, name="--target")
    plans = []
    for W, L in sizes:
        try:
            p = overquant_plan(C, W, L, args.bits)
        except ValueError as e:
            raise ValueError(f"--sizes {W}x{L}" + (f" with --bits {args.bits}" if args.bits else "") + f": {e}") from None
        if p.N > MAX_CELLS:
            raise ValueError(f"--sizes {W}x{L}: the plan has N = {p.N} fine cells, above the {MAX_CELLS} this command "
                             "certifies (use relubits.constructions.overquant in Python)")
        plans.append(p)
    rows = []
    for (W, L), p in zip(sizes, plans):
        c = overquant_approximant(f, C, W, L, bits=args.bits, plan=p)
        cert = certify(c.network, f, C, rtol=args.rtol)
        s = W * W * L * L * math.log2(W)
        reg = regime(W, L, c.grid)
        rows.append({
            "W": W, "L": L, "width": c.width, "depth": c.depth, "fine_cells": p.N, "digits_per_weight": p.D,
            "bits": c.grid.bits, "L_log2_W": round(L * math.log2(W), 1),
            "promised_error": float(c.promised_error), "certified_error": cert.certified_error,
            # exact: the rigorous upper bound confirms the proved promise (float() could round the promise)
            "within_promise": bool(Fraction(cert.certified_error) <= c.promised_error),
            "error_x_W2L2log2W": cert.certified_error * s, "promise_x_W2L2log2W": float(c.promised_error) * s,
            "regime": reg.regime, "minimax_lower_bound": float(reg.lower_bound), "on_grid": bool(c.network.on_grid(c.grid)),
        })
    return {
        "rows": rows,
        "constant": OVERQUANT_CONSTANT,
        "kind": "certified_error: measured rigorous upper bound (relubits.certify); promised_error: proved "
                "(Theorem O, docs/constructions.md section 9; promise * W^2 L^2 log2 W <= constant for W >= 32, "
                "L >= 16); within_promise: certified_error <= promised_error (exact comparison; false would mean "
                "the certificate's rtol is too loose to confirm the promise, or a broken promise if the "
                "certificate's lower bound also exceeds it); regime/minimax_lower_bound: proved lower bound of "
                "relubits.theory.regimes on the minimax error (worst case over 1-Lipschitz targets) of networks of "
                "this width, depth and grid (not a bound on this network's error for this target)",
    }
