"""QONNX export: weights through ``Quant`` nodes at their exact bit-width (any b from 1 to 32).

QONNX (the ONNX dialect of the FINN/Brevitas stack) is the one standard-ish format where a
5-bit or 11-bit weight is first class.  :func:`to_qonnx` writes, per layer,

    W (float32 initializer, already on the grid)
      -> Quant(W, scale=2**e, zeropt=0, bitwidth=b, signed, narrow=0, rounding_mode="ROUND")
      -> MatMul -> Add(bias) -> Relu

or ``BipolarQuant(W, scale=2**e)`` when every weight is ``+-2**e`` (1 bit).  Since ``W`` lies on
the grid, ``Quant`` returns it unchanged, so the graph computes exactly the relubits network;
the bit-width is stated three times: the ``bitwidth`` input, a ``quantization_annotation``
(``finn_datatype`` ``INTb``, ``UINTb``, ``FIXED<b,b+e>`` or ``BIPOLAR``) on the quantized weight
tensor, and the ``relubits.weight_bits`` metadata entry.

Quirk of the reference executor (qonnx 1.0): a *signed* 1-bit ``Quant`` is executed as bipolar
(``x >= 0 -> +1`` else ``-1``), not as the range ``{-1, 0}`` the spec describes; relubits
therefore never writes a signed 1-bit ``Quant`` (bipolar weights use ``BipolarQuant``, weights
in ``{0, 2**e}`` an unsigned 1-bit ``Quant``, anything else at least 2 bits), and
:func:`eval_const` follows the executor.

ONNX Runtime cannot run QONNX custom ops; :func:`run_qonnx` uses ``qonnx``'s executor
(``pip install 'relubits[qonnx]'``).  Writing the file needs only ``onnx``.
"""

from __future__ import annotations

import json
import math
import os
from fractions import Fraction
from typing import Any

import numpy as np

from relubits.exact import as_int
from relubits.io._optional import require
from relubits.network import Network

__all__ = ["to_qonnx", "run_qonnx", "eval_const", "QONNX_DOMAIN", "QONNX_DOMAINS", "QONNX_OPSET"]

#: Domain of the QONNX custom ops written by :func:`to_qonnx`.
QONNX_DOMAIN = "qonnx.custom_op.general"
#: Domains accepted on import (older files use ``finn.custom_op.general``; Brevitas ``onnx.brevitas``).
QONNX_DOMAINS = (QONNX_DOMAIN, "finn.custom_op.general", "onnx.brevitas")
#: Default-domain opset of QONNX exports (FINN consumes opsets 11-13).
QONNX_OPSET = 13


def _layer_plan(A: np.ndarray, den: int, layer: int, bits: int | None) -> dict:
    """Codes, exponent, signedness and bit-width of one layer's weights."""
    from relubits.io.onnx import _pow2_codes

    q, e = _pow2_codes(A, den, layer)
    vals = [int(v) for v in q.ravel()]
    lo, hi = min(vals), max(vals)
    if all(v in (-1, 1) for v in vals) and bits in (None, 1):
        return {"q": q, "e": e, "kind": "bipolar", "bits": 1, "signed": 1}
    if lo >= 0:
        need, signed = max(1, hi.bit_length()), 0
    else:
        need, signed = 2, 1
        while not (-(1 << (need - 1)) <= lo and hi <= (1 << (need - 1)) - 1):
            need += 1
    if need > 32:
        raise ValueError(f"layer {layer} has weight codes in [{lo}, {hi}] (scale 2**{e}) needing {need} bits; "
                         "QONNX export supports at most 32")
    b = need if bits is None else bits
    if need > b:
        form = "unsigned" if not signed else "signed (a signed 1-bit Quant is bipolar in qonnx)"
        raise ValueError(f"bits={bits} is too small: layer {layer} has weight codes in [{lo}, {hi}] "
                         f"(scale 2**{e}) needing {need} bits {form}; use bits >= {need}")
    return {"q": q, "e": e, "kind": "quant", "bits": b, "signed": signed}


def _datatype_name(plan: dict) -> str | None:
    b, e = plan["bits"], plan["e"]
    if plan["kind"] == "bipolar":
        return "BIPOLAR" if e == 0 else None
    if e == 0:
        return f"INT{b}" if plan["signed"] else ("BINARY" if b == 1 else f"UINT{b}")
    if plan["signed"] and e < 0:  # qonnx's FIXED<w,i> needs i < w
        return f"FIXED<{b},{b + e}>"
    return None


def to_qonnx(net: Network, path: str | os.PathLike | None = None, *, bits: int | None = None, opset: int = QONNX_OPSET):
    """QONNX graph with one ``Quant`` (or ``BipolarQuant``) node per weight tensor.

    Parameters
    ----------
    net : Network
        Every layer's weights must be dyadic; biases must be exact float32 numbers; weight
        values (the codes times ``2**e``) must be exact float32 numbers (codes below ``2**24``).
    path : str or PathLike, optional
        Also write the model there atomically.
    bits : int in 1..32, optional
        Bit-width of every ``Quant`` node; each layer's codes must fit it.  Default: per layer the
        smallest width (1 for bipolar weights).
    opset : int
        Default-domain opset (default 13).

    Returns
    -------
    onnx.ModelProto

    Raises
    ------
    ValueError
        ``bits`` outside 1..32 or too small for a layer's codes (the message says how many bits
        are needed), a non-dyadic layer, a value not exactly representable in float32.

    Examples
    --------
    >>> from relubits import Network
    >>> m = to_qonnx(Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 1]], [0])]))
    >>> [n.op_type for n in m.graph.node][:3]
    ['BipolarQuant', 'MatMul', 'Add']
    """
    onnx = require("onnx", "onnx")
    from relubits.io.onnx import _affine_nodes, _check_net, _float_exact, _model, save_model

    _check_net(net)
    if bits is not None:
        bits = as_int(bits, "bits", 1, 32)
    opset = as_int(opset, "opset", 11)
    h, nh = onnx.helper, onnx.numpy_helper
    nodes, inits, annos, layer_bits, layer_exp = [], [], [], [], []
    h_in = "x"
    L = net.depth
    for i, (A, c, den) in enumerate(net.integer_layers):
        plan = _layer_plan(A, den, i, bits)
        e = plan["e"]
        if not -149 <= e <= 127:
            raise ValueError(f"layer {i} weight scale 2**{e} is outside the float32 range")
        W = _float_exact(A, den, np.float32, f"layer {i} weight")
        inits.append(nh.from_array(np.ascontiguousarray(W.T), f"layer{i}.weight_float"))
        inits.append(nh.from_array(np.array(math.ldexp(1.0, e), dtype=np.float32), f"layer{i}.weight_scale"))
        inits.append(nh.from_array(_float_exact(c, den, np.float32, f"layer {i} bias"), f"layer{i}.bias"))
        if plan["kind"] == "bipolar":
            nodes.append(h.make_node("BipolarQuant", [f"layer{i}.weight_float", f"layer{i}.weight_scale"], [f"layer{i}.weight"],
                                     domain=QONNX_DOMAIN, name=f"layer{i}.BipolarQuant"))
        else:
            inits.append(nh.from_array(np.array(0.0, dtype=np.float32), f"layer{i}.weight_zeropt"))
            inits.append(nh.from_array(np.array(float(plan["bits"]), dtype=np.float32), f"layer{i}.weight_bitwidth"))
            nodes.append(h.make_node("Quant", [f"layer{i}.weight_float", f"layer{i}.weight_scale", f"layer{i}.weight_zeropt",
                                               f"layer{i}.weight_bitwidth"], [f"layer{i}.weight"], domain=QONNX_DOMAIN,
                                     name=f"layer{i}.Quant", signed=plan["signed"], narrow=0, rounding_mode="ROUND"))
        dt = _datatype_name(plan)
        if dt is not None:
            annos.append((f"layer{i}.weight", dt))
        ns, h_in = _affine_nodes(i, i == L - 1, h_in, f"layer{i}.weight", f"layer{i}.bias", "y")
        nodes += ns
        layer_bits.append(plan["bits"])
        layer_exp.append(e)
    meta = {"relubits.format": "qonnx", "relubits.dtype": "float32",
            "relubits.weight_bits": json.dumps(layer_bits), "relubits.weight_exponents": json.dumps(layer_exp)}
    model = _model(nodes, inits, net, onnx.TensorProto.FLOAT, opset, meta, extra_opsets=[(QONNX_DOMAIN, 1)])
    for tensor, dt in annos:
        ta = onnx.TensorAnnotation()
        ta.tensor_name = tensor
        kv = ta.quant_parameter_tensor_names.add()
        kv.key, kv.value = "finn_datatype", dt
        model.graph.quantization_annotation.append(ta)
    if path is not None:
        save_model(model, path)
    return model


def run_qonnx(src: Any, X: np.ndarray) -> np.ndarray:
    """Run a QONNX model on ``X`` with ``qonnx``'s reference executor (after shape inference).

    Slow (node by node, each standard node in its own ONNX Runtime session) but the reference
    semantics of ``Quant``/``BipolarQuant``.  Requires ``pip install 'relubits[qonnx]'``.
    """
    require("qonnx", "qonnx")
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    from relubits.io.onnx import load_model

    proto = type(load_model(src))()
    proto.CopyFrom(load_model(src))
    X = np.asarray(X, dtype=np.float32)
    for vi in (proto.graph.input[0], proto.graph.output[0]):  # the executor needs a concrete batch size
        vi.type.tensor_type.shape.dim[0].dim_value = X.shape[0]
    model = ModelWrapper(proto)
    model = model.transform(InferShapes())
    name = model.graph.input[0].name
    out = execute_onnx(model, {name: X})
    return np.asarray(out[model.graph.output[0].name])


# ----------------------------------------------------------------------------------------------
# exact evaluation of QONNX quantizers on constants (used by relubits.io.onnx.from_onnx)
# ----------------------------------------------------------------------------------------------
def _sgn(x: Fraction) -> int:
    return (x > 0) - (x < 0)


_ROUND = {
    "ROUND": round, "HALF_EVEN": round, "CEIL": math.ceil, "FLOOR": math.floor,
    "UP": lambda x: _sgn(x) * math.ceil(abs(x)), "DOWN": math.trunc,
    "HALF_UP": lambda x: _sgn(x) * math.floor(abs(x) + Fraction(1, 2)),
    "HALF_DOWN": lambda x: _sgn(x) * math.ceil(abs(x) - Fraction(1, 2)),
}


def eval_const(op: str, ins: list, attrs: dict, node: str) -> np.ndarray:
    """Exact value of a QONNX ``Quant``/``IntQuant``/``BipolarQuant`` node whose inputs are constants.

    Follows the qonnx reference executor, including its bipolar reading of signed 1-bit
    ``Quant``; the arithmetic is exact (Fractions), so imported weights are exact.
    """
    def fr(a):
        return np.vectorize(Fraction, otypes=[object])(a) if a.size else a

    if op == "BipolarQuant":
        x, s = ins[0], ins[1]
        y = x / s
        return np.where(y >= 0, Fraction(1), Fraction(-1)) * s
    if op not in ("Quant", "IntQuant"):
        raise ValueError(f"unsupported QONNX op {op!r} (node {node!r}); relubits imports Quant, IntQuant and BipolarQuant")
    x, s, zp, bw = ins[0], ins[1], ins[2], ins[3]
    if bw.size != 1:
        raise ValueError(f"node {node!r}: Quant bitwidth must be a scalar")
    b = bw.ravel()[0]
    if b != int(b) or not 1 <= b <= 64:
        raise ValueError(f"node {node!r}: Quant bitwidth must be an integer in 1..64, got {b}")
    b = int(b)
    signed, narrow = int(attrs.get("signed", 1)), int(attrs.get("narrow", 0))
    mode = attrs.get("rounding_mode", "ROUND")
    mode = mode.decode() if isinstance(mode, bytes) else str(mode)
    if mode.upper() not in _ROUND:
        raise ValueError(f"node {node!r}: rounding_mode {mode!r} is not one of {sorted(_ROUND)}")
    y = fr(x) / s + zp
    if b == 1 and signed:
        yi = np.where(y >= 0, Fraction(1), Fraction(-1))
    else:
        lo = -(1 << (b - 1)) + (1 if narrow else 0) if signed else 0
        hi = (1 << (b - 1)) - 1 if signed else (1 << b) - 1 - (1 if narrow else 0)
        rnd = _ROUND[mode.upper()]
        yi = np.vectorize(lambda v: Fraction(rnd(min(max(v, lo), hi))), otypes=[object])(y) if y.size else y
    return (yi - zp) * s
