"""PyTorch interop: ``nn.Sequential`` of ``Linear`` and ``ReLU`` to and from an exact Network.

* :func:`to_torch` builds ``nn.Sequential(Linear, ReLU, ..., Linear)`` whose parameters are the
  network's exact parameters (float32 when all of them are float32 numbers, else float64; a
  parameter neither can hold is refused, never rounded).
* :func:`from_torch` reads a module back exactly: every float tensor entry is a binary fraction
  and becomes that rational.  Consecutive ``Linear`` layers are multiplied together exactly;
  ``Identity`` and ``Dropout`` (the identity at inference) are skipped; anything else
  (``Conv2d``, ``Sigmoid``, ``BatchNorm1d`` ...) is refused with its name and position.
* :func:`load_torch` reads a ``.pt`` file safely: a ``state_dict`` of consecutive Linear
  weights/biases (``torch.save(model.state_dict(), path)``, loaded with ``weights_only=True``;
  ReLU is assumed between consecutive Linear layers) or a TorchScript module
  (``torch.jit.save(torch.jit.script(model), path)``).  Pickled whole modules are not
  unpickled (that would run arbitrary code).

Requires the ``torch`` extra (``pip install 'relubits[torch]'``).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from relubits.io._optional import require
from relubits.network import Network, compose, identity

__all__ = ["to_torch", "from_torch", "load_torch"]

_SKIP = ("Identity", "Dropout")


def _torch():
    return require("torch", "torch")


def to_torch(net: Network, dtype: str = "auto"):
    """``nn.Sequential`` of ``Linear``/``ReLU`` computing ``net`` with its exact parameters.

    Parameters
    ----------
    net : Network
    dtype : {"auto", "float32", "float64"}
        ``"auto"``: float32 if every parameter is exactly a float32, else float64.

    Returns
    -------
    torch.nn.Sequential
        In eval mode; ``Linear`` layers of the stated dtype.

    Raises
    ------
    ValueError
        A parameter not exactly representable in the requested dtype (named), bad ``dtype``.

    Examples
    --------
    >>> from relubits import Network
    >>> m = to_torch(Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 1]], [0])]))
    >>> [type(x).__name__ for x in m]
    ['Linear', 'ReLU', 'Linear']
    """
    torch = _torch()
    from relubits.io.onnx import _check_net, _pick_dtype

    _check_net(net)
    np_dtype, layers = _pick_dtype(net, dtype)
    tdtype = torch.float32 if np_dtype is np.float32 else torch.float64
    mods = []
    for i, (W, b) in enumerate(layers):
        lin = torch.nn.Linear(W.shape[1], W.shape[0], bias=True, dtype=tdtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(W)))
            lin.bias.copy_(torch.from_numpy(np.ascontiguousarray(b)))
        mods.append(lin)
        if i < len(layers) - 1:
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods).eval()


def _flatten(module, prefix: str = "") -> list[tuple[str, Any]]:
    torch = _torch()
    if isinstance(module, torch.nn.Sequential) or type(module).__name__ == "RecursiveScriptModule" and \
            getattr(module, "original_name", "") == "Sequential":
        out = []
        for name, child in module.named_children():
            out += _flatten(child, f"{prefix}{name}.")
        return out
    return [(prefix.rstrip(".") or type(module).__name__, module)]


def _kind(mod) -> str:
    name = getattr(mod, "original_name", None) if type(mod).__name__ == "RecursiveScriptModule" else None
    return name or type(mod).__name__


def _tensor_np(t) -> np.ndarray:
    torch = _torch()
    t = t.detach().cpu()
    if not t.is_floating_point():
        raise TypeError(f"parameter has dtype {t.dtype}; only floating-point Linear layers are supported")
    return t.to(torch.float64).numpy()  # exact: float16/bfloat16/float32 embed in float64


def _affine(W: np.ndarray, b: np.ndarray | None, where: str) -> Network:
    if W.ndim != 2:
        raise ValueError(f"{where}: weight must be 2-D, got shape {W.shape}")
    if b is None:
        b = np.zeros(W.shape[0])
    return Network.from_layers([(W, b)], meta=None)


def _build(items: list[tuple[str, str, Any]]) -> Network:
    """items: (where, kind, payload) with kind 'linear' (payload (W, b)) or 'relu'."""
    segments: list[Network] = []  # completed (affine, then ReLU) pieces, each depth 1
    pending: Network | None = None
    dim: int | None = None
    for where, kind, payload in items:
        if kind == "linear":
            lin = _affine(*payload, where)
            if dim is not None and lin.input_dim != dim:
                raise ValueError(f"{where}: Linear expects {lin.input_dim} inputs but the previous layer gives {dim}")
            pending = lin if pending is None else compose(lin, pending, merge=True)
            dim = lin.output_dim
        else:  # relu
            if dim is None:
                raise ValueError(f"{where}: the network must start with a Linear layer (its input size is unknown)")
            segments.append(pending if pending is not None else identity(dim, 1))
            pending = None
    if dim is None:
        raise ValueError("the module holds no Linear layer")
    last = pending if pending is not None else identity(dim, 1)
    layers = [s.integer_layers[0] for s in segments] + [last.integer_layers[0]]
    return Network.from_integer_layers(layers, meta={"source": "torch"})


def from_torch(module: Any) -> Network:
    """Exact :class:`~relubits.Network` of a ``Linear``/``ReLU`` module (``nn.Sequential``, nested allowed).

    Parameters
    ----------
    module : torch.nn.Module
        ``nn.Sequential`` (or TorchScript of one) of ``Linear``, ``ReLU``, ``Identity``, ``Dropout``;
        or a single ``Linear``.

    Returns
    -------
    Network
        Exactly the real-number function of the module's parameters.

    Raises
    ------
    ValueError
        An unsupported layer (named with its position), mismatched sizes, no Linear layer.
    TypeError
        Not a torch module.
    """
    torch = _torch()
    if not isinstance(module, (torch.nn.Module, torch.jit.ScriptModule)):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    items = []
    for where, mod in _flatten(module):
        k = _kind(mod)
        if k == "Linear":
            b = getattr(mod, "bias", None)
            items.append((where, "linear", (_tensor_np(mod.weight), None if b is None else _tensor_np(b))))
        elif k == "ReLU":
            items.append((where, "relu", None))
        elif k in _SKIP:
            continue
        else:
            raise ValueError(f"unsupported torch layer {k} at {where!r}; relubits imports Sequential stacks of "
                             "Linear and ReLU (Identity and Dropout are skipped)")
    return _build(items)


def load_torch(path: str | os.PathLike) -> Network:
    """Read a ``.pt`` file: a ``state_dict`` of Linear layers (ReLU between them) or a TorchScript module.

    Raises
    ------
    ValueError
        Corrupted/unreadable file, a state_dict that is not a chain of ``*.weight``/``*.bias``
        2-D/1-D tensors, or a pickled whole module (unsafe to load; save its state_dict instead).
    OSError
        The file cannot be read.
    """
    torch = _torch()
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise OSError(f"no such file: {path!r}")
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc_sd:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = torch.jit.load(path, map_location="cpu")
        except Exception:
            first = str(exc_sd).strip().splitlines()[0] if str(exc_sd).strip() else type(exc_sd).__name__
            if "Weights only load failed" in first:
                raise ValueError(f"{path!r} holds a pickled object that is not a plain state_dict; relubits does not "
                                 "unpickle whole modules (that runs arbitrary code): save model.state_dict() or "
                                 "torch.jit.script(model) instead") from None
            raise ValueError(f"{path!r} is neither a state_dict (torch.save(model.state_dict(), path)) nor a TorchScript "
                             f"module, or it is truncated/corrupted: {first[:200]}") from None
        return from_torch(obj)
    if isinstance(obj, torch.nn.Module):
        return from_torch(obj)
    if not isinstance(obj, dict) or not obj:
        raise ValueError(f"{path!r} must hold a non-empty state_dict, got {type(obj).__name__}")
    items = []
    keys = list(obj)
    i = 0
    while i < len(keys):
        k = keys[i]
        if not k.endswith(".weight") and k != "weight":
            raise ValueError(f"{path!r}: state_dict key {k!r} is not a Linear weight; expected a chain of "
                             "'<name>.weight' / '<name>.bias' entries")
        W = obj[k]
        if not hasattr(W, "dim") or W.dim() != 2:
            raise ValueError(f"{path!r}: {k!r} must be a 2-D Linear weight, got shape {tuple(getattr(W, 'shape', ()))}")
        prefix = k[: -len("weight")]
        b = None
        if i + 1 < len(keys) and keys[i + 1] == prefix + "bias":
            b = _tensor_np(obj[keys[i + 1]])
            i += 1
        if items:
            items.append((prefix.rstrip(".") or "relu", "relu", None))
        items.append((k, "linear", (_tensor_np(W), b)))
        i += 1
    return _build(items)
