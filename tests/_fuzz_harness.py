"""Isolated execution of fuzz cases (shared by tests/test_fuzz_*.py and benchmarks/fuzz_report.py).

Every case runs in a forked child process so that a hang, a crash, a runaway allocation or
a stray write cannot take the test session down with it:

* the child gets a fresh working directory, a soft time limit (``SIGALRM`` raising
  :class:`CaseTimeout`, which derives from ``BaseException`` so that no ``except Exception``
  in the code under test can swallow it) and an address-space limit (``RLIMIT_AS``);
* the parent waits with a hard limit (soft + 5 s) and kills the child if it is exceeded;
* stdout/stderr are captured with the warnings filters reset to Python's defaults, as a user
  running the ``relubits`` command would see them.

Each outcome is judged by :func:`judge_cli` / :func:`judge_lib` and recorded in
:data:`RESULTS`; with ``RELUBITS_FUZZ_LOG=<file>`` one JSON line per case is appended there
(``benchmarks/fuzz_report.py`` sums them).
"""

from __future__ import annotations

import io
import json
import os
import pickle
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

#: Soft per-case time limit (seconds); the hard limit adds 5 s.
CASE_TIMEOUT = float(os.environ.get("RELUBITS_FUZZ_TIMEOUT", "15"))
#: Extra address space a case may map beyond what the parent already has (bytes).
CASE_MEMORY = 3 << 30
_MAX_TEXT = 8000


class CaseTimeout(BaseException):
    """Raised inside a child when its soft time limit expires."""


@dataclass
class Outcome:
    """What one case did."""

    kind: str                  # "cli" or "lib"
    rc: int | None = None      # CLI exit code
    stdout: str = ""
    stderr: str = ""
    exc_type: str | None = None
    exc_mro: tuple = ()
    exc_msg: str = ""
    tb: str = ""
    returned: str = ""         # repr of a library return value (truncated)
    timed_out: bool = False
    crashed: str = ""          # signal / exit status when the child died
    seconds: float = 0.0
    new_files: tuple = ()      # files left in the case's directory (or its --out targets)

    def record_exception(self, exc: BaseException) -> None:
        """Keep the type, its MRO, the message and the traceback of the exception being handled."""
        self.exc_type = type(exc).__name__
        self.exc_mro = tuple(c.__name__ for c in type(exc).__mro__)
        self.exc_msg = str(exc)[:2000]
        self.tb = traceback.format_exc()[-_MAX_TEXT:]


@dataclass
class Verdict:
    ok: bool
    why: str = ""


@dataclass
class Results:
    tried: int = 0
    misbehaved: int = 0
    known: int = 0  # misbehaving cases that reproduce a known bug (pinned as strict xfails)
    failures: list = field(default_factory=list)


RESULTS = Results()


def _set_limits(soft: float) -> None:
    try:
        with open("/proc/self/statm") as fh:
            vm_pages = int(fh.read().split()[0])
        current = vm_pages * os.sysconf("SC_PAGE_SIZE")
        limit = current + CASE_MEMORY
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):  # pragma: no cover - best effort
        pass

    def on_alarm(signum, frame):
        raise CaseTimeout(f"soft time limit of {soft} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, soft)


def _child(fn: Callable[[], Any], kind: str, soft: float, wfd: int, workdir: str) -> None:
    out = Outcome(kind=kind)
    buf_out, buf_err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    try:
        os.chdir(workdir)
        sys.stdout, sys.stderr = buf_out, buf_err
        warnings.resetwarnings()
        warnings.simplefilter("default")
        _set_limits(soft)
        try:
            res = fn()
            if kind == "cli":
                out.rc = res
            else:
                out.returned = repr(res)[:500]
        except SystemExit as exc:  # argparse errors
            out.rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if kind == "lib":
                out.exc_type = "SystemExit"
        except CaseTimeout:
            out.timed_out = True
            out.tb = traceback.format_exc()[-_MAX_TEXT:]
        except BaseException as exc:  # noqa: BLE001 - the point is to see everything
            out.record_exception(exc)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as exc:  # noqa: BLE001
        out.crashed = f"harness: {type(exc).__name__}: {exc}"
    out.seconds = time.perf_counter() - t0
    out.stdout = buf_out.getvalue()[-_MAX_TEXT:]
    out.stderr = buf_err.getvalue()[-_MAX_TEXT:]
    try:
        data = pickle.dumps(out)
    except Exception:  # noqa: BLE001
        out.returned = "<unpicklable>"
        data = pickle.dumps(out)
    view = memoryview(data)
    while view:
        n = os.write(wfd, view)
        view = view[n:]
    os.close(wfd)


def run_isolated(fn: Callable[[], Any], kind: str = "lib", timeout: float | None = None,
                 workdir: str | None = None) -> Outcome:
    """Run ``fn()`` in a forked child with time and memory limits; return its :class:`Outcome`."""
    soft = CASE_TIMEOUT if timeout is None else timeout
    own_dir = workdir is None
    if own_dir:
        workdir = tempfile.mkdtemp(prefix="relubits-fuzz-")
    before = set(os.listdir(workdir))
    sys.stdout.flush()
    sys.stderr.flush()
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(rfd)
        try:
            _child(fn, kind, soft, wfd, workdir)
        finally:
            os._exit(0)
    os.close(wfd)
    chunks = []
    deadline = time.monotonic() + soft + 5.0
    killed = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            killed = True
            break
        r, _, _ = select.select([rfd], [], [], min(left, 1.0))
        if r:
            chunk = os.read(rfd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(rfd)
    _, status = os.waitpid(pid, 0)
    out = Outcome(kind=kind)
    if killed:
        out.timed_out = True
        out.crashed = "killed after the hard time limit"
    elif chunks:
        try:
            out = pickle.loads(b"".join(chunks))
        except Exception as exc:  # noqa: BLE001
            out.crashed = f"unreadable result ({exc})"
    else:
        out.crashed = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                       else f"exit status {os.WEXITSTATUS(status)} without a result")
    after = set(os.listdir(workdir))
    out.new_files = tuple(sorted(after - before))
    if own_dir:
        shutil.rmtree(workdir, ignore_errors=True)
    return out


def run_inprocess(fn: Callable[[], Any], kind: str = "lib", timeout: float | None = None) -> Outcome:
    """Cheaper variant of :func:`run_isolated` for small generated inputs: same :class:`Outcome`,
    soft time limit by ``SIGALRM``, no fork and no memory limit (a hang inside one C call is not
    interrupted, so only use it where inputs are small)."""
    soft = CASE_TIMEOUT if timeout is None else timeout
    out = Outcome(kind=kind)

    def on_alarm(signum, frame):
        raise CaseTimeout(f"soft time limit of {soft} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, soft)
    t0 = time.perf_counter()
    try:
        res = fn()
        out.returned = repr(res)[:500]
    except CaseTimeout:
        out.timed_out = True
        out.tb = traceback.format_exc()[-_MAX_TEXT:]
    except Exception as exc:  # noqa: BLE001
        out.record_exception(exc)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    out.seconds = time.perf_counter() - t0
    return out


# ----------------------------------------------------------------------------------------------
# judging
# ----------------------------------------------------------------------------------------------
def judge_cli(o: Outcome, must_fail: bool, out_paths: Sequence[str] = ()) -> Verdict:
    """CLI contract: exit 0 or 2 (2 when ``must_fail``); on 2 exactly one stderr line, no traceback,
    no output file left behind; never a timeout or a crash."""
    if o.crashed or o.timed_out:
        return Verdict(False, f"timeout/crash: {o.crashed or 'soft time limit'} {o.tb[-600:]}")
    if o.exc_type is not None:
        return Verdict(False, f"exception escaped main(): {o.exc_type}: {o.exc_msg[:200]}")
    if "Traceback (most recent call last)" in o.stderr or "Traceback (most recent call last)" in o.stdout:
        return Verdict(False, f"traceback printed: {o.stderr[-400:]}")
    if o.rc not in (0, 2):
        return Verdict(False, f"exit code {o.rc}: {o.stderr.strip()[:300]}")
    if must_fail and o.rc != 2:
        return Verdict(False, f"accepted bad input (exit {o.rc}); stdout: {o.stdout[:200]!r}")
    if o.rc == 2:
        lines = o.stderr.splitlines()
        if len(lines) != 1 or not lines[0].strip():
            return Verdict(False, f"exit 2 with {len(lines)} stderr lines: {o.stderr[:400]!r}")
        left = [p for p in out_paths if os.path.lexists(p)]
        if left:
            return Verdict(False, f"failed but left output behind: {left}")
        if o.new_files:
            return Verdict(False, f"failed but left files in the working directory: {list(o.new_files)}")
    return Verdict(True)


def judge_lib(o: Outcome, must_fail: bool = True, names: Sequence[str] = (),
              allowed: Sequence[str] = ("ValueError", "TypeError")) -> Verdict:
    """Library contract: a ValueError/TypeError (whose message contains one of ``names`` when
    given) -- or a normal return when ``must_fail`` is False; never a timeout, a crash or
    another exception type."""
    if o.crashed or o.timed_out:
        return Verdict(False, f"timeout/crash: {o.crashed or 'soft time limit'} {o.tb[-600:]}")
    if o.exc_type is None:
        if must_fail:
            return Verdict(False, f"accepted bad input, returned {o.returned[:200]}")
        return Verdict(True)
    if not any(a in o.exc_mro for a in allowed):
        return Verdict(False, f"{o.exc_type} (not {'/'.join(allowed)}): {o.exc_msg[:200]} {o.tb[-500:]}")
    if names and not any(n.lower() in o.exc_msg.lower() for n in names):
        return Verdict(False, f"message does not name the parameter {list(names)}: {o.exc_type}: {o.exc_msg[:200]}")
    return Verdict(True)


def record(case: str, verdict: Verdict, suite: str, known: bool = False) -> None:
    """Count one case; ``known=True`` for the representative of a known bug (a strict xfail)."""
    RESULTS.tried += 1
    if not verdict.ok:
        if known:
            RESULTS.known += 1
        else:
            RESULTS.misbehaved += 1
            RESULTS.failures.append((case, verdict.why))
    log = os.environ.get("RELUBITS_FUZZ_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"suite": suite, "case": case[:300], "ok": verdict.ok, "known": known,
                                 "why": verdict.why[:500]}) + "\n")


def describe(argv: Sequence[str]) -> str:
    return " ".join(repr(a) if (not a or " " in a or not a.isprintable()) else a for a in argv)[:300]
