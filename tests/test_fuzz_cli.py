"""Fuzzing every CLI command with bad input (issue 9, part 1).

Commands are discovered from :func:`relubits.cli.build_parser` (sub-sub-commands such as
``fixedpoint check`` included).  For each command we start from a small *valid* command line
(:data:`BASELINES`; commands without one are fuzzed from scratch) and replace one argument by
a bad value: junk for its type, NaN/inf, negative and absurd sizes, formulas with disallowed
names or deep nesting, non-UTF-8 (surrogate-escaped) text, missing / empty / truncated /
bit-flipped / non-UTF-8 input files and unwritable output paths.

Contract checked for every case (see ``tests/_fuzz_harness.py``), each run in a forked child
with a time and memory limit: exit code 0 or 2 (2 whenever the input is unambiguously bad),
on exit 2 exactly one line on stderr and no traceback, no output file left behind, no hang,
no crash.  Cases that would run a whole sweep when accepted are marked ``slow``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil

import pytest

from _fuzz_harness import RESULTS, Verdict, describe, judge_cli, record, run_isolated

from relubits.cli import build_parser, main

# ----------------------------------------------------------------------------------------------
# command discovery
# ----------------------------------------------------------------------------------------------


def discover_commands() -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every leaf command path -> its parser (``("fixedpoint", "check")`` etc.)."""
    out: dict[tuple[str, ...], argparse.ArgumentParser] = {}

    def walk(parser, path):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            out[path] = parser
            return
        for a in subs:
            for name, sp in a.choices.items():
                walk(sp, path + (name,))

    walk(build_parser(), ())
    return out


COMMANDS = discover_commands()

#: Commands whose successful run takes seconds (a sweep): only cases that must fail early run by default.
SLOW_COMMANDS = {("benign-sweep",), ("ding-sweep",), ("fixedpoint", "table"), ("regimes",), ("demo",)}

#: Valid command lines; ``{net}``, ``{onnx}``, ``{out}``, ``{outdir}`` are filled in per case.
BASELINES: dict[tuple[str, ...], list[str]] = {
    ("approximate",): ["--target", "abs(x-0.3)", "--lipschitz", "1", "--bits", "8", "--width", "4",
                       "--depth", "3", "--out", "{out}.json"],
    ("memory",): ["--budget", "2000", "--bits", "4,8", "--constructions", "deep"],
    ("overquant",): ["--sizes", "12x9", "--target", "abs(x-0.3)", "--lipschitz", "1"],
    ("benign",): ["--function", "parity", "--d", "3"],
    ("benign-sweep",): ["--d-max", "3", "--min-d-max", "2", "--time-limit", "5", "--models", "relu1",
                        "--out", "{out}.png"],
    ("convert",): ["{net}", "--bits", "8", "--out", "{out}.json", "--points", "8"],
    ("info",): ["{net}"],
    ("certify",): ["{net}", "--target", "x", "--lipschitz", "1"],
    ("pieces",): ["{net}"],
    ("demo",): ["--quick", "--out-dir", "{outdir}"],
    ("ding",): ["--target", "0.1*sin(2*x)", "--eps", "0.1", "--bits", "8"],
    ("ding-sweep",): ["--quick", "--out", "{out}.png"],
    ("export",): ["{net}", "--out", "{out}.onnx", "--n", "100"],
    ("fixedpoint", "check"): ["--format", "Q2.2"],
    ("fixedpoint", "memorize"): ["--format", "Q1.2", "--function", "x/2", "--out", "{out}.json"],
    ("fixedpoint", "table"): ["--bits-min", "4", "--bits-max", "5", "--out", "{out}.png"],
    ("quantize",): ["{net}", "--bits", "4", "--out", "{out}.json"],
    ("regimes",): ["--width", "4", "--depth", "3", "--bits-max", "8", "--out", "{out}.png"],
}

# ----------------------------------------------------------------------------------------------
# bad values by kind of argument
# ----------------------------------------------------------------------------------------------
NON_UTF8 = b"\xff\xfe\x80x".decode("utf-8", "surrogateescape")  # what Python puts in argv for such bytes
JUNK = ["", "abc", NON_UTF8, "1\n2", "\x00", "--", "0x", "1e999999999"]

INT_SYNTAX = ["abc", "", "1.5", "nan", "inf", "1e3", NON_UTF8, "٣"]  # argparse must reject all but "٣"
INT_NEGATIVE = ["-1", "-7", "-1000000000000"]
INT_HUGE = ["1000000000000", str(2**70), str(10**400)]
#: int options for which a negative value can be meaningful
INT_NEGATIVE_OK = {"limit", "offset", "grid_exp", "frac_bits", "weight_bound"}

FLOAT_BAD = ["nan", "-1", "-inf", "abc", ""]
FLOAT_ODD = ["inf", "1e308", "0", "1e-320"]
#: float options where a huge value legitimately means "run (almost) for ever"
FLOAT_NO_HUGE = {"time_limit"}

FORMULA_BAD = [
    "__import__('os').system('echo pwned')", "open('/etc/passwd')", "x.__class__", "lambda: 1",
    "[x for x in ()]", "x if x else 1", "exec('1')", "eval('x')", "sin", "sin(x, x)", "unknown(x)",
    "y + zz", "'abc'", "b'x'", "True", "None", "x @ x", "x // 2", "x % 2", "x < 1", "(x, x)",
    "{}", "sin(x=1)", "(" * 500 + "x" + ")" * 500, "-" * 3000 + "x", "x" + "+x" * 1500,
    "sin(" * 100 + "x" + ")" * 100, "1" * 5000, "", "   ", "x +", NON_UTF8, "x\x00", "1j",
]
NUMBER_BAD = ["nan", "inf", "-inf", "abc", "", "1/0", NON_UTF8, "0x10", "1e999999999", "None", "[1]"]
NUMBER_NONNEG = ["-1", "-1/3"]
NUMBER_ODD = ["1e400", "1/3", "0", "123456789012345678901234567890"]

DOMAIN_BAD = [("1", "0"), ("0", "0"), ("nan", "1"), ("0", "inf"), ("a", "b"), ("", "1"), ("1/0", "1"),
              (NON_UTF8, "1")]
DOMAIN_ODD = [("-1e300", "1e300"), ("0", "1e-300"), ("1/3", "2/3")]

GRID_BAD = ["fixed", "fixed:0:0", "fixed:-3:1", "fixed:a:b", "fixed:8:4:asym", "levels:", "levels:1/0",
            "levels:nan", "levels:a,b", "bipolar:x", "bipolar:1:2", "float32", NON_UTF8, "fixed:8:4:sym:x"]
GRID_ODD = ["fixed:100000:0", "fixed:64:1000000", "bipolar:-100000", "levels:" + ",".join(map(str, range(2000)))]

FORMAT_BAD = ["", "Q", "Q3", "Q3.", "Q-1.2", "UQ0.0", "X3.4", "Q3.4.5", "q3.4", "Q3,4", NON_UTF8, "Q3.4\x00"]
FORMAT_ODD = ["Q100000000.0", "Q0.100000000", "Q60.60", "UQ62.0", "SQ30.30"]

NAME_BAD = ["", "bogus", NON_UTF8, "relu; rm -rf /", "NEAREST-EVEN "]

PATH_OUT_BAD = ["{missing}/x.out", "{outdir_existing}"]

#: option dest -> kind
KIND = {
    "target": "formula", "function": "formula",
    "lipschitz": "number+", "curvature": "number+", "max_error": "number+",
    "domain": "domain", "grid": "grid", "format": "format",
    "mode": "name", "rounding": "name", "overflow": "name", "activation": "name",
    "out": "path_out", "export": "path_out", "out_dir": "path_out_dir",
    "net": "path_in", "model": "path_in",
    "dask": "dask", "upper": "upper",
    "bits": "int", "models": "list", "constructions": "list",
}
LIST_BAD = {"models": ["", "bogus", NON_UTF8], "constructions": ["", "bogus", "deep,bogus", NON_UTF8],
            "bits": ["", "a,b", "4,-1", "0", "1e9", NON_UTF8, "100000000"]}


def _kind(parser_path, action) -> str:
    if action.dest == "bits" and action.type is None:
        return "list"  # memory --bits 3,4,6
    if action.choices:
        return "choice"
    if action.nargs == 0:
        return "flag"
    if action.type is int:
        return "int"
    if action.type is float:
        return "float"
    return KIND.get(action.dest, "str")


# ----------------------------------------------------------------------------------------------
# input files (written once per session)
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from relubits import from_pwl

    for mod in ("onnx", "onnxruntime", "torch"):  # import once here, not in every forked child
        try:
            __import__(mod)
        except ImportError:
            pass
    d = tmp_path_factory.mktemp("fuzz_cli_inputs")
    net = from_pwl([0, "1/4", "1/2", 1], [0, "1/2", "1/4", 1])
    good = d / "net.json"
    net.save(good)
    text = good.read_text()
    doc = json.loads(text)
    bad = {}

    def put(name, data):
        p = d / name
        p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape"))
        bad[name] = str(p)

    put("empty.json", b"")
    put("truncated.json", text[: len(text) // 2])
    put("nonutf8.json", b"\xff\xfe" + text.encode()[2:])
    put("list.json", "[1, 2, 3]")
    put("null.json", "null")
    put("nan.json", text.replace('"den": 1', '"den": NaN', 1) if '"den": 1' in text else text.replace("[[", "[[NaN, ", 1))
    put("deep.json", "[" * 100000 + "]" * 100000)
    put("bigint.json", text.replace('"den": ', '"den": 1' + "0" * 5000 + "", 1))
    for key, val in [("format", "other"), ("version", 99), ("layers", []), ("layers", "x"), ("widths", [1, 1])]:
        d2 = dict(doc)
        d2[key] = val
        put(f"field_{key}_{str(val)[:5]}.json", json.dumps(d2))
    d2 = json.loads(text)
    d2["layers"][0]["den"] = 0
    put("den0.json", json.dumps(d2))
    d2 = json.loads(text)
    d2["layers"][0]["den"] = -4
    put("den_neg.json", json.dumps(d2))
    d2 = json.loads(text)
    d2["layers"][0]["A"] = [[1.5]] * len(d2["layers"][0]["A"])
    put("float_entry.json", json.dumps(d2))
    d2 = json.loads(text)
    d2["layers"][0]["A"][0] = d2["layers"][0]["A"][0] + [1]
    put("ragged.json", json.dumps(d2))
    d2 = json.loads(text)
    d2["layers"][1]["A"] = [[1] * 7]
    put("mismatch.json", json.dumps(d2))
    d2 = json.loads(text)
    d2["layers"][0]["A"][0][0] = "1e999"
    put("str_entry.json", json.dumps(d2))
    d2 = json.loads(text)
    d2["layers"][0]["A"][0][0] = True
    put("bool_entry.json", json.dumps(d2))
    d2 = json.loads(text)
    d2["layers"] = [{"den": 1, "A": [], "c": []}]
    put("empty_layer.json", json.dumps(d2))
    d2 = json.loads(text)
    d2["layers"][0] = {"den": 1, "A": [[0]] * 20000, "c": [0] * 19999}
    put("huge_mismatch.json", json.dumps(d2))
    # bit flips (deterministic)
    rng = random.Random(9)
    raw = text.encode()
    for k in range(12):
        b = bytearray(raw)
        for _ in range(1 + k % 3):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        put(f"flip{k}.json", bytes(b))
    # other extensions for quantize
    put("empty.onnx", b"")
    put("junk.onnx", bytes(rng.randrange(256) for _ in range(300)))
    put("empty.pt", b"")
    put("junk.pt", b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(300)))
    put("net.txt", text)
    try:
        from relubits.io.onnx import to_onnx

        onnx_path = d / "net.onnx"
        to_onnx(net, onnx_path)
        raw = onnx_path.read_bytes()
        put("truncated.onnx", raw[: len(raw) // 2])
        for k in range(6):
            b = bytearray(raw)
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
            put(f"flip{k}.onnx", bytes(b))
    except ImportError:
        pass
    (d / "a_directory.json").mkdir()
    bad["a_directory.json"] = str(d / "a_directory.json")
    bad["missing.json"] = str(d / "does-not-exist.json")
    return {"net": str(good), "bad": bad, "dir": d}


# ----------------------------------------------------------------------------------------------
# case generation
# ----------------------------------------------------------------------------------------------
def _option_index(argv, opt):
    try:
        return argv.index(opt)
    except ValueError:
        return -1


def _replace(argv: list, action, values: list) -> list:
    """argv with ``action``'s value(s) replaced (or appended) by ``values``."""
    argv = list(argv)
    if not action.option_strings:  # positional: first non-option placeholder in the baseline
        for i, a in enumerate(argv):
            if a.startswith("{net}"):
                argv[i] = values[0]
                return argv
        return values + argv
    opt = action.option_strings[-1]
    i = _option_index(argv, opt)
    n = 1 if action.nargs in (None, 1) else (action.nargs if isinstance(action.nargs, int) else 1)
    if i >= 0:
        argv[i + 1:i + 1 + n] = values
    else:
        argv += [opt] + values
    return argv


def cases_for(path: tuple[str, ...], parser: argparse.ArgumentParser, files: dict):
    """Yield ``(argv_template, must_fail, slow)`` for one command."""
    base = BASELINES.get(path)
    if base is None:
        base = []
    slow_cmd = path in SLOW_COMMANDS
    bad = files["bad"]
    for action in parser._actions:
        if action.dest in ("help", "json") or isinstance(action, argparse._SubParsersAction):
            continue
        kind = _kind(path, action)
        vals: list[tuple[list, bool]] = []  # (values, must_fail)
        if kind == "flag":
            continue
        if kind == "choice":
            vals += [(["bogus"], True), ([""], True), ([NON_UTF8], True)]
        elif kind == "int":
            vals += [([v], v != "٣") for v in INT_SYNTAX]
            vals += [([v], action.dest not in INT_NEGATIVE_OK) for v in INT_NEGATIVE]
            vals += [([v], False) for v in INT_HUGE + ["0"]]
        elif kind == "float":
            vals += [([v], True) for v in FLOAT_BAD]
            vals += [([v], False) for v in FLOAT_ODD if not (action.dest in FLOAT_NO_HUGE and v in ("inf", "1e308"))]
        elif kind == "formula":
            # an empty optional formula means "the default target" for some commands
            vals += [([v], action.required or v.strip() != "") for v in FORMULA_BAD]
        elif kind == "number+":
            vals += [([v], True) for v in NUMBER_BAD + NUMBER_NONNEG]
            vals += [([v], False) for v in NUMBER_ODD]
        elif kind == "domain":
            vals += [(list(v), True) for v in DOMAIN_BAD]
            vals += [(list(v), False) for v in DOMAIN_ODD]
        elif kind == "grid":
            vals += [([v], True) for v in GRID_BAD]
            vals += [([v], False) for v in GRID_ODD]
        elif kind == "format":
            vals += [([v], True) for v in FORMAT_BAD]
            vals += [([v], False) for v in FORMAT_ODD]
        elif kind == "name":
            vals += [([v], True) for v in NAME_BAD]
        elif kind == "list":
            vals += [([v], True) for v in LIST_BAD.get(action.dest, JUNK)]
        elif kind == "path_in":
            for name, p in sorted(bad.items()):
                # a bit flip inside a digit can leave a valid network; net.txt is valid JSON
                vals.append(([p], not (name.startswith("flip") or name == "net.txt")))
        elif kind == "path_out":
            vals += [([v], True) for v in PATH_OUT_BAD]
        elif kind == "path_out_dir":  # a directory is expected: an existing *file* is wrong
            vals += [([files["net"]], True), (["{missing}/figs"], False)]
        elif kind == "dask":
            vals += [(["tcp://127.0.0.1:1"], False), ([""], False), ([NON_UTF8], False)]
        elif kind == "upper":
            vals += [([v], True) for v in ["os:nope", "no_such_module_relubits:f", "::", "relubits:__version__", NON_UTF8]]
        else:
            vals += [([v], False) for v in JUNK]
        for values, must_fail in vals:
            argv = list(path) + ["--json"] + _replace(base, action, values)
            # the expensive part only runs when a value is accepted; bad paths of sweeps fail late
            slow = slow_cmd and (not must_fail or kind == "path_out")
            yield argv, must_fail, slow
    # options that do not exist, and a missing required argument
    yield list(path) + ["--no-such-option", "1"] + list(base), True, False
    if base:
        required = any(a.required for a in parser._actions)
        yield list(path) + [a for a in base if not a.startswith("{net}")][:1], required, slow_cmd and not required


def _fill(argv, files, workdir):
    out = os.path.join(workdir, "result")
    subs = {"{net}": files["net"], "{out}": out, "{outdir}": os.path.join(workdir, "figs"),
            "{missing}": os.path.join(workdir, "no", "such", "dir"),
            "{outdir_existing}": os.path.join(workdir, "existing_dir")}
    if any("{outdir_existing}" in a for a in argv):
        os.makedirs(subs["{outdir_existing}"], exist_ok=True)  # whatever is written beside it stays in workdir
    res, outs = [], []
    for a in argv:
        for k, v in subs.items():
            if k in a:
                a = a.replace(k, v)
                if k in ("{out}", "{missing}"):
                    outs.append(a)
        res.append(a)
    return res, outs


def run_cli_case(argv_t, must_fail, files, suite="cli", timeout=None):
    import tempfile

    workdir = tempfile.mkdtemp(prefix="relubits-fuzz-cli-")
    try:
        argv, outs = _fill(argv_t, files, workdir)
        o = run_isolated(lambda: main(argv), kind="cli", workdir=workdir, timeout=timeout)
        v = judge_cli(o, must_fail, outs)
        record(describe(argv_t), v, suite)
        return v
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _all_cases(files, slow: bool):
    for path, parser in sorted(COMMANDS.items()):
        for argv, must_fail, is_slow in cases_for(path, parser, files):
            if is_slow == slow:
                yield path, argv, must_fail



# ----------------------------------------------------------------------------------------------
# known bugs: excluded from the sweeps above, pinned one representative each as a strict xfail
# ----------------------------------------------------------------------------------------------
def _opt(argv, name):
    i = argv.index(name) if name in argv else -1
    return argv[i + 1] if 0 <= i < len(argv) - 1 else None


def _huge(v):
    try:
        return v is not None and int(v) >= 10**12
    except ValueError:
        return False


#: (name, matcher(argv), reason, representative argv[, slow]) -- see the final report of issue 9.
#: Found by this fuzzer and fixed since (their cases now run in the sweeps above): huge decimal
#: exponents (core as_fraction hung), deeply nested JSON (core load: RecursionError), Lipschitz /
#: curvature beyond float range (core certify), approximate --width/--depth and memory --budget
#: 10**12 (hung), ding --eps 1e-320, fixedpoint --format Q100000000.0 (hung), export/quantize --domain 0 1e-300
#: (io.verify int64 overflow), convert --points / export --n 10**12, --workers 10**12, benign --time-limit nan,
#: --out <folder> for figures, regimes --width/--depth/--offset beyond range, an unreachable --dask
#: scheduler (now a 3 s connect timeout).
KNOWN_BUGS = [
]


def known_bug(argv):
    for name, match, reason, *_ in KNOWN_BUGS:
        try:
            if match(argv):
                return name
        except Exception:  # noqa: BLE001
            pass
    return None


def _fill_bad(argv, files):
    return [files["bad"][a[5:-1]] if a.startswith("{bad:") else a for a in argv]


@pytest.mark.parametrize("name,reason,argv", [
    pytest.param(k[0], k[2], k[3], marks=[pytest.mark.slow] if len(k) > 4 and k[4] else []) for k in KNOWN_BUGS],
    ids=[k[0] for k in KNOWN_BUGS])
def test_known_cli_bug(name, reason, argv, files, request):
    request.node.add_marker(pytest.mark.xfail(strict=True, reason=reason))
    import tempfile

    workdir = tempfile.mkdtemp(prefix="relubits-fuzz-known-")
    try:
        argv_f, outs = _fill(_fill_bad(argv, files), files, workdir)
        o = run_isolated(lambda: main(argv_f), kind="cli", workdir=workdir, timeout=3 if "dask" not in name else 10)
        v = judge_cli(o, True, outs)
        record(describe(argv), v, "cli", known=True)
        assert v.ok, v.why
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

# ----------------------------------------------------------------------------------------------
# tests
# ----------------------------------------------------------------------------------------------
def test_every_command_is_discovered_and_has_a_baseline():
    assert ("info",) in COMMANDS and ("fixedpoint", "check") in COMMANDS
    missing = sorted(p for p in COMMANDS if p not in BASELINES)
    # new commands are still fuzzed (from scratch); this only reports them
    assert len(missing) <= len(COMMANDS) // 2, f"commands without a baseline: {missing}"


@pytest.mark.parametrize("path", sorted(p for p in BASELINES if p not in SLOW_COMMANDS and p in COMMANDS),
                         ids=lambda p: "-".join(p))
def test_baseline_succeeds(path, files):
    """The fuzzed command lines start from a valid one (otherwise the mutations test nothing)."""
    import tempfile

    workdir = tempfile.mkdtemp(prefix="relubits-fuzz-base-")
    try:
        argv, _ = _fill(list(path) + ["--json"] + BASELINES[path], files, workdir)
        o = run_isolated(lambda: main(argv), kind="cli", workdir=workdir)
        assert o.rc == 0, (argv, o.stderr, o.tb)
        json.loads(o.stdout)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


#: cases per command in the default run (spread evenly over its options); all of them with
#: RELUBITS_FUZZ_FULL=1 (``benchmarks/fuzz_report.py``) and in the ``slow`` run
DEFAULT_SAMPLE = 10


def default_cases(path, files):
    cases = [(a, m) for a, m, slow in cases_for(path, COMMANDS[path], files) if not slow and not known_bug(a)]
    if os.environ.get("RELUBITS_FUZZ_FULL") or len(cases) <= DEFAULT_SAMPLE:
        return cases
    step = len(cases) / DEFAULT_SAMPLE
    return [cases[int(i * step)] for i in range(DEFAULT_SAMPLE)]


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=lambda p: "-".join(p))
def test_fuzz_command(path, files):
    failures = []
    n = 0
    for argv, must_fail in default_cases(path, files):
        n += 1
        v = run_cli_case(argv, must_fail, files)
        if not v.ok:
            failures.append(f"{describe(argv)}\n    -> {v.why}")
    assert n > 0
    assert not failures, f"{len(failures)}/{n} cases misbehaved:\n" + "\n".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(COMMANDS), ids=lambda p: "-".join(p))
def test_fuzz_command_slow(path, files):
    """Every case the default run leaves out (the rest of the sample, and sweeps that run when accepted)."""
    failures = []
    sampled = {tuple(a) for a, _ in default_cases(path, files)}
    for argv, must_fail, is_slow in cases_for(path, COMMANDS[path], files):
        if known_bug(argv) or tuple(argv) in sampled:
            continue
        # a sweep that accepts its input runs for seconds (more on a loaded machine)
        v = run_cli_case(argv, must_fail, files, timeout=60 if is_slow else None)
        if not v.ok:
            failures.append(f"{describe(argv)}\n    -> {v.why}")
    assert not failures, "\n".join(failures)


def test_no_subcommand_and_top_level_junk():
    for argv, must_fail in [([], True), (["no-such-command"], True), (["--json"], True), ([NON_UTF8], True),
                            (["fixedpoint"], True), (["fixedpoint", "bogus"], True), (["--version-x"], True)]:
        o = run_isolated(lambda: main(argv), kind="cli")
        if argv == []:  # ``relubits`` alone prints the help (several lines) with exit 2 by design
            v = Verdict(o.rc == 2 and "Traceback" not in o.stderr and not o.timed_out, f"rc {o.rc}")
        else:
            v = judge_cli(o, must_fail)
        record(describe(argv), v, "cli")
        assert v.ok, (argv, v.why)


def test_fuzz_report_cli(capsys):
    """Prints the running count (meaningful after the tests above in the same session)."""
    with capsys.disabled():
        print(f"\n[fuzz cli] cases tried: {RESULTS.tried}, misbehaved: {RESULTS.misbehaved} "
              f"(+ {RESULTS.known} known-bug representatives, strict xfails)")
    assert RESULTS.tried >= 0
