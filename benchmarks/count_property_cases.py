"""Count the hypothesis examples the test suite generates in the default CI profile.

    python benchmarks/count_property_cases.py [pytest args...]   # default: the whole default run

Runs ``pytest --hypothesis-show-statistics`` (profile ``ci`` from tests/conftest.py unless
HYPOTHESIS_PROFILE is set) and sums, over every property test, the passing and failing
examples of every phase (explicit, reuse, generate, shrink); invalid (rejected) examples are
not counted.  Prints the per-file totals, the cheapest tests by time per example, and
``property cases: N (tests: T)``.  Measured, not proved.
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEST_RE = re.compile(r"^(tests/\S+::\S+?):\s*$")
EX_RE = re.compile(r"(\d+) passing examples?, (\d+) failing examples?")
PHASE_RE = re.compile(r"during (\w+) phase \(([\d.]+) seconds\)")


def parse(text: str) -> dict[str, tuple[int, float]]:
    """test id -> (examples, seconds in the generate phase)."""
    out: dict[str, list] = {}
    cur = None
    for line in text.splitlines():
        m = TEST_RE.match(line.strip())
        if m:
            cur = m.group(1)
            out.setdefault(cur, [0, 0.0])
            continue
        if cur is None:
            continue
        p = PHASE_RE.search(line)
        if p and p.group(1) == "generate":
            out[cur][1] += float(p.group(2))
        e = EX_RE.search(line)
        if e:
            out[cur][0] += int(e.group(1)) + int(e.group(2))
    return {k: (v[0], v[1]) for k, v in out.items()}


def main(argv: list[str]) -> int:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics"] + (argv or ["tests"])
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    stats = parse(proc.stdout)
    per_file = collections.Counter()
    for test, (n, _) in stats.items():
        per_file[test.split("::")[0]] += n
    for f, n in sorted(per_file.items(), key=lambda kv: -kv[1]):
        print(f"{n:7d}  {f}")
    cheap = sorted(((t / max(n, 1), test, n) for test, (n, t) in stats.items() if n), key=lambda r: r[0])[:10]
    print("cheapest property tests (seconds per example in the generate phase):")
    for per, test, n in cheap:
        print(f"  {per * 1000:8.3f} ms  {n:5d}  {test}")
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    print(f"pytest: {last}")
    print(f"profile: {os.environ.get('HYPOTHESIS_PROFILE', 'ci')}")
    print(f"property cases: {sum(n for n, _ in stats.values())} (tests: {len(stats)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
