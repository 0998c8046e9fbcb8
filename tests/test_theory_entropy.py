"""Memory / entropy lower bound: packings (exact), class counts (brute force), Theorem M on a tiny class."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from relubits.theory import entropy
from relubits.theory.architecture import n_params
from relubits.theory.entropy import (class_count, hat_packing, log2_class_count, memory_bound, pwl_sup_distance,
                                     zigzag_packing)
from relubits.theory.gridspec import GridSpec


@pytest.mark.parametrize("builder", [zigzag_packing, hat_packing])
@pytest.mark.parametrize("N", range(1, 8))
def test_packing_pairwise_distances_exact(builder, N):
    p = builder(N)
    assert len(p) == 2**N
    assert len(set(p.values)) == 2**N
    dmin = min(pwl_sup_distance(a, b) for a, b in itertools.combinations(p.values, 2))
    assert dmin == p.separation  # pairwise >= separation, and attained
    for v in p.values:
        assert v[0] == 0  # f(0) = 0
        for k in range(len(p.knots) - 1):  # 1-Lipschitz: slopes in [-1, 1]
            assert abs(v[k + 1] - v[k]) <= p.knots[k + 1] - p.knots[k]
    if p.kind == "hats":
        assert max(abs(x) for v in p.values for x in v) == p.separation / 2


def test_packing_separation_values():
    assert zigzag_packing(5).separation == Fraction(2, 5)
    assert hat_packing(5).separation == Fraction(1, 5)
    with pytest.raises(ValueError, match="N must be"):
        zigzag_packing(0)


def _all_nets(W, L, values):
    """Every parameter vector of the full-width (W, L) architecture over ``values``."""
    from relubits import Network

    shapes = [(W, 1)] + [(W, W)] * (L - 2) + [(1, W)]
    sizes = [r * c + r for r, c in shapes]
    for flat in itertools.product(values, repeat=sum(sizes)):
        layers, i = [], 0
        for (r, c) in shapes:
            A = [list(flat[i + k * c:i + (k + 1) * c]) for k in range(r)]
            i += r * c
            bias = list(flat[i:i + r])
            i += r
            layers.append((A, bias))
        yield Network.from_layers(layers)


@pytest.mark.parametrize("values,W", [((-1, 0, 1), 1), ((-1, 0, 1), 2), ((-1, 1), 1)])
def test_class_count_bounds_distinct_functions_L2(values, W):
    pytest.importorskip("relubits.pieces")
    from relubits import pieces

    # distinct functions on [0, 1] of all nets with widths <= W, depth <= 2 (depth 1: affine a x + c)
    funcs = set()
    for net in itertools.chain(*(_all_nets(w, 2, values) for w in range(1, W + 1))):
        P = pieces(net)
        funcs.add((tuple(P.breakpoints), tuple(P.values)))
    funcs |= {((Fraction(0), Fraction(1)), (Fraction(c), Fraction(a + c))) for a in values for c in values}
    n_sym = class_count(W, 2, list(values), symmetry=True)
    n_plain = class_count(W, 2, list(values), symmetry=False)
    assert len(funcs) <= n_sym <= n_plain


def test_theorem_M_on_a_tiny_class():
    """Direct check: for the class (W=1, L=2, G={-1,0,1}) some zig-zag of the 2^N packing
    (2^N > #functions) is at sup distance >= 1/N from every net."""
    pytest.importorskip("relubits.pieces")
    from relubits import pieces

    values = (-1, 0, 1)
    funcs = set()
    for net in _all_nets(1, 2, values):
        P = pieces(net)
        funcs.add((tuple(P.breakpoints), tuple(P.values)))
    funcs |= {((Fraction(0), Fraction(1)), (Fraction(c), Fraction(a + c))) for a in values for c in values}
    mb = memory_bound(1, 2, list(values))
    N = mb.packing_size
    assert 2**N > len(funcs)
    pk = zigzag_packing(N)

    def interp(xs, vs, x):
        for k in range(len(xs) - 1):
            if xs[k] <= x <= xs[k + 1]:
                return vs[k] + (vs[k + 1] - vs[k]) * (x - xs[k]) / (xs[k + 1] - xs[k])
        raise AssertionError

    worst = Fraction(0)
    for v in pk.values:
        best = None
        for xs, vs in funcs:
            pts = sorted(set(xs) | set(pk.knots))
            err = max(abs(interp(xs, vs, x) - interp(pk.knots, v, x)) for x in pts)
            best = err if best is None or err < best else best
        worst = max(worst, best)
    assert worst >= mb.eps


@pytest.mark.parametrize("W", [1, 2, 3, 8])
@pytest.mark.parametrize("L", [2, 3, 5])
@pytest.mark.parametrize("b", [1, 2, 4, 8])
def test_fixed_point_plain_count_gives_Pb_plus_1(W, L, b):
    for s in (b - 1, 0, 3):
        mb = memory_bound(W, L, GridSpec.fixed(b, s), symmetry=False)
        assert mb.packing_size == n_params(W, L) * b + 1
        assert mb.eps == Fraction(1, n_params(W, L) * b + 1)
        assert mb.eps_hats == mb.eps / 2


def test_symmetry_count_is_never_worse():
    for W, L, b in [(2, 2, 3), (4, 3, 4), (8, 4, 8)]:
        g = GridSpec.fixed(b, b - 1)
        assert memory_bound(W, L, g).eps >= memory_bound(W, L, g, symmetry=False).eps


@pytest.mark.parametrize("W,L,b", [(3, 3, 6), (5, 4, 10), (2, 6, 5)])
@pytest.mark.parametrize("symmetry", [False, True])
def test_log2_fallback_is_an_upper_bound(monkeypatch, W, L, b, symmetry):
    g = GridSpec.fixed(b, b - 1)
    exact = log2_class_count(W, L, g, symmetry)
    monkeypatch.setattr(entropy, "EXACT_COUNT_BITS", 0)
    fallback = log2_class_count(W, L, g, symmetry)
    assert exact <= fallback <= exact + 1


@settings(max_examples=40, deadline=None)
@given(W=st.integers(1, 12), L=st.integers(2, 8), b=st.integers(1, 12))
def test_memory_bound_monotone(W, L, b):
    g = GridSpec.fixed(b, b - 1)
    e = memory_bound(W, L, g).eps
    assert memory_bound(W, L, GridSpec.fixed(b + 1, b)).eps <= e
    assert memory_bound(W + 1, L, g).eps <= e
    assert memory_bound(W, L + 1, g).eps <= e


def test_bad_input():
    with pytest.raises(ValueError, match="width W"):
        memory_bound(0, 3, GridSpec.fixed(4, 3))
    with pytest.raises(ValueError, match="depth L"):
        memory_bound(2, 1, GridSpec.fixed(4, 3))
    with pytest.raises(TypeError, match="grid must be"):
        memory_bound(2, 2, "fixed")
