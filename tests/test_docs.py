"""The documentation site builds with warnings as errors, and every python example in docs/ runs.

Code blocks: every fenced block whose info string is ``python`` in ``docs/**/*.md`` runs, the
blocks of one page in order and in one namespace (like a notebook), in a temporary working
directory.  A block directly preceded by the line ``<!-- no-run -->`` is shown but not run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NO_RUN = "<!-- no-run -->"
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")


def code_blocks(text: str) -> list[tuple[int, str, str, bool]]:
    """``(line, info, code, runnable)`` for every fenced block of a Markdown page."""
    lines = text.splitlines()
    out = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info, indent = m["fence"], m["info"].strip(), len(m["indent"])
        start = i
        body = []
        i += 1
        while i < len(lines) and not re.match(r"^[ \t]*" + re.escape(fence[0]) + "{%d,}[ \t]*$" % len(fence), lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        i += 1
        prev = next((lines[k].strip() for k in range(start - 1, -1, -1) if lines[k].strip()), "")
        lang = info.split()[0] if info else ""
        out.append((start + 1, info, "\n".join(body) + "\n", lang == "python" and prev != NO_RUN))
    return out


def doc_pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def runnable_pages() -> list[Path]:
    return [p for p in doc_pages() if any(b[3] for b in code_blocks(p.read_text(encoding="utf-8")))]


def test_block_parser():
    page = ("text\n```python\nx = 1\n```\n\n<!-- no-run -->\n```python\nraise SystemExit\n```\n"
            "```bash\nls\n```\n    ```python\n    y = 2\n    ```\n")
    blocks = code_blocks(page)
    assert [(b[1], b[3]) for b in blocks] == [("python", True), ("python", False), ("bash", False), ("python", True)]
    assert blocks[0][2] == "x = 1\n" and blocks[3][2] == "y = 2\n"


def test_docs_have_runnable_examples():
    names = {p.relative_to(DOCS).as_posix() for p in runnable_pages()}
    assert {"index.md", "conventions.md", "certify.md", "sweeps.md"} <= names


@pytest.mark.parametrize("page", runnable_pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_doc_examples_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    ns: dict = {"__name__": "__docs__"}
    for line, info, code, runnable in code_blocks(page.read_text(encoding="utf-8")):
        if not runnable:
            continue
        try:
            exec(compile(code, f"{page.relative_to(ROOT)}:{line}", "exec"), ns)
        except Exception as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{page.relative_to(ROOT)}: the python block at line {line} failed: "
                        f"{type(exc).__name__}: {exc}")


def test_mkdocs_build_strict(tmp_path):
    if shutil.which("mkdocs") is None and not _importable("mkdocs"):
        pytest.skip("mkdocs is not installed (pip install '.[docs]': mkdocs, mkdocs-material, mkdocstrings[python])")
    for mod in ("material", "mkdocstrings", "mkdocstrings_handlers.python"):
        if not _importable(mod):
            pytest.skip(f"{mod} is not installed (pip install '.[docs]')")
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    pages = sorted(site.rglob("index.html"))
    n_md = len(doc_pages())
    assert len(pages) >= n_md, f"{len(pages)} HTML pages for {n_md} Markdown pages"
    api = (site / "api" / "core" / "index.html").read_text(encoding="utf-8")
    assert "relubits.certify.certify" in api and "certified_error" in api  # mkdocstrings rendered the docstrings


def _importable(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def test_api_hook_lists_existing_public_modules():
    import importlib.util as iu

    spec = iu.spec_from_file_location("mkdocs_hooks", ROOT / "mkdocs_hooks.py")
    hooks = iu.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    mods = hooks.public_modules("relubits.experiments")
    assert "relubits.experiments.sweep" in mods and not any(m.rsplit(".", 1)[1].startswith("_") for m in mods)
    assert "relubits.io._optional" not in hooks.public_modules("relubits.io")
    page = hooks.on_page_markdown("# T\n\n<!-- api-modules: relubits.transforms -->\n", None, None, None)
    assert "::: relubits.transforms.depth_precision" in page and "api-modules" not in page
    with pytest.raises(ValueError, match="not a package"):
        hooks.public_modules("relubits.nothing_here")
