"""Check an exported file against relubits' exact evaluation, and export only what checks out.

:func:`verify_export` runs an ONNX / QDQ / QONNX file in its runtime (ONNX Runtime at the
*basic* optimisation level for ONNX and QDQ, ``qonnx``'s reference executor for QONNX) on at
least ``10**4`` inputs -- for a 1-D network every exact breakpoint, rounded down and up to the
file's float type, plus both ends of the domain and uniform random points -- and compares each
output with :meth:`Network.exact_batch` **exactly** (rational arithmetic).

What "agrees" means (proof in ``docs/export.md``):

* Per input, the check decides whether float arithmetic is *provably exact*: all parameters are
  exact floats (the exporters guarantee it) and, layer by layer, every product and every
  partial sum of ``A h + c`` is an integer multiple of ``2**-k`` below ``2**(p - k)`` in
  magnitude (``p = 24`` for float32, 53 for float64), whatever the summation order.  Then the
  runtime's output must be **bit-identical** to the exact value.
* Otherwise the output must lie within the standard forward-error bound
  ``e' = |A| e + gamma_{n+1} (|A| (|h| + e) + |c|)``, ``gamma_k = k u / (1 - k u)``, ``u = 2**-p``,
  propagated through the layers (ReLU is 1-Lipschitz), inflated by ``1 + 2**-20`` for the
  float64 rounding of the bound itself.  It holds for any summation order and with or
  without fused multiply-add.

:func:`export` writes a file only after it has passed: to a temporary file in the target folder,
verified from disk, then moved into place with ``os.replace``; on failure nothing is written.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from relubits.exact import array_gcd, as_int, dyadic_arrays, int_matmul
from relubits.io._optional import require
from relubits.network import Network

__all__ = ["ExportCheck", "verify_export", "export", "verification_inputs", "FORMATS"]

#: Export formats understood by :func:`export`.
FORMATS = ("onnx", "qdq", "qonnx")


@dataclass(frozen=True)
class ExportCheck:
    """Outcome of :func:`verify_export` (every figure *measured* on the stated inputs).

    Attributes
    ----------
    verified : bool
        Every output bit-identical where float arithmetic is provably exact, and within its
        per-input bound everywhere.
    max_abs_diff : float
        Largest ``|runtime - exact|`` over all inputs and outputs (exact difference, rounded to float).
    bound : float
        Largest per-input error bound (0 when every input is provably exact).
    n_inputs, n_bit_identical, n_exact_expected : int
        Inputs checked; outputs equal to the exact value bit for bit; inputs on which float
        arithmetic is provably exact.
    n_breakpoints : int
        Exact breakpoints included (1-D networks), each rounded down and up to the float type.
    format, runtime, dtype : str
    opset, ir_version : int
    worst_input : list of float
        An input attaining ``max_abs_diff``.
    """

    verified: bool
    max_abs_diff: float
    bound: float
    n_inputs: int
    n_bit_identical: int
    n_exact_expected: int
    n_breakpoints: int
    format: str
    runtime: str
    dtype: str
    opset: int
    ir_version: int
    worst_input: list

    def to_dict(self) -> dict:
        """JSON-ready dict of all fields."""
        return asdict(self)


def _detect_format(model) -> str:
    from relubits.io.qonnx import QONNX_DOMAINS

    props = {p.key: p.value for p in model.metadata_props}
    if any(n.domain in QONNX_DOMAINS for n in model.graph.node):
        return "qonnx"
    if props.get("relubits.format") in FORMATS:
        return props["relubits.format"]
    return "qdq" if any(n.op_type == "DequantizeLinear" for n in model.graph.node) else "onnx"


def _select(net: Network, j: int) -> Network:
    row = np.zeros((1, net.output_dim), dtype=np.int64)
    row[0, j] = 1
    from relubits.network import compose

    return compose(Network.from_integer_layers([(row, np.zeros(1, dtype=np.int64), 1)]), net)


def _round_both(x: Fraction, dtype) -> list[float]:
    """The float(s) of ``dtype`` nearest to ``x`` from below and above (one value if exact)."""
    f = dtype(float(x))
    if not np.isfinite(f):
        return []
    fx = Fraction(float(f))
    if fx == x:
        return [float(f)]
    other = np.nextafter(f, dtype(np.inf) if fx < x else dtype(-np.inf))
    return [float(f), float(other)]


def verification_inputs(net: Network, n: int = 10_000, domain: Any = (0, 1), seed: int = 0,
                        dtype: type = np.float32) -> tuple[np.ndarray, int]:
    """Inputs for :func:`verify_export`: breakpoints (1-D), domain ends, uniform random points.

    Every row is exactly representable in ``dtype``; returns ``(X, n_breakpoints)``.
    """
    from relubits.pieces import parse_domain

    a, b = parse_domain(domain)
    n = as_int(n, "n", 1)
    rng = np.random.default_rng(seed)
    d = net.input_dim
    pts: list[list[float]] = []
    n_bp = 0
    if d == 1:
        from relubits.pieces import pieces

        bps: set[Fraction] = set()
        for j in range(net.output_dim):
            bps.update(pieces(_select(net, j) if net.output_dim > 1 else net, (a, b)).breakpoints)
        n_bp = len(bps)
        for t in sorted(bps):
            pts.extend([v] for v in _round_both(t, dtype))
    corners = [float(dtype(float(a))), float(dtype(float(b)))]
    pts.extend([[corners[0]] * d, [corners[1]] * d])
    m = max(n - len(pts), 0)
    R = (float(a) + (float(b) - float(a)) * rng.random((m, d))).astype(dtype)
    # a quarter of the random points on the dyadic grid 2**-10 (where float arithmetic is often exact)
    q = m // 4
    Rq = np.round(R[:q].astype(np.float64) * 1024) / 1024
    Rq = np.clip(Rq, float(a), float(b))
    R[:q] = np.where((Rq >= float(a)) & (Rq <= float(b)), Rq, R[:q]).astype(dtype)
    X = np.vstack([np.asarray(pts, dtype=dtype).reshape(-1, d), R])
    return X, n_bp


# ----------------------------------------------------------------------------------------------
# exact reference with a per-input exactness test and float error bound
# ----------------------------------------------------------------------------------------------
def _small(a: np.ndarray) -> np.ndarray:
    """int64 copy when every entry is below 2**62 in magnitude, else object array of ints."""
    if a.dtype != object:
        return a
    if a.size == 0 or max(abs(int(v)) for v in a.ravel()) < 2**62:
        return a.astype(np.int64)
    return a


def _iaffine(H: np.ndarray, A: np.ndarray, c: np.ndarray, D: int) -> np.ndarray:
    """Exact integer ``H @ A.T + c * D`` (:func:`relubits.exact.int_matmul`: fast paths only when proved exact)."""
    cD = c.astype(object) * D
    return int_matmul(H, A.T, add=cD[None, :])


def _row_pow2(H: np.ndarray, D: int) -> np.ndarray:
    """Per row: the largest power of two dividing every entry of the row and ``D`` (``D`` a power of two)."""
    n = H.shape[0]
    if H.dtype != object and D < 2**62:
        low = np.where(H == 0, D, H & -H)  # lowest set bit; zero rows give D
        return np.minimum(low.min(axis=1) if H.shape[1] else np.full(n, D), D).astype(object)
    out = np.empty(n, dtype=object)
    for s in range(n):
        g = D
        for v in H[s]:
            v = int(v)
            if v:
                g = min(g, v & -v)
        out[s] = g
    return out


def _reference(net: Network, X: np.ndarray, p: int) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """Exact outputs (numerators, den), per-input exactness flags and float error bounds."""
    u = 2.0**-p
    kmin = -149 if p == 24 else -1074
    num, D = dyadic_arrays(np.asarray(X, dtype=np.float64), "X")
    H = _small(num)
    n = H.shape[0]
    exact = np.ones(n, dtype=bool)
    err = np.zeros((n, net.input_dim))
    layers = net.integer_layers
    last = len(layers) - 1
    for i, (A, c, den) in enumerate(layers):
        dyadic = den & (den - 1) == 0
        A, c = _small(A), _small(c)
        # exactness: |A_num| |H| + |c_num| D over the per-row power of two, below 2**p
        S = _iaffine(np.abs(H), np.abs(A), np.abs(c), D)
        g = _row_pow2(H, D)
        if dyadic:
            Smax = S.max(axis=1) if S.shape[1] else np.zeros(n, dtype=np.int64)
            lhs = Smax.astype(object) if S.dtype == object else Smax.astype(object)
            unit_exp = np.array([(int(gs).bit_length() - 1) - (den.bit_length() - 1) - (D.bit_length() - 1) for gs in g])
            ok = np.array([int(l) < (int(gs) << p) for l, gs in zip(lhs, g)], dtype=bool) & (unit_exp >= kmin)
            exact &= ok
        else:
            exact[:] = False
        # float forward-error bound
        Af = np.abs(A).astype(np.float64) / float(den) if den < 2**1000 else np.array([float(Fraction(int(v), den)) for v in np.abs(A).ravel()]).reshape(A.shape)
        cf = np.abs(c).astype(np.float64) / float(den) if den < 2**1000 else np.array([float(Fraction(int(v), den)) for v in np.abs(c).ravel()])
        mag = _to_float(np.abs(H), D)
        k = A.shape[1] + 1
        gamma = k * u / (1 - k * u)
        err = err @ Af.T + gamma * ((mag + err) @ Af.T + cf)
        # exact step
        H = _iaffine(H, A, c, D)
        D *= den
        if i < last:
            H = np.where(H > 0, H, 0) if H.dtype != object else np.where(H > 0, H, 0).astype(object)
        gall = array_gcd(H, D)
        if gall > 1:
            H = H // gall
            D //= gall
        H = _small(H.astype(object)) if H.dtype == object else H
    bound = np.where(exact[:, None], 0.0, err * (1 + 2.0**-20))
    return H, D, exact, bound


def _to_float(H: np.ndarray, D: int) -> np.ndarray:
    if H.dtype != object and D < 2**1000:
        return H.astype(np.float64) / float(D)
    return np.array([float(Fraction(int(v), D)) for v in H.ravel()], dtype=np.float64).reshape(H.shape)


def verify_export(net: Network, model: Any, *, n: int = 10_000, domain: Any = (0, 1), seed: int = 0,
                  level: str = "basic") -> ExportCheck:
    """Run an exported model in its runtime and compare with exact evaluation of ``net``.

    Parameters
    ----------
    net : Network
        The network the file claims to compute.
    model : path, bytes or onnx.ModelProto
        An ONNX, QDQ or QONNX model (format read from the file).
    n : int
        Number of inputs (at least this many: breakpoints come on top when they are more).
    domain : (a, b)
        Inputs are drawn from ``[a, b]**d``; for ``d == 1`` every breakpoint in ``[a, b]`` is included.
    seed : int
        Seed of the random inputs.
    level : str
        ONNX Runtime optimisation level (``"basic"``; ``"all"`` shows ORT's default fusions).

    Returns
    -------
    ExportCheck

    Raises
    ------
    ValueError
        Unreadable file, or a model whose input/output sizes differ from ``net``.
    relubits.io._optional.MissingExtraError
        ``onnxruntime`` (extra ``onnx``) or ``qonnx`` (extra ``qonnx``) missing.

    Examples
    --------
    >>> from relubits import Network
    >>> from relubits.io.onnx import to_onnx
    >>> net = Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    >>> chk = verify_export(net, to_onnx(net), n=100, domain=(-1, 1))
    >>> chk.verified, chk.max_abs_diff
    (True, 0.0)
    """
    from relubits.io.onnx import load_model

    if not isinstance(net, Network):
        raise TypeError(f"net must be a relubits Network, got {type(net).__name__}")
    m = load_model(model)
    fmt = _detect_format(m)
    onnx = require("onnx", "onnx")
    g = m.graph
    elem = g.input[0].type.tensor_type.elem_type
    if elem == onnx.TensorProto.FLOAT:
        dtype, p = np.float32, 24
    elif elem == onnx.TensorProto.DOUBLE:
        dtype, p = np.float64, 53
    else:
        raise ValueError(f"model input must be float32 or float64, got ONNX element type {elem}")
    dims = g.input[0].type.tensor_type.shape.dim
    if len(dims) != 2 or dims[1].dim_value != net.input_dim:
        raise ValueError(f"model input has shape {[x.dim_value or x.dim_param for x in dims]}, "
                         f"but the network takes {net.input_dim} inputs")
    X, n_bp = verification_inputs(net, n, domain, seed, dtype)
    if fmt == "qonnx":
        from relubits.io.qonnx import run_qonnx

        require("qonnx", "qonnx")
        from importlib.metadata import version

        Y = run_qonnx(m, X)
        runtime = f"qonnx {version('qonnx')} execute_onnx"
    else:
        from relubits.io.onnx import run

        ort = require("onnxruntime", "onnx")
        Y = run(m, X, level=level)
        runtime = f"onnxruntime {ort.__version__} CPU ({level} optimisation)"
    if Y.shape != (X.shape[0], net.output_dim):
        raise ValueError(f"model output has shape {Y.shape}, expected {(X.shape[0], net.output_dim)}")
    H, D, exact, bound = _reference(net, X, p)
    if not np.all(np.isfinite(Y)):
        diff = np.full(Y.shape, np.inf)
        same = np.zeros(Y.shape, dtype=bool)
    else:
        Yn, Yd = dyadic_arrays(Y.astype(np.float64), "Y")
        lhs = Yn.astype(object) * D  # Python ints: no wrap-around whatever dyadic_arrays returns
        rhs = H.astype(object) * Yd
        same = np.asarray(lhs == rhs, dtype=bool)
        den = D * Yd
        diff = np.array([float(Fraction(abs(int(v)), den)) for v in (lhs - rhs).ravel()]).reshape(Y.shape)
    ok_exact = bool(np.all(same[exact]))
    ok_bound = bool(np.all(diff <= bound))
    worst = int(np.unravel_index(np.argmax(diff), diff.shape)[0]) if diff.size else 0
    return ExportCheck(
        verified=ok_exact and ok_bound,
        max_abs_diff=float(diff.max()) if diff.size else 0.0,
        bound=float(bound.max()) if bound.size else 0.0,
        n_inputs=int(X.shape[0]),
        n_bit_identical=int(np.all(same, axis=1).sum()),
        n_exact_expected=int(exact.sum()),
        n_breakpoints=n_bp,
        format=fmt,
        runtime=runtime,
        dtype=np.dtype(dtype).name,
        opset=int(next((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), 0)),
        ir_version=int(m.ir_version),
        worst_input=[float(v) for v in X[worst]],
    )


def export(net: Network, path: str | os.PathLike, format: str = "onnx", *, bits: int | None = None,
           verify: bool = True, n: int = 10_000, domain: Any = (0, 1), seed: int = 0, **kwargs) -> ExportCheck | None:
    """Write ``net`` as ONNX, QDQ or QONNX -- only if the written file passes :func:`verify_export`.

    Parameters
    ----------
    net : Network
    path : str or PathLike
        Destination; untouched unless the new file verifies.
    format : {"onnx", "qdq", "qonnx"}
    bits : int in 1..32, optional
        Weight bit-width for ``"qdq"``/``"qonnx"`` (ignored with a ValueError for ``"onnx"``).
    verify : bool
        Run :func:`verify_export` on the temporary file before moving it into place.
    n, domain, seed
        Passed to :func:`verify_export`.
    **kwargs
        Passed to the exporter (``dtype`` for onnx, ``allow_int2`` for qdq, ``opset``).

    Returns
    -------
    ExportCheck or None (when ``verify=False``)

    Raises
    ------
    ValueError
        Unknown format, bad bits, an unexportable network, or a failed verification
        (nothing is written in every case).
    """
    from relubits.io.onnx import save_model, to_onnx, to_qdq
    from relubits.io.qonnx import to_qonnx

    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if format == "onnx":
        if bits is not None:
            raise ValueError("bits applies to the qdq and qonnx formats only (float ONNX stores exact floats)")
        model = to_onnx(net, **kwargs)
    elif format == "qdq":
        model = to_qdq(net, bits=bits, **kwargs)
    else:
        model = to_qonnx(net, bits=bits, **kwargs)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"out: folder {folder!r} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".relubits-", suffix=".onnx.tmp")
    os.close(fd)
    try:
        save_model(model, tmp)
        check = verify_export(net, tmp, n=n, domain=domain, seed=seed) if verify else None
        if check is not None and not check.verified:
            raise ValueError(f"export failed verification on {check.runtime}: max_abs_diff {check.max_abs_diff:.3g} "
                             f"exceeds the bound {check.bound:.3g} (or an exact output differs); nothing was written")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return check
