"""``relubits export``: write a network as ONNX, QDQ or QONNX -- only after the file verifies."""

from __future__ import annotations

import os


def register(sub, common) -> None:
    p = sub.add_parser("export", parents=[common],
                       help="export a network to ONNX / QDQ / QONNX, verified against exact evaluation")
    p.add_argument("net", help="network JSON file (relubits format)")
    p.add_argument("--format", choices=("onnx", "qdq", "qonnx"), default="onnx", help="output format (default onnx)")
    p.add_argument("--out", required=True, help="output file (written only if it verifies)")
    p.add_argument("--bits", type=int, default=None, help="weight bit-width 1..32 for qdq/qonnx (default: smallest that fits)")
    p.add_argument("--dtype", choices=("auto", "float32", "float64"), default="auto", help="float type for --format onnx")
    p.add_argument("--allow-int2", action="store_true", help="qdq: permit the INT2 container (see docs/export.md)")
    p.add_argument("--domain", nargs=2, default=["0", "1"], metavar=("A", "B"), help="input box for verification (default 0 1)")
    p.add_argument("--n", type=int, default=10_000, help="number of verification inputs (default 10000)")
    p.set_defaults(handler=cmd_export)


def cmd_export(args) -> dict:
    from relubits.exact import as_fraction, as_int
    from relubits.io._optional import MissingExtraError
    from relubits.io.verify import export
    from relubits.network import load

    if not os.path.exists(args.net):
        raise ValueError(f"net: file {args.net!r} does not exist")
    net = load(args.net)
    if args.bits is not None:
        as_int(args.bits, "--bits", 1, 32)
    n = as_int(args.n, "--n", 1, 10**7)
    domain = (as_fraction(args.domain[0], "--domain A"), as_fraction(args.domain[1], "--domain B"))
    kw = {}
    if args.format == "onnx":
        if args.bits is not None:
            raise ValueError("--bits applies to --format qdq and qonnx only")
        kw["dtype"] = args.dtype
    elif args.format == "qdq":
        kw["allow_int2"] = args.allow_int2
    try:
        check = export(net, args.out, args.format, bits=args.bits, n=n, domain=domain, **kw)
    except MissingExtraError as exc:
        raise ValueError(str(exc)) from None
    out = {"verified": check.verified, "max_abs_diff": check.max_abs_diff, "bound": check.bound,
           "opset": check.opset, "ir_version": check.ir_version}
    out.update({k: v for k, v in check.to_dict().items() if k not in out})
    out["out"] = os.fspath(args.out)
    out["kind"] = "measured: runtime output vs exact evaluation on n_inputs inputs; bound proved (docs/export.md)"
    return out
