"""Writing files so that a failure never leaves a half-written file behind."""

from __future__ import annotations

import os
import tempfile

__all__ = ["atomic_write", "check_figure_path", "FIGURE_SUFFIXES"]


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


#: File types a figure may be written as.
FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


def check_figure_path(path: str | os.PathLike, name: str = "--out") -> str:
    """Validate where a figure goes: a file (not a folder) in an existing folder, ending in .png/.pdf/.svg.

    Raises
    ------
    ValueError
        Naming ``name`` and what is wrong (nothing is written).
    """
    p = os.fspath(path)
    if not p:
        raise ValueError(f"{name} must be a file path ending in {', '.join(FIGURE_SUFFIXES)}")
    if os.path.isdir(p):
        raise ValueError(f"{name} {p!r} is a folder; give a file path ending in {', '.join(FIGURE_SUFFIXES)}")
    if os.path.splitext(p)[1].lower() not in FIGURE_SUFFIXES:
        raise ValueError(f"{name} {p!r} must end in {', '.join(FIGURE_SUFFIXES)}")
    folder = os.path.dirname(os.path.abspath(p))
    if not os.path.isdir(folder):
        raise ValueError(f"{name}: folder {folder!r} does not exist")
    return p
