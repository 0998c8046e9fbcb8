"""Integer accumulators pushed past 2**63 (issue 9, part 3).

relubits evaluates exactly with integer numerators and switches between float64/int64 fast
paths and Python integers from *proved* magnitude bounds.  These tests drive every such switch
past the int64 range -- exact evaluation (``Network.exact_batch``), the integer product
(``relubits.exact.int_matmul``), piece analysis of deep constructions with large dyadic
weights (``relubits.pieces``) and the fixed-point simulator (``relubits.fixedpoint``) -- and
compare with pure-Python ``int``/``Fraction`` references written here independently.  The
outcome must be the exact answer or a clear ``ValueError``; a silently wrapped result fails.
Known bugs are pinned as strict xfails.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relubits import Network, compose, pieces
from relubits.exact import int_matmul

INT64_MAX = 2**63 - 1


def at_least(n: int):
    """``max_examples`` raised to ``n`` for cheap property tests, never below the loaded profile's
    (so the nightly profile still runs more)."""
    return settings(max_examples=max(n, settings().max_examples))


# ----------------------------------------------------------------------------------------------
# pure-Python references
# ----------------------------------------------------------------------------------------------
def ref_forward(layers, x):
    """Exact forward pass with Fractions: ``layers`` = [(A rows, c)] of Fractions/ints."""
    h = [Fraction(v) for v in x]
    for i, (A, c) in enumerate(layers):
        z = [sum((Fraction(a) * v for a, v in zip(row, h)), Fraction(0)) + Fraction(cj) for row, cj in zip(A, c)]
        h = z if i == len(layers) - 1 else [max(v, Fraction(0)) for v in z]
    return h


def ref_layers(net):
    return [([list(row) for row in A], list(c)) for A, c in net.layers]


def ref_pieces(layers, a, b):
    """Maximal linear pieces of a scalar network on [a, b] by splitting at every ReLU sign change,
    in Fractions: list of (lo, hi, slope, intercept)."""
    a, b = Fraction(a), Fraction(b)
    # state per interval: list of affine functions (s, t) of x for the current layer's outputs
    ivs = [(a, b, [(Fraction(1), Fraction(0))])]
    for li, (A, c) in enumerate(layers):
        last = li == len(layers) - 1
        new = []
        for lo, hi, h in ivs:
            z = [(sum((Fraction(w) * s for w, (s, _) in zip(row, h)), Fraction(0)),
                  sum((Fraction(w) * t for w, (_, t) in zip(row, h)), Fraction(0)) + Fraction(cj))
                 for row, cj in zip(A, c)]
            if last:
                new.append((lo, hi, z))
                continue
            cuts = sorted({-t / s for s, t in z if s != 0 and lo < -t / s < hi})
            pts = [lo] + cuts + [hi]
            for p, q in zip(pts, pts[1:]):
                m = (p + q) / 2
                new.append((p, q, [(s, t) if s * m + t > 0 else (Fraction(0), Fraction(0)) for s, t in z]))
        ivs = new
    merged = []
    for lo, hi, z in ivs:
        s, t = z[0]
        if merged and merged[-1][2] == s and merged[-1][3] == t:
            merged[-1] = (merged[-1][0], hi, s, t)
        else:
            merged.append((lo, hi, s, t))
    return merged


# ----------------------------------------------------------------------------------------------
# exact evaluation
# ----------------------------------------------------------------------------------------------
def test_exact_batch_just_past_int64():
    """Outputs 2**63, 2**63 - 1 + 2 and -2**63 - 1: one past the int64 range either way."""
    net = Network.from_integer_layers([(np.array([[2**62, 2**62]], dtype=object), np.array([0], dtype=object), 1)])
    assert net.exact_batch([[1, 1], [1, -1], [-1, -1]]) == [[Fraction(2**63)], [Fraction(0)], [Fraction(-2**63)]]
    net2 = Network.from_integer_layers([([[INT64_MAX, 2]], [-1], 1)])
    assert net2.exact([1, 1]) == [Fraction(2**63)]
    net3 = Network.from_integer_layers([([[-INT64_MAX, -2]], [0], 1)])
    assert net3.exact([1, 1]) == [Fraction(-2**63 - 1)]


def test_exact_batch_wrap_would_flip_relu():
    """2**62 + 2**62 wraps to -2**63 in int64; after a ReLU a wrapped run would print 0."""
    net = Network.from_integer_layers([
        ([[2**62, 2**62]], [0], 1),  # hidden = relu(2**62 x1 + 2**62 x2)
        ([[1]], [0], 1),
    ])
    assert net.exact([1, 1]) == [Fraction(2**63)]
    assert net.exact_batch(np.array([[1, 1]], dtype=np.int64)) == [[Fraction(2**63)]]


def test_exact_batch_deep_large_weights_matches_fractions():
    """Depth 12, weights 2**40 (numerators grow to 2**500): exact against the Fraction reference."""
    rng = np.random.default_rng(1)
    layers = []
    d = 3
    for i in range(12):
        A = [[int(v) * 2**40 + 1 for v in rng.integers(-3, 4, size=d)] for _ in range(d)]
        c = [int(v) for v in rng.integers(-5, 6, size=d)]
        layers.append((A, c))
    net = Network.from_layers(layers)
    X = [[Fraction(int(v), 7) for v in rng.integers(-20, 21, size=d)] for _ in range(6)] + [[1, 1, 1]]
    got = net.exact_batch(X)
    for x, y in zip(X, got):
        want = ref_forward(layers, x)
        assert y == want
    assert max(abs(v.numerator) for row in got for v in row).bit_length() > 100  # really past int64


@at_least(300)
@given(
    exps=st.lists(st.integers(0, 70), min_size=2, max_size=5),
    signs=st.lists(st.sampled_from([-1, 1]), min_size=5, max_size=5),
    den_exp=st.integers(0, 70),
    x=st.lists(st.integers(-(2**64), 2**64), min_size=2, max_size=2),
)
def test_exact_batch_random_big_dyadic(exps, signs, den_exp, x):
    """Random dyadic weights up to 2**70 and inputs up to 2**64: equal to the Fraction reference.
    """
    L = len(exps)
    layers = []
    for i, e in enumerate(exps):
        out = 1 if i == L - 1 else 2
        inn = 2
        A = [[Fraction(signs[(r + k + i) % 5] * (2**e + r + k), 2**den_exp) for k in range(inn)] for r in range(out)]
        c = [Fraction(signs[(r + i) % 5] * 2**(e // 2), 3) for r in range(out)]
        layers.append((A, c))
    net = Network.from_layers(layers)
    assert net.exact(x) == ref_forward(layers, x)
    assert net.exact_batch([x, [v // 3 for v in x]]) == [ref_forward(layers, x), ref_forward(layers, [v // 3 for v in x])]


def test_exact_batch_int64_input_array_at_the_edge():
    """int64 input arrays holding -2**63 and 2**63 - 1 (|min| does not fit int64)."""
    net = Network.from_layers([([[1, 1]], [0]), ([[3]], [1])])
    X = np.array([[-(2**63), INT64_MAX], [INT64_MAX, INT64_MAX], [-(2**63), -(2**63)]], dtype=np.int64)
    got = net.exact_batch(X)
    for row, y in zip(X.tolist(), got):
        assert y == ref_forward(ref_layers(net), row)


def test_exact_batch_huge_input_denominator_zero_bias():
    """Regression (fixed in 9e14c0f): a denominator beyond float32/float64 range with zero biases
    used to give 0 * inf = NaN and a wrong result, or an OverflowError."""
    net = Network.from_layers([([[1]], [0])])
    x = Fraction(1, 2**200)
    assert net.exact_batch([[x]]) == [[x]]
    net2 = Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    y = Fraction(3, 2**1100)
    assert net2.exact_batch([[y], [-y]]) == [[y], [y]]


def test_exact_batch_zero_input_weights_beyond_int64():
    """Regression (found here, fixed in the core since): an all-zero input made the static bound 0,
    the float path was taken and weights > 2**63 were cast to int64 (OverflowError)."""
    net = Network.from_integer_layers([([[2**70]], [0], 1)])
    assert net.exact_batch([[0]]) == [[Fraction(0)]]


# ----------------------------------------------------------------------------------------------
# int_matmul
# ----------------------------------------------------------------------------------------------
def _py_matmul(X, Y, add=None):
    Xl, Yl = [[int(v) for v in r] for r in X], [[int(v) for v in r] for r in Y]
    out = [[sum(a * b for a, b in zip(r, col)) for col in zip(*Yl)] for r in Xl]
    if add is not None:
        A = np.broadcast_to(add, (len(out), len(out[0]) if out else 0))
        out = [[v + int(a) for v, a in zip(r, ar)] for r, ar in zip(out, A)]
    return out


def _as_list(M):
    return [[int(v) for v in r] for r in M]


@at_least(1500)
@given(
    bx=st.integers(1, 66), by=st.integers(1, 66), n=st.integers(1, 9), m=st.integers(1, 4), k=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1), with_add=st.booleans(), ab=st.integers(1, 66),
)
def test_int_matmul_random_magnitudes(bx, by, n, m, k, seed, with_add, ab):
    """Entries of 1..66 bits (int64 where they fit, object beyond): exact, whichever path runs."""
    rng = np.random.default_rng(seed)

    def mat(bits, shape):
        vals = [int(rng.integers(0, 2**min(bits, 62))) << max(0, bits - 62) for _ in range(math.prod(shape))]
        vals = [v if rng.random() < 0.5 else -v for v in vals]
        if bits <= 63:
            vals = [max(min(v, INT64_MAX), -(2**63)) for v in vals]
            return np.array(vals, dtype=np.int64).reshape(shape)
        out = np.empty(len(vals), dtype=object)
        out[:] = vals
        return out.reshape(shape)

    X, Y = mat(bx, (m, n)), mat(by, (n, k))
    add = mat(ab, (1, k)) if with_add else None
    got = int_matmul(X, Y, add=add)
    assert _as_list(got) == _py_matmul(X, Y, add)


@pytest.mark.parametrize("bits", [31, 32, 52, 53, 61, 62, 63])
def test_int_matmul_extremes(bits):
    """All-extreme entries (+-(2**bits - 1) and -2**bits in int64 where it fits), long dot products."""
    n = 64
    hi = 2**bits - 1 if bits < 63 else INT64_MAX
    lo = -(2**bits) if bits < 63 else -(2**63)
    for X0, Y0 in [(hi, hi), (lo, lo), (hi, lo), (lo, hi)]:
        X = np.full((3, n), X0, dtype=np.int64)
        Y = np.full((n, 2), Y0, dtype=np.int64)
        got = int_matmul(X, Y, add=np.full((1, 2), hi, dtype=np.int64))
        assert _as_list(got) == [[X0 * Y0 * n + hi] * 2] * 3


def test_int_matmul_cancellation_hides_large_partials():
    """Partial sums exceed 2**63 but the total is tiny: the int64 path is only allowed because its
    wrap-around cancels; the answer must still be exact."""
    X = np.array([[2**62 - 1, 2**62 - 1, -(2**62 - 1), -(2**62 - 1)]], dtype=np.int64)
    Y = np.array([[3], [1], [3], [1]], dtype=np.int64)
    assert _as_list(int_matmul(X, Y)) == [[0]]
    Y2 = np.array([[2], [2], [2], [1]], dtype=np.int64)
    assert _as_list(int_matmul(X, Y2)) == [[2**62 - 1]]


# ----------------------------------------------------------------------------------------------
# pieces of deep constructions with large dyadic weights
# ----------------------------------------------------------------------------------------------
def _tent(scale_exp: int) -> Network:
    """Tent map on [0, 1] written with a large dyadic detour: x -> 2**-e relu(2**e x) ... (exact)."""
    E = 2**scale_exp
    return Network.from_layers([
        ([[E], [E]], [0, -E // 2]),          # relu(E x), relu(E x - E/2)
        ([[Fraction(2, E), Fraction(-4, E)]], [0]),
    ])


def _check_pieces_against_reference(net, a, b):
    P = pieces(net, (a, b))
    R = ref_pieces(ref_layers(net), a, b)
    assert P.n_pieces == len(R)
    assert P.breakpoints == [r[0] for r in R] + [R[-1][1]]
    assert P.slopes == [r[2] for r in R]
    vals = P.values
    for x, v in zip(P.breakpoints, vals):
        assert v == ref_forward(ref_layers(net), [x])[0]
    return P


@pytest.mark.parametrize("depth,scale_exp", [(6, 70), (9, 40), (4, 200)])
def test_pieces_deep_tent_composition_large_weights(depth, scale_exp):
    """Composing tents with weights 2**e: 2**depth pieces, numerators far beyond int64."""
    net = _tent(scale_exp)
    for _ in range(depth - 1):
        net = compose(_tent(scale_exp), net, merge=False)
    big = max(abs(int(v)) for A, c, d in net.integer_layers for v in list(A.ravel()) + [d])
    assert big >= 2**scale_exp  # and products of consecutive layers reach 2**(2 * scale_exp) > 2**63
    P = _check_pieces_against_reference(net, 0, 1)
    assert P.n_pieces == 2**depth


def _deep_dyadic(e, k, offs):
    E = Fraction(2**e)
    layers = [([[E], [-E]], [Fraction(offs[0], 2**e), Fraction(offs[1])])]
    for i in range(k):
        layers.append(([[1 / E, Fraction(offs[(i + 2) % 6], 2**e) + 1], [Fraction(-1), E + offs[(i + 3) % 6]]],
                       [Fraction(offs[(i + 4) % 6], 7), Fraction(offs[(i + 5) % 6], 2**(e // 2))]))
    layers.append(([[1, -1]], [0]))
    return Network.from_layers(layers)


def test_pieces_values_with_denominator_beyond_int64():
    """Regression (found here, fixed in 8b4e6e7): value_numerators multiplied int64 q by a huge den."""
    net = _deep_dyadic(50, 3, [0] * 6)
    _check_pieces_against_reference(net, 0, 1)


def test_pieces_root_denominators_beyond_int64():
    """Regression (found here, fixed in a1bde23): crossing denominators beyond int64 were narrowed."""
    net = _deep_dyadic(67, 6, [47, -42, -18, -35, 13, 47])
    P = pieces(net, (0, 1))
    R = ref_pieces(ref_layers(net), 0, 1)
    assert P.breakpoints == [r[0] for r in R] + [R[-1][1]]
    assert P.slopes == [r[2] for r in R]


def test_pieces_reduce_den_beyond_int64():
    """Regression (found here, fixed in 99c0285): S // g with g beyond int64 overflowed."""
    _check_pieces_against_reference(_deep_dyadic(50, 3, [-1, 0, 0, 0, 0, 0]), 0, 1)


@at_least(100)
@given(e=st.integers(50, 130), k=st.integers(2, 6), offs=st.lists(st.integers(-50, 50), min_size=6, max_size=6),
       lo=st.integers(-3, 0))
def test_pieces_random_deep_huge_dyadics(e, k, offs, lo):
    """Deep width-2 networks whose weights are 2**e +- small and biases carry 2**-e offsets."""
    _check_pieces_against_reference(_deep_dyadic(e, k, offs), lo, 1)


# ----------------------------------------------------------------------------------------------
# fixed-point simulator
# ----------------------------------------------------------------------------------------------
fp = pytest.importorskip("relubits.fixedpoint")


def _round(q: Fraction, mode: str) -> int:
    if mode == "nearest-even":
        return round(q)
    if mode == "floor":
        return math.floor(q)
    if mode == "ceil":
        return math.ceil(q)
    if mode == "toward-zero":
        return math.trunc(q)
    if mode == "nearest-away":
        f = math.floor(q)
        return f + 1 if q - f > Fraction(1, 2) or (q - f == Fraction(1, 2) and q > 0) else f
    raise AssertionError(mode)


def _ovf(k: int, fmt) -> int:
    lo, hi = fmt.k_min, fmt.k_max
    if lo <= k <= hi:
        return k
    if fmt.overflow == "saturate":
        return min(max(k, lo), hi)
    if fmt.overflow == "wrap":
        return (k - lo) % (hi - lo + 1) + lo
    raise OverflowError


def ref_fixed_forward(Ws, bs, fmt, x, semantics, bias="last"):
    """Pure-Python per-op / fused fixed-point forward pass on codes (ReLU hidden layers)."""
    s = fmt.frac_bits
    h = list(x)
    for li, (W, b) in enumerate(zip(Ws, bs)):
        z = []
        for row, bj in zip(W, b):
            if semantics == "fused":
                acc = sum(int(w) * int(v) for w, v in zip(row, h)) + (int(bj) << s)
                z.append(_ovf(_round(Fraction(acc, 2**s), fmt.rounding), fmt))
            else:
                terms = [_ovf(_round(Fraction(int(w) * int(v), 2**s), fmt.rounding), fmt) for w, v in zip(row, h)]
                seq = ([int(bj)] + terms) if bias == "first" else (terms + [int(bj)])
                acc = 0
                for t in seq:
                    acc = _ovf(acc + t, fmt)
                z.append(acc)
        h = z if li == len(Ws) - 1 else [max(v, 0) for v in z]
    return h


@pytest.mark.parametrize("semantics", ["fused", "per-op"])
@pytest.mark.parametrize("bits,fan_in", [(32, 2), (32, 64), (33, 3), (40, 7), (62, 2), (100, 3)])
@pytest.mark.parametrize("overflow", ["saturate", "wrap"])
def test_fixedpoint_accumulators_past_int64(semantics, bits, fan_in, overflow):
    """Extreme codes (k_min, k_max) with accumulators of 64+ bits: equal to the Python reference."""
    frac = bits // 2
    fmt = fp.FixedFormat(bits - 1 - frac, frac, overflow=overflow)
    lo, hi = fmt.k_min, fmt.k_max
    rng = np.random.default_rng(bits * 1000 + fan_in)
    W1 = [[int(rng.choice([lo, hi, hi - 1, lo + 1, 0])) for _ in range(fan_in)] for _ in range(3)]
    b1 = [int(rng.choice([lo, hi])) for _ in range(3)]
    W2 = [[hi, lo, hi]]
    b2 = [hi]
    kw = {"backend": "exact"} if bits > fp.formats.MAX_INT64_BITS else {}
    net = fp.FixedNetwork([(W1, b1), (W2, b2)], fmt, semantics=semantics, **kw)
    X = [[int(rng.choice([lo, hi, 0, 1, -1])) for _ in range(fan_in)] for _ in range(5)] + [[lo] * fan_in, [hi] * fan_in]
    got = net.forward(np.array(X, dtype=object) if bits > 62 else np.array(X, dtype=np.int64))
    for xrow, grow in zip(X, got.tolist()):
        assert [int(v) for v in grow] == ref_fixed_forward([W1, W2], [b1, b2], fmt, xrow, semantics)


@pytest.mark.parametrize("semantics,bits,fan_in", [("fused", 32, 64), ("per-op", 33, 2)])
def test_fixedpoint_int64_backend_refuses_wide_accumulators(semantics, bits, fan_in):
    """fused: 64 exact 62-bit products need 70 bits; per-op: 33-bit products need 66 bits."""
    fmt = fp.FixedFormat(bits // 2, bits - 1 - bits // 2)
    W = [[fmt.k_max] * fan_in]
    with pytest.raises(ValueError, match="accumulator"):
        fp.FixedNetwork([(W, [0])], fmt, semantics=semantics, backend="int64")


def test_fixedpoint_overflow_error_mode_raises():
    fmt = fp.FixedFormat(30, 31, overflow="error")
    net = fp.FixedNetwork([([[fmt.k_max, fmt.k_max]], [0])], fmt, semantics="fused")
    with pytest.raises(ValueError, match="overflow"):
        net.forward(np.array([[fmt.k_max, fmt.k_max]], dtype=np.int64))


@at_least(300)
@given(bits=st.integers(20, 70), fan_in=st.integers(1, 6), seed=st.integers(0, 2**32 - 1),
       semantics=st.sampled_from(["fused", "per-op"]), rounding=st.sampled_from(["nearest-even", "floor", "toward-zero"]),
       overflow=st.sampled_from(["saturate", "wrap"]), bias=st.sampled_from(["last", "first"]))
def test_fixedpoint_random_wide_formats(bits, fan_in, seed, semantics, rounding, overflow, bias):
    frac = bits // 3
    fmt = fp.FixedFormat(bits - 1 - frac, frac, rounding=rounding, overflow=overflow)
    rng = np.random.default_rng(seed)
    lo, hi = fmt.k_min, fmt.k_max

    def code():
        r = rng.random()
        if r < 0.3:
            return int(rng.choice([lo, hi]))
        return int(rng.integers(-(2**min(bits - 2, 62)), 2**min(bits - 2, 62)))

    W1 = [[code() for _ in range(fan_in)] for _ in range(2)]
    b1 = [code(), code()]
    W2 = [[code(), code()]]
    b2 = [code()]
    kw = {"backend": "exact"} if bits > fp.formats.MAX_INT64_BITS else {}
    obj = lambda a: np.array(a, dtype=object)  # lists of ints beyond int64: see the xfail below
    net = fp.FixedNetwork([(obj(W1), obj(b1)), (obj(W2), obj(b2))], fmt, semantics=semantics, bias=bias, **kw)
    X = [[code() for _ in range(fan_in)] for _ in range(4)]
    got = net.forward(np.array(X, dtype=object))
    for xrow, grow in zip(X, got.tolist()):
        assert [int(v) for v in grow] == ref_fixed_forward([W1, W2], [b1, b2], fmt, xrow, semantics, bias)


def test_fixedpoint_list_codes_beyond_int64():
    """Regression (found here): plain lists of codes beyond int64 stay exact integers."""
    fmt = fp.FixedFormat(43, 21)
    net = fp.FixedNetwork([([[fmt.k_max, -1]], [fmt.k_min])], fmt, semantics="fused", backend="exact")
    assert net.forward(np.array([[1, 0]], dtype=object)).tolist() == [[ref_fixed_forward(
        [[[fmt.k_max, -1]]], [[fmt.k_min]], fmt, [1, 0], "fused")[0]]]
