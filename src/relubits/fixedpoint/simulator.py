"""Bit-exact evaluation of a network under fixed-point arithmetic.

A :class:`FixedNetwork` holds integer *codes* of its weights and biases in one
:class:`~relubits.fixedpoint.formats.FixedFormat` and evaluates

    h_0 = x,  h_l = sigma_Q(A_l(h_{l-1})) (hidden layers),  y = A_L(h_{L-1})

where each affine map ``A`` is evaluated under one of two arithmetic semantics:

``"per-op"`` (per-operation rounding)
    every product ``w (x) h`` is rounded to the format (rounding mode, then overflow mode), then
    the terms are added left to right, each addition followed by the overflow mode (a sum of two
    grid values is on the grid, so only overflow can happen).  The bias is the last term
    (``bias="last"``, default) or the first (``bias="first"``).

``"fused"`` (fused accumulation)
    the exact sum of the exact products and the bias is rounded once and the overflow mode applied
    once; the accumulator is wide enough for every exact value
    (:func:`~relubits.fixedpoint.formats.accumulator_bits` bits, stated in :attr:`FixedNetwork.accumulators`).

Integer kernels (NumPy, vectorised over the batch).  The dtype of each layer is chosen from a
proof, not a guess: codes satisfy ``|k| <= 2**(b-1)``; a product is at most ``2**(2b-2)``; a sum of
``n`` terms below ``2**e`` is below ``2**(e + ceil(log2 n))``.  When that bound (plus a sign and a
guard bit) is at most 32 bits the layer runs in int32, at most 64 in int64, and otherwise in exact
Python ints (object arrays) -- never a silent wrap.  For ``per-op`` with saturation the exact sum
equals the left-to-right saturating sum whenever the sum of the positive terms and the sum of the
negative terms are both in range (every partial sum lies between them); only the other (row,
neuron) pairs are re-added sequentially.  With ``wrap`` the sequential sum equals the wrapped
exact sum (reduction modulo the number of codes is a ring homomorphism).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from relubits.fixedpoint.activations import ACTIVATIONS, rounded_activation
from relubits.fixedpoint.formats import (
    MAX_INT64_BITS,
    FixedFormat,
    accumulator_bits,
    apply_overflow,
    round_shift,
)

__all__ = ["FixedNetwork", "SEMANTICS", "BACKENDS"]

SEMANTICS = ("per-op", "fused")
BACKENDS = ("auto", "int64", "exact")
_CHUNK_ELEMS = 1 << 16  # products per chunk: keeps the temporaries in cache


def _as_code_array(a: Any, fmt: FixedFormat, what: str, ndim: int) -> np.ndarray:
    # plain sequences are read as Python objects: np.asarray would turn ints beyond int64 into floats
    arr = a if isinstance(a, np.ndarray) else np.array(a, dtype=object)
    if arr.dtype == object and arr.size and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                                for v in arr.ravel()) and max(abs(int(v)) for v in arr.ravel()) < 2**62:
        arr = arr.astype(np.int64)
    if arr.dtype == object:
        flat = arr.ravel()
        for i, v in enumerate(flat):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"{what} must hold integer codes; entry {i} is {v!r} (use FixedNetwork.from_values for numbers)")
    elif not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{what} must hold integer codes, got dtype {arr.dtype} (use FixedNetwork.from_values for numbers)")
    if arr.ndim != ndim:
        raise ValueError(f"{what} must be {ndim}-dimensional, got shape {arr.shape}")
    if arr.size:
        lo, hi = min(int(v) for v in (arr.min(),)), max(int(v) for v in (arr.max(),))
        if lo < fmt.k_min or hi > fmt.k_max:
            bad_idx = np.unravel_index(int(np.argmax((arr < fmt.k_min) | (arr > fmt.k_max))), arr.shape)
            bad = int(arr[bad_idx])
            raise ValueError(
                f"{what}{list(int(i) for i in bad_idx)} = code {bad} (value {Fraction(bad, fmt.scale)}) is outside "
                f"the format {fmt.name}: codes must lie in [{fmt.k_min}, {fmt.k_max}]"
            )
    if fmt.bits > MAX_INT64_BITS:
        return np.array([int(v) for v in arr.ravel()], dtype=object).reshape(arr.shape)
    return arr.astype(np.int64)


@dataclass(frozen=True)
class _LayerPlan:
    fan_in: int
    acc_bits: int
    dtype: Any  # np.int32, np.int64 or object


class FixedNetwork:
    """A network with parameters in a fixed-point format, evaluated bit-exactly.

    Parameters
    ----------
    layers : sequence of (W, b)
        Integer codes: ``W`` of shape (out, in), ``b`` of length out; value = code / 2**frac_bits.
    fmt : FixedFormat
        Format of parameters, inputs, pre-activations and activations.
    activation : str
        One of :data:`~relubits.fixedpoint.activations.ACTIVATIONS` (applied after every hidden
        affine map, never after the last).
    semantics : str
        ``"per-op"`` or ``"fused"`` (see the module docstring).
    bias : str
        ``"last"`` or ``"first"``: position of the bias in the per-op left-to-right sum.
    backend : str
        ``"auto"`` (int32/int64 from the proof, Python ints beyond), ``"int64"`` (raise if the
        proof does not allow it) or ``"exact"`` (Python ints throughout; needed above 62 bits).

    Raises
    ------
    ValueError, TypeError
        Parameters off the format (naming layer and index), wrong shapes, unknown names.

    Examples
    --------
    >>> from relubits.fixedpoint import FixedFormat, FixedNetwork
    >>> f = FixedFormat(2, 2)                      # Q2.2: values k/4, k in [-16, 15]
    >>> net = FixedNetwork([([[4]], [-2]), ([[6]], [0])], f)   # 1.5 * relu(x - 0.5)
    >>> net.forward([[4], [15]]).ravel().tolist()   # x = 1 -> 0.75; x = 3.75 -> 4.875 saturates
    [3, 15]
    """

    def __init__(
        self,
        layers: Sequence[tuple[Any, Any]],
        fmt: FixedFormat,
        activation: str = "relu",
        semantics: str = "per-op",
        bias: str = "last",
        backend: str = "auto",
    ) -> None:
        if not isinstance(fmt, FixedFormat):
            raise TypeError(f"fmt must be a FixedFormat, got {type(fmt).__name__}")
        if not isinstance(activation, str) or activation.lower() not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {list(ACTIVATIONS)}, got {activation!r}")
        if semantics not in SEMANTICS:
            raise ValueError(f"semantics must be one of {list(SEMANTICS)}, got {semantics!r}")
        if bias not in ("last", "first"):
            raise ValueError(f"bias must be 'last' or 'first', got {bias!r}")
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
        if fmt.bits > MAX_INT64_BITS and backend != "exact":
            raise ValueError(
                f"fmt has {fmt.bits} bits > {MAX_INT64_BITS}: pass backend='exact' to evaluate with Python ints"
            )
        if len(layers) < 1:
            raise ValueError("layers must hold at least one (W, b) pair")
        self.fmt = fmt
        self.activation = activation.lower()
        self.semantics = semantics
        self.bias = bias
        self.backend = backend
        Ws, bs = [], []
        prev = None
        for i, pair in enumerate(layers):
            if len(pair) != 2:
                raise ValueError(f"layers[{i}] must be a (W, b) pair")
            W = _as_code_array(pair[0], fmt, f"layer {i} weight", 2)
            b = _as_code_array(pair[1], fmt, f"layer {i} bias", 1)
            if b.shape[0] != W.shape[0]:
                raise ValueError(f"layer {i}: bias has length {b.shape[0]} but W has {W.shape[0]} rows")
            if prev is not None and W.shape[1] != prev:
                raise ValueError(f"layer {i}: W has {W.shape[1]} columns but the previous layer has {prev} outputs")
            prev = W.shape[0]
            Ws.append(W)
            bs.append(b)
        self.weights = tuple(Ws)
        self.biases = tuple(bs)
        for a in self.weights + self.biases:
            a.setflags(write=False)
        plans = []
        for i, W in enumerate(self.weights):
            acc = accumulator_bits(fmt, W.shape[1], semantics == "fused")
            if backend == "exact" or fmt.bits > MAX_INT64_BITS:
                dt: Any = object
            elif acc <= 32:
                dt = np.int32
            elif acc <= 64:
                dt = np.int64
            elif backend == "int64":
                raise ValueError(
                    f"layer {i}: the accumulator needs {acc} bits (format {fmt.bits} bits, fan-in {W.shape[1]}), "
                    "more than int64; use backend='auto' or 'exact'"
                )
            else:
                dt = object
            plans.append(_LayerPlan(W.shape[1], acc, dt))
        self._plans = tuple(plans)
        self._act = None if self.activation in ("relu", "identity") else rounded_activation(self.activation, fmt)

    # ----------------------------------------------------------- constructors
    @classmethod
    def from_values(cls, layers: Sequence[tuple[Any, Any]], fmt: FixedFormat, **kw: Any) -> "FixedNetwork":
        """Build from exact parameter *values* (ints, Fractions, floats taken exactly, strings).

        Raises
        ------
        ValueError
            If a value is not representable in ``fmt`` (message names layer, kind and index).
        """
        coded = []
        for i, (W, b) in enumerate(layers):
            coded.append((fmt.to_codes(W, name=f"layer {i} weight"), fmt.to_codes(b, name=f"layer {i} bias")))
        return cls(coded, fmt, **kw)

    @classmethod
    def from_network(cls, net: Any, fmt: FixedFormat, activation: str = "relu", **kw: Any) -> "FixedNetwork":
        """Build from a :class:`relubits.Network` (its ``integer_layers``) whose parameters lie in ``fmt``.

        Raises
        ------
        ValueError
            If a parameter of ``net`` is not representable in ``fmt``.
        """
        layers = []
        for i, (A_num, c_num, den) in enumerate(net.integer_layers):
            den = int(den)
            def conv(arr: Any, what: str) -> np.ndarray:
                a = np.asarray(arr, dtype=object)
                out = np.empty(a.shape, dtype=object)
                for idx, v in np.ndenumerate(a):
                    q = Fraction(int(v) * fmt.scale, den)
                    if q.denominator != 1:
                        raise ValueError(
                            f"layer {i} {what}{list(idx)} = {Fraction(int(v), den)} is not a multiple of "
                            f"2**-{fmt.frac_bits} (format {fmt.name})"
                        )
                    out[idx] = q.numerator
                return out
            layers.append((conv(A_num, "weight"), conv(c_num, "bias")))
        return cls(layers, fmt, activation=activation, **kw)

    # ------------------------------------------------------------- sizes
    @property
    def depth(self) -> int:
        """Number of affine maps."""
        return len(self.weights)

    @property
    def widths(self) -> tuple[int, ...]:
        return (self.weights[0].shape[1],) + tuple(W.shape[0] for W in self.weights)

    @property
    def width(self) -> int:
        """Largest hidden layer (0 for depth 1)."""
        return max(self.widths[1:-1], default=0)

    @property
    def input_dim(self) -> int:
        return self.widths[0]

    @property
    def output_dim(self) -> int:
        return self.widths[-1]

    @property
    def n_params(self) -> int:
        """All weights and biases (zeros included)."""
        return sum(W.size + b.size for W, b in zip(self.weights, self.biases))

    @property
    def n_nonzero(self) -> int:
        return sum(int(np.count_nonzero(W)) + int(np.count_nonzero(b)) for W, b in zip(self.weights, self.biases))

    @property
    def accumulators(self) -> list[dict]:
        """Per layer: fan-in, accumulator bits from the proof, and the dtype used."""
        return [
            {"fan_in": p.fan_in, "accumulator_bits": p.acc_bits,
             "dtype": "python-int" if p.dtype is object else np.dtype(p.dtype).name}
            for p in self._plans
        ]

    def __repr__(self) -> str:
        return (f"FixedNetwork(widths={self.widths}, fmt={self.fmt}, activation={self.activation!r}, "
                f"semantics={self.semantics!r}, bias={self.bias!r})")

    # --------------------------------------------------------- evaluation
    def forward(self, X: Any) -> np.ndarray:
        """Evaluate on a batch of input *codes*.

        Parameters
        ----------
        X : array_like of int, shape (n, d) (or (n,) when d == 1)

        Returns
        -------
        numpy.ndarray of shape (n, out): output codes (int64, or object above 62 bits).

        Raises
        ------
        ValueError
            Inputs off the format or of the wrong shape.
        FixedOverflowError
            An overflow with ``overflow='error'``.
        """
        X = np.asarray(X)
        if X.ndim == 1 and self.input_dim == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != self.input_dim:
            raise ValueError(f"X must have shape (n, {self.input_dim}), got {X.shape}")
        H = _as_code_array(X, self.fmt, "input", 2)
        for i in range(self.depth):
            H = self._affine(i, H)
            if i < self.depth - 1:
                H = self._activate(H)
        return H.astype(np.int64) if H.dtype != object else H

    def evaluate(self, X: Any) -> np.ndarray:
        """Evaluate on exact input *values*; returns an object array of Fractions, shape (n, out)."""
        X = np.asarray(X, dtype=object)
        if X.ndim == 1 and self.input_dim == 1:
            X = X[:, None]
        codes = self.fmt.to_codes(X, name="input")
        out = self.forward(codes)
        res = np.empty(out.shape, dtype=object)
        for idx, k in np.ndenumerate(out):
            res[idx] = Fraction(int(k), self.fmt.scale)
        return res

    __call__ = forward

    def _activate(self, Z: np.ndarray) -> np.ndarray:
        if self.activation == "relu":
            return np.maximum(Z, 0) if Z.dtype != object else np.where(Z > 0, Z, 0).astype(object)
        if self.activation == "identity":
            return Z
        return self._act(Z)

    def _affine(self, i: int, H: np.ndarray) -> np.ndarray:
        plan = self._plans[i]
        dt = plan.dtype
        W = self.weights[i].astype(dt)
        b = self.biases[i].astype(dt)
        H = H.astype(dt)
        where = f"layer {i}"
        self._current = i
        if self.semantics == "fused":
            return self._affine_fused(H, W, b, where)
        n, fin = H.shape
        out = W.shape[0]
        if n == 0:
            return np.zeros((0, out), dtype=dt)
        res = np.empty((n, out), dtype=dt)
        ell = self._ell(i)
        width = fin if ell is None else ell[0].shape[1]
        rows = max(1, _CHUNK_ELEMS // max(1, out * max(width, 1)))
        for start in range(0, n, rows):
            res[start:start + rows] = self._perop_chunk(H[start:start + rows], W, b, where, ell)
        return res

    def _ell(self, i: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Sparse (ELLPACK) form of layer i when it pays: per output row, the column indices of the
        nonzero weights in increasing order, padded at the end with zero weights.  A zero weight
        gives the product 0 exactly in every rounding mode, and adding 0 leaves every partial sum
        (saturated or not) unchanged, so skipping zeros changes no bit."""
        cache = self.__dict__.setdefault("_ell_cache", {})
        if i in cache:
            return cache[i]
        W = self.weights[i]
        out, fin = W.shape
        nnz_row = (W != 0).sum(axis=1) if out else np.zeros(0, dtype=int)
        k = int(nnz_row.max(initial=0))
        res = None
        if out * fin >= 4096 and 2 * k <= fin:
            idx = np.zeros((out, max(k, 1)), dtype=np.int64)
            wts = np.zeros((out, max(k, 1)), dtype=W.dtype)
            for o in range(out):
                nz = np.flatnonzero(W[o])
                idx[o, : nz.size] = nz
                wts[o, : nz.size] = W[o, nz]
            res = (idx, wts)
        cache[i] = res
        return res

    def _affine_fused(self, H: np.ndarray, W: np.ndarray, b: np.ndarray, where: str) -> np.ndarray:
        fmt = self.fmt
        s = fmt.frac_bits
        ell = self._ell(self._current)
        if ell is not None:
            idx, wts = ell
            wts = wts.astype(H.dtype)
            rows = max(1, _CHUNK_ELEMS // max(1, idx.size))
            acc = np.empty((H.shape[0], W.shape[0]), dtype=H.dtype)
            for st in range(0, H.shape[0], rows):
                acc[st:st + rows] = (H[st:st + rows, idx] * wts[None]).sum(axis=2)
            acc = acc + (b << s)[None, :] if acc.dtype != object else acc + np.array(
                [int(v) << s for v in b], dtype=object)[None, :]
            return apply_overflow(round_shift(acc, s, fmt.rounding), fmt, where)
        if H.dtype != object and H.shape[1] and max(
            int(np.abs(W).max(initial=0)) * int(np.abs(H).max(initial=0)) * H.shape[1], 1
        ) < 2**53:
            # every partial sum is an integer below 2**53 in magnitude: float64 BLAS is exact
            acc = (H.astype(np.float64) @ W.T.astype(np.float64)).astype(np.int64)
        else:
            acc = H.astype(W.dtype) @ W.T if H.dtype != object else np.dot(H, W.T)
            if H.shape[1] == 0:
                acc = np.zeros((H.shape[0], W.shape[0]), dtype=W.dtype)
        acc = acc.astype(W.dtype) + (b << s)[None, :] if W.dtype != object else acc + np.array(
            [int(v) << s for v in b], dtype=object)[None, :]
        return apply_overflow(round_shift(acc, s, fmt.rounding), fmt, where)

    def _perop_chunk(self, H: np.ndarray, W: np.ndarray, b: np.ndarray, where: str,
                     ell: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        fmt = self.fmt
        lo, hi = fmt.k_min, fmt.k_max
        if ell is None:
            P = H[:, None, :] * W[None, :, :]  # (c, out, fin) exact products at 2s fraction bits
        else:
            P = H[:, ell[0]] * ell[1].astype(H.dtype)[None, :, :]  # (c, out, k): nonzeros in order
        P = round_shift(P, fmt.frac_bits, fmt.rounding)
        P = apply_overflow(P, fmt, where + " (product)")
        total = P.sum(axis=2) + b[None, :] if P.shape[2] else np.broadcast_to(b, (P.shape[0], b.shape[0])).copy()
        if fmt.overflow == "wrap":
            return apply_overflow(total, fmt)
        # every partial sum lies between the sum of the negative and of the positive terms
        posP = np.maximum(P, 0) if P.dtype != object else np.where(P > 0, P, 0)
        pos = posP.sum(axis=2) + np.maximum(b, 0)[None, :] if P.shape[2] else np.maximum(b, 0)[None, :] + 0 * total
        neg = total - pos
        ok = (pos <= hi) & (neg >= lo)
        if ok.all():
            return total
        # sequential left-to-right sum, only where a partial sum may leave the range
        r, o = np.nonzero(~ok)
        terms = P[r, o, :]
        bias = b[o]
        acc = bias.copy() if self.bias == "first" else np.zeros_like(bias)
        for j in range(terms.shape[1]):
            acc = apply_overflow(acc + terms[:, j], fmt, where)
        if self.bias == "last":
            acc = apply_overflow(acc + bias, fmt, where)
        total = total.copy()
        total[r, o] = acc
        return total
