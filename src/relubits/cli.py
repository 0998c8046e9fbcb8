"""Command-line interface: parse, call the library, print.

Every sub-command lives in a module of :mod:`relubits.commands`; each such module
defines ``register(subparsers, common)`` which adds its parsers and sets
``handler=<callable(args) -> dict>`` as the parser default.  This file only
discovers those modules, runs the handler and prints its result:

* ``--json``: one JSON object on stdout;
* otherwise: a human-readable rendering (``key: value`` lines, and a table for a
  ``rows`` list of dicts).

User mistakes (``ValueError``/``TypeError`` raised by the library, or a bad
command line) end with exit code 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import pkgutil
import sys
from fractions import Fraction
from typing import Any, Sequence

__all__ = ["main", "build_parser", "render_text"]


class _OneLineParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"relubits: error: {message}\n")
        raise SystemExit(2)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Fraction):
        return float(obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else str(obj)
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalar
        return _jsonable(obj.item())
    if hasattr(obj, "tolist") and callable(obj.tolist):  # numpy array
        return _jsonable(obj.tolist())
    return obj


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, Fraction):
        return f"{float(v):.6g}"
    return str(v)


def render_text(data: dict) -> str:
    """Render a command result for a human: scalars as ``key: value``, ``rows`` as a table."""
    lines = []
    for k, v in data.items():
        if k == "rows" and isinstance(v, list) and v and isinstance(v[0], dict):
            continue
        if isinstance(v, (list, dict)) and len(str(v)) > 200:
            v = f"<{type(v).__name__} of {len(v)} items; use --json>"
        lines.append(f"{k}: {_fmt(v)}")
    rows = data.get("rows")
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        cols = list(rows[0].keys())
        cells = [[_fmt(r.get(c, "")) for c in cols] for r in rows]
        widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
        lines.append("  ".join(c.rjust(w) for c, w in zip(cols, widths)))
        lines.append("  ".join("-" * w for w in widths))
        for row in cells:
            lines.append("  ".join(x.rjust(w) for x, w in zip(row, widths)))
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The ``relubits`` parser with every sub-command found in :mod:`relubits.commands`."""
    from relubits import commands

    common = _OneLineParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser = _OneLineParser(prog="relubits", description="ReLU networks with finite-precision weights.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_OneLineParser)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"relubits.commands.{info.name}")
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``relubits`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        data = args.handler(args)
    except (ValueError, TypeError, OSError, KeyError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        sys.stderr.write(f"relubits: error: {msg}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("relubits: interrupted\n")
        return 130
    except Exception as exc:  # a bug, not a user mistake: still one line, no traceback
        sys.stderr.write(f"relubits: internal error ({type(exc).__name__}): {str(exc).splitlines()[0] if str(exc) else ''}"
                         " -- please report it\n")
        return 1
    if args.json:
        sys.stdout.write(json.dumps(_jsonable(data)) + "\n")
    else:
        sys.stdout.write(render_text(data) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
