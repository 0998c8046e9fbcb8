"""``relubits quantize``: round an ONNX / PyTorch / relubits model to b bits and certify the cost."""

from __future__ import annotations

import os


def register(sub, common) -> None:
    p = sub.add_parser("quantize", parents=[common],
                       help="round a float model to b-bit weights and print certified errors before/after")
    p.add_argument("model", help="MODEL.onnx, MODEL.pt (state_dict or TorchScript) or NET.json")
    p.add_argument("--bits", type=int, required=True, help="bits per parameter, 1..32 (1 = bipolar)")
    p.add_argument("--target", default=None, help="1-D target formula in x, e.g. 'sin(3*x)' (needs --lipschitz)")
    p.add_argument("--lipschitz", default=None, help="Lipschitz constant of the target on the domain")
    p.add_argument("--domain", nargs=2, default=["0", "1"], metavar=("A", "B"), help="interval / box [A, B]^d (default 0 1)")
    p.add_argument("--mode", default="nearest-even", help="rounding mode (default nearest-even)")
    p.add_argument("--out", default=None, help="write the quantized network here (relubits JSON)")
    p.add_argument("--export", default=None, metavar="FILE",
                   help="also export the quantized network to FILE, verified in its runtime (written only if it verifies)")
    p.add_argument("--export-format", choices=("onnx", "qdq", "qonnx"), default="qdq",
                   help="format for --export (default qdq: integer weights + DequantizeLinear)")
    p.set_defaults(handler=cmd_quantize)


def load_model(path: str):
    """Network from ``.onnx``, ``.pt``/``.pth`` or relubits ``.json`` (by extension)."""
    from relubits.io._optional import MissingExtraError

    if not os.path.exists(path):
        raise ValueError(f"model: file {path!r} does not exist")
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext == ".onnx":
            from relubits.io.onnx import from_onnx

            return from_onnx(path)
        if ext in (".pt", ".pth"):
            from relubits.io.torch import load_torch

            return load_torch(path)
    except MissingExtraError as exc:
        raise ValueError(str(exc)) from None
    if ext == ".json":
        from relubits.network import load

        return load(path)
    raise ValueError(f"model: unsupported file type {ext!r}; use .onnx, .pt/.pth or .json")


def cmd_quantize(args) -> dict:
    from relubits.exact import as_fraction, as_int
    from relubits.io.ptq import quantization_report

    bits = as_int(args.bits, "--bits", 1, 32)
    domain = (as_fraction(args.domain[0], "--domain A"), as_fraction(args.domain[1], "--domain B"))
    net = load_model(args.model)
    target = None
    if args.target is not None:
        if args.lipschitz is None:
            raise ValueError("--lipschitz is required with --target")
        from relubits.expr import parse_expr

        target = parse_expr(args.target, 1, name="--target")
    elif args.lipschitz is not None:
        raise ValueError("--lipschitz needs --target (without a target the network's own change is certified)")
    lip = None if args.lipschitz is None else as_fraction(args.lipschitz, "--lipschitz")
    qnet, rep = quantization_report(net, bits, target=target, lipschitz=lip, domain=domain, mode=args.mode)
    out = rep.to_dict()
    out["kind"] = ("certified upper bounds vs the target" if target is not None
                   else "certified upper bound on sup|N - N_b| over the box (error_before = 0: the float model itself)")
    if args.export:
        from relubits.io._optional import MissingExtraError
        from relubits.io.verify import export

        try:
            chk = export(qnet, args.export, args.export_format, domain=domain)
        except MissingExtraError as exc:
            raise ValueError(str(exc)) from None
        out.update({"export": args.export, "export_format": args.export_format, "export_verified": chk.verified,
                    "export_max_abs_diff": chk.max_abs_diff, "export_bound": chk.bound})
    if args.out:
        qnet.save(args.out)
        out["out"] = args.out
    return out
