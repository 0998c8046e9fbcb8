"""Independent evaluators of a :class:`FixedNetwork` with APyTypes and fxpmath (comparators).

They use the third-party libraries' own fixed-point products, sums and casts, so agreement with
:meth:`FixedNetwork.forward` is evidence that the integer kernels implement the stated semantics.
Activations other than ReLU/identity are applied through relubits' tables (they are not what is
compared).  Only two's complement formats with overflow ``saturate`` or ``wrap`` have an
equivalent in these libraries.  Both libraries are optional and imported lazily.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from relubits.fixedpoint.simulator import FixedNetwork

__all__ = ["forward_apytypes", "forward_fxpmath"]


def _activate_codes(net: FixedNetwork, codes: np.ndarray) -> np.ndarray:
    if net.activation == "relu":
        return np.maximum(codes, 0)
    if net.activation == "identity":
        return codes
    return net._act(codes)


def forward_apytypes(net: FixedNetwork, X: Any) -> np.ndarray:
    """Evaluate ``net`` on input codes ``X`` (n, d) with APyTypes arithmetic; returns output codes.

    Per-op: ``outer(W[:, j], h[j])`` products cast to the format (quantization + overflow), then
    ``(acc + p).cast(...)`` left to right, the bias first or last.  Fused: the exact APyTypes sum
    of all products and the bias, cast once.
    """
    import apytypes as apy

    fmt = net.fmt
    kw = fmt.apytypes_kwargs()
    q, o = fmt.apytypes_modes()
    if o is None:
        raise ValueError("overflow='error' has no APyTypes equivalent")
    s = fmt.scale
    H = np.asarray(X, dtype=np.int64)
    if H.ndim == 1:
        H = H[:, None]
    hT = apy.APyFixedArray.from_array(H.T.astype(np.float64) / s, **kw)  # (in, n)
    n = H.shape[0]
    for li, (W, b) in enumerate(zip(net.weights, net.biases)):
        Wt = apy.APyFixedArray.from_array(np.asarray(W, dtype=np.float64).T / s, **kw)  # (in, out)
        ba = apy.APyFixedArray.from_array(
            np.repeat(np.asarray(b, dtype=np.float64)[:, None], n, axis=1) / s, **kw)  # (out, n)
        if net.semantics == "fused":
            acc = ba
            for j in range(W.shape[1]):
                acc = acc + apy.outer(Wt[j], hT[j])
            z = acc.cast(quantization=q, overflow=o, **kw)
        else:
            acc = ba if net.bias == "first" else None
            for j in range(W.shape[1]):
                p = apy.outer(Wt[j], hT[j]).cast(quantization=q, overflow=o, **kw)
                acc = p if acc is None else (acc + p).cast(quantization=q, overflow=o, **kw)
            if net.bias == "last":
                acc = ba if acc is None else (acc + ba).cast(quantization=q, overflow=o, **kw)
            z = acc
        codes = np.rint(np.asarray(z.to_numpy()) * s).astype(np.int64)  # (out, n)
        if li < net.depth - 1:
            codes = _activate_codes(net, codes)
            hT = apy.APyFixedArray.from_array(codes.astype(np.float64) / s, **kw)
        else:
            return codes.T
    raise AssertionError("unreachable")


def forward_fxpmath(net: FixedNetwork, X: Any) -> np.ndarray:
    """Evaluate ``net`` on input codes with fxpmath arithmetic (slow); returns output codes.

    Per-op: ``Fxp(w * h, **fmt)`` re-quantizes each full-precision fxpmath product, sums are
    re-quantized after each addition.  Fused: exact fxpmath sum, quantized once.
    """
    from fxpmath import Fxp

    fmt = net.fmt
    kw = fmt.fxpmath_kwargs()
    if "overflow" not in kw:
        raise ValueError("overflow='error' has no fxpmath equivalent")
    s = fmt.scale
    H = np.asarray(X, dtype=np.int64)
    if H.ndim == 1:
        H = H[:, None]
    for li, (W, b) in enumerate(zip(net.weights, net.biases)):
        n, out = H.shape[0], W.shape[0]
        hx = [Fxp(H[:, j:j + 1].astype(np.float64) / s, **kw) for j in range(H.shape[1])]  # (n, 1)
        wx = [Fxp(np.asarray(W[:, j], dtype=np.float64)[None, :] / s, **kw) for j in range(W.shape[1])]
        bias = Fxp(np.repeat(np.asarray(b, dtype=np.float64)[None, :], n, axis=0) / s, **kw)  # (n, out)
        if net.semantics == "fused":
            acc = bias
            for j in range(W.shape[1]):
                acc = acc + wx[j] * hx[j]
            z = Fxp(acc, **kw)
        else:
            acc = bias if net.bias == "first" else None
            for j in range(W.shape[1]):
                p = Fxp(wx[j] * hx[j], **kw)  # (n, out): one product per neuron, re-quantised
                acc = p if acc is None else Fxp(acc + p, **kw)
            if net.bias == "last":
                acc = bias if acc is None else Fxp(acc + bias, **kw)
            z = acc
        codes = np.rint(np.asarray(z.get_val(), dtype=np.float64) * s).astype(np.int64).reshape(n, out)
        H = _activate_codes(net, codes) if li < net.depth - 1 else codes
    return H
