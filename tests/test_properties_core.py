"""Core properties against exact references that the other core tests do not pin (issue 9, part 2).

* ``certify`` brackets the *exact* truth: for a piecewise-linear target with rational knots the
  true ``sup |f - net|`` is a maximum over finitely many rational points, computed here in
  Fractions; ``lower_bound <= truth <= certified_error`` must hold without any slack (float
  target) and with the exact target (``f_exact=True``).
* ``pieces`` of ``add`` / ``compose`` / ``scale`` of PWL networks against the exact PWL
  arithmetic: breakpoints inside the union of the operands' breakpoints (add), values and
  slopes equal to the Fraction reference.
* Cheap algebraic identities of the calculus on random exact networks: ``compose`` with the
  identity, ``add`` with ``scale(-1)`` is zero, ``parallel`` of one network is itself.
"""

from __future__ import annotations

import bisect
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from relubits import Network, add, certify, compose, from_pwl, identity, parallel, pieces, scale

dyadic = st.integers(-64, 64).map(lambda k: Fraction(k, 16))


def at_least(n: int):
    """``max_examples`` raised to ``n`` for cheap property tests, never below the loaded profile's
    (so the nightly profile still runs more)."""
    return settings(max_examples=max(n, settings().max_examples))


@st.composite
def pwl_data(draw, lo=0, hi=1, max_knots=6):
    """Strictly increasing rational knots covering [lo, hi] and rational values."""
    n = draw(st.integers(0, max_knots))
    inner = sorted(set(draw(st.lists(st.integers(1, 63), min_size=n, max_size=n))))
    t = [Fraction(lo)] + [Fraction(lo) + Fraction(k, 64) * (hi - lo) for k in inner] + [Fraction(hi)]
    v = [draw(dyadic) for _ in t]
    return t, v


def pwl_eval(t, v, x):
    x = Fraction(x)
    i = min(max(bisect.bisect_right(t, x) - 1, 0), len(t) - 2)
    return v[i] + (v[i + 1] - v[i]) * (x - t[i]) / (t[i + 1] - t[i])


def lipschitz_of(t, v):
    return max(abs((v[i + 1] - v[i]) / (t[i + 1] - t[i])) for i in range(len(t) - 1))


@at_least(200)
@given(target=pwl_data(), model=pwl_data(), exact=st.booleans())
def test_certify_brackets_the_exact_truth(target, model, exact):
    tf, vf = target
    tn, vn = model
    net = from_pwl(tn, vn)
    # both PWL on [0, 1]: |f - net| is PWL, its maximum sits on the union of the knots
    pts = sorted(set(tf) | set(tn))
    truth = max(abs(pwl_eval(tf, vf, x) - pwl_eval(tn, vn, x)) for x in pts)
    L = lipschitz_of(tf, vf)
    if exact:
        c = certify(net, lambda x: pwl_eval(tf, vf, x), lipschitz=L, f_exact=True, rtol=0.05, atol=1e-3,
                    max_evals=20_000)
    else:
        tfl, vfl = np.array([float(a) for a in tf]), np.array([float(a) for a in vf])
        c = certify(net, lambda x: np.interp(x, tfl, vfl), lipschitz=L, rtol=0.05, atol=1e-3, max_evals=20_000)
    assert Fraction(c.lower_bound) <= truth or abs(Fraction(c.lower_bound) - truth) <= Fraction(1, 2**45) * (1 + truth)
    assert truth <= Fraction(c.certified_error)
    assert c.n_pieces == pieces(net).n_pieces


@at_least(200)
@given(a=pwl_data(), b=pwl_data(), k=dyadic)
def test_pieces_of_add_and_scale_match_pwl_arithmetic(a, b, k):
    na, nb = from_pwl(*a), from_pwl(*b)
    s = add(na, scale(nb, k))
    P = pieces(s, (0, 1))
    union = set(a[0]) | set(b[0])
    assert set(P.breakpoints) <= union
    for x, y in zip(P.breakpoints, P.values):
        assert y == pwl_eval(*a, x) + k * pwl_eval(*b, x)
    # between consecutive breakpoints the sum is affine with the reported slope
    for (x0, x1), slope in zip(zip(P.breakpoints, P.breakpoints[1:]), P.slopes):
        m = (x0 + x1) / 2
        ref = pwl_eval(*a, m) + k * pwl_eval(*b, m)
        assert s.exact([m])[0] == ref
        assert (ref - pwl_eval(*a, x0) - k * pwl_eval(*b, x0)) == slope * (m - x0)


@at_least(150)
@given(outer=pwl_data(lo=-4, hi=4), inner=pwl_data(), merge=st.booleans())
def test_pieces_of_compose_match_pwl_composition(outer, inner, merge):
    ti, vi = inner
    # the outer interpolant is only promised on [t_0, t_n] = [-4, 4] and inner values lie in [-4, 4]
    net = compose(from_pwl(*outer), from_pwl(ti, vi), merge=merge)
    P = pieces(net, (0, 1))
    for x, y in zip(P.breakpoints, P.values):
        assert y == pwl_eval(*outer, pwl_eval(ti, vi, x))
    for x0, x1 in zip(P.breakpoints, P.breakpoints[1:]):
        for w in (Fraction(1, 3), Fraction(1, 2)):
            m = x0 + w * (x1 - x0)
            assert net.exact([m])[0] == pwl_eval(*outer, pwl_eval(ti, vi, m))
    # every breakpoint of the composition is a knot of inner or a preimage of a knot of outer
    for x in P.breakpoints[1:-1]:
        assert x in ti or pwl_eval(ti, vi, x) in outer[0]


small = st.integers(-3, 3)


@st.composite
def tiny_net(draw, d_in=2, d_out=2):
    L = draw(st.integers(1, 3))
    widths = [d_in] + [draw(st.integers(1, 3)) for _ in range(L - 1)] + [d_out]
    layers = []
    for i in range(L):
        A = [[Fraction(draw(small), draw(st.sampled_from([1, 2, 4]))) for _ in range(widths[i])] for _ in range(widths[i + 1])]
        c = [Fraction(draw(small), 2) for _ in range(widths[i + 1])]
        layers.append((A, c))
    return Network.from_layers(layers)


@at_least(300)
@given(net=tiny_net(), x=st.lists(dyadic, min_size=2, max_size=2), depth=st.integers(1, 4))
def test_calculus_identities(net, x, depth):
    y = net.exact(x)
    assert compose(identity(2, depth), net).exact(x) == y
    assert compose(net, identity(2, depth), merge=False).exact(x) == y
    assert add(net, scale(net, -1)).exact(x) == [Fraction(0)] * 2
    assert parallel(net).exact(x) == y
    assert scale(scale(net, Fraction(3, 8)), Fraction(8, 3)).exact(x) == y
