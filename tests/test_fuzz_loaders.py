"""Fuzzing every loader and parser with bad input (issue 9, part 1).

Entry points: :func:`relubits.load`, :meth:`Network.from_layers`,
:meth:`Network.from_integer_layers`, :func:`relubits.from_pwl`, :func:`relubits.grid.parse_grid`,
the ``Grid`` factories, :func:`relubits.expr.parse_expr`, ``exact_batch`` inputs, ``pieces`` /
``certify`` arguments and, when importable, :mod:`relubits.io` (``from_onnx``, ``from_torch``,
``load_torch``, ``from_pwlf``) and the fixed-point format parsers (``parse_format``,
``FixedFormat``, ``FixedNetwork``).

Contract (``tests/_fuzz_harness.py``): each case runs in a forked child with a time and memory
limit and must raise ``ValueError``/``TypeError`` (naming the parameter where one is named
below) -- or, for inputs that may be valid (bit flips), return normally; never hang, crash or
raise anything else.  Known bugs are pinned as strict xfails at the end of the file.
"""

from __future__ import annotations

import json
import os
import random
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _fuzz_harness import RESULTS, judge_lib, record, run_inprocess, run_isolated

import relubits
from relubits import Grid, Network, from_pwl
from relubits.expr import parse_expr
from relubits.grid import parse_grid

NAN, INF = float("nan"), float("inf")
NON_UTF8 = b"\xff\xfe\x80x".decode("utf-8", "surrogateescape")


def at_least(n: int):
    """``max_examples`` raised to ``n`` for cheap property tests, never below the loaded profile's
    (so the nightly profile still runs more)."""
    return settings(max_examples=max(n, settings().max_examples))


def check(label: str, fn, must_fail: bool = True, names=(), allowed=("ValueError", "TypeError"), timeout=None,
          isolate=True, known=False):
    """Run one case (forked unless ``isolate=False``: small generated inputs), record it, and
    return the verdict (asserted by the caller)."""
    o = run_isolated(fn, kind="lib", timeout=timeout) if isolate else run_inprocess(fn, timeout=timeout)
    v = judge_lib(o, must_fail=must_fail, names=names, allowed=allowed)
    record(label, v, "lib", known=known)
    return v


def run_table(cases):
    bad = []
    for case in cases:
        label, fn = case[0], case[1]
        kw = case[2] if len(case) > 2 else {}
        v = check(label, fn, **kw)
        if not v.ok:
            bad.append(f"{label}: {v.why}")
    assert not bad, f"{len(bad)}/{len(cases)} cases misbehaved:\n" + "\n".join(bad)


def _absnet():
    return Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])


# ----------------------------------------------------------------------------------------------
# relubits.load: corrupted files
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def good_json(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz_load")
    p = d / "good.json"
    from_pwl([0, "1/3", 1], [0, 1, "-1/2"]).save(p)
    return p.read_bytes()


def _with_entry(good: bytes, value) -> bytes:
    d = json.loads(good)
    d["layers"][0]["A"][0][0] = value
    return json.dumps(d).encode()  # NaN / Infinity literals, which Python's json reads back


def _load_bytes(data: bytes):
    import tempfile

    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    try:
        return relubits.load(path)
    finally:
        os.unlink(path)


def test_load_structural_corruptions(good_json, tmp_path):
    doc = json.loads(good_json)
    cases = []

    def variant(label, mutate):
        d = json.loads(good_json)
        mutate(d)
        data = json.dumps(d).encode()
        cases.append((f"load {label}", lambda: _load_bytes(data), {"names": ("network file",)}))

    variant("format", lambda d: d.update(format="x"))
    variant("version", lambda d: d.update(version=2))
    variant("version-str", lambda d: d.update(version="1"))
    variant("layers-empty", lambda d: d.update(layers=[]))
    variant("layers-dict", lambda d: d.update(layers={"a": 1}))
    variant("widths", lambda d: d.update(widths=[1, 2, 3, 4]))
    variant("den0", lambda d: d["layers"][0].update(den=0))
    variant("den-neg", lambda d: d["layers"][0].update(den=-2))
    variant("den-float", lambda d: d["layers"][0].update(den=1.5))
    variant("den-str", lambda d: d["layers"][0].update(den="two"))
    variant("den-bool", lambda d: d["layers"][0].update(den=True))
    variant("den-null", lambda d: d["layers"][0].update(den=None))
    variant("A-scalar", lambda d: d["layers"][0].update(A=3))
    variant("A-empty", lambda d: d["layers"][0].update(A=[]))
    variant("A-empty-rows", lambda d: d["layers"][0].update(A=[[]]))
    variant("A-ragged", lambda d: d["layers"][0]["A"][0].append(1))
    variant("A-float", lambda d: d["layers"][0]["A"][0].__setitem__(0, 0.5))
    variant("A-str-exp", lambda d: d["layers"][0]["A"][0].__setitem__(0, "1e999"))
    variant("A-str-hex", lambda d: d["layers"][0]["A"][0].__setitem__(0, "0x10"))
    variant("A-nested", lambda d: d["layers"][0]["A"][0].__setitem__(0, [1]))
    variant("A-obj", lambda d: d["layers"][0]["A"][0].__setitem__(0, {"v": 1}))
    variant("c-short", lambda d: d["layers"][0]["c"].pop())
    variant("c-not-list", lambda d: d["layers"][0].update(c="0"))
    variant("layer-missing-key", lambda d: d["layers"][0].pop("c"))
    variant("layer-not-obj", lambda d: d["layers"].__setitem__(0, [1, 2]))
    variant("mismatch", lambda d: d["layers"][1].update(A=[[1] * 9]))
    variant("huge-mismatch", lambda d: d["layers"][0].update(A=[[0]] * 100000, c=[0] * 99999))
    raw_cases = {
        "empty": b"", "ws": b"   ", "null": b"null", "list": b"[]", "number": b"1", "string": b'"x"',
        "nonutf8": b"\xff\xfe" + good_json[2:], "bom": b"\xef\xbb\xbf" + good_json,
        "nan": _with_entry(good_json, float("nan")), "inf": _with_entry(good_json, float("inf")),
        "float": _with_entry(good_json, 0.5), "deep-ok": b"[" * 500 + b"]" * 500, "utf16": good_json.decode().encode("utf-16"),
        "trailing": good_json + b"}", "nul": good_json[:10] + b"\x00" + good_json[10:],
        "hugeint": good_json.replace(b'"den": ', b'"den": 1' + b"0" * 100000, 1),
        "hugeint-str": good_json.replace(b'"den": ', b'"den": "1' + b"0" * 100000 + b'", "x": ', 1),
    }
    for k, data in raw_cases.items():
        # a BOM or a huge (valid) integer may be accepted; everything else must be refused
        cases.append((f"load raw {k}", (lambda data=data: _load_bytes(data)),
                      {"must_fail": k not in ("bom", "hugeint", "hugeint-str")}))
    cases.append(("load missing file", lambda: relubits.load(str(tmp_path / "nope.json")),
                  {"allowed": ("ValueError", "TypeError", "OSError")}))
    cases.append(("load directory", lambda: relubits.load(str(tmp_path)),
                  {"allowed": ("ValueError", "TypeError", "OSError")}))
    cases.append(("load None", lambda: relubits.load(None), {}))
    cases.append(("load int", lambda: relubits.load(3.5), {}))
    run_table(cases)


@at_least(800)
@given(cut=st.integers(min_value=0, max_value=10**6))
def test_load_truncated_json(good_json, cut):
    cut = cut % len(good_json)  # every proper prefix is invalid JSON or an incomplete document
    v = check(f"load truncated at {cut}", lambda: _load_bytes(good_json[:cut]), names=("network file",), isolate=False)
    assert v.ok, v.why


@at_least(1000)
@given(flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 7)), min_size=1, max_size=4))
def test_load_bit_flipped_json(good_json, flips):
    b = bytearray(good_json)
    for pos, bit in flips:
        b[pos % len(b)] ^= 1 << bit
    data = bytes(b)
    # a flip inside a digit can give another valid network: accepted or a clean error
    v = check(f"load bitflip {flips}", lambda: _load_bytes(data), must_fail=False, isolate=False)
    assert v.ok, v.why


@at_least(1500)
@given(data=st.binary(max_size=400))
def test_load_random_bytes(data):
    v = check(f"load random bytes {data[:20]!r}", lambda: _load_bytes(data), isolate=False)
    assert v.ok, v.why


# ----------------------------------------------------------------------------------------------
# Network.from_layers / from_integer_layers
# ----------------------------------------------------------------------------------------------
def test_from_layers_bad_input():
    F = Network.from_layers
    I = Network.from_integer_layers
    cases = [
        ("from_layers None", lambda: F(None)),
        ("from_layers int", lambda: F(3)),
        ("from_layers str", lambda: F("abc")),
        ("from_layers dict", lambda: F({"A": 1})),
        ("from_layers empty", lambda: F([])),
        ("from_layers single", lambda: F([([[1]],)])),
        ("from_layers triple", lambda: F([([[1]], [0], 1)])),
        ("from_layers nan weight", lambda: F([([[NAN]], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers inf bias", lambda: F([([[1]], [INF])]), {"names": ("layers[0].c",)}),
        ("from_layers -inf np", lambda: F([(np.array([[1.0, -INF]]), np.zeros(1))]), {"names": ("layers[0].A",)}),
        ("from_layers nan str", lambda: F([([["nan"]], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers inf str", lambda: F([([["inf"]], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers Decimal nan", lambda: F([([[Decimal("NaN")]], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers Decimal snan", lambda: F([([[Decimal("sNaN")]], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers np.float32 nan", lambda: F([(np.array([[np.nan]], dtype=np.float32), [0])])),
        ("from_layers np.float16 inf", lambda: F([(np.array([[np.inf]], dtype=np.float16), [0])])),
        ("from_layers complex", lambda: F([([[1j]], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers complex np", lambda: F([(np.array([[1 + 0j]]), [0])])),
        ("from_layers bool", lambda: F([([[True]], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers bool np", lambda: F([(np.array([[True]]), [0])]), {"names": ("layers[0].A",)}),
        ("from_layers None entry", lambda: F([([[None]], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers object entry", lambda: F([([[object()]], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers bytes entry", lambda: F([([[b"1"]], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers nonutf8 entry", lambda: F([([[NON_UTF8]], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers 1/0 str", lambda: F([([["1/0"]], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers empty A", lambda: F([([], [])])),
        ("from_layers empty rows", lambda: F([([[]], [0])])),
        ("from_layers 1-D A", lambda: F([([1, 2], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers 3-D A", lambda: F([([[[1]]], [0])]), {"names": ("layers[0].A",)}),
        ("from_layers 2-D c", lambda: F([([[1]], [[0]])]), {"names": ("layers[0].c",)}),
        ("from_layers ragged", lambda: F([([[1, 2], [3]], [0, 0])]), {"names": ("layers[0].A",)}),
        ("from_layers c short", lambda: F([([[1], [2]], [0])])),
        ("from_layers chain mismatch", lambda: F([([[1], [2]], [0, 0]), ([[1, 1, 1]], [0])])),
        ("from_layers zero rows np", lambda: F([(np.zeros((0, 3)), np.zeros(0))])),
        ("from_layers zero cols np", lambda: F([(np.zeros((3, 0)), np.zeros(3))])),
        ("from_layers int64 3-D", lambda: F([(np.zeros((1, 1, 1), dtype=np.int64), [0])])),
        ("from_layers generator of junk", lambda: F(x for x in [1, 2])),
        ("from_integer_layers float A", lambda: I([(np.array([[0.5]]), np.array([0]), 1)]), {"names": ("layers[0].A",)}),
        ("from_integer_layers Fraction A", lambda: I([([[Fraction(1, 2)]], [0], 1)]), {"names": ("layers[0].A",)}),
        ("from_integer_layers den 0", lambda: I([([[1]], [0], 0)]), {"names": ("den",)}),
        ("from_integer_layers den -1", lambda: I([([[1]], [0], -1)]), {"names": ("den",)}),
        ("from_integer_layers den 1.5", lambda: I([([[1]], [0], 1.5)]), {"names": ("den",)}),
        ("from_integer_layers den nan", lambda: I([([[1]], [0], NAN)]), {"names": ("den",)}),
        ("from_integer_layers den inf", lambda: I([([[1]], [0], INF)]), {"names": ("den",)}),
        ("from_integer_layers den True", lambda: I([([[1]], [0], True)]), {"names": ("den",)}),
        ("from_integer_layers den str", lambda: I([([[1]], [0], "2")]), {"names": ("den",)}),
        ("from_integer_layers bool A", lambda: I([(np.array([[True]]), [0], 1)]), {"names": ("layers[0].A",)}),
        ("from_integer_layers pair", lambda: I([([[1]], [0])])),
        ("from_integer_layers empty", lambda: I([])),
        ("from_integer_layers None", lambda: I(None)),
        ("from_integer_layers str A", lambda: I([([["1"]], [0], 1)]), {"names": ("layers[0].A",)}),
        ("from_integer_layers uint64 huge", lambda: I([(np.array([[2**64 - 1]], dtype=np.uint64), [0], 1)]),
         {"must_fail": False}),
        ("Network() direct", lambda: Network([])),
    ]
    run_table(cases)


_weird_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-2**80, 2**80),
    st.fractions(max_denominator=2**40), st.sampled_from(["nan", "inf", "-inf", "1/0", "abc", "", "1e5", "0.1"]),
    st.none(), st.booleans(), st.complex_numbers(max_magnitude=2),
)


@at_least(800)
@given(A=st.lists(st.lists(_weird_numbers, min_size=0, max_size=3), min_size=0, max_size=3),
       c=st.lists(_weird_numbers, min_size=0, max_size=3))
def test_from_layers_generated(A, c):
    """Any mixture of entries: a network that equals the inputs exactly, or a clean error."""
    def build():
        net = Network.from_layers([(A, c)])
        # accepted: every entry must have been an exact finite number, and be kept exactly
        got = net.layers[0][0]
        for i, row in enumerate(A):
            for j, v in enumerate(row):
                assert got[i, j] == Fraction(v) if not isinstance(v, str) else Fraction(v), (v, got[i, j])
        return net.widths

    v = check(f"from_layers generated A={A!r:.80} c={c!r:.40}", build, must_fail=False, isolate=False)
    assert v.ok, v.why


def test_from_layers_huge_arrays():
    """Large (10^6-entry) inputs: built exactly or refused cleanly, within the time limit."""
    cases = [
        ("from_layers 1e6 zeros float", lambda: Network.from_layers([(np.zeros((1, 10**6)), np.zeros(1))]).n_params,
         {"must_fail": False}),
        ("from_integer_layers 1e6 int64", lambda: Network.from_integer_layers(
            [(np.ones((1000, 1000), dtype=np.int64), np.zeros(1000, dtype=np.int64), 1)]).n_params, {"must_fail": False}),
        ("from_layers 1e5 nan at end", lambda: Network.from_layers(
            [(np.concatenate([np.zeros(10**5 - 1), [NAN]])[None, :], np.zeros(1))]), {"names": ("layers[0].A",)}),
        ("from_layers tiny subnormals", lambda: Network.from_layers([([[5e-324, 1e308]], [0])]).exact([1, 1]),
         {"must_fail": False}),
    ]
    run_table(cases)


# ----------------------------------------------------------------------------------------------
# evaluation inputs, pieces, certify
# ----------------------------------------------------------------------------------------------
def test_evaluation_and_analysis_bad_input():
    net = _absnet()
    cases = [
        ("exact_batch nan", lambda: net.exact_batch([[NAN]]), {"names": ("X",)}),
        ("exact_batch inf np", lambda: net.exact_batch(np.array([[INF]])), {"names": ("X",)}),
        ("exact_batch str", lambda: net.exact_batch([["abc"]]), {"names": ("X",)}),
        ("exact_batch None", lambda: net.exact_batch([[None]]), {"names": ("X",)}),
        ("exact_batch wrong cols", lambda: net.exact_batch([[1, 2]]), {"names": ("X",)}),
        ("exact_batch 3-D", lambda: net.exact_batch(np.zeros((1, 1, 1))), {"names": ("X",)}),
        ("exact_batch ragged", lambda: net.exact_batch([[1], [1, 2]]), {"names": ("X",)}),
        ("exact wrong len", lambda: net.exact([1, 2])),
        ("exact bool", lambda: net.exact([True]), {"names": ("X",)}),
        ("call wrong shape", lambda: net(np.zeros((2, 3))), {"names": ("X",)}),
        ("call str", lambda: net([["a"]])),
        ("pieces domain reversed", lambda: relubits.pieces(net, (1, 0)), {"names": ("domain",)}),
        ("pieces domain empty", lambda: relubits.pieces(net, (0, 0)), {"names": ("domain",)}),
        ("pieces domain nan", lambda: relubits.pieces(net, (NAN, 1)), {"names": ("domain",)}),
        ("pieces domain inf", lambda: relubits.pieces(net, (0, INF)), {"names": ("domain",)}),
        ("pieces domain scalar", lambda: relubits.pieces(net, 1), {"names": ("domain",)}),
        ("pieces domain triple", lambda: relubits.pieces(net, (0, 1, 2)), {"names": ("domain",)}),
        ("pieces not a net", lambda: relubits.pieces("net", (0, 1))),
        ("pieces 2-D input", lambda: relubits.pieces(Network.from_layers([([[1, 1]], [0])]), (0, 1))),
        ("certify lipschitz nan", lambda: relubits.certify(net, np.abs, NAN), {"names": ("lipschitz",)}),
        ("certify lipschitz -1", lambda: relubits.certify(net, np.abs, -1), {"names": ("lipschitz",)}),
        ("certify lipschitz str", lambda: relubits.certify(net, np.abs, "abc"), {"names": ("lipschitz",)}),
        ("certify rtol nan", lambda: relubits.certify(net, np.abs, 1, rtol=NAN), {"names": ("rtol",)}),
        ("certify rtol -1", lambda: relubits.certify(net, np.abs, 1, rtol=-1), {"names": ("rtol",)}),
        ("certify domain reversed", lambda: relubits.certify(net, np.abs, 1, domain=(1, 0)), {"names": ("domain",)}),
        ("certify f not callable", lambda: relubits.certify(net, 3, 1)),
        ("certify f returns nan", lambda: relubits.certify(net, lambda x: x * NAN, 1)),
        ("certify f wrong shape", lambda: relubits.certify(net, lambda x: np.zeros(3), 1)),
        ("certify max_evals -1", lambda: relubits.certify(net, np.abs, 1, max_evals=-1), {"names": ("max_evals",)}),
        ("certify curvature nan", lambda: relubits.certify(net, np.abs, 1, curvature=NAN), {"names": ("curvature",)}),
        ("compose junk", lambda: relubits.compose(net, "x")),
        ("compose dims", lambda: relubits.compose(Network.from_layers([([[1, 1]], [0])]), net)),
        ("scale nan", lambda: relubits.scale(net, NAN), {"names": ("factor",)}),
        ("identity depth 0", lambda: relubits.identity(1, 0), {"names": ("depth",)}),
        ("identity dim -1", lambda: relubits.identity(-1, 2), {"names": ("dim",)}),
        ("deepen 0", lambda: net.deepen(0), {"names": ("depth",)}),
        ("deepen nan", lambda: net.deepen(NAN), {"names": ("depth",)}),
        ("widen -5", lambda: net.widen(-5), {"names": ("width",)}),
        ("parallel none", lambda: relubits.parallel()),
        ("on_grid str", lambda: net.on_grid("fixed:8:4"), {"names": ("grid",)}),
        ("save to missing dir", lambda: net.save("/nonexistent-relubits-dir/x.json"),
         {"allowed": ("ValueError", "TypeError", "OSError")}),
    ]
    run_table(cases)


# ----------------------------------------------------------------------------------------------
# from_pwl
# ----------------------------------------------------------------------------------------------
def test_from_pwl_bad_input():
    cases = [
        ("from_pwl one point", lambda: from_pwl([0], [1]), {"names": ("breakpoints",)}),
        ("from_pwl empty", lambda: from_pwl([], []), {"names": ("breakpoints",)}),
        ("from_pwl unequal", lambda: from_pwl([0, 1], [0]), {"names": ("values",)}),
        ("from_pwl decreasing", lambda: from_pwl([1, 0], [0, 1]), {"names": ("breakpoints",)}),
        ("from_pwl repeated", lambda: from_pwl([0, 0, 1], [0, 1, 2]), {"names": ("breakpoints",)}),
        ("from_pwl nan bp", lambda: from_pwl([0, NAN], [0, 1]), {"names": ("breakpoints",)}),
        ("from_pwl inf value", lambda: from_pwl([0, 1], [0, INF]), {"names": ("values",)}),
        ("from_pwl nan np", lambda: from_pwl(np.array([0.0, NAN]), [0, 1]), {"names": ("breakpoints",)}),
        ("from_pwl 2-D np", lambda: from_pwl(np.zeros((2, 2)), [0, 1]), {"names": ("breakpoints",)}),
        ("from_pwl str", lambda: from_pwl("01", [0, 1]), {"names": ("breakpoints",)}),
        ("from_pwl None", lambda: from_pwl(None, None), {"names": ("breakpoints",)}),
        ("from_pwl scalar", lambda: from_pwl(3, 4), {"names": ("breakpoints",)}),
        ("from_pwl str entry", lambda: from_pwl([0, "abc"], [0, 1]), {"names": ("breakpoints",)}),
        ("from_pwl bool entry", lambda: from_pwl([0, True], [0, 1]), {"names": ("breakpoints",)}),
        ("from_pwl form", lambda: from_pwl([0, 1], [0, 1], form="bogus"), {"names": ("form",)}),
        ("from_pwl form None", lambda: from_pwl([0, 1], [0, 1], form=None), {"names": ("form",)}),
        ("from_pwl deep no width", lambda: from_pwl([0, 1], [0, 1], form="deep"), {"names": ("width",)}),
        ("from_pwl deep width 2", lambda: from_pwl([0, 1], [0, 1], form="deep", width=2), {"names": ("width",)}),
        ("from_pwl deep width -1", lambda: from_pwl([0, 1], [0, 1], form="deep", width=-1), {"names": ("width",)}),
        ("from_pwl deep width nan", lambda: from_pwl([0, 1], [0, 1], form="deep", width=NAN), {"names": ("width",)}),
        ("from_pwl deep width 3.5", lambda: from_pwl([0, 1], [0, 1], form="deep", width=3.5), {"names": ("width",)}),
        ("from_pwl deep width True", lambda: from_pwl([0, 1], [0, 1], form="deep", width=True), {"names": ("width",)}),
        ("from_pwl deep width str", lambda: from_pwl([0, 1], [0, 1], form="deep", width="4"), {"names": ("width",)}),
        ("from_pwl 1e4 pieces", lambda: from_pwl(list(range(10**4)), [i % 2 for i in range(10**4)]).n_params,
         {"must_fail": False}),
        ("from_pwl deep huge width", lambda: from_pwl([0, 1, 2], [0, 1, 0], form="deep", width=10**12).n_params,
         {"must_fail": False}),
    ]
    run_table(cases)


@at_least(800)
@given(bps=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5)), max_size=6),
       vals=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5)), max_size=6))
def test_from_pwl_generated(bps, vals):
    """Accepted only for >= 2 strictly increasing finite breakpoints with as many finite values."""
    ok = (len(bps) >= 2 and len(vals) == len(bps) and all(np.isfinite(v) for v in bps + vals)
          and all(a < b for a, b in zip(bps, bps[1:])))

    def build():
        net = from_pwl(bps, vals)
        assert ok, "accepted invalid data"
        P = relubits.pieces(net, (bps[0], bps[-1]))
        for t, v in zip(bps, vals):
            assert net.exact([t]) == [Fraction(v)]
        return P.n_pieces

    v = check(f"from_pwl generated {bps} {vals}", build, must_fail=not ok, isolate=False)
    assert v.ok, v.why


# ----------------------------------------------------------------------------------------------
# grids, parse_grid, parse_expr
# ----------------------------------------------------------------------------------------------
def test_grids_bad_input():
    cases = [
        ("Grid.fixed bits 0", lambda: Grid.fixed(0), {"names": ("bits",)}),
        ("Grid.fixed bits -1", lambda: Grid.fixed(-1), {"names": ("bits",)}),
        ("Grid.fixed bits nan", lambda: Grid.fixed(NAN), {"names": ("bits",)}),
        ("Grid.fixed bits 1.5", lambda: Grid.fixed(1.5), {"names": ("bits",)}),
        ("Grid.fixed bits True", lambda: Grid.fixed(True), {"names": ("bits",)}),
        ("Grid.fixed bits str", lambda: Grid.fixed("8"), {"names": ("bits",)}),
        ("Grid.fixed bits 10**9", lambda: Grid.fixed(10**9), {"names": ("bits",)}),
        ("Grid.fixed frac nan", lambda: Grid.fixed(8, NAN), {"names": ("frac_bits",)}),
        ("Grid.fixed frac str", lambda: Grid.fixed(8, "4"), {"names": ("frac_bits",)}),
        ("Grid.fixed symmetric 1 bit", lambda: Grid.fixed(1, symmetric=True), {"names": ("bits", "symmetric")}),
        ("Grid.fixed huge arbitrary", lambda: Grid.fixed(10**6, 3, arbitrary=True).size.bit_length(), {"must_fail": False}),
        ("Grid.bipolar nan", lambda: Grid.bipolar(NAN), {"names": ("scale_exp",)}),
        ("Grid.bipolar str", lambda: Grid.bipolar("1"), {"names": ("scale_exp",)}),
        ("Grid.levels empty", lambda: Grid.levels([]), {"names": ("values",)}),
        ("Grid.levels nan", lambda: Grid.levels([0, NAN]), {"names": ("values",)}),
        ("Grid.levels dup", lambda: Grid.levels([1, 1]), {"names": ("values",)}),
        ("round mode", lambda: Grid.fixed(8, 4).round(0.3, mode="bogus"), {"names": ("mode",)}),
        ("round overflow", lambda: Grid.fixed(8, 4).round(0.3, overflow="wrap"), {"names": ("overflow",)}),
        ("round nan", lambda: Grid.fixed(8, 4).round(NAN)),
        ("round out of range", lambda: Grid.fixed(4, 0).round(1000), {"names": ("range", "grid", "overflow")}),
        ("contains nan", lambda: NAN in Grid.fixed(8, 4), {"must_fail": False}),
    ]
    for spec in ["", "fixed", "fixed:0:0", "fixed:-3:1", "fixed:a:b", "fixed:8:4:asym", "levels:", "levels:1/0",
                 "levels:nan", "levels:a,b", "bipolar:x", "bipolar:1:2", "float32", NON_UTF8, "fixed:8:4:sym:x",
                 "fixed:8:4:sym:", "FIXED:8:4", " fixed:8:4", "fixed:8:9999999999999999999999:", "levels:1,1",
                 "fixed:99999999999:0", "fixed:1e3:0", "fixed:8:nan"]:
        cases.append((f"parse_grid {spec!r}", lambda spec=spec: parse_grid(spec), {"names": ("grid", "bits", "frac_bits", "values", "scale_exp")}))
    for obj in [None, 3, b"fixed:8:4", ["fixed", 8]]:
        cases.append((f"parse_grid {obj!r}", lambda obj=obj: parse_grid(obj)))
    run_table(cases)


FORMULA_BAD = [
    "__import__('os').system('echo pwned')", "open('/etc/passwd')", "x.__class__", "x.real", "lambda: 1",
    "[x for x in ()]", "x if x else 1", "exec('1')", "eval('x')", "sin", "sin(x, x)", "unknown(x)", "y",
    "'abc'", "b'x'", "True", "None", "x @ x", "x // 2", "x % 2", "x < 1", "(x, x)", "{}", "sin(x=1)",
    "(" * 500 + "x" + ")" * 500, "-" * 1999 + "x", "x" + "+x" * 1000, "sin(" * 100 + "x" + ")" * 100,
    "1" * 5000, "", "   ", "x +", NON_UTF8, "x\x00", "1j", "x[0]", "*x", "x := 1", "await x", "f'{x}'",
    "...", "x and x", "not x", "~x", "sin.__call__(x)", "getattr(x, 'a')", "pi.real", "e()", "pi(x)",
]


def test_parse_expr_bad_input():
    cases = [(f"parse_expr {f[:60]!r}", lambda f=f: parse_expr(f, 1, name="--target"), {"names": ("--target",)})
             for f in FORMULA_BAD]
    cases += [
        ("parse_expr None", lambda: parse_expr(None), {"names": ("target",)}),
        ("parse_expr bytes", lambda: parse_expr(b"x"), {"names": ("target",)}),
        ("parse_expr dim 0", lambda: parse_expr("x", 0), {"names": ("dim",)}),
        ("parse_expr dim -1", lambda: parse_expr("x", -1), {"names": ("dim",)}),
        ("parse_expr dim 1.5", lambda: parse_expr("x", 1.5), {"names": ("dim",)}),
        ("parse_expr dim True", lambda: parse_expr("x", True), {"names": ("dim",)}),
        ("parse_expr dim 10**9", lambda: parse_expr("x1", 10**9), {"names": ("dim",)}),
        ("parse_expr x in dim 2", lambda: parse_expr("x1 + x3", 2), {"names": ("x3",)}),
        ("expr call wrong arity", lambda: parse_expr("x1+x2", 2)(np.zeros(3))),
    ]
    run_table(cases)


_names = st.sampled_from(["x", "pi", "e", "sin", "os", "__import__", "open", "eval", "y", "x1", "__class__", "exp"])
_leaf = st.one_of(_names, st.integers(-3, 3).map(str), st.sampled_from(["0.5", "1e3", "'s'", "[]", "None", "x.real"]))
_formula = st.recursive(_leaf, lambda ch: st.one_of(
    st.tuples(ch, st.sampled_from(["+", "-", "*", "/", "**", "//", "%", "@", "<", " and "]), ch).map(
        lambda t: f"({t[0]}{t[1]}{t[2]})"),
    st.tuples(_names, st.lists(ch, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
    ch.map(lambda s: f"-{s}"), ch.map(lambda s: f"{s}[0]"),
), max_leaves=12)


def _expected_ok(text: str) -> bool:
    """Independent statement of the whitelist (for the names and operators generated above)."""
    import ast

    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return False

    def ok(n, depth):
        if depth > 60:
            return False
        if isinstance(n, ast.Expression):
            return ok(n.body, depth + 1)
        if isinstance(n, ast.Constant):
            return isinstance(n.value, (int, float)) and not isinstance(n.value, bool)
        if isinstance(n, ast.Name):
            return n.id in ("x", "pi", "e")
        if isinstance(n, ast.BinOp):
            return isinstance(n.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)) and ok(n.left, depth + 1) \
                and ok(n.right, depth + 1)
        if isinstance(n, ast.UnaryOp):
            return isinstance(n.op, (ast.USub, ast.UAdd)) and ok(n.operand, depth + 1)
        if isinstance(n, ast.Call):
            return (isinstance(n.func, ast.Name) and n.func.id in ("sin", "exp") and len(n.args) == 1
                    and not n.keywords and ok(n.args[0], depth + 1))
        return False

    return ok(tree, 0)


@at_least(1000)
@given(text=_formula)
def test_parse_expr_generated(text):
    """Random formulas over allowed and forbidden names and operators: parsed exactly when an
    independent statement of the whitelist accepts them, otherwise a ValueError naming the option."""
    expected = _expected_ok(text)

    def parse():
        try:
            f = parse_expr(text, 1, name="--target")
        except ValueError as exc:
            if expected:
                raise AssertionError(f"refused an allowed formula: {exc}") from None
            raise
        return f.text

    v = check(f"parse_expr generated {text[:80]!r}", parse, must_fail=not expected, names=("--target",), isolate=False)
    assert v.ok, v.why


@at_least(1500)
@given(text=st.text(max_size=60))
def test_parse_expr_random_text(text):
    v = check(f"parse_expr random text {text[:40]!r}", lambda: parse_expr(text, 1, name="--target").text,
              must_fail=False, names=("--target",), isolate=False)
    assert v.ok, v.why


# ----------------------------------------------------------------------------------------------
# relubits.io (optional extras)
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def onnx_bytes():
    pytest.importorskip("onnx")
    from relubits.io.onnx import to_onnx

    model = to_onnx(from_pwl([0, "1/4", 1], [0, 1, "1/4"]), dtype="float64")
    return model.SerializeToString()


def test_from_onnx_bad_input(onnx_bytes, tmp_path):
    from relubits.io.onnx import from_onnx

    p = tmp_path / "x.onnx"
    cases = [
        ("from_onnx None", lambda: from_onnx(None)),
        ("from_onnx int", lambda: from_onnx(3)),
        ("from_onnx empty bytes", lambda: from_onnx(b"")),
        ("from_onnx junk bytes", lambda: from_onnx(b"\x08\x07junkjunk")),
        ("from_onnx json bytes", lambda: from_onnx(b'{"format": "relubits.network"}')),
        ("from_onnx missing path", lambda: from_onnx(str(tmp_path / "nope.onnx")),
         {"allowed": ("ValueError", "TypeError", "OSError")}),
        ("from_onnx directory", lambda: from_onnx(str(tmp_path)), {"allowed": ("ValueError", "TypeError", "OSError")}),
        ("from_onnx nonutf8 path", lambda: from_onnx(str(tmp_path / NON_UTF8)),
         {"allowed": ("ValueError", "TypeError", "OSError")}),
    ]
    for cut in sorted({1, 2, 5, 10, len(onnx_bytes) // 3, len(onnx_bytes) // 2, len(onnx_bytes) - 7, len(onnx_bytes) - 1}):
        cases.append((f"from_onnx truncated {cut}", lambda cut=cut: from_onnx(onnx_bytes[:cut])))
    p.write_bytes(onnx_bytes[: len(onnx_bytes) // 2])
    cases.append(("from_onnx truncated file", lambda: from_onnx(str(p))))
    run_table(cases)


@given(flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 7)), min_size=1, max_size=3))
@at_least(300)
def test_from_onnx_bit_flipped(onnx_bytes, flips):
    from relubits.io.onnx import from_onnx

    b = bytearray(onnx_bytes)
    for pos, bit in flips:
        b[pos % len(b)] ^= 1 << bit
    data = bytes(b)
    v = check(f"from_onnx bitflip {flips}", lambda: from_onnx(data).widths, must_fail=False, isolate=False,
              allowed=("ValueError", "TypeError"))
    assert v.ok, v.why


def test_from_onnx_unknown_tensor_type(onnx_bytes):
    """Regression (fuzzer find): an unknown tensor data_type (one flipped bit) is a ValueError, not a KeyError."""
    from relubits.io.onnx import from_onnx

    b = bytearray(onnx_bytes)
    b[436] ^= 1 << 5  # found by test_from_onnx_bit_flipped
    with pytest.raises(ValueError):
        from_onnx(bytes(b))


def test_from_onnx_hostile_graphs():
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    from relubits.io.onnx import from_onnx

    def model(nodes, inits, in_shape=(None, 1), out_shape=(None, 1), in_type=TensorProto.FLOAT):
        g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", in_type, list(in_shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(out_shape))], inits)
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()

    W = lambda a, n="W": numpy_helper.from_array(np.asarray(a, dtype=np.float32), n)
    cases = [
        ("onnx nan weight", model([helper.make_node("MatMul", ["x", "W"], ["y"])], [W([[np.nan]])]), True),
        ("onnx inf weight", model([helper.make_node("MatMul", ["x", "W"], ["y"])], [W([[np.inf]])]), True),
        ("onnx sigmoid", model([helper.make_node("Sigmoid", ["x"], ["y"])], []), True),
        ("onnx conv", model([helper.make_node("Conv", ["x", "W"], ["y"])], [W([[[[1.0]]]])]), True),
        ("onnx dynamic features", model([helper.make_node("Relu", ["x"], ["y"])], [], in_shape=(None, None)), True),
        ("onnx no nodes", model([], []), False),
        ("onnx missing weight", model([helper.make_node("MatMul", ["x", "Wmissing"], ["y"])], []), True),
        ("onnx cycle", model([helper.make_node("Add", ["x", "y"], ["y"])], []), True),
        ("onnx residual", model([helper.make_node("Relu", ["x"], ["h"]), helper.make_node("Add", ["x", "h"], ["y"])], []), True),
        ("onnx shape mismatch", model([helper.make_node("MatMul", ["x", "W"], ["y"])], [W([[1.0, 2.0], [3.0, 4.0]])]), True),
        ("onnx 3-D input", model([helper.make_node("Relu", ["x"], ["y"])], [], in_shape=(1, 1, 1)), True),
        ("onnx int input", model([helper.make_node("Relu", ["x"], ["y"])], [], in_type=TensorProto.INT32), False),
        ("onnx huge Div by 0", model([helper.make_node("Div", ["x", "W"], ["y"])], [W([0.0])]), True),
    ]
    run_table([(label, (lambda data=data: from_onnx(data).widths), {"must_fail": mf}) for label, data, mf in cases])


def test_torch_loaders_bad_input(tmp_path):
    torch = pytest.importorskip("torch")
    from relubits.io.torch import from_torch, load_torch

    nn = torch.nn
    good = nn.Sequential(nn.Linear(1, 3), nn.ReLU(), nn.Linear(3, 1))
    p = tmp_path / "good.pt"
    torch.save(good.state_dict(), p)
    raw = p.read_bytes()

    def nan_model():
        m = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1))
        with torch.no_grad():
            m[0].weight[0, 0] = float("nan")
        return m

    def write(name, data):
        q = tmp_path / name
        q.write_bytes(data)
        return str(q)

    files = {"empty": write("empty.pt", b""), "half": write("half.pt", raw[: len(raw) // 2]),
             "junk": write("junk.pt", b"PK\x03\x04" + bytes(range(256))), "text": write("text.pt", b"hello"),
             "json": write("net.pt", b'{"format": "relubits.network"}')}
    whole = tmp_path / "whole.pt"
    torch.save(good, whole)  # a pickled module: refused (unsafe to load)
    cases = [
        ("from_torch None", lambda: from_torch(None)),
        ("from_torch str", lambda: from_torch("model.pt")),
        ("from_torch conv", lambda: from_torch(nn.Sequential(nn.Conv1d(1, 1, 1)))),
        ("from_torch sigmoid", lambda: from_torch(nn.Sequential(nn.Linear(1, 1), nn.Sigmoid()))),
        ("from_torch nan weight", lambda: from_torch(nan_model())),
        ("from_torch mismatch", lambda: from_torch(nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(3, 1)))),
        ("from_torch empty", lambda: from_torch(nn.Sequential())),
        ("from_torch relu only", lambda: from_torch(nn.Sequential(nn.ReLU()))),
        ("from_torch double relu", lambda: from_torch(nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.ReLU(), nn.Linear(1, 1))),
         {"must_fail": False}),
        ("load_torch missing", lambda: load_torch(str(tmp_path / "nope.pt")), {"allowed": ("ValueError", "TypeError", "OSError")}),
        ("load_torch directory", lambda: load_torch(str(tmp_path)), {"allowed": ("ValueError", "TypeError", "OSError")}),
        ("load_torch whole module", lambda: load_torch(str(whole))),
    ]
    cases += [(f"load_torch {k}", (lambda f=f: load_torch(f))) for k, f in files.items()]
    rng = random.Random(5)
    for k in range(6):
        b = bytearray(raw)
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        f = write(f"flip{k}.pt", bytes(b))
        cases.append((f"load_torch bitflip {k}", (lambda f=f: load_torch(f).widths), {"must_fail": False}))
    run_table(cases)


def test_pwlf_bad_input():
    pytest.importorskip("pwlf")
    import pwlf

    from relubits.io.pwlf import from_breakpoints, from_pwlf

    x = np.linspace(0, 1, 20)

    def unfitted():
        return from_pwlf(pwlf.PiecewiseLinFit(x, np.abs(x - 0.5)))

    def nan_fit():
        m = pwlf.PiecewiseLinFit(x, np.abs(x - 0.5))
        m.fit_with_breaks([0, 0.5, 1])
        m.beta = m.beta * np.nan
        return from_pwlf(m)

    def degree2():
        m = pwlf.PiecewiseLinFit(x, x**2, degree=2)
        m.fit_with_breaks([0, 0.5, 1])
        return from_pwlf(m)

    def short_beta():
        m = pwlf.PiecewiseLinFit(x, np.abs(x - 0.5))
        m.fit_with_breaks([0, 0.5, 1])
        m.beta = m.beta[:1]
        return from_pwlf(m)

    cases = [
        ("from_pwlf None", lambda: from_pwlf(None)),
        ("from_pwlf object", lambda: from_pwlf(object())),
        ("from_pwlf dict", lambda: from_pwlf({"fit_breaks": [0, 1], "beta": [0, 1]})),
        ("from_pwlf unfitted", unfitted),
        ("from_pwlf nan beta", nan_fit),
        ("from_pwlf degree 2", degree2, {"names": ("degree",)}),
        ("from_pwlf short beta", short_beta),
        ("from_breakpoints nan", lambda: from_breakpoints([0, NAN], [0, 1]), {"names": ("breakpoints",)}),
        ("from_breakpoints str", lambda: from_breakpoints("ab", [0, 1]), {"names": ("breakpoints",)}),
    ]
    run_table(cases)


# ----------------------------------------------------------------------------------------------
# fixed-point formats
# ----------------------------------------------------------------------------------------------
def test_fixedpoint_parsers_bad_input():
    fp = pytest.importorskip("relubits.fixedpoint")
    F, parse = fp.FixedFormat, fp.parse_format
    cases = [(f"parse_format {s!r}", (lambda s=s: parse(s)), {"names": ("format", "bits")})
             for s in ["", "Q", "Q3", "Q3.", "Q-1.2", "X3.4", "Q3.4.5", "q3.4", "Q3,4", NON_UTF8,
                       "Q3.4\x00", "Q 3.4", "SUQ3.4", "Q3.4e1", "UQ0.0"]]
    cases += [
        ("parse_format None", lambda: parse(None)),
        ("parse_format bytes", lambda: parse(b"Q3.4")),
        ("parse_format rounding", lambda: parse("Q3.4", rounding="bogus"), {"names": ("rounding",)}),
        ("parse_format overflow", lambda: parse("Q3.4", overflow="bogus"), {"names": ("overflow",)}),
        ("parse_format huge", lambda: parse("Q100000000.0").bits, {"must_fail": False}),
        ("FixedFormat -1", lambda: F(-1, 2), {"names": ("int_bits",)}),
        ("FixedFormat frac -1", lambda: F(2, -1), {"names": ("frac_bits",)}),
        ("FixedFormat 1.5", lambda: F(1.5, 2), {"names": ("int_bits",)}),
        ("FixedFormat nan", lambda: F(NAN, 2), {"names": ("int_bits",)}),
        ("FixedFormat True", lambda: F(True, 2), {"names": ("int_bits",)}),
        ("FixedFormat str", lambda: F("3", 2), {"names": ("int_bits",)}),
        ("FixedFormat signed str", lambda: F(3, 2, signed="yes"), {"names": ("signed",)}),
        ("FixedFormat unsigned symmetric", lambda: F(3, 2, signed=False, symmetric=True), {"names": ("symmetric",)}),
        ("FixedFormat rounding", lambda: F(3, 2, rounding="up"), {"names": ("rounding",)}),
        ("FixedFormat overflow", lambda: F(3, 2, overflow="clip"), {"names": ("overflow",)}),
    ]
    fmt = F(2, 2)
    N = fp.FixedNetwork
    cases += [
        ("FixedNetwork off-format code", lambda: N([([[100]], [0])], fmt), {"names": ("layer 0",)}),
        ("FixedNetwork float code", lambda: N([([[0.5]], [0])], fmt), {"names": ("layer 0",)}),
        ("FixedNetwork nan code", lambda: N([([[NAN]], [0])], fmt), {"names": ("layer 0",)}),
        ("FixedNetwork bool code", lambda: N([([[True]], [0])], fmt), {"names": ("layer 0",)}),
        ("FixedNetwork empty", lambda: N([], fmt), {"names": ("layers",)}),
        ("FixedNetwork mismatch", lambda: N([([[1], [1]], [0, 0]), ([[1]], [0])], fmt), {"names": ("layer 1",)}),
        ("FixedNetwork fmt str", lambda: N([([[1]], [0])], "Q2.2"), {"names": ("fmt",)}),
        ("FixedNetwork activation", lambda: N([([[1]], [0])], fmt, activation="tanhh"), {"names": ("activation",)}),
        ("FixedNetwork activation None", lambda: N([([[1]], [0])], fmt, activation=None), {"names": ("activation",)}),
        ("FixedNetwork semantics", lambda: N([([[1]], [0])], fmt, semantics="x"), {"names": ("semantics",)}),
        ("FixedNetwork backend", lambda: N([([[1]], [0])], fmt, backend="gpu"), {"names": ("backend",)}),
        ("FixedNetwork 100 bits no exact", lambda: N([([[1]], [0])], F(50, 50)), {"names": ("backend", "bits")}),
        ("FixedNetwork layer triple", lambda: N([([[1]], [0], 1)], fmt), {"names": ("layers[0]",)}),
        ("FixedNetwork layer None", lambda: N([None], fmt)),
        ("forward off-format input", lambda: N([([[1]], [0])], fmt).forward([[1000]]), {"names": ("input",)}),
        ("forward float input", lambda: N([([[1]], [0])], fmt).forward([[0.5]]), {"names": ("input",)}),
        ("forward nan input", lambda: N([([[1]], [0])], fmt).forward(np.array([[NAN]]))),
        ("forward wrong shape", lambda: N([([[1]], [0])], fmt).forward(np.zeros((2, 3), dtype=int)), {"names": ("X",)}),
        ("evaluate off-grid value", lambda: N([([[1]], [0])], fmt).evaluate([[Fraction(1, 3)]])),
        ("from_values off-grid", lambda: N.from_values([([[Fraction(1, 3)]], [0])], fmt), {"names": ("layer 0",)}),
    ]
    run_table(cases)


def test_load_deeply_nested_json():
    """Regression (found here, fixed in 8b4e6e7): RecursionError escaped load (CLI: internal error)."""
    v = check("load raw deep", lambda: _load_bytes(b"[" * 200000 + b"]" * 200000), names=("network file",))
    assert v.ok, v.why


def test_fuzz_report_lib(capsys):
    with capsys.disabled():
        print(f"\n[fuzz lib+cli so far] cases tried: {RESULTS.tried}, misbehaved: {RESULTS.misbehaved} "
              f"(+ {RESULTS.known} known-bug representatives, strict xfails)")
    assert RESULTS.tried >= 0
