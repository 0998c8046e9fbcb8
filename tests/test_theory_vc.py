"""Grid-free bounds: BHLM VC bound ingredients, the shattering reduction, the piece count."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from relubits.theory.architecture import layer_params, n_params
from relubits.theory.vc import (bhlm_vc_upper, grid_free_bound, piece_count_bound, piece_count_upper,
                                shattered_points, vc_eps_floor)


@pytest.mark.parametrize("W", [1, 2, 5, 16])
@pytest.mark.parametrize("L", [2, 3, 7])
def test_bhlm_formula_from_first_principles(W, L):
    # units per layer k_i = W (i < L), k_L = 1; R = sum_i k_i (1 + (i-1) d^(i-1)) with d = 1
    k = [W] * (L - 1) + [1]
    R = sum(ki * (1 + (i - 1) * 1 ** (i - 1)) for i, ki in enumerate(k, start=1))
    cum = [sum(layer_params(W, L)[:i]) for i in range(1, L + 1)]
    P = n_params(W, L)
    assert cum[-1] == P
    lbar = sum(cum) / P
    assert 1 <= lbar <= L
    v = L + lbar * P * math.log2(4 * math.e * R * math.log2(2 * math.e * R))
    # VCdim is an integer <= v, so floor(v) is a valid integer bound; the margin may add 1
    assert math.floor(v) <= bhlm_vc_upper(W, L) <= math.floor(v) + 1


@settings(max_examples=50, deadline=None)
@given(W=st.integers(1, 64), L=st.integers(2, 40))
def test_vc_and_grid_free_monotone(W, L):
    v = bhlm_vc_upper(W, L)
    assert bhlm_vc_upper(W + 1, L) > v and bhlm_vc_upper(W, L + 1) > v
    g = grid_free_bound(W, L)
    assert g.eps == max(g.eps_vc, g.eps_pieces)
    assert grid_free_bound(W + 1, L).eps <= g.eps and grid_free_bound(W, L + 1).eps <= g.eps


@pytest.mark.parametrize("V", [0, 1, 2, 5, 17, 1000])
def test_shattering_reduction_threshold(V):
    eps = vc_eps_floor(V)
    assert eps == Fraction(1, 2 * V + 1)
    assert shattered_points(eps) == V + 1          # shatters one point too many -> eps is a floor
    if eps < 1:
        assert shattered_points(eps * Fraction(1001, 1000)) <= V  # any larger eps: no contradiction


@pytest.mark.parametrize("m", range(1, 12))
def test_hat_family_shatters(m):
    """Sums of +-hats of height eps on [2(j-1)eps, 2j eps]: 1-Lipschitz, f(0)=0, f(t_j) = y_j eps, t_N <= 1."""
    eps = Fraction(1, m)
    N = shattered_points(eps)
    t = [(2 * j - 1) * eps for j in range(1, N + 1)]
    assert t[-1] <= 1 and (2 * (N + 1) - 1) * eps > 1   # N is the largest count that fits
    rng = random.Random(m)
    for _ in range(5):
        y = [rng.choice((-1, 1)) for _ in range(N)]

        def f(x):
            return sum(yj * max(Fraction(0), eps - abs(x - tj)) for yj, tj in zip(y, t))

        assert f(Fraction(0)) == 0
        assert [f(tj) for tj in t] == [yj * eps for yj in y]
        knots = sorted({Fraction(k, 1) * eps for k in range(2 * N + 1)} | {Fraction(1)})
        knots = [x for x in knots if x <= 1]
        for a, b in zip(knots, knots[1:]):
            assert abs(f(b) - f(a)) <= b - a


def test_piece_count_on_random_nets():
    pytest.importorskip("relubits.pieces")
    from relubits import Network, pieces

    rng = random.Random(7)
    for _ in range(60):
        W, L = rng.randint(1, 3), rng.randint(2, 4)
        widths = [1] + [W] * (L - 1) + [1]
        layers = []
        for i in range(L):
            A = [[Fraction(rng.randint(-8, 8), 4) for _ in range(widths[i])] for _ in range(widths[i + 1])]
            c = [Fraction(rng.randint(-8, 8), 8) for _ in range(widths[i + 1])]
            layers.append((A, c))
        net = Network.from_layers(layers)
        assert pieces(net, domain=(-4, 4)).n_pieces <= piece_count_upper(W, L)


def test_piece_count_bound_values():
    assert piece_count_bound(1, 2) == Fraction(1, 8)
    assert piece_count_bound(3, 3) == Fraction(1, 64)
    assert grid_free_bound(32, 2).source == "pieces"
    assert grid_free_bound(32, 8).source == "vc"


def test_bad_input():
    with pytest.raises(ValueError, match="width W"):
        bhlm_vc_upper(0, 2)
    with pytest.raises(ValueError, match="eps must be"):
        shattered_points(Fraction(0))


@settings(max_examples=200, deadline=None)
@given(r=st.floats(16, 1e6), w=st.integers(1, 5000), t_frac=st.floats(0, 1))
def test_elementary_lemma_of_the_vc_derivation(r, w, t_frac):
    """docs/theory.md §2 step 4: 2^m <= 2^t (m r / w)^w, r >= 16, m >= w >= t  =>  m <= t + w log2(2 r log2 r)."""
    t = int(t_frac * w)
    bound = t + w * math.log2(2 * r * math.log2(r))
    # the largest m satisfying the hypothesis: scan upward from w in geometric steps, then check just above bound
    m = math.floor(bound) + 1
    for mm in (m, m + 1, 2 * m, 10 * m):
        # hypothesis fails beyond the bound: m > t + w log2(m r / w)
        assert mm > t + w * math.log2(mm * r / w) - 1e-9 * mm
