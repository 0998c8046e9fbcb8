"""Optional dependencies of :mod:`relubits.io`: import on first use, or say which extra to install.

The core of relubits needs only NumPy.  ONNX, ONNX Runtime, QONNX, PyTorch and
pwlf are imported lazily, inside the functions that need them, through
:func:`require`, so that ``import relubits`` (and ``import relubits.io.onnx``)
works without them and a missing package gives one clear message.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require", "MissingExtraError"]


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the pip extra."""


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming ``relubits[extra]``.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"onnxruntime"``.
    extra : str
        The relubits extra that installs it, e.g. ``"onnx"``.

    Raises
    ------
    MissingExtraError
        If the import fails; the message says ``pip install 'relubits[extra]'``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{module} is not installed; install it with: pip install 'relubits[{extra}]' ({exc})"
        ) from None
