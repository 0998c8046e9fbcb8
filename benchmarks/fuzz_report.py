"""Run every fuzz case (CLI and loaders, the slow ones included) and print the totals.

    python benchmarks/fuzz_report.py            # full run (several minutes)
    python benchmarks/fuzz_report.py --quick    # the default-test sample only

Prints ``cases tried: N, misbehaved: M`` (M counts cases outside the known bugs; the
representatives of known bugs -- strict xfails in the tests -- are reported separately).
Measured, not proved: it counts what the generators in tests/test_fuzz_*.py produced in this run.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the default-run sample")
    args = ap.parse_args()
    fd, log = tempfile.mkstemp(prefix="relubits-fuzz-", suffix=".jsonl")
    os.close(fd)
    env = dict(os.environ, RELUBITS_FUZZ_LOG=log)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           "tests/test_fuzz_cli.py", "tests/test_fuzz_loaders.py"]
    if not args.quick:
        env["RELUBITS_FUZZ_FULL"] = "1"
        cmd += ["-m", "slow or not slow"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    rows = [json.loads(line) for line in open(log, encoding="utf-8") if line.strip()]
    os.unlink(log)
    tried = len(rows)
    known = sum(1 for r in rows if not r["ok"] and r.get("known"))
    bad = [r for r in rows if not r["ok"] and not r.get("known")]
    by_suite = collections.Counter(r["suite"] for r in rows)
    for r in bad[:40]:
        print(f"MISBEHAVED [{r['suite']}] {r['case']}\n    {r['why'][:300]}")
    print(f"pytest exit status: {proc.returncode} ({proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ''})")
    print(f"by suite: {dict(by_suite)}")
    print(f"known-bug representatives (strict xfails, misbehaving as expected): {known}")
    print(f"cases tried: {tried}, misbehaved: {len(bad)}")
    return 0 if not bad else 1


if __name__ == "__main__":
    raise SystemExit(main())
