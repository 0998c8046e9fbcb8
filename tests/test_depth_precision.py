"""Depth-precision conversion: exactness, grid membership, size bounds, obstructions, CLI.

The default run converts >= 1000 random networks (a hypothesis test plus a seeded loop of cheap
cases); ``-m slow`` runs a larger sweep with the exact piece comparison on every scalar network.
"""

from __future__ import annotations

import json
import math
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relubits import Grid, Network
from relubits.grid import FixedGrid
from relubits.transforms.depth_precision import (
    ConversionReport,
    breakpoint_radius,
    choose_frac_bits,
    depth_bound,
    digit_plan,
    digits_bound,
    infer_source_grid,
    representability,
    to_precision,
)

TARGET_BITS = (2, 3, 4, 8)


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------
def random_net(rng: random.Random, widths, B: int, S: int, p_zero: float = 0.15) -> Network:
    lo, hi = -(2 ** (B - 1)), 2 ** (B - 1) - 1

    def code():
        if rng.random() < p_zero:
            return 0
        r = rng.random()
        if r < 0.1:
            return rng.choice([lo, hi, 1, -1])
        if r < 0.3:  # small magnitudes exercise the single-digit paths
            return rng.randint(max(lo, -40), min(hi, 40))
        return rng.randint(lo, hi)

    layers = []
    for a, b in zip(widths, widths[1:]):
        A = np.array([[code() for _ in range(a)] for _ in range(b)], dtype=object)
        c = np.array([code() for _ in range(b)], dtype=object)
        layers.append((A, c, 2 ** S))
    return Network.from_integer_layers(layers)


def random_points(rng: random.Random, d: int, n: int):
    pts = []
    for _ in range(n):
        row = []
        for _ in range(d):
            k = rng.randrange(3)
            if k == 0:
                row.append(Fraction(rng.randint(-10**6, 10**6), rng.randint(1, 10**4)))
            elif k == 1:
                row.append(Fraction(rng.randint(-2**30, 2**30), 2 ** rng.randint(0, 40)))
            else:
                row.append(Fraction(rng.randint(-5, 5)))
        pts.append(row)
    return pts


def assert_on_grid(net: Network, grid: FixedGrid) -> None:
    """Every parameter is k * 2**-s with kmin <= k <= kmax (vectorised; same test as Network.on_grid)."""
    s = grid.frac_bits
    for A, c, d in net.integer_layers:
        for arr in (A, c):
            k = arr.astype(object) * 2**s
            assert not (k % d != 0).any()
            k = k // d
            assert not ((k < grid.kmin) | (k > grid.kmax)).any()


def pick_case(rng: random.Random, max_width: int = 16, max_depth: int = 6):
    """One random (network, source grid, target grid) case in the issue's ranges."""
    L = rng.randint(1, max_depth)
    d_in = 1 if rng.random() < 0.6 else rng.randint(2, 3)
    d_out = 1 if rng.random() < 0.7 else 2
    widths = [d_in] + [rng.randint(1, max_width) for _ in range(L - 1)] + [d_out]
    b = rng.choice(TARGET_BITS)
    B = rng.randint(b + 1, 32)
    if b == 2 or rng.random() < 0.3:
        S = 0                                   # integer source
    else:
        S = rng.randint(1, B - 1)
    if S == 0:
        s = rng.randint(0, b - 2)
    else:
        s = rng.randint(1, b - 2)
    sym = rng.random() < 0.25 and b >= 2
    net = random_net(rng, widths, B, S)
    return net, Grid.fixed(B, S), Grid.fixed(b, s, symmetric=sym)


def check(net: Network, src: FixedGrid, grid: FixedGrid, rng: random.Random, *, verify: bool, pieces_check: bool,
          n_points: int = 6) -> ConversionReport:
    new, rep = to_precision(net, grid, source_grid=src, verify=verify, points=4, use_pieces=pieces_check)
    assert_on_grid(new, grid)
    pts = random_points(rng, net.input_dim, n_points)
    assert net.exact_batch(pts) == new.exact_batch(pts)
    assert new.input_dim == net.input_dim and new.output_dim == net.output_dim
    assert rep.depth_before == net.depth and rep.depth_after == new.depth
    assert sum(rep.block_depths) == new.depth
    assert rep.memory_bits_before == net.n_nonzero * src.bits
    assert rep.memory_bits_after == new.n_nonzero * grid.bits
    assert new.depth <= depth_bound(src, grid, net.depth)
    assert rep.depth_lower_bound <= new.depth          # Theorem 4 (0 when not computed)
    assert rep.ceil_B_over_b == math.ceil(src.bits / grid.bits)
    return rep


# ----------------------------------------------------------------------------------------------
# the property test over >= 1000 networks (default run)
# ----------------------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_property_scalar_nets_pieces(seed):
    """Scalar networks: exact piece comparison on a proved breakpoint interval, plus exact points."""
    rng = random.Random(seed)
    net, src, grid = pick_case(rng, max_width=8, max_depth=4)
    if net.input_dim != 1 or net.output_dim != 1:
        net = random_net(rng, (1,) + net.widths[1:-1] + (1,), src.bits, src.frac_bits)
    rep = check(net, src, grid, rng, verify=True, pieces_check=True)
    assert rep.equivalent and rep.method in ("pieces",)


def test_property_seeded_loop_1000_networks():
    """1000 seeded cases (widths 1-16, depths 1-6, B <= 32, b in {2, 3, 4, 8}): exact points."""
    rng = random.Random(20261126)
    n = 0
    seen_b = set()
    for _ in range(1000):
        net, src, grid = pick_case(rng, max_width=rng.choice([2, 4, 16]), max_depth=6)
        check(net, src, grid, rng, verify=False, pieces_check=False, n_points=3)
        seen_b.add(grid.bits)
        n += 1
    assert n == 1000 and seen_b == set(TARGET_BITS)


@pytest.mark.slow
def test_property_sweep_slow():
    rng = random.Random(7)
    for _ in range(3000):
        net, src, grid = pick_case(rng)
        check(net, src, grid, rng, verify=True, pieces_check=True, n_points=16)


# ----------------------------------------------------------------------------------------------
# digits
# ----------------------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(num=st.integers(-2**40, 2**40), F=st.integers(0, 40), b=st.sampled_from([2, 3, 4, 5, 8, 12]),
       s_frac=st.floats(0, 1), sym=st.booleans())
def test_digit_plan_reconstructs_value(num, F, b, s_frac, sym):
    s = round(s_frac * (b - 2))
    grid = Grid.fixed(b, s, symmetric=sym)
    v = Fraction(num, 2**F)
    q, kmax = 2**s, grid.kmax
    R = kmax // q
    try:
        sign, last, up, down = digit_plan(v, grid)
    except ValueError as exc:
        assert s == 0 and v.denominator > 1 and "finer" in str(exc)
        return
    assert 0 <= last <= kmax
    if up:
        assert all(0 <= u <= kmax for u in up)
        radix = R if R >= 2 else 2
        assert all(u < radix for u in up[:-1])
        P = sum(u * radix**j for j, u in enumerate(up))
        N = last + R * P if R >= 2 else P
        assert last == 0 or R >= 2
    else:
        N = last
    assert all(0 <= e < q for e in down)
    phi = sum(Fraction(e, q**j) for j, e in enumerate(down, start=1))
    assert sign * (Fraction(N, q) + phi / q) == v


def test_digits_bound_integer_source_matches_ceil():
    # b = 8, s = 0: R = 127; a 32-bit code needs 1 last digit + 4 up digits
    assert digits_bound(Grid.fixed(32, 0), Grid.fixed(8, 0)) == (4, 0)
    # fractional source, down digits base 2**6 for S = 31: ceil(25 / 6) = 5
    assert digits_bound(Grid.fixed(32, 31), Grid.fixed(8, 6))[1] == 5
    # depth per source layer is about ceil(B / b): within +2 for the b = 8 integer case
    for B in (8, 16, 24, 32):
        U, D = digits_bound(Grid.fixed(B, 0), Grid.fixed(8, 0))
        assert 1 + max(U, D) <= math.ceil(B / 8) + 2


# ----------------------------------------------------------------------------------------------
# specific conversions
# ----------------------------------------------------------------------------------------------
def test_example_from_docstring_and_report_fields():
    net = Network.from_layers([([[Fraction(1001, 64)], [-3]], [Fraction(1, 2), 5]), ([[7, -Fraction(93, 8)]], [1])])
    new, rep = to_precision(net, Grid.fixed(4, 1))
    assert rep.method == "pieces" and rep.equivalent and rep.pieces_domain_bits > 0
    assert rep.source_grid == infer_source_grid(net) == Grid.fixed(11, 6)
    d = rep.to_dict()
    assert json.loads(json.dumps(d))["target_grid"] == "FixedGrid(bits=4, frac_bits=1)"
    with pytest.raises(Exception):
        rep.depth_after = 0  # frozen


def test_multi_input_uses_points_and_structure():
    rng = random.Random(21)
    net = random_net(rng, [3, 5, 2], 20, 6)
    new, rep = to_precision(net, Grid.fixed(8, 3), points=32)
    assert rep.method == "exact-points+structural" and rep.points_checked == 32 and rep.depth_lower_bound == 0
    pts = random_points(rng, 3, 8)
    assert new.exact_batch(pts) == net.exact_batch(pts)


def test_already_on_grid_is_returned_unchanged():
    net = Network.from_layers([([[1], [-2]], [0, 1]), ([[3, -1]], [0])])
    new, rep = to_precision(net, Grid.fixed(4, 0))
    assert new == Network.from_integer_layers(net.integer_layers) and rep.depth_after == 2


@pytest.mark.parametrize("sym", [False, True])
def test_b2_integer_networks_convert_by_fan_in(sym):
    rng = random.Random(3)
    grid = Grid.fixed(2, 0, symmetric=sym)   # {-2,-1,0,1} or {-1,0,1}
    for _ in range(20):
        net = random_net(rng, [1, rng.randint(1, 5), rng.randint(1, 5), 1], 12, 0)
        rep = check(net, Grid.fixed(12, 0), grid, rng, verify=True, pieces_check=True)
        assert rep.method == "pieces"


def test_memory_within_2x_in_measured_regime():
    """Measured: integer sources, b in {4, 8}, hidden width 16: memory grows by less than 2x."""
    rng = random.Random(11)
    for b in (4, 8):
        for _ in range(3):
            net = random_net(rng, [1, 16, 16, 16, 1], 32, 0, p_zero=0.0)
            _new, rep = to_precision(net, Grid.fixed(b, 0), verify=False)
            assert rep.memory_ratio <= 2.0, rep


def test_b2_memory_exceeds_2x():
    """Measured and explained in docs: one payload bit per 2-bit digit, plus fan-in copies."""
    rng = random.Random(12)
    net = random_net(rng, [1, 16, 16, 1], 16, 0, p_zero=0.0)
    _new, rep = to_precision(net, Grid.fixed(2, 0), verify=False)
    assert rep.memory_ratio > 2.0


def test_choose_frac_bits():
    rng = random.Random(5)
    integer_net = random_net(rng, [1, 4, 1], 20, 0)
    assert choose_frac_bits(integer_net, 8).frac_bits == 0
    frac_net = random_net(rng, [1, 4, 1], 20, 19)   # values in [-1, 1)
    g = choose_frac_bits(frac_net, 8)
    assert g.frac_bits == 6
    with pytest.raises(ValueError, match="no frac_bits"):
        choose_frac_bits(frac_net, 2)
    with pytest.raises(ValueError, match="bits"):
        choose_frac_bits(frac_net, 1)


def test_normalization_makes_integer_grid_possible():
    # x -> 2 relu(x/2 + 1/2) = relu(x + 1): integral function with fractional parameters
    net = Network.from_layers([([[Fraction(1, 2)]], [Fraction(1, 2)]), ([[2]], [3])])
    new, rep = to_precision(net, Grid.fixed(3, 0))
    assert rep.normalized and new.on_grid(Grid.fixed(3, 0))
    assert new.exact([Fraction(-7, 3)]) == net.exact([Fraction(-7, 3)])


# ----------------------------------------------------------------------------------------------
# obstructions (docs/depth_precision.md)
# ----------------------------------------------------------------------------------------------
def test_integer_grid_cannot_produce_half_at_zero():
    net = Network.from_layers([([[1]], [Fraction(1, 2)])])        # f(0) = 1/2
    r = representability(net, Grid.fixed(8, 0))
    assert not r and r.proved_impossible and "x = [0]" in r.reason
    with pytest.raises(ValueError, match="impossible"):
        to_precision(net, Grid.fixed(8, 0))


def test_negative_frac_bits_lattice():
    net = Network.from_layers([([[1]], [1])])                      # f(0) = 1, not a multiple of 2
    r = representability(net, Grid.fixed(8, -1))
    assert not r and r.proved_impossible and "multiples of 2" in r.reason
    net2 = Network.from_layers([([[4]], [2])])                     # passes the integer-point test
    r2 = representability(net2, Grid.fixed(8, -1))
    assert r2.ok is False or net2.on_grid(Grid.fixed(8, -1))


def test_grid_without_one_rejected():
    net = Network.from_layers([([[Fraction(3, 1024)]], [1])])
    with pytest.raises(ValueError, match="1 is not on"):
        to_precision(net, Grid.fixed(4, 3))


def test_bad_inputs():
    net = Network.from_layers([([[Fraction(1, 3)]], [0])])
    with pytest.raises(ValueError, match="non-dyadic"):
        to_precision(net, Grid.fixed(8, 2))
    good = Network.from_layers([([[Fraction(1, 4)]], [0])])
    with pytest.raises(ValueError, match="fixed-point"):
        to_precision(good, Grid.bipolar())
    with pytest.raises(ValueError, match="fixed-point"):
        to_precision(good, Grid.levels([-1, 0, 1]))
    with pytest.raises(TypeError):
        to_precision("net", Grid.fixed(8, 2))
    with pytest.raises(TypeError):
        to_precision(good, "fixed:8:2")
    with pytest.raises(ValueError, match="source_grid"):
        to_precision(good, Grid.fixed(8, 2), source_grid=Grid.fixed(8, 0))
    with pytest.raises(ValueError, match="points"):
        to_precision(good, Grid.fixed(8, 2), points=0)


# ----------------------------------------------------------------------------------------------
# the theorems behind the obstructions, checked numerically
# ----------------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), s=st.integers(-2, 3))
def test_lattice_theorem_values_and_slopes(seed, s):
    """A depth-L net with parameters in 2**-s Z: f(integers) in 2**-s Z if s <= 0; slopes in 2**(-sL) Z."""
    from relubits import pieces

    rng = random.Random(seed)
    L = rng.randint(1, 4)
    widths = [1] + [rng.randint(1, 4) for _ in range(L - 1)] + [1]
    net = random_net(rng, widths, 6, s) if s >= 0 else Network.from_integer_layers(
        [(A * 2 ** (-s), c * 2 ** (-s), 1) for A, c, _ in random_net(rng, widths, 6, 0).integer_layers])
    P = pieces(net, (-50, 50))
    for slope in P.slopes:
        assert (slope * Fraction(2) ** (s * L)).denominator == 1
    if s <= 0:
        for x in range(-5, 6):
            v = net.exact([x])[0]
            assert v.denominator == 1 and v.numerator % 2 ** (-s) == 0


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_converted_depth_meets_slope_lower_bound(seed):
    """Theorem 4: a slope with denominator 2**V forces depth >= V / s on a grid with s fractional bits."""
    from relubits import pieces

    rng = random.Random(seed)
    L, S = rng.randint(1, 4), rng.randint(1, 8)
    b = rng.choice([3, 4, 8])
    s = rng.randint(1, b - 2)
    # a chain of positive odd weights attains V = S * L on x > 0
    layers = [([[Fraction(2 * rng.randint(0, 2**(S - 1) - 1) + 1, 2**S)]], [0]) for _ in range(L)]
    net = Network.from_layers(layers)
    new, rep = to_precision(net, Grid.fixed(b, s), use_pieces=True, points=4)
    V = max(sl.denominator.bit_length() - 1 for sl in pieces(net, (-1, 1)).slopes)
    assert V == S * L
    assert new.depth >= V / s
    assert new.depth <= depth_bound(infer_source_grid(net), Grid.fixed(b, s), L)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_breakpoint_radius_is_valid(seed):
    """Beyond the proved radius M the network is affine: f at M, 2M, 3M (and negatives) is collinear."""
    rng = random.Random(seed)
    L = rng.randint(2, 4)
    widths = [1] + [rng.randint(1, 4) for _ in range(L - 1)] + [1]
    net = random_net(rng, widths, rng.randint(3, 10), rng.randint(0, 4))
    M = breakpoint_radius(net) + 1
    for sgn in (1, -1):
        y1, y2, y3 = (net.exact([sgn * k * M])[0] for k in (1, 2, 3))
        assert y3 - y2 == y2 - y1
    from relubits import pieces
    P = pieces(net, (-M, M))
    assert all(-M <= t <= M for t in P.breakpoints)


# ----------------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------------
def test_cli_convert(tmp_path, capsys):
    from relubits.cli import main

    rng = random.Random(9)
    net = random_net(rng, [1, 6, 6, 1], 24, 12)
    src = tmp_path / "net.json"
    out = tmp_path / "net8.json"
    net.save(src)
    assert main(["convert", str(src), "--bits", "8", "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("equivalent", "depth_before", "depth_after", "memory_bits_before", "memory_bits_after"):
        assert key in data
    assert data["equivalent"] is True and data["method"] == "pieces"
    from relubits import load
    new = load(out)
    assert new.depth == data["depth_after"] and new.on_grid(Grid.fixed(8, data["frac_bits"]))
    assert new.n_nonzero * 8 == data["memory_bits_after"]
    pts = random_points(rng, 1, 10)
    assert new.exact_batch(pts) == net.exact_batch(pts)


def test_cli_convert_failure_writes_nothing(tmp_path, capsys):
    from relubits.cli import main

    net = Network.from_layers([([[1]], [Fraction(1, 2)])])
    src = tmp_path / "net.json"
    out = tmp_path / "bad.json"
    net.save(src)
    assert main(["convert", str(src), "--bits", "4", "--frac-bits", "0", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "impossible" in err and err.count("\n") == 1
    assert not out.exists()
    assert main(["convert", str(src), "--bits", "1", "--out", str(out)]) == 2
    assert main(["convert", str(tmp_path / "missing.json"), "--bits", "4", "--out", str(out)]) == 2
    assert not out.exists()
