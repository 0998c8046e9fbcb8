"""The README's quick start runs and its claims hold."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_begins_with_the_two_commands():
    text = README.read_text()
    first = text.split("```bash", 1)[1].split("```", 1)[0]
    assert "pip install . && relubits demo" in first
    assert "pip install '.[test]' && python -m pytest" in first
    ci = (README.parent / ".ci" / "run").read_text()
    assert "pip install -q '.[test]' && python -m pytest" in ci


def test_quick_start_runs(tmp_path, monkeypatch, capsys):
    code = re.search(r"## Quick start\n\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README quick start", "exec"), {})
    out = capsys.readouterr().out.split()
    assert out[0].startswith("GridCheck(ok=True")
    assert float(out[-2]) >= float(out[-1]) > 0  # certified_error >= lower_bound
    assert (tmp_path / "net.json").exists()
