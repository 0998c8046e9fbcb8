from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from relubits import Network, compose, from_pwl, pieces


def tent() -> Network:
    return Network.from_layers([([[2], [2]], [0, -1]), ([[1, -2]], [0])])


def sawtooth(k: int) -> Network:
    net = tent()
    for _ in range(k - 1):
        net = compose(tent(), net)
    return net


def merged(t, v):
    """Reference: drop interior points where the slope does not change."""
    bt, bv = [t[0]], [v[0]]
    for i in range(1, len(t) - 1):
        s1 = (v[i] - v[i - 1]) / (t[i] - t[i - 1])
        s2 = (v[i + 1] - v[i]) / (t[i + 1] - t[i])
        if s1 != s2:
            bt.append(t[i])
            bv.append(v[i])
    return bt + [t[-1]], bv + [v[-1]]


@st.composite
def pwl(draw, max_n=40):
    n = draw(st.integers(1, max_n))
    xs = sorted(set(draw(st.lists(st.fractions(-10, 10, max_denominator=30), min_size=n + 1, max_size=n + 1))))
    if len(xs) < 2:
        xs = [Fraction(0), Fraction(1)]
    vs = [draw(st.fractions(-5, 5, max_denominator=20)) for _ in xs]
    return xs, vs


@given(pwl(), st.sampled_from(["shallow", "deep"]), st.integers(3, 7))
def test_from_pwl_then_pieces_is_identity(data, form, width):
    t, v = data
    net = from_pwl(t, v, form=form, width=width)
    if form == "deep":
        assert net.width <= width
    else:
        assert net.depth == 2
    P = pieces(net, (t[0], t[-1]))
    assert (P.breakpoints, P.values) == merged(t, v)


@pytest.mark.parametrize("form,n", [("shallow", 10_000), ("deep", 2_000),
                                    pytest.param("deep", 10_000, marks=pytest.mark.slow)])
def test_from_pwl_many_pieces(form, n):
    # dyadic data (gaps 1, 2, 4 or 8 units of 2**-12, values in Z/64) keep the exact numbers small;
    # random rational data is covered by the property test above
    rng = np.random.default_rng(7)
    gaps = rng.choice([1, 2, 4, 8], n)
    t = [Fraction(int(k), 4096) for k in np.concatenate([[0], np.cumsum(gaps)])]
    v = [Fraction(int(k), 64) for k in rng.integers(-1000, 1000, n + 1)]
    net = from_pwl(t, v, form=form, width=64)
    P = pieces(net, (t[0], t[-1]))
    assert (P.breakpoints, P.values) == merged(t, v)


def test_sawtooth_piece_count_and_lipschitz():
    for k in (1, 3, 8, 12):
        P = pieces(sawtooth(k), (0, 1))
        assert P.n_pieces == 2**k
        assert P.lipschitz == 2**k
        assert P.breakpoints == [Fraction(i, 2**k) for i in range(2**k + 1)]
        assert P.values == [Fraction(i % 2) for i in range(2**k + 1)]


@given(st.lists(st.integers(-6, 6), min_size=6, max_size=6), st.lists(st.integers(-6, 6), min_size=3, max_size=3))
def test_pieces_match_exact_evaluation(w, c):
    # random width-2 depth-3 nets with dyadic weights: every breakpoint value equals net.exact,
    # and between consecutive breakpoints the net is affine (checked at the midpoint)
    net = Network.from_layers([([[Fraction(w[0], 2)], [Fraction(w[1], 4)]], [Fraction(c[0], 3), Fraction(c[1], 2)]),
                               ([[w[2], w[3]], [w[4], -w[5]]], [c[2], 1]),
                               ([[1, -1]], [0])])
    P = pieces(net, (-3, 5))
    bps, vals = P.breakpoints, P.values
    assert [net.exact([t])[0] for t in bps] == vals
    for (a, fa), (b, fb) in zip(zip(bps, vals), zip(bps[1:], vals[1:])):
        assert net.exact([(a + b) / 2])[0] == (fa + fb) / 2
    # maximal pieces: adjacent slopes differ
    s = P.slopes
    assert all(x != y for x, y in zip(s, s[1:]))


def test_pieces_escalate_beyond_int64():
    # slopes 2**40 per layer: products of breakpoints and coefficients exceed int64
    big = 2**40
    net = Network.from_layers([([[big], [big]], [0, -big // 2]), ([[1, -2]], [Fraction(1, 3)]),
                               ([[big], [-big]], [0, 1]), ([[1, 1]], [0])])
    P = pieces(net, (-1, 1))
    assert [net.exact([t])[0] for t in P.breakpoints] == P.values


def test_bad_inputs():
    net = tent()
    with pytest.raises(ValueError, match="a < b"):
        pieces(net, (1, 1))
    with pytest.raises(ValueError, match="a < b"):
        pieces(net, (1, 0))
    with pytest.raises(ValueError, match="finite"):
        pieces(net, (0, float("inf")))
    with pytest.raises(ValueError, match="scalar"):
        pieces(Network.from_layers([([[1, 1]], [0])]), (0, 1))
    with pytest.raises(ValueError, match="increasing"):
        from_pwl([0, 1, 1], [0, 0, 0])
    with pytest.raises(ValueError, match="same length"):
        from_pwl([0, 1], [0])
    with pytest.raises(ValueError, match="at least 2"):
        from_pwl([0], [0])
    with pytest.raises(ValueError, match="width"):
        from_pwl([0, 1], [0, 1], form="deep", width=2)
    with pytest.raises(ValueError, match="form"):
        from_pwl([0, 1], [0, 1], form="wide")


@pytest.mark.parametrize("layers,domain", [
    ([([[2**70 + 1], [3]], [1, -1]), ([[1, 1]], [0])], (-1, 1)),          # huge crossing denominators
    ([([[0]], [0]), ([[1]], [0])], (-2**70, 2**70)),                       # zero slopes on a huge domain
    ([([[1], [-1]], [0, 0]), ([[2**64, 2**64]], [0])], (-2**66, 3)),       # huge output weights
])
def test_pieces_never_overflow(layers, domain):
    net = Network.from_layers(layers)
    P = pieces(net, domain)
    assert P.values == [net.exact([t])[0] for t in P.breakpoints]


@given(st.lists(st.integers(1, 2**20), min_size=2, max_size=6, unique=True), st.integers(60, 90))
def test_breakpoints_closer_than_float_resolution_are_ordered_exactly(offsets, e):
    # hidden neurons relu(x - t_i) with t_i = 1/3 + k_i 2**-e: all t_i round to the same float,
    # so the float sort ties and only the exact order separates them.  Output: sum of the ReLUs
    # with alternating signs; its breakpoints and slopes must come out in exact order.
    ts = [Fraction(1, 3) + Fraction(k, 2**e) for k in offsets]
    signs = [(-1) ** i * (i + 1) for i in range(len(ts))]
    net = Network.from_layers([([[1]] * len(ts), [-t for t in ts]), ([signs], [0])])
    p = pieces(net, domain=(0, 1))
    inner = [b for b in p.breakpoints if 0 < b < 1]
    assert inner == sorted(ts)
    # slope right of each breakpoint: the sum of the signs of the neurons already switched on
    by_t = dict(zip(ts, signs))
    acc = 0
    for b, slope in zip(p.breakpoints[1:], p.slopes[1:]):
        acc += by_t[b]
        assert slope == acc


@given(st.lists(st.tuples(st.integers(-2**80, 2**80), st.integers(-2**80, 2**80), st.integers(1, 2**70),
                          st.integers(1, 2**70), st.integers(-3, 3)), min_size=1, max_size=30))
def test_sign_at_matches_python_integers(rows):
    # entries with near or exact cancellation (B q = -S p + tiny) exercise the undecided band
    from relubits.pieces import _sign_at

    S, B, p, q = [], [], [], []
    for s_, b_, p_, q_, tweak in rows:
        if tweak and s_:  # make S p + B q equal to tweak: B = (tweak - S p) / q needs q | (tweak - S p)
            q_ = 1
            b_ = tweak - s_ * p_
        S.append([s_]); B.append([b_]); p.append(p_); q.append(q_)
    arr = lambda v: np.array(v, dtype=object)  # noqa: E731
    got = _sign_at(arr(S), arr(B), arr(p), arr(q), True)
    for r, (s_, b_, p_, q_) in enumerate(zip(S, B, p, q)):
        v = s_[0] * p_ + b_[0] * q_
        assert got[r, 0] == (v > 0) - (v < 0)
