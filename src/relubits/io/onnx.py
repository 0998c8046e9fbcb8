"""ONNX export and import: plain float graphs and weight-only QDQ graphs.

Two export flavours, both ``MatMul -> Add -> Relu`` per layer (no ``Relu`` after the last):

* :func:`to_onnx` -- weights and biases as float32 (or float64) initializers holding the
  network's exact parameters.  A parameter that the chosen float type cannot hold exactly is
  refused with a message naming it (nothing is silently rounded); ``dtype="auto"`` uses
  float32 when every parameter fits and float64 otherwise.
* :func:`to_qdq` -- weight-only QDQ: integer codes in a low-bit initializer (INT4, INT8,
  INT16, INT32; INT2 only with ``allow_int2=True``) followed by ``DequantizeLinear`` with a
  power-of-two scale, so the dequantized weights are again exactly the network's weights.

Both pin ``ir_version`` to the smallest IR version that carries the opset (ONNX 1.23 stamps
IR 14 by default, which older ONNX Runtime releases refuse) and record relubits metadata
(``relubits.format``, ``relubits.widths``, ``relubits.weight_bits``) in ``metadata_props``.

:func:`from_onnx` reads these files back -- and plain ``Gemm``/``MatMul``/``Add``/``Relu``
models written by other tools -- into an exact :class:`~relubits.Network`: every float
initializer is a binary fraction and is taken exactly.

ONNX Runtime note: with its default (extended) graph optimisations ORT fuses a weight-only
``DequantizeLinear -> MatMul`` into ``com.microsoft::MatMulNBits`` and then computes with
int8-quantized activations; use :func:`session` (basic optimisation level) whenever exact
agreement is expected.  See ``docs/export.md``.

Requires the ``onnx`` extra (``pip install 'relubits[onnx]'``).
"""

from __future__ import annotations

import json
import math
import os
from fractions import Fraction
from typing import Any

import numpy as np

from relubits.files import atomic_write

from relubits.exact import as_int
from relubits.io._optional import require
from relubits.network import Network

__all__ = [
    "to_onnx", "to_qdq", "from_onnx", "save_model", "load_model", "session", "run",
    "ir_version_for", "FLOAT_OPSET", "QDQ_OPSET", "INT2_OPSET", "SUPPORTED_OPS",
]

#: Opset of plain float exports (MatMul/Add/Relu are unchanged since opset 13/14).
FLOAT_OPSET = 17
#: Opset of QDQ exports: INT4/INT16 in DequantizeLinear need opset 21.
QDQ_OPSET = 21
#: INT2 in DequantizeLinear needs opset 25.
INT2_OPSET = 25
#: Ops :func:`from_onnx` understands (default domain), plus QONNX ``Quant``/``BipolarQuant`` on constants.
SUPPORTED_OPS = ("MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Relu", "Identity", "Constant", "DequantizeLinear")

_CONTAINERS = (2, 4, 8, 16, 32)


def _onnx():
    return require("onnx", "onnx")


def ir_version_for(opset: int) -> int:
    """Smallest ONNX IR version that carries ``opset`` (from ``onnx.helper.VERSION_TABLE``).

    Exported models are stamped with it because ``onnx.helper.make_model`` stamps the newest
    IR version, which released ONNX Runtimes may refuse to load.
    """
    onnx = _onnx()
    opset = as_int(opset, "opset", 7)
    irs = [row[1] for row in onnx.helper.VERSION_TABLE if row[2] >= opset]
    if not irs:
        raise ValueError(f"opset must be at most {max(r[2] for r in onnx.helper.VERSION_TABLE)} for the installed onnx, got {opset}")
    return min(irs)


# ----------------------------------------------------------------------------------------------
# exact parameters -> float arrays
# ----------------------------------------------------------------------------------------------
def _float_exact(num: np.ndarray, den: int, dtype: type, what: str) -> np.ndarray:
    """``num / den`` as ``dtype`` if every entry is exactly representable, else ValueError naming one."""
    num = np.asarray(num, dtype=object)
    is_pow2 = den & (den - 1) == 0
    big = num.size and max(abs(int(v)) for v in num.ravel()) >= 2**53
    if is_pow2 and not big and den < 2**1000:
        f64 = num.astype(np.float64) / float(den) if num.size else np.zeros(num.shape)
        ok64 = True
    else:
        f64 = np.array([float(Fraction(int(v), den)) for v in num.ravel()], dtype=np.float64).reshape(num.shape)
        ok64 = False
    with np.errstate(over="ignore", under="ignore"):
        out = f64.astype(dtype)
    good = np.isfinite(out) & (out.astype(np.float64) == f64)
    if ok64 and good.all():
        return out
    for idx, v in np.ndenumerate(num):
        exact = Fraction(int(v), den)
        if not good[idx] or Fraction(float(out[idx])) != exact:
            where = ", ".join(map(str, idx))
            raise ValueError(
                f"{what}[{where}] = {exact} is not exactly representable in {np.dtype(dtype).name}; "
                "put the network on a coarser dyadic grid (Grid.fixed), or use the float ONNX export with dtype='float64'")
    return out


def _float_layers(net: Network, dtype: type) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for i, (A, c, d) in enumerate(net.integer_layers):
        out.append((_float_exact(A, d, dtype, f"layer {i} weight"), _float_exact(c, d, dtype, f"layer {i} bias")))
    return out


def _pick_dtype(net: Network, dtype: str) -> tuple[type, list]:
    if dtype not in ("auto", "float32", "float64"):
        raise ValueError(f"dtype must be 'auto', 'float32' or 'float64', got {dtype!r}")
    if dtype in ("auto", "float32"):
        try:
            return np.float32, _float_layers(net, np.float32)
        except ValueError:
            if dtype == "float32":
                raise
    return np.float64, _float_layers(net, np.float64)


def _check_net(net: Any) -> None:
    if not isinstance(net, Network):
        raise TypeError(f"net must be a relubits Network, got {type(net).__name__}")


# ----------------------------------------------------------------------------------------------
# export
# ----------------------------------------------------------------------------------------------
def _model(nodes, inits, net: Network, elem: int, opset: int, meta: dict, extra_opsets=()) -> Any:
    onnx = _onnx()
    h = onnx.helper
    x = h.make_tensor_value_info("x", elem, ["n", net.input_dim])
    y = h.make_tensor_value_info("y", elem, ["n", net.output_dim])
    graph = h.make_graph(nodes, "relubits_network", [x], [y], inits)
    opsets = [h.make_opsetid("", opset)] + [h.make_opsetid(dom, v) for dom, v in extra_opsets]
    model = h.make_model(graph, opset_imports=opsets, producer_name="relubits")
    model.ir_version = ir_version_for(opset)
    from relubits import __version__
    props = {"relubits.version": __version__, "relubits.widths": json.dumps(list(net.widths)), **meta}
    h.set_model_props(model, {k: str(v) for k, v in props.items()})
    onnx.checker.check_model(model)
    return model


def _affine_nodes(i: int, last: bool, h_in: str, w_name: str, b_name: str, out_name: str | None) -> tuple[list, str]:
    onnx = _onnx()
    mk = onnx.helper.make_node
    pre = out_name if (last and out_name) else f"layer{i}.pre"
    nodes = [mk("MatMul", [h_in, w_name], [f"layer{i}.matmul"], name=f"layer{i}.MatMul"),
             mk("Add", [f"layer{i}.matmul", b_name], [pre], name=f"layer{i}.Add")]
    if last:
        return nodes, pre
    nodes.append(mk("Relu", [pre], [f"layer{i}.act"], name=f"layer{i}.Relu"))
    return nodes, f"layer{i}.act"


def to_onnx(net: Network, path: str | os.PathLike | None = None, *, dtype: str = "auto", opset: int = FLOAT_OPSET):
    """Plain float ONNX graph computing ``net`` with its exact parameters.

    Parameters
    ----------
    net : Network
    path : str or PathLike, optional
        If given, the model is also written there atomically (temporary file + ``os.replace``).
    dtype : {"auto", "float32", "float64"}
        Float type of initializers, input and output.  ``"float32"`` raises if a parameter is
        not exactly a float32; ``"auto"`` falls back to float64; ``"float64"`` raises if a
        parameter is not exactly a float64 (for example ``1/3``).
    opset : int
        Default-domain opset (>= 14); ``ir_version`` is set to :func:`ir_version_for` it.

    Returns
    -------
    onnx.ModelProto
        Input ``x`` of shape ``(n, input_dim)``, output ``y`` of shape ``(n, output_dim)``.

    Raises
    ------
    ValueError
        A parameter not exactly representable in the requested float type (the message names
        the layer and index), a bad ``dtype`` or ``opset``.

    Examples
    --------
    >>> from relubits import Network
    >>> m = to_onnx(Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 1]], [0])]))
    >>> [n.op_type for n in m.graph.node]
    ['MatMul', 'Add', 'Relu', 'MatMul', 'Add']
    """
    onnx = _onnx()
    _check_net(net)
    opset = as_int(opset, "opset", 14)
    np_dtype, layers = _pick_dtype(net, dtype)
    elem = onnx.TensorProto.FLOAT if np_dtype is np.float32 else onnx.TensorProto.DOUBLE
    nodes, inits = [], []
    h_in = "x"
    for i, (W, b) in enumerate(layers):
        last = i == len(layers) - 1
        inits.append(onnx.numpy_helper.from_array(np.ascontiguousarray(W.T), f"layer{i}.weight"))
        inits.append(onnx.numpy_helper.from_array(b, f"layer{i}.bias"))
        ns, h_in = _affine_nodes(i, last, h_in, f"layer{i}.weight", f"layer{i}.bias", "y")
        nodes += ns
    meta = {"relubits.format": "onnx", "relubits.dtype": np.dtype(np_dtype).name}
    model = _model(nodes, inits, net, elem, opset, meta)
    if path is not None:
        save_model(model, path)
    return model


def _pow2_codes(A: np.ndarray, den: int, layer: int) -> tuple[np.ndarray, int]:
    """Weights ``A / den`` as integer codes ``q`` and an exponent ``e`` with ``A / den = q * 2**e``."""
    if den & (den - 1):
        raise ValueError(f"layer {layer} weights have denominator {den}, not a power of two; "
                         "QDQ and QONNX need power-of-two scales (put the network on Grid.fixed first)")
    g = 0
    for v in A.ravel():
        g = math.gcd(g, int(v))
    if g == 0:
        return np.zeros(A.shape, dtype=np.int64), 0
    tz = (g & -g).bit_length() - 1  # largest power of two dividing every weight numerator
    q = np.array([int(v) >> tz for v in A.ravel()], dtype=object).reshape(A.shape)
    return q, tz - (den.bit_length() - 1)


def _code_bits(q: np.ndarray) -> int:
    """Smallest signed two's-complement width holding every code (at least 1)."""
    if q.size == 0:
        return 1
    lo, hi = min(int(v) for v in q.ravel()), max(int(v) for v in q.ravel())
    b = 1
    while not (-(1 << (b - 1)) <= lo and hi <= (1 << (b - 1)) - 1):
        b += 1
    return b


def _check_bits(bits: Any) -> int | None:
    if bits is None:
        return None
    return as_int(bits, "bits", 1, 32)


def to_qdq(net: Network, path: str | os.PathLike | None = None, *, bits: int | None = None,
           allow_int2: bool = False, opset: int | None = None):
    """Weight-only QDQ graph: integer weight codes + ``DequantizeLinear`` with power-of-two scales.

    Per layer ``W = q * 2**e`` exactly, with ``q`` stored in the smallest ONNX integer container
    that holds ``bits`` bits (INT4, INT8, INT16, INT32; INT2 only with ``allow_int2``); biases and
    activations stay float32 and must be exact float32 numbers.

    Parameters
    ----------
    net : Network
        Every layer's weights must be dyadic (power-of-two denominator).
    path : str or PathLike, optional
        Also write the model there atomically.
    bits : int in 1..32, optional
        Signed bit-width of the weight codes; every code must fit (two's complement
        ``[-2**(bits-1), 2**(bits-1) - 1]``), otherwise ValueError.  Default: per layer the
        smallest width that holds its codes.  Widths without an ONNX type (3, 5, 6, ...) are
        stored in the next wider container; ``relubits.weight_bits`` records the true width.
    allow_int2 : bool
        Permit the INT2 container (opset 25).  Off by default: ONNX Runtime's fused
        ``MatMulNBits`` kernel has returned wrong results for INT2 weights (see docs/export.md).
    opset : int, optional
        Default: 21 (25 when an INT2 container is used).

    Returns
    -------
    onnx.ModelProto

    Raises
    ------
    ValueError
        ``bits`` outside 1..32, a code that does not fit ``bits``, a non-dyadic layer, a bias that
        is not exactly a float32.
    """
    onnx = _onnx()
    _check_net(net)
    bits = _check_bits(bits)
    containers = tuple(c for c in _CONTAINERS if c != 2 or allow_int2)
    tp = onnx.TensorProto
    ctype = {2: getattr(tp, "INT2", None), 4: getattr(tp, "INT4", None), 8: tp.INT8, 16: tp.INT16, 32: tp.INT32}
    nodes, inits, layer_bits, layer_exp, used = [], [], [], [], set()
    h_in = "x"
    L = net.depth
    for i, (A, c, den) in enumerate(net.integer_layers):
        q, e = _pow2_codes(A, den, i)
        need = _code_bits(q)
        if need > 32:
            raise ValueError(f"layer {i} has weight codes needing {need} bits (scale 2**{e}); QDQ export supports at most 32")
        b = need if bits is None else bits
        if need > b:
            raise ValueError(f"bits={bits} is too small: layer {i} has weight codes needing {need} bits "
                             f"(scale 2**{e}); use bits >= {need}")
        # DequantizeLinear returns float32: the dequantized weights must be float32 numbers
        _float_exact(A, den, np.float32, f"layer {i} weight")
        cont = next(cb for cb in containers if cb >= b)
        if ctype[cont] is None:
            raise ValueError(f"the installed onnx {onnx.__version__} has no INT{cont} type; "
                             "INT4 needs onnx >= 1.16 and INT2 onnx >= 1.20 (pip install -U onnx)")
        used.add(cont)
        if not -149 <= e <= 127:
            raise ValueError(f"layer {i} weight scale 2**{e} is outside the float32 range")
        qT = np.ascontiguousarray(q.T)
        inits.append(onnx.helper.make_tensor(f"layer{i}.weight_q", ctype[cont], list(qT.shape), [int(v) for v in qT.ravel()]))
        inits.append(onnx.helper.make_tensor(f"layer{i}.weight_scale", tp.FLOAT, [], [math.ldexp(1.0, e)]))
        inits.append(onnx.helper.make_tensor(f"layer{i}.weight_zero", ctype[cont], [], [0]))
        inits.append(onnx.numpy_helper.from_array(_float_exact(c, den, np.float32, f"layer {i} bias"), f"layer{i}.bias"))
        nodes.append(onnx.helper.make_node("DequantizeLinear", [f"layer{i}.weight_q", f"layer{i}.weight_scale", f"layer{i}.weight_zero"],
                                           [f"layer{i}.weight"], name=f"layer{i}.DequantizeLinear"))
        ns, h_in = _affine_nodes(i, i == L - 1, h_in, f"layer{i}.weight", f"layer{i}.bias", "y")
        nodes += ns
        layer_bits.append(b)
        layer_exp.append(e)
    if opset is None:
        opset = INT2_OPSET if 2 in used else QDQ_OPSET
    opset = as_int(opset, "opset", INT2_OPSET if 2 in used else (QDQ_OPSET if used & {4, 16} else 13))
    meta = {"relubits.format": "qdq", "relubits.dtype": "float32",
            "relubits.weight_bits": json.dumps(layer_bits), "relubits.weight_exponents": json.dumps(layer_exp)}
    model = _model(nodes, inits, net, tp.FLOAT, opset, meta)
    if path is not None:
        save_model(model, path)
    return model


def save_model(model: Any, path: str | os.PathLike) -> None:
    """Serialize ``model`` to ``path`` atomically: a temporary file in the same folder, then ``os.replace``."""
    atomic_write(path, model.SerializeToString())


# ----------------------------------------------------------------------------------------------
# running
# ----------------------------------------------------------------------------------------------
def load_model(src: Any, check: bool = True):
    """Load an ONNX model from a path, bytes or ``ModelProto``; ValueError if unreadable or invalid.

    Raises
    ------
    ValueError
        Truncated or corrupted file, or a model the ONNX checker rejects (message says which).
    OSError
        The file cannot be read.
    """
    onnx = _onnx()
    if isinstance(src, onnx.ModelProto):
        model = src
        where = "model"
    elif isinstance(src, (bytes, bytearray)):
        where = "model bytes"
        model = onnx.ModelProto()
        try:
            model.ParseFromString(bytes(src))
        except Exception as exc:  # protobuf DecodeError
            raise ValueError(f"{where} are not a valid ONNX model (truncated or corrupted?): {exc}") from None
    elif isinstance(src, (str, os.PathLike)):
        where = f"ONNX file {os.fspath(src)!r}"
        with open(src, "rb") as fh:
            raw = fh.read()
        model = onnx.ModelProto()
        try:
            model.ParseFromString(raw)
        except Exception as exc:
            raise ValueError(f"{where} is not a valid ONNX model (truncated or corrupted?): {exc}") from None
    else:
        raise TypeError(f"model must be a path, bytes or onnx.ModelProto, got {type(src).__name__}")
    if check:
        if len(model.graph.node) == 0 or len(model.graph.output) == 0:
            raise ValueError(f"{where} has an empty graph (truncated or corrupted file?)")
        try:
            onnx.checker.check_model(model)
        except Exception as exc:
            msg = str(exc).strip().splitlines()
            raise ValueError(f"{where} fails the ONNX checker: {msg[0] if msg else type(exc).__name__}") from None
    return model


def session(src: Any, level: str = "basic", threads: int | None = None):
    """An ONNX Runtime CPU session at a named graph-optimisation level.

    Parameters
    ----------
    src : path, bytes or ModelProto
    level : {"basic", "disable", "extended", "all"}
        ``"basic"`` (default) keeps weight-only QDQ as DequantizeLinear + MatMul in float32,
        so exported relubits networks run exactly as written; ``"extended"``/``"all"`` (ORT's
        default) may fuse them into int8-activation kernels.
    threads : int, optional
        ``intra_op_num_threads``.
    """
    ort = require("onnxruntime", "onnx")
    levels = {"disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL, "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
              "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED, "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}
    if level not in levels:
        raise ValueError(f"level must be one of {sorted(levels)}, got {level!r}")
    so = ort.SessionOptions()
    so.graph_optimization_level = levels[level]
    if threads is not None:
        so.intra_op_num_threads = as_int(threads, "threads", 1)
    model = load_model(src, check=False)
    try:
        return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ValueError(f"ONNX Runtime cannot load the model: {str(exc).strip().splitlines()[0]}") from None


def run(src: Any, X: np.ndarray, level: str = "basic") -> np.ndarray:
    """Run an exported model on ``X`` (shape ``(n, input_dim)``) with ONNX Runtime; returns ``(n, output_dim)``."""
    sess = session(src, level)
    inp = sess.get_inputs()[0]
    dt = np.float64 if inp.type == "tensor(double)" else np.float32
    return sess.run(None, {inp.name: np.asarray(X, dtype=dt)})[0]


# ----------------------------------------------------------------------------------------------
# import
# ----------------------------------------------------------------------------------------------
def _exact_array(arr: np.ndarray, name: str) -> np.ndarray:
    """Numeric array -> object array of Fractions (floats taken exactly)."""
    a = np.asarray(arr)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)):
            raise ValueError(f"initializer {name!r} holds NaN or infinite values")
        flat = [Fraction(float(v)) for v in a.astype(np.float64).ravel()]
    elif a.dtype.kind in "iub" or str(a.dtype).startswith(("int", "uint")):
        flat = [Fraction(int(v)) for v in a.astype(np.int64).ravel()]
    else:
        raise ValueError(f"initializer {name!r} has unsupported element type {a.dtype}")
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(a.shape)


def _tensor_array(t, onnx, name: str) -> np.ndarray:
    """``numpy_helper.to_array`` with a ValueError naming the tensor when its type or data is corrupt."""
    try:
        return onnx.numpy_helper.to_array(t)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"tensor {name!r} cannot be read (unknown element type or corrupt data: {exc})") from None


def _tensor_to_exact(t, onnx) -> np.ndarray:
    return _exact_array(_tensor_array(t, onnx, t.name), t.name)


def _ident(k: int) -> np.ndarray:
    M = np.empty((k, k), dtype=object)
    M[...] = Fraction(0)
    for j in range(k):
        M[j, j] = Fraction(1)
    return M


class _Act:
    """A tensor that depends on the input: earlier layers plus a pending affine map ``M x + v``.

    ``M is None`` stands for the identity (so a MatMul right after the input or a ReLU costs
    no matrix product: ``W^T I`` is just ``W^T``).
    """

    __slots__ = ("layers", "M", "v")

    def __init__(self, layers, M, v):
        self.layers, self.M, self.v = layers, M, v

    @property
    def dim(self) -> int:
        return self.v.shape[0]

    def matrix(self) -> np.ndarray:
        return _ident(self.dim) if self.M is None else self.M

    def left(self, B: np.ndarray) -> np.ndarray:
        """``B @ M`` (B has ``dim`` columns)."""
        return B.copy() if self.M is None else B.dot(self.M)


def _vec(C: np.ndarray, k: int, node: str) -> np.ndarray:
    """Broadcast a constant to a length-k feature vector (scalar, (k,), (1, k)); else ValueError."""
    if C.size == 1:
        out = np.empty(k, dtype=object)
        out[:] = C.ravel()[0]
        return out
    if C.ndim >= 1 and C.shape[-1] == k and C.size == k:
        return C.reshape(k)
    raise ValueError(f"node {node!r}: constant of shape {C.shape} does not broadcast over {k} features "
                     "(only per-feature constants are supported)")


def _attrs(node, onnx) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def from_onnx(src: Any) -> Network:
    """Read a feed-forward ReLU network from ONNX into an exact :class:`~relubits.Network`.

    Understands the graphs written by :func:`to_onnx`, :func:`to_qdq` and
    :func:`relubits.io.qonnx.to_qonnx`, and plain models from other tools made of
    ``MatMul``/``Gemm``/``Add``/``Sub``/``Mul``/``Div`` with constant operands, ``Relu`` and
    ``Identity``; ``DequantizeLinear`` and QONNX ``Quant``/``BipolarQuant`` applied to
    constants are evaluated exactly.  Float initializers are binary fractions and are taken
    exactly, so the result computes precisely the real-number function the graph describes.

    Parameters
    ----------
    src : path, bytes or onnx.ModelProto

    Returns
    -------
    Network
        ``meta`` holds ``{"source": "onnx", ...}`` plus the file's ``relubits.*`` metadata.

    Raises
    ------
    ValueError
        Truncated/corrupted file, an unsupported op (named, e.g. ``Conv``, ``Sigmoid``), a
        dynamic or missing input feature dimension, more than one input or output, a weight
        that is not a constant, two activations combined (residual connections).
    """
    onnx = _onnx()
    model = load_model(src)
    g = model.graph
    init_names = {t.name for t in g.initializer}
    inputs = [i for i in g.input if i.name not in init_names]
    if len(inputs) != 1:
        raise ValueError(f"the model must have exactly one (non-initializer) input, got {len(inputs)}: {[i.name for i in inputs]}")
    if len(g.output) != 1:
        raise ValueError(f"the model must have exactly one output, got {len(g.output)}")
    inp = inputs[0]
    ttype = inp.type.tensor_type
    if not ttype.HasField("shape"):
        raise ValueError(f"input {inp.name!r} has no shape; relubits needs a static input of shape (batch, d)")
    dims = ttype.shape.dim
    if len(dims) != 2:
        raise ValueError(f"input {inp.name!r} must have rank 2 (batch, d), got rank {len(dims)}")
    if not dims[1].HasField("dim_value") or dims[1].dim_value <= 0:
        sym = dims[1].dim_param or "?"
        raise ValueError(f"dynamic shapes are not supported: input {inp.name!r} has feature dimension {sym!r}; "
                         "relubits needs a static input size d")
    d = int(dims[1].dim_value)
    env: dict[str, Any] = {t.name: _tensor_to_exact(t, onnx) for t in g.initializer}
    zero = np.empty(d, dtype=object)
    zero[:] = Fraction(0)
    env[inp.name] = _Act((), None, zero)

    from relubits.io import qonnx as _q

    for node in g.node:
        op, nm = node.op_type, node.name or node.output[0]
        dom = node.domain
        ins = [env.get(n) if n else None for n in node.input]
        for n, val in zip(node.input, ins):
            if n and val is None:
                raise ValueError(f"node {nm!r} ({op}) reads tensor {n!r}, which nothing produces")
        acts = [v for v in ins if isinstance(v, _Act)]
        if dom in _q.QONNX_DOMAINS:
            if acts:
                raise ValueError(f"node {nm!r}: {op} on activations (activation quantization) is not supported; "
                                 "relubits imports weight quantization only")
            env[node.output[0]] = _q.eval_const(op, ins, _attrs(node, onnx), nm)
            continue
        if dom not in ("", "ai.onnx"):
            raise ValueError(f"unsupported ONNX op {dom}:{op} (node {nm!r})")
        if op not in SUPPORTED_OPS:
            raise ValueError(f"unsupported ONNX op {op!r} (node {nm!r}); relubits imports feed-forward ReLU "
                             f"networks built from {', '.join(SUPPORTED_OPS)}")
        at = _attrs(node, onnx)
        if op == "Constant":
            if "value" not in at:
                raise ValueError(f"node {nm!r}: only Constant nodes with a tensor 'value' are supported")
            env[node.output[0]] = _exact_array(_tensor_array(at["value"], onnx, nm), nm)
            continue
        if op == "DequantizeLinear":
            if acts:
                raise ValueError(f"node {nm!r}: DequantizeLinear on activations is not supported (weight-only QDQ)")
            env[node.output[0]] = _dequantize(ins, at, nm)
            continue
        if not acts:  # constant folding of the remaining arithmetic is not needed by any exporter
            raise ValueError(f"node {nm!r} ({op}) has only constant inputs; fold constants before importing")
        if len(acts) > 1:
            raise ValueError(f"node {nm!r} ({op}) combines two activations (residual/branching graphs are not supported)")
        env[node.output[0]] = _apply(op, ins, at, nm)
        if len(node.output) > 1 and any(node.output[1:]):
            raise ValueError(f"node {nm!r} ({op}): extra outputs are not supported")
    out = env.get(g.output[0].name)
    if not isinstance(out, _Act):
        raise ValueError(f"output {g.output[0].name!r} does not depend on the input")
    layers = list(out.layers) + [(out.matrix(), out.v)]
    meta = {"source": "onnx"}
    meta.update({p.key: p.value for p in model.metadata_props if p.key.startswith("relubits.")})
    return Network.from_layers(layers, meta=meta)


def _dequantize(ins, at, nm) -> np.ndarray:
    q, scale = ins[0], ins[1]
    zp = ins[2] if len(ins) > 2 and ins[2] is not None else None
    if at.get("block_size", 0):
        raise ValueError(f"node {nm!r}: blocked DequantizeLinear is not supported")
    axis = at.get("axis", 1)
    if scale.size > 1 or (zp is not None and zp.size > 1):
        ax = axis % q.ndim
        shape = [1] * q.ndim
        shape[ax] = q.shape[ax]
        scale = scale.reshape(shape)
        zp = zp.reshape(shape) if zp is not None else None
    return (q - zp) * scale if zp is not None else q * scale


def _apply(op: str, ins, at, nm) -> "_Act":
    a_idx = 0 if isinstance(ins[0], _Act) else 1
    act = ins[a_idx]
    k = act.dim
    if op in ("Identity",):
        return act
    if op == "Relu":
        zero = np.empty(k, dtype=object)
        zero[:] = Fraction(0)
        return _Act(act.layers + ((act.matrix(), act.v),), None, zero)
    if op == "MatMul":
        if a_idx != 0:
            raise ValueError(f"node {nm!r}: MatMul(W, x) with the weight first is not supported")
        W = ins[1]
        if W.ndim != 2 or W.shape[0] != k:
            raise ValueError(f"node {nm!r}: MatMul weight of shape {W.shape} does not fit {k} features")
        return _Act(act.layers, act.left(W.T), W.T.dot(act.v))
    if op == "Gemm":
        if a_idx != 0 or at.get("transA", 0):
            raise ValueError(f"node {nm!r}: Gemm must take the activation as its first input without transA")
        B = ins[1].T if at.get("transB", 0) else ins[1]
        if B.ndim != 2 or B.shape[0] != k:
            raise ValueError(f"node {nm!r}: Gemm weight of shape {ins[1].shape} does not fit {k} features")
        alpha = Fraction(at.get("alpha", 1.0))
        beta = Fraction(at.get("beta", 1.0))
        M, v = act.left(B.T) * alpha, B.T.dot(act.v) * alpha
        if len(ins) > 2 and ins[2] is not None:
            v = v + _vec(ins[2], B.shape[1], nm) * beta
        return _Act(act.layers, M, v)
    C = ins[1 - a_idx]
    if op == "Add":
        return _Act(act.layers, act.M, act.v + _vec(C, k, nm))
    if op == "Sub":
        c = _vec(C, k, nm)
        return _Act(act.layers, act.M, act.v - c) if a_idx == 0 else _Act(act.layers, -act.matrix(), c - act.v)
    if op == "Mul":
        c = _vec(C, k, nm)
        return _Act(act.layers, act.matrix() * c[:, None], act.v * c)
    if op == "Div":
        if a_idx != 0:
            raise ValueError(f"node {nm!r}: Div(constant, x) is not affine")
        c = _vec(C, k, nm)
        if any(x == 0 for x in c):
            raise ValueError(f"node {nm!r}: division by zero")
        inv = np.array([1 / x for x in c], dtype=object)
        return _Act(act.layers, act.matrix() * inv[:, None], act.v * inv)
    raise ValueError(f"unsupported ONNX op {op!r} (node {nm!r})")  # pragma: no cover
