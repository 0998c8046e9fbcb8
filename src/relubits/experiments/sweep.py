"""One sweep function for every parameter sweep: in-process, process pool or Dask cluster.

:func:`sweep` maps a *pure* function over a list of parameter points and returns the
results in the order of the points.  Where the work runs is a choice of executor:

* ``"inline"`` (default): a plain loop in this process;
* ``"processes"``: :class:`concurrent.futures.ProcessPoolExecutor` with ``workers`` processes
  (``fn`` must be picklable: a module-level function);
* ``"dask"``: a Dask ``distributed`` cluster -- an existing scheduler (``dask_address``, e.g.
  ``"tcp://10.0.0.5:8786"``, or a ``distributed.Client`` / ``LocalCluster`` object), or a
  ``LocalCluster`` with ``workers`` worker processes started for this sweep and closed after it.

Because ``fn`` is pure and the results are put back in point order, the returned list is the
same whichever executor computed it (tested).  Points are sent in chunks so that the
per-task overhead of a pool or a scheduler does not dominate cheap functions.

Checkpoints
-----------
With ``checkpoint=PATH`` every finished chunk is appended to a JSON-lines file in a single
``write`` on a file opened in append mode, followed by ``fsync``.  The first line identifies
the sweep (number of points and a SHA-256 fingerprint of the points); each further line is
``{"i": index, "point": point, "result": result}``.  Calling :func:`sweep` again with the same
points and checkpoint loads the finished indices and computes only the rest, so an
interrupted sweep resumes instead of starting over.  A torn last line (the process was
killed during a write) is detected and dropped.  A checkpoint written for different points
is refused with a ``ValueError`` (never silently mixed).  With a checkpoint, points and
results must be JSON-serialisable and every returned result is the JSON round trip of
``fn(point)`` (tuples become lists), so a resumed sweep returns exactly what an
uninterrupted one does.

Wiring a CLI command
--------------------
:func:`add_sweep_arguments` adds ``--workers N``, ``--dask ADDRESS`` and ``--checkpoint PATH``
to an ``argparse`` parser; :func:`executor_from_args` turns the parsed arguments into keyword
arguments for :func:`sweep`::

    add_sweep_arguments(p)
    ...
    rows = sweep(row_fn, points, **executor_from_args(args))

Measured, not proved: the speed-up of a cluster over one process depends on the machine;
``python benchmarks/bench_sweep.py`` prints it for the regime map.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

__all__ = [
    "EXECUTORS", "sweep", "SweepCheckpoint", "load_checkpoint", "add_sweep_arguments", "executor_from_args",
    "RegimeRowTask", "regime_point", "regime_points",
]

#: The accepted values of ``sweep(executor=...)``.
EXECUTORS = ("inline", "processes", "dask")

_FORMAT = "relubits.sweep"
_VERSION = 1


# ------------------------------------------------------------------------------------------------
# checkpoint file
# ------------------------------------------------------------------------------------------------
def _canonical(obj: Any, what: str) -> str:
    try:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be JSON-serialisable (finite numbers, str, lists, dicts) to be "
                         f"checkpointed: {exc}") from None


def _fingerprint(points: Sequence[Any]) -> str:
    h = hashlib.sha256()
    for p in points:
        h.update(_canonical(p, "every point").encode())
        h.update(b"\n")
    return h.hexdigest()


@dataclass(frozen=True)
class SweepCheckpoint:
    """What a checkpoint file holds.

    Attributes
    ----------
    path : str
        The file.
    n_points : int
        Number of points of the sweep that wrote it.
    fingerprint : str
        SHA-256 of the points (canonical JSON, one per line).
    done : dict
        ``{index: result}`` of the finished points.
    torn_bytes : int
        Length of a torn (incomplete) last line that was found and will be dropped.
    """

    path: str
    n_points: int
    fingerprint: str
    done: dict
    torn_bytes: int = 0


def load_checkpoint(path: str | os.PathLike) -> SweepCheckpoint:
    """Read a sweep checkpoint (JSON lines) written by :func:`sweep`.

    Parameters
    ----------
    path : str or path-like
        The checkpoint file.

    Returns
    -------
    SweepCheckpoint

    Raises
    ------
    ValueError
        The file is not a relubits sweep checkpoint, or a line other than the last is corrupt.
    FileNotFoundError
        No such file.
    """
    path = os.fspath(path)
    with open(path, "rb") as fh:
        data = fh.read()
    lines = data.split(b"\n")
    # a complete file ends with "\n", so the final element is b"" ; anything else is a torn write
    tail = lines.pop()
    torn = len(tail)
    if not lines:
        raise ValueError(f"checkpoint {path!r} is empty or has no complete header line")
    try:
        head = json.loads(lines[0])
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValueError(f"checkpoint {path!r} does not start with a relubits sweep header") from None
    if not isinstance(head, dict) or head.get("format") != _FORMAT:
        raise ValueError(f"checkpoint {path!r} is not a relubits sweep checkpoint (format != {_FORMAT!r})")
    if head.get("version") != _VERSION:
        raise ValueError(f"checkpoint {path!r} has version {head.get('version')!r}; this relubits reads {_VERSION}")
    n = head.get("n_points")
    fp = head.get("fingerprint")
    if not isinstance(n, int) or n < 0 or not isinstance(fp, str):
        raise ValueError(f"checkpoint {path!r} has a malformed header")
    done: dict = {}
    for k, raw in enumerate(lines[1:], start=2):
        try:
            rec = json.loads(raw)
            i = rec["i"]
            res = rec["result"]
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
            raise ValueError(f"checkpoint {path!r}: line {k} is corrupt") from None
        if not isinstance(i, int) or not 0 <= i < n:
            raise ValueError(f"checkpoint {path!r}: line {k} has index {i!r} outside [0, {n})")
        done[i] = res
    return SweepCheckpoint(path=path, n_points=n, fingerprint=fp, done=done, torn_bytes=torn)


class _Writer:
    """Appends whole chunks to the checkpoint: one ``os.write`` per chunk on an O_APPEND fd, then fsync."""

    def __init__(self, path: str, n: int, fp: str, truncate_to: int | None):
        self.path = path
        new = not os.path.exists(path) or os.path.getsize(path) == 0
        if truncate_to is not None:
            os.truncate(path, truncate_to)
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if new:
            head = {"format": _FORMAT, "version": _VERSION, "n_points": n, "fingerprint": fp}
            self._append((_canonical(head, "header") + "\n").encode())

    def _append(self, buf: bytes) -> None:
        view = memoryview(buf)
        while view:
            k = os.write(self.fd, view)
            view = view[k:]
        os.fsync(self.fd)

    def write(self, idx: Sequence[int], points: Sequence[Any], results: Sequence[Any]) -> list:
        """Append the records; return the results as they will read back (JSON round trip)."""
        lines, back = [], []
        for i, r in zip(idx, results):
            text = _canonical(r, f"the result of point {i}")
            back.append(json.loads(text))
            lines.append('{"i":%d,"point":%s,"result":%s}\n' % (i, _canonical(points[i], "every point"), text))
        self._append("".join(lines).encode())
        return back

    def close(self) -> None:
        os.close(self.fd)


# ------------------------------------------------------------------------------------------------
# progress
# ------------------------------------------------------------------------------------------------
class _Progress:
    def __init__(self, total: int, initial: int, enabled: bool, desc: str):
        self.bar = None
        self.enabled = enabled
        self.n, self.total, self.desc = initial, total, desc
        self._last = 0.0
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            self.bar = tqdm(total=total, initial=initial, desc=desc, unit="pt", file=sys.stderr, dynamic_ncols=True)
        else:
            self._print(force=True)

    def _print(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= 0.5 or self.n == self.total:
            self._last = now
            sys.stderr.write(f"\r{self.desc}: {self.n}/{self.total}")
            sys.stderr.flush()

    def update(self, k: int) -> None:
        self.n += k
        if self.bar is not None:
            self.bar.update(k)
        elif self.enabled:
            self._print()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


# ------------------------------------------------------------------------------------------------
# the sweep
# ------------------------------------------------------------------------------------------------
def _run_chunk(fn: Callable, chunk: Sequence[Any]) -> list:
    """Apply ``fn`` to each point of a chunk (module level so that pools can pickle it)."""
    return [fn(p) for p in chunk]


def _check_workers(workers: Any) -> int | None:
    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 1024:
        raise ValueError(f"workers must be an integer in [1, 1024] or None, got {workers!r}")
    return workers


def _chunks(todo: list[int], chunksize: int) -> list[list[int]]:
    return [todo[k:k + chunksize] for k in range(0, len(todo), chunksize)]


def sweep(fn: Callable[[Any], Any], points: Iterable[Any], executor: str = "inline", workers: int | None = None,
          dask_address: Any = None, checkpoint: str | os.PathLike | None = None, progress: bool = True,
          chunksize: int | None = None, desc: str = "sweep") -> list:
    """Map a pure function over parameter points, on the chosen executor, resumably.

    Parameters
    ----------
    fn : callable
        ``fn(point) -> result``; must be pure (same point, same result) for the results to be
        independent of the executor.  Must be picklable for ``"processes"`` (module level).
    points : iterable
        The parameter points (materialised into a list).
    executor : {"inline", "processes", "dask"}
        Where to run: this process, a process pool, or a Dask ``distributed`` cluster.
    workers : int, optional
        Process-pool size (default: ``os.cpu_count()``), or the number of worker processes of the
        ``LocalCluster`` started when ``executor="dask"`` and no ``dask_address`` is given
        (default 2).  Ignored for ``"inline"``.
    dask_address : str, distributed.Client or cluster, optional
        Scheduler address (``"tcp://host:8786"``) or an existing client/cluster object; only
        with ``executor="dask"``.  An existing cluster is used, never closed.
    checkpoint : str or path-like, optional
        JSON-lines file of finished points; resumed from when it exists (see module docs).
    progress : bool
        Show a progress bar on stderr (tqdm if installed, otherwise a plain counter).
    chunksize : int, optional
        Points per task (default: about 8 tasks per worker, at most 256 points each).
    desc : str
        Label of the progress bar.

    Returns
    -------
    list
        ``[fn(p) for p in points]`` (with a checkpoint: their JSON round trips).

    Raises
    ------
    ValueError
        Unknown ``executor``, bad ``workers``/``chunksize``, ``dask_address`` without Dask,
        non-JSON points or results with a checkpoint, or a checkpoint written for other points.
    TypeError
        ``fn`` not callable (or not picklable with ``"processes"``), ``points`` not iterable.
    ImportError
        ``executor="dask"`` without ``dask[distributed]`` installed.
    Exception
        Whatever ``fn`` raises (the chunks finished before it stay in the checkpoint).

    Examples
    --------
    >>> sweep(abs, [-3, 1, -2], progress=False)
    [3, 1, 2]
    >>> sweep(pow, [], progress=False)
    []
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(map(repr, EXECUTORS))}, got {executor!r}")
    workers = _check_workers(workers)
    if dask_address is not None and executor != "dask":
        raise ValueError(f"dask_address is only used with executor='dask', got executor={executor!r}")
    if chunksize is not None and (isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1):
        raise ValueError(f"chunksize must be an integer >= 1 or None, got {chunksize!r}")
    if isinstance(points, (str, bytes)):
        raise TypeError("points must be an iterable of parameter points, not a string")
    try:
        pts = list(points)
    except TypeError:
        raise TypeError(f"points must be iterable, got {type(points).__name__}") from None
    n = len(pts)
    results: list = [None] * n
    done = [False] * n

    writer = None
    if checkpoint is not None:
        path = os.fspath(checkpoint)
        fp = _fingerprint(pts)
        truncate_to = None
        if os.path.exists(path) and os.path.getsize(path) > 0:  # an empty file: killed before the header
            ck = load_checkpoint(path)
            if ck.n_points != n or ck.fingerprint != fp:
                raise ValueError(f"checkpoint {path!r} belongs to a different sweep ({ck.n_points} points, "
                                 f"fingerprint {ck.fingerprint[:12]}...); this sweep has {n} points "
                                 f"(fingerprint {fp[:12]}...). Use another checkpoint path or delete the file")
            for i, r in ck.done.items():
                results[i] = r
                done[i] = True
            if ck.torn_bytes:
                truncate_to = os.path.getsize(path) - ck.torn_bytes
        writer = _Writer(path, n, fp, truncate_to)

    todo = [i for i in range(n) if not done[i]]
    bar = _Progress(n, n - len(todo), progress, desc)

    def finish(idx: list[int], res: list) -> None:
        if writer is not None:
            res = writer.write(idx, pts, res)
        for i, r in zip(idx, res):
            results[i] = r
        bar.update(len(idx))

    try:
        if todo:
            if executor == "inline":
                size = chunksize or max(1, min(256, math.ceil(len(todo) / 100)))
                for idx in _chunks(todo, size):
                    finish(idx, _run_chunk(fn, [pts[i] for i in idx]))
            elif executor == "processes":
                _run_processes(fn, pts, todo, workers, chunksize, finish)
            else:
                _run_dask(fn, pts, todo, workers, dask_address, chunksize, finish)
    finally:
        bar.close()
        if writer is not None:
            writer.close()
    return results


def _default_chunksize(n_todo: int, n_workers: int) -> int:
    return max(1, min(256, math.ceil(n_todo / (8 * max(1, n_workers)))))


def _run_processes(fn, pts, todo, workers, chunksize, finish) -> None:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    import pickle

    try:
        pickle.dumps(fn)
    except Exception as exc:  # noqa: BLE001 - any pickling failure means the same thing here
        raise TypeError(f"fn must be picklable for executor='processes' (a module-level function, not a lambda "
                        f"or a local function): {exc}") from None
    nw = workers or os.cpu_count() or 1
    size = chunksize or _default_chunksize(len(todo), nw)
    with ProcessPoolExecutor(max_workers=nw) as ex:
        futs = {ex.submit(_run_chunk, fn, [pts[i] for i in idx]): idx for idx in _chunks(todo, size)}
        try:
            pending = set(futs)
            while pending:
                fin, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in fin:
                    finish(futs[f], f.result())
        except BaseException:
            ex.shutdown(wait=False, cancel_futures=True)
            raise


def _run_dask(fn, pts, todo, workers, dask_address, chunksize, finish) -> None:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ImportError("executor='dask' needs Dask distributed: pip install 'dask[distributed]' "
                          "(or pip install 'relubits[dask]')") from None
    own_cluster = own_client = None
    try:
        if isinstance(dask_address, Client):
            client = dask_address
        else:
            if dask_address is None:
                own_cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
                target = own_cluster
            elif isinstance(dask_address, str):
                target = dask_address
            elif hasattr(dask_address, "scheduler_address"):
                target = dask_address  # an existing cluster object
            else:
                raise ValueError(f"dask_address must be a scheduler address string, a distributed.Client or a "
                                 f"cluster, got {type(dask_address).__name__}")
            try:
                # a short connect timeout: an unreachable address is a prompt, clear error
                extra = {"timeout": "3s"} if isinstance(target, str) else {}
                own_client = Client(target, set_as_default=False, **extra)
            except (OSError, TimeoutError) as exc:
                raise ValueError(f"dask_address: cannot connect to the Dask scheduler at {target!r} ({exc})") from None
            client = own_client
        nw = max(1, len(client.scheduler_info().get("workers", {})))
        size = chunksize or _default_chunksize(len(todo), nw)
        chunks = _chunks(todo, size)
        futs = client.map(_run_chunk, [fn] * len(chunks), [[pts[i] for i in idx] for idx in chunks], pure=False)
        owner = {f.key: idx for f, idx in zip(futs, chunks)}
        try:
            for f in as_completed(futs, loop=client.loop):
                finish(owner[f.key], f.result())
        except BaseException:
            client.cancel(futs)
            raise
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()


# ------------------------------------------------------------------------------------------------
# CLI helpers
# ------------------------------------------------------------------------------------------------
def add_sweep_arguments(parser) -> None:
    """Add ``--workers N``, ``--dask ADDRESS`` and ``--checkpoint PATH`` to an argparse parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The sub-command's parser.

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser()
    >>> add_sweep_arguments(p)
    >>> executor_from_args(p.parse_args(["--workers", "4"]))["executor"]
    'processes'
    """
    g = parser.add_argument_group("sweep execution")
    g.add_argument("--workers", type=int, default=None, metavar="N",
                   help="run the sweep on N local processes (default: in this process); with --dask local, "
                        "the number of LocalCluster workers")
    g.add_argument("--dask", default=None, metavar="ADDRESS",
                   help="run the sweep on a Dask distributed scheduler at ADDRESS (tcp://host:8786), or 'local' "
                        "for a LocalCluster started for this run")
    g.add_argument("--checkpoint", default=None, metavar="PATH",
                   help="JSON-lines file of finished points; an interrupted sweep resumes from it")


def executor_from_args(args) -> dict:
    """Keyword arguments for :func:`sweep` from :func:`add_sweep_arguments`' options.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments with ``workers``, ``dask`` and (optionally) ``checkpoint``.

    Returns
    -------
    dict
        ``executor``, ``workers``, ``dask_address``, ``checkpoint``.

    Raises
    ------
    ValueError
        ``--workers`` below 1, or an empty ``--dask`` address.
    """
    workers = getattr(args, "workers", None)
    dask = getattr(args, "dask", None)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 1024):
        raise ValueError(f"--workers must be an integer in [1, 1024], got {workers!r}")
    out = {"executor": "inline", "workers": workers, "dask_address": None,
           "checkpoint": getattr(args, "checkpoint", None)}
    if dask is not None:
        if not isinstance(dask, str) or not dask.strip():
            raise ValueError("--dask must be a scheduler address like tcp://host:8786 or 'local'")
        out["executor"] = "dask"
        out["dask_address"] = None if dask.strip() == "local" else dask.strip()
    elif workers is not None:
        out["executor"] = "processes"
    return out


# ------------------------------------------------------------------------------------------------
# the regime map as a sweep
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegimeRowTask:
    """Picklable ``(W, L, b) -> row`` function of the regime map, for any grid family.

    Calls :func:`relubits.theory.regimes.regime_row` with the given family and optional
    ``upper(W, L, b) -> dict`` construction columns (``upper`` must be a module-level function
    to run on processes or Dask), and prepends ``W`` and ``L`` to the row.

    Attributes
    ----------
    offset : int
        The family ``fixed(bits=b, frac_bits=b - offset)`` (1: values in ``[-1, 1)``).
    symmetric : bool
        Symmetric fixed-point grids.
    upper : callable or None
        Extra columns, as in ``relubits regimes --upper``.

    Examples
    --------
    >>> RegimeRowTask(offset=3)((8, 4, 6))["frac_bits"]
    3
    """

    offset: int = 1
    symmetric: bool = False
    upper: Callable | None = None

    def __call__(self, point: Sequence[int]) -> dict:
        from relubits.theory.regimes import FixedFamily, regime_row

        try:
            W, L, b = point
        except (TypeError, ValueError):
            raise ValueError(f"point must be a (W, L, b) triple, got {point!r}") from None
        row = {"W": W, "L": L}
        row.update(regime_row(W, L, b, FixedFamily(self.offset, self.symmetric), self.upper))
        return row


def regime_point(point: Sequence[int]) -> dict:
    """Regime classification of one ``(W, L, b)`` point (picklable, pure).

    The grid is ``fixed(bits=b, frac_bits=b-1)`` (values in ``[-1, 1)``), as in
    :func:`relubits.theory.regimes.regime_row`, whose columns are returned together with
    ``W`` and ``L``.  Proved lower bounds (docs/theory.md), not measurements.

    Parameters
    ----------
    point : (int, int, int)
        Width ``W >= 1``, depth ``L >= 2``, bits ``b >= 1``.

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        Not a triple, or sizes out of range.

    Examples
    --------
    >>> regime_point((8, 4, 3))["regime"]
    'proper'
    """
    return RegimeRowTask()(point)


def regime_points(widths: Iterable[int], depths: Iterable[int], bits: Iterable[int]) -> list[tuple[int, int, int]]:
    """All ``(W, L, b)`` triples of a grid of widths, depths and bit widths (W slowest).

    Examples
    --------
    >>> regime_points([2, 4], [2], [1, 2])
    [(2, 2, 1), (2, 2, 2), (4, 2, 1), (4, 2, 2)]
    """
    return [(W, L, b) for W in widths for L in depths for b in bits]
