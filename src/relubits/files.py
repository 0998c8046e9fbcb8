"""Writing files so that a failure never leaves a half-written file behind."""

from __future__ import annotations

import os
import tempfile

__all__ = ["atomic_write"]


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    Either the whole new content is at ``path`` afterwards, or (on any error) ``path`` is
    unchanged and no temporary file remains.

    Parameters
    ----------
    path : path-like
        Destination; its folder must exist.
    data : str or bytes
        Text is written as UTF-8.

    Raises
    ------
    OSError
        The folder does not exist or is not writable.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".relubits-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
