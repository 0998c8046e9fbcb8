"""Precision bounds: lattice claim vs exact evaluation, Farey gap vs brute force, end gap vs exact
breakpoints, and the theorems themselves checked by exhaustive search on tiny classes."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from relubits.theory.gridspec import GridSpec
from relubits.theory.precision import (breakpoint_candidates, end_gap, end_gap_bound, farey_gap, hat_affine_floor,
                                       lattice_bound, lattice_step, lattice_steps, max_breakpoint_gap,
                                       precision_bound, shallow_gap_bound)


def _random_net(rng, W, L, spec: GridSpec):
    from relubits import Network

    widths = [1] + [W] * (L - 1) + [1]
    vals = [spec.gcd * k for k in range(spec.code_range[0], spec.code_range[1] + 1)]
    layers = []
    for i in range(L):
        A = [[rng.choice(vals) for _ in range(widths[i])] for _ in range(widths[i + 1])]
        c = [rng.choice(vals) for _ in range(widths[i + 1])]
        layers.append((A, c))
    return Network.from_layers(layers)


def _in_lattice(x: Fraction, d: Fraction) -> bool:
    return (x / d).denominator == 1


@pytest.mark.parametrize("seed", range(4))
def test_lattice_claim_on_random_nets(seed):
    rng = random.Random(seed)
    off_lattice_half = 0
    for _ in range(60):
        b = rng.randint(2, 4)
        s = rng.choice([b - 1, b - 3, 0, 2, -1])
        W, L = rng.randint(1, 3), rng.randint(2, 4)
        spec = GridSpec.fixed(b, s)
        net = _random_net(rng, W, L, spec)
        d = lattice_step(L, spec)
        assert d == (Fraction(2) ** (-s * L) if s >= 0 else Fraction(2) ** (-s))
        for x in (0, 1):
            assert _in_lattice(net.exact([x])[0], d)
        off_lattice_half += not _in_lattice(net.exact([Fraction(1, 2)])[0], d)
    assert off_lattice_half > 0  # x = 1/2 is off the lattice for some nets: the claim is specific to x in {0,1}


@pytest.mark.parametrize("s", [0, 1, 3])
@pytest.mark.parametrize("L", [2, 3, 5])
def test_lattice_exponent_attained(s, L):
    from relubits import Network

    w = Fraction(1, 2**s)
    layers = [([[w]], [w])] + [([[w]], [0])] * (L - 1)
    net = Network.from_layers(layers)
    assert net.exact([0])[0] == lattice_step(L, GridSpec.fixed(4, s)) == Fraction(1, 2 ** (s * L))


def test_lattice_steps_general_grid():
    g = GridSpec.from_values([Fraction(2, 3), Fraction(-4, 9), 0])
    assert g.gcd == Fraction(2, 9)
    steps = lattice_steps(3, g)
    # gcd(rho^2, rho) = gcd(4/81, 18/81) = 2/81: biases keep the numerator 2
    assert steps == [Fraction(2, 9), Fraction(2, 81), Fraction(2, 729)]
    assert lattice_bound(3, g) == Fraction(1, 729)
    g2 = GridSpec.fixed(4, -2)  # multiples of 4: biases keep the lattice at 4Z
    assert lattice_step(5, g2) == 4 and lattice_bound(5, g2) == 1


def _brute_candidates(values):
    out = set()
    for a in values:
        for c in values:
            if a != 0 and 0 < -Fraction(c) / Fraction(a) < 1:
                out.add(-Fraction(c) / Fraction(a))
    return sorted(out)


def _gaps(cands):
    pts = [Fraction(0)] + list(cands) + [Fraction(1)]
    return max(y - x for x, y in zip(pts, pts[1:])), pts[1] - pts[0]


@pytest.mark.parametrize("b", range(1, 7))
@pytest.mark.parametrize("s", [0, 3, -1])
@pytest.mark.parametrize("sym", [False, True])
def test_candidates_and_gap_vs_fraction_brute_force(b, s, sym):
    if sym and b < 2:
        return
    spec = GridSpec.fixed(b, s, sym)
    vals = [spec.gcd * k for k in range(spec.code_range[0], spec.code_range[1] + 1)]
    brute = _brute_candidates(vals)
    assert breakpoint_candidates(spec) == brute
    assert max_breakpoint_gap(spec) == _gaps(brute)
    assert farey_gap(spec) == _gaps(brute)[0]


@pytest.mark.parametrize("b", range(2, 12))
def test_farey_closed_form_vs_vectorised_enumeration(b):
    for sym in (False, True):
        spec = GridSpec.fixed(b, b - 1, sym)
        g, g0 = max_breakpoint_gap(spec)
        assert g == g0 == farey_gap(spec) == Fraction(1, 2 ** (b - 1) - (1 if sym else 0))


@pytest.mark.slow
@pytest.mark.parametrize("b", [12, 13])
def test_farey_closed_form_vs_enumeration_large(b):
    spec = GridSpec.fixed(b, b - 1)
    assert max_breakpoint_gap(spec)[0] == farey_gap(spec) == Fraction(1, 2 ** (b - 1))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fractions(min_value=-4, max_value=4, max_denominator=12), min_size=2, max_size=9, unique=True))
def test_gap_of_explicit_level_grids(levels):
    if all(v == 0 for v in levels):
        return
    brute = _brute_candidates(levels)
    assert breakpoint_candidates(levels) == brute
    assert max_breakpoint_gap(levels) == _gaps(brute)


@settings(max_examples=60, deadline=None)
@given(g=st.fractions(min_value=Fraction(1, 64), max_value=1), k=st.integers(0, 6))
def test_hat_affine_floor_against_search(g, k):
    """E(g, delta) is the min over n0 in delta Z of max(|n0|, |g - n0|/3); compare with a scan."""
    delta = Fraction(1, 2**k)
    e = hat_affine_floor(g, delta)
    assert e >= g / 4
    scan = min(max(abs(j * delta), abs(g - j * delta) / 3) for j in range(-2, int(g / delta) + 3))
    assert e == scan


def test_hat_affine_lemma_on_affine_functions():
    """Lemma H: any affine l on [0, g] misses the hat of base g by >= g/4 (three-point identity)."""
    rng = random.Random(3)
    g = Fraction(1, 3)
    for _ in range(500):
        a, c = Fraction(rng.randint(-40, 40), 16), Fraction(rng.randint(-40, 40), 64)
        pts = [Fraction(0), g / 2, g]
        hat = [Fraction(0), g / 2, Fraction(0)]
        err = max(abs(a * x + c - h) for x, h in zip(pts, hat))
        assert err >= g / 4
        assert err >= hat_affine_floor(g, Fraction(1, 64))  # l(0) = c lies in (1/64)Z: refined floor


@pytest.mark.parametrize("seed", range(3))
def test_end_gap_against_exact_breakpoints(seed):
    pytest.importorskip("relubits.pieces")
    from relubits import pieces

    rng = random.Random(100 + seed)
    for _ in range(70):
        b = rng.randint(2, 4)
        s = rng.choice([b - 1, b - 3, 0])
        W, L = rng.randint(1, 3), rng.randint(2, 4)
        spec = GridSpec.fixed(b, s)
        net = _random_net(rng, W, L, spec)
        ge = end_gap(W, L, spec)
        bps = pieces(net).breakpoints[1:-1]
        for x in bps:
            assert ge <= x <= 1 - ge


def test_end_gap_attained_for_one_hidden_layer():
    from relubits import Network, pieces

    for b in (2, 3, 5):
        spec = GridSpec.fixed(b, b - 1)
        Q = 2 ** (b - 1)
        # a = -Q*step (code -Q), c = step: breakpoint at 1/Q = g_end
        net = Network.from_layers([([[-Q * spec.gcd]], [spec.gcd]), ([[1 * spec.gcd]], [0])])
        assert pieces(net).breakpoints[1] == end_gap(3, 2, spec) == Fraction(1, Q)


def _sup_error_pwl(xs, vs, target_xs, target_vs):
    def interp(X, V, x):
        for k in range(len(X) - 1):
            if X[k] <= x <= X[k + 1]:
                return V[k] + (V[k + 1] - V[k]) * (x - X[k]) / (X[k + 1] - X[k])
        raise AssertionError
    pts = sorted(set(xs) | set(target_xs))
    return max(abs(interp(xs, vs, x) - interp(target_xs, target_vs, x)) for x in pts)


@pytest.mark.parametrize("L,b,s", [(2, 2, 1), (2, 2, 0), (2, 3, 2), (3, 2, 1), (3, 2, 0)])
def test_precision_theorems_exhaustively_on_tiny_class(L, b, s):
    """W = 1: the best net against the end-gap hat and against f(x) = (delta/2) x is no better than the
    proved bounds (exhaustive over all parameter vectors of the full-width architecture)."""
    from relubits import Network, pieces

    spec = GridSpec.fixed(b, s)
    vals = [spec.gcd * k for k in range(spec.code_range[0], spec.code_range[1] + 1)]
    pb = precision_bound(1, L, spec)
    g = end_gap(1, L, spec)
    hat_x, hat_v = [Fraction(0), g / 2, g, Fraction(1)], [Fraction(0), g / 2, Fraction(0), Fraction(0)]
    a = min(pb.delta / 2, Fraction(1))
    lin_x, lin_v = [Fraction(0), Fraction(1)], [Fraction(0), a]
    best_hat = best_lin = None
    for params in itertools.product(vals, repeat=2 * L):
        layers = [([[params[2 * i]]], [params[2 * i + 1]]) for i in range(L)]
        P = pieces(Network.from_layers(layers))
        e1 = _sup_error_pwl(P.breakpoints, P.values, hat_x, hat_v)
        e2 = _sup_error_pwl(P.breakpoints, P.values, lin_x, lin_v)
        best_hat = e1 if best_hat is None else min(best_hat, e1)
        best_lin = e2 if best_lin is None else min(best_lin, e2)
    assert best_hat >= pb.eps_end_gap
    assert best_lin >= pb.eps_lattice


@settings(max_examples=40, deadline=None)
@given(W=st.integers(1, 16), L=st.integers(2, 8), b=st.integers(2, 24))
def test_precision_bound_monotone_in_bits(W, L, b):
    e = precision_bound(W, L, GridSpec.fixed(b, b - 1)).eps
    assert precision_bound(W, L, GridSpec.fixed(b + 1, b)).eps <= e
    assert end_gap_bound(W, L, GridSpec.fixed(b, b - 1)) >= end_gap(W, L, GridSpec.fixed(b, b - 1)) / 4


def test_shallow_bound_is_two_to_minus_b_minus_1():
    for b in range(3, 20):
        assert shallow_gap_bound(GridSpec.fixed(b, b - 1))[0] == Fraction(1, 2 ** (b + 1))
        assert precision_bound(7, 2, GridSpec.fixed(b, b - 1)).eps == Fraction(1, 2 ** (b + 1))


def test_slope_bound_on_random_nets():
    """Theorem 3d: every slope of a net of the class is at most M max(1, W M)^(L-1)."""
    from relubits import pieces

    from relubits.theory.precision import slope_bound

    rng = random.Random(11)
    for _ in range(80):
        b = rng.randint(2, 4)
        s = rng.choice([b - 1, b + 1, 0])
        W, L = rng.randint(1, 3), rng.randint(2, 4)
        spec = GridSpec.fixed(b, s)
        net = _random_net(rng, W, L, spec)
        lam = slope_bound(W, L, spec)
        assert all(abs(sl) <= lam for sl in pieces(net).slopes)


def test_magnitude_bound_exhaustive_tiny_class():
    """W = 1, L <= 2, G = FX(2, 3) = {-1/4, -1/8, 0, 1/8}: no net is closer than (1 - Lambda)/2 to f(x) = x.
    (Lambda = 1/4 from the depth-1 members a x + c; depth-2 slopes are <= 1/16.)"""
    from relubits import Network, pieces

    from relubits.theory.precision import magnitude_bound

    spec = GridSpec.fixed(2, 3)
    vals = [spec.gcd * k for k in range(spec.code_range[0], spec.code_range[1] + 1)]
    bound = magnitude_bound(1, 2, spec)
    assert bound == (1 - Fraction(1, 4)) / 2
    assert precision_bound(1, 2, spec).source == "magnitude"
    best = min(_sup_error_pwl(P.breakpoints, P.values, [Fraction(0), Fraction(1)], [Fraction(0), Fraction(1)])
               for P in (pieces(Network.from_layers([([[a1]], [c1]), ([[a2]], [c2])]))
                         for a1, c1, a2, c2 in itertools.product(vals, repeat=4)))
    best_affine = min(max(abs(c), abs(a + c - 1)) for a in vals for c in vals)
    assert min(best, best_affine) >= bound


@given(st.lists(st.fractions(min_value=-60, max_value=60, max_denominator=40), min_size=2, max_size=6, unique=True),
       st.integers(2, 10), st.integers(1, 9))
def test_lattice_closed_form_matches_recursion(values, L, W):
    # rho_l = a / b**l and the geometric end-gap minimum, against the recursion of docs/theory.md 3a
    # (rho_{l+1} = gcd(rho rho_l, rho)) and the plain minimum over l of Lemma E
    from relubits import Grid
    from relubits.theory.gridspec import grid_spec, rational_gcd

    if all(v == 0 for v in values):
        return
    g = Grid.levels(values)
    rho = rational_gcd(values)
    rec = [rho]
    for _ in range(L - 1):
        rec.append(rational_gcd([rho * rec[-1], rho]))
    assert lattice_steps(L, g) == rec and lattice_step(L, g) == rec[-1]
    M = grid_spec(g).max_abs
    assert end_gap(W, L, g) == min(rec[l - 1] / (Fraction(W) ** (l - 1) * M**l) for l in range(1, L))
