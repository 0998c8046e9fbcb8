import json
import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, strategies as st

from relubits import Grid, Network, add, compose, identity, load, parallel, scale
from relubits.network import _rows_of_fractions


def relu(v):
    return [max(x, Fraction(0)) for x in v]


def ref_eval(layers, x):
    """Plain Fraction reference: x -> A_L relu(... relu(A_1 x + c_1) ...) + c_L."""
    h = [Fraction(v) for v in x]
    for i, (A, c) in enumerate(layers):
        h = [sum((Fraction(a) * v for a, v in zip(row, h)), Fraction(0)) + Fraction(b) for row, b in zip(A, c)]
        if i < len(layers) - 1:
            h = relu(h)
    return h


dyadic = st.builds(lambda k, e: Fraction(k, 2**e), st.integers(-64, 64), st.integers(0, 6))
rational = st.fractions(min_value=-5, max_value=5, max_denominator=12)


@st.composite
def random_layers(draw, number=dyadic, max_depth=4, max_width=4, d_in=None, d_out=None):
    depth = draw(st.integers(1, max_depth))
    sizes = [d_in or draw(st.integers(1, 3))] + [draw(st.integers(1, max_width)) for _ in range(depth - 1)] + [d_out or draw(st.integers(1, 2))]
    layers = []
    for i in range(depth):
        A = [[draw(number) for _ in range(sizes[i])] for _ in range(sizes[i + 1])]
        c = [draw(number) for _ in range(sizes[i + 1])]
        layers.append((A, c))
    return layers


@given(random_layers(), st.data())
def test_exact_matches_fraction_reference(layers, data):
    net = Network.from_layers(layers)
    x = [data.draw(dyadic) for _ in range(len(layers[0][0][0]))]
    assert net.exact(x) == ref_eval(layers, x)


@given(random_layers(number=rational), st.data())
def test_exact_rational_weights(layers, data):
    net = Network.from_layers(layers)
    X = [[data.draw(rational) for _ in range(len(layers[0][0][0]))] for _ in range(3)]
    assert net.exact_batch(X) == [ref_eval(layers, x) for x in X]


@given(random_layers(), st.data())
def test_float_within_stated_bound(layers, data):
    net = Network.from_layers(layers)
    d = net.input_dim
    X = np.array([[float(data.draw(dyadic)) for _ in range(d)] for _ in range(4)])
    exact = np.array([[float(v) for v in row] for row in net.exact_batch(X)])
    got = net(X)
    bound = net.float_error_bound(X)
    assert np.all(np.abs(got - exact) <= bound + np.abs(exact) * 2**-52)


def test_float_bound_is_not_vacuous():
    rng = np.random.default_rng(1)
    layers = [(rng.standard_normal((8, 3)), rng.standard_normal(8)), (rng.standard_normal((1, 8)), rng.standard_normal(1))]
    net = Network.from_layers(layers)
    X = rng.standard_normal((50, 3))
    assert np.all(net.float_error_bound(X) < 1e-13)


def test_exact_path_escalates_beyond_int64():
    # weights 2**40, depth 4: intermediate numerators reach 2**160, far beyond int64
    big = 2**40
    net = Network.from_layers([([[big]], [1]), ([[big]], [0]), ([[big]], [0]), ([[big]], [3])])
    assert net.exact([1]) == [Fraction((big + 1) * big * big * big + 3)]
    out, D = net.exact_batch([[1], [2]], raw=True)
    assert out.dtype == object and int(out[1, 0]) // D == (2 * big + 1) * big**3 + 3


def test_exact_batch_float_input_read_exactly():
    net = Network.from_layers([([[1]], [0])])
    assert net.exact([0.1]) == [Fraction(0.1)]


@given(random_layers(d_in=2, d_out=2), random_layers(d_in=2, d_out=2), st.data())
def test_calculus_agrees_with_arithmetic(l1, l2, data):
    n1, n2 = Network.from_layers(l1), Network.from_layers(l2)
    x = [data.draw(dyadic) for _ in range(2)]
    y1, y2 = ref_eval(l1, x), ref_eval(l2, x)
    assert compose(n1, n2).exact(x) == ref_eval(l1, y2)
    assert compose(n1, n2, merge=False).exact(x) == ref_eval(l1, y2)
    assert compose(n1, n2).depth == n1.depth + n2.depth - 1
    assert compose(n1, n2, merge=False).depth == n1.depth + n2.depth
    assert add(n1, n2).exact(x) == [a + b for a, b in zip(y1, y2)]
    assert parallel(n1, n2).exact(x + x) == y1 + y2
    assert parallel(n1, n2).depth == max(n1.depth, n2.depth)
    f = data.draw(rational)
    assert scale(n1, f).exact(x) == [f * v for v in y1]
    L = n1.depth + data.draw(st.integers(0, 3))
    assert n1.deepen(L).exact(x) == y1 and n1.deepen(L).depth == L
    W = max(n1.width, 1) + data.draw(st.integers(0, 3))
    assert n1.widen(W).exact(x) == y1 and n1.widen(W).width == (W if n1.depth > 1 else 0)


def test_identity_network():
    for L in (1, 2, 5):
        net = identity(3, L)
        assert net.depth == L
        assert net.exact([Fraction(-1, 3), 0, 7]) == [Fraction(-1, 3), 0, 7]


def test_sizes_and_memory():
    net = Network.from_layers([([[1], [-1]], [0, Fraction(1, 2)]), ([[1, 0]], [0])])
    assert (net.depth, net.width, net.n_params, net.n_nonzero, net.widths) == (2, 2, 7, 4, (1, 2, 1))
    g = Grid.fixed(4, 1)
    assert net.on_grid(g)
    assert net.memory_bits(g) == 7 * 4
    assert net.memory_bits(g, nonzero_only=True) == 4 * 4
    chk = net.on_grid(Grid.fixed(4, 0))
    assert not chk and chk.offending["kind"] == "bias" and chk.offending["value"] == Fraction(1, 2)
    with pytest.raises(ValueError, match="not on"):
        net.memory_bits(Grid.fixed(4, 0))
    levels = Grid.levels([-1, 0, Fraction(1, 2), 1])
    assert net.memory_bits(levels) == 7 * 2 + levels.metadata_bits


@given(st.lists(st.floats(-3, 3, allow_nan=False), min_size=4, max_size=4), st.sampled_from(["nearest-even", "floor", "ceil"]))
def test_from_float_rounds_every_parameter(vals, mode):
    g = Grid.fixed(6, 3)
    layers = [(np.array([[vals[0]], [vals[1]]]), np.array([vals[2], vals[3]])), (np.array([[1.0, -1.0]]), np.array([0.0]))]
    net = Network.from_float(layers, g, mode=mode)
    assert net.on_grid(g)
    A, c = net.layers[0]
    assert A[0, 0] == g.round(vals[0], mode) and c[1] == g.round(vals[3], mode)


@pytest.mark.parametrize("layers,word", [
    ([([[1, 2]], [0]), ([[1, 1]], [0])], "layers\\[1\\].A has 2 columns"),
    ([([[1]], [0, 1])], "length"),
    ([([], [])], "non-empty|2-D"),
    ([([[float("nan")]], [0])], "finite"),
    ([([[float("inf")]], [0])], "finite"),
    ([([["abc"]], [0])], "rational"),
    ([([[None]], [0])], "number"),
    ([([[True]], [0])], "boolean"),
    ([([[1], [1, 2]], [0, 0])], "rectangular|2-D"),
    ([], "at least one"),
])
def test_bad_layers_get_clear_errors(layers, word):
    with pytest.raises((ValueError, TypeError), match=word):
        Network.from_layers(layers)


def test_direct_constructor_is_refused():
    with pytest.raises(TypeError, match="from_layers"):
        Network([])


@given(random_layers(number=rational))
def test_json_round_trip_is_exact(tmp_path_factory, layers):
    path = tmp_path_factory.mktemp("j") / "net.json"
    net = Network.from_layers(layers, meta={"name": "t"})
    net.save(path)
    again = load(path)
    assert again == net and again.meta == {"name": "t"}


def test_json_big_integers_survive(tmp_path):
    net = Network.from_layers([([[2**80 + 1]], [Fraction(-(2**70), 3)])])
    net.save(tmp_path / "n.json")
    assert load(tmp_path / "n.json") == net


@pytest.mark.parametrize("mutate,word", [
    (lambda d: d.update(version=99), "version"),
    (lambda d: d.update(format="x"), "format"),
    (lambda d: d["layers"][0].update(den=0), "den"),
    (lambda d: d["layers"][0].update(A=[[1.5]]), "integer"),
    (lambda d: d["layers"][0].update(A=[[True]]), "boolean"),
    (lambda d: d["layers"][0].update(c=[1, 2]), "length"),
    (lambda d: d.update(layers=[]), "layers"),
    (lambda d: d.update(widths=[5, 5]), "widths"),
    (lambda d: d["layers"][0].pop("A"), "keys"),
])
def test_corrupted_files_are_rejected(tmp_path, mutate, word):
    net = Network.from_layers([([[1]], [Fraction(1, 2)])])
    doc = net.to_dict()
    mutate(doc)
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=word):
        load(p)


def test_truncated_and_binary_files(tmp_path):
    net = Network.from_layers([([[1, 2], [3, 4]], [0, 1]), ([[1, 1]], [0])])
    net.save(tmp_path / "n.json")
    text = (tmp_path / "n.json").read_text()
    for cut in (1, len(text) // 2, len(text) - 1):
        (tmp_path / "t.json").write_text(text[:cut])
        with pytest.raises(ValueError, match="JSON"):
            load(tmp_path / "t.json")
    (tmp_path / "b.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="UTF-8"):
        load(tmp_path / "b.json")


def test_save_failure_leaves_nothing(tmp_path):
    net = Network.from_layers([([[1]], [0])])
    target = tmp_path / "missing_dir" / "n.json"
    with pytest.raises(OSError):
        net.save(target)
    assert not target.exists()
    # an existing file is replaced atomically, never truncated
    good = tmp_path / "g.json"
    net.save(good)
    assert load(good) == net
    assert [p.name for p in tmp_path.iterdir()] == ["g.json"]


# --- exact fast paths: float inputs read exactly, blocked BLAS evaluation -----------------------

@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=40))
def test_dyadic_arrays_exact_and_lowest_terms(values):
    from relubits.exact import dyadic_arrays

    num, den = dyadic_arrays(np.array(values), "x")
    assert den & (den - 1) == 0  # a power of two
    for v, k in zip(values, num.tolist()):
        assert Fraction(k, den) == Fraction(v)
    if den > 1:  # lowest terms: some numerator is odd
        assert any(int(k) % 2 for k in num.tolist())
    if num.dtype == np.int64:
        assert max(abs(int(k)) for k in num.tolist()) < 2**62


def test_dyadic_arrays_wide_exponent_range_stays_int64():
    from relubits.exact import dyadic_arrays

    x = np.array([2.0**-16, 0.75, 1 - 2.0**-16, 3.0, 0.0])
    num, den = dyadic_arrays(x, "x")
    assert num.dtype == np.int64 and den == 2**16
    assert num.tolist() == [1, 3 * 2**14, 2**16 - 1, 3 * 2**16, 0]
    num, den = dyadic_arrays(np.array([2.0**-1074, 1.0]), "x")  # subnormal: Python ints, still exact
    assert num.dtype == object and den == 2**1074 and int(num[1]) == 2**1074


@pytest.mark.parametrize("width, n", [(300, 4000), (3, 7), (64, 1)])
def test_blocked_exact_path_matches_fraction_arithmetic(width, n):
    # width 300 makes the row blocks (about 2**19 / 301 rows) smaller than the batch, so block
    # boundaries are crossed; the reference is plain Python-int arithmetic on net.integer_layers.
    rng = np.random.default_rng(width)
    sizes = [2, width, width, 1]
    layers = [(rng.integers(-50, 50, (o, i)) / 16, rng.integers(-50, 50, o) / 8) for i, o in zip(sizes[:-1], sizes[1:])]
    net = Network.from_layers(layers)
    X = rng.integers(-2**12, 2**12, (n, 2)) / 2**10
    num, den = net.exact_batch(X, raw=True)
    assert net._exact_batch_float(*_rows_of_fractions(X, "X", 2)) is not None  # the BLAS path ran
    rows = sorted(set(range(0, n, max(1, n // 23))) | {n - 1, min(n - 1, 1743), min(n - 1, 1742)})
    for r, ref in zip(rows, _reference_numerators(net, X, rows)):
        assert Fraction(int(num[r, 0]), den) == ref[0]
    # the float64 path agrees within its certified bound
    err = np.abs(net(X)[:, 0] - np.array([int(v) / den for v in num[:, 0]]))
    assert np.all(err <= net.float_error_bound(X)[:, 0])


def _reference_numerators(net, X, rows):
    """Exact outputs of the chosen rows with Python ints only (independent of every fast path)."""
    num, D = _rows_of_fractions(X, "X", net.input_dim)
    out = []
    for r in rows:
        h, Dr = [int(v) for v in num[r]], D
        for j, (A, c, den) in enumerate(net.integer_layers):
            h = [sum(int(a) * v for a, v in zip(row, h)) + int(b) * Dr for row, b in zip(A, c)]
            Dr *= den
            if j < net.depth - 1:
                h = [max(v, 0) for v in h]
        out.append([Fraction(v, Dr) for v in h])
    return out


@pytest.mark.parametrize("weight_bits, route", [(6, "static"), (14, "limbs"), (40, "integer")])
def test_exact_batch_routes_match_python_integers(weight_bits, route):
    # The weight size decides the route: small numerators run in one float64 limb (static bound),
    # mid-size ones in two float64 limbs, huge ones in Python ints.  All must agree exactly.
    rng = np.random.default_rng(weight_bits)
    w = 40 if route == "integer" else 200  # (the Python-int route is slow; keep it small)
    sizes = [1, w, w, w, 1]
    frac = weight_bits - 3
    layers = [(rng.integers(-2**(weight_bits - 1), 2**(weight_bits - 1), (o, i)) / (2**frac * np.sqrt(i)),
               rng.integers(-2**(weight_bits - 1), 2**(weight_bits - 1), o) / 2**frac)
              for i, o in zip(sizes[:-1], sizes[1:])]
    net = Network.from_float(layers, Grid.fixed(weight_bits, frac), overflow="saturate") if weight_bits <= 32 \
        else Network.from_layers([(np.round(A * 2**frac).astype(np.int64).astype(object) * Fraction(1, 2**frac),
                                   np.round(c * 2**frac).astype(np.int64).astype(object) * Fraction(1, 2**frac))
                                  for A, c in layers])
    n = 300 if route == "integer" else 3000  # 3000 rows: more than one block (about 2**18 / 201 rows)
    X = rng.integers(-2**16, 2**16, (n, 1)) / 2**16
    H, D = _rows_of_fractions(X, "X", 1)
    limbs = net._exact_batch_limbs(H, D)
    fast = net._exact_batch_float(H, D)
    if route == "static":
        assert fast is not None
    elif route == "limbs":
        assert limbs is not None and fast is not None
    else:
        assert fast is None and limbs is None
    num, den = net.exact_batch(X, raw=True)
    rows = [r for r in (0, 1, 1303, 1304, 1305, 2607, 2608) if r < n] + [n - 1] + list(rng.integers(0, n, 8))
    for r, ref in zip(rows, _reference_numerators(net, X, rows)):
        assert Fraction(int(num[r, 0]), den) == ref[0]


def test_guarded_float_route_uses_actual_activations(monkeypatch):
    # The weight 2**50 multiplies relu(-x), which is 0 for the inputs below: the static bound fails
    # (it assumes every activation can be large) but the per-block bound from the actual column
    # maxima proves float64 exact, and the result matches Python-int arithmetic.
    net = Network.from_layers([([[1], [-1]], [0, 0]), ([[3, 2**50], [1, 1]], [1, 0]), ([[1, -1]], [0])])
    X = np.arange(0, 5000) / 2**12
    H, D = _rows_of_fractions(X, "X", 1)
    import relubits.network as network_module

    seen = []
    original = network_module._blocked_forward

    def spy(*args, **kwargs):
        seen.append(kwargs.get("guard", False))
        return original(*args, **kwargs)

    monkeypatch.setattr(network_module, "_blocked_forward", spy)
    out = net._exact_batch_float(H, D)
    assert seen == [True] and out is not None
    num, den = out
    rows = [0, 1, 2500, 4999]
    for r, ref in zip(rows, _reference_numerators(net, X, rows)):
        assert Fraction(int(num[r, 0]), den) == ref[0]
    # negative inputs switch the huge weight on: the guard refuses float64, yet results stay exact
    Xn = -X[1:200]
    num, den = net.exact_batch(Xn, raw=True)
    for r, ref in zip([0, 198], _reference_numerators(net, Xn, [0, 198])):
        assert Fraction(int(num[r, 0]), den) == ref[0]


def test_from_layers_float_entries_never_wrap():
    # float entries are read as int64 numerators; scaling them to the layer's common denominator
    # (here 2**40) must not wrap around in int64
    net = Network.from_layers([(np.array([[1e9, 2.0**-20]]), np.array([2.0**-40]))])
    assert net.exact([1, 0]) == [Fraction(10**9) + Fraction(1, 2**40)]
    net = Network.from_layers([(np.array([[2.0**62]]), np.array([2.0**-60]))])
    assert net.exact([1]) == [Fraction(2**62) + Fraction(1, 2**60)]


@pytest.mark.parametrize("d", [1, 3])
def test_empty_batches(d):
    net = Network.from_layers([(np.ones((4, d)), np.arange(4)), (np.ones((2, 4)), [0, 1])])
    assert net(np.zeros((0, d))).shape == (0, 2)
    num, den = net.exact_batch(np.zeros((0, d)), raw=True)
    assert num.shape == (0, 2)
    assert net.exact_batch(np.zeros((0, d))) == []
