"""MkDocs hook: API reference pages list the modules that exist at build time.

A page line ``<!-- api-modules: relubits.theory -->`` is replaced by one mkdocstrings
directive (``::: relubits.theory.<module>``) per public module of that package (files
``*.py`` not starting with ``_``), in alphabetical order, so adding, renaming or removing
a module never leaves the reference stale or the strict build broken.
"""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parent / "src"
MARKER = re.compile(r"^<!-- api-modules: ([\w.]+) -->$", re.MULTILINE)


def public_modules(package: str) -> list[str]:
    """Dotted names of the public modules of ``package`` (a package under ``src/``)."""
    folder = SRC.joinpath(*package.split("."))
    if not (folder / "__init__.py").exists():
        raise ValueError(f"api-modules: {package!r} is not a package under {SRC}")
    mods = []
    for p in sorted(folder.iterdir()):
        if p.suffix == ".py" and not p.name.startswith("_"):
            mods.append(f"{package}.{p.stem}")
        elif p.is_dir() and not p.name.startswith("_") and (p / "__init__.py").exists():
            mods.append(f"{package}.{p.name}")
    return mods


def on_page_markdown(markdown: str, page, config, files) -> str:
    def expand(m: re.Match) -> str:
        return "\n".join(f"::: {mod}\n" for mod in public_modules(m.group(1)))

    return MARKER.sub(expand, markdown)
