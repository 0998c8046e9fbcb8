"""Bit extraction and sawtooth: exhaustive exactness checks, grids, trifling region."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from relubits import Grid, pieces
from relubits.constructions.bit_extraction import (classic_digits_exact, classic_extraction, in_trifling_region,
                                                   refined_encode, refined_extraction, refined_valid)
from relubits.constructions.sawtooth import sawtooth, tent_power
from functools import lru_cache

classic_cached = lru_cache(maxsize=None)(classic_extraction)
refined_cached = lru_cache(maxsize=None)(refined_extraction)


def exact_chunks(net, X, chunk=4096):
    """exact_batch in chunks (much faster than one huge batch); returns numerators over one denominator per chunk
    as a list of (rows, den)."""
    return [net.exact_batch(X[i:i + chunk], raw=True) for i in range(0, len(X), chunk)]


unit = st.fractions(0, 1, max_denominator=2**20).filter(lambda v: v < 1)


@pytest.mark.parametrize("K", [1, 2, 3, 4, 7, 10, 16])
def test_classic_integer_output_exhaustive(K):
    c = classic_extraction(K)
    assert c.network.width == (3 if K == 1 else 4) and c.network.on_grid(Grid.fixed(4, 1))
    assert c.network.depth == K * (K + 1) // 2 + 2 * K + 1
    X = np.arange(2**K, dtype=np.float64).reshape(-1, 1) / 2**K  # exact dyadics
    got = []
    for Y, D in exact_chunks(c.network, X):
        assert all(int(v) % D == 0 for v in Y[:, 0])
        got.extend(int(v) // D for v in Y[:, 0])
    assert got == list(range(2**K))


@pytest.mark.parametrize("K", [1, 3, 6, 9])
def test_classic_digits_exhaustive(K):
    c = classic_extraction(K, output="digits")
    X = [[Fraction(n, 2**K)] for n in range(2**K)]
    for x, y in zip(X, c.network.exact_batch(X)):
        assert y == classic_digits_exact(x[0], K)


@settings(max_examples=100)
@given(st.integers(1, 12), unit)
def test_classic_exact_outside_trifling_region(K, x):
    y = classic_cached(K, output="digits").network.exact([x])
    if not in_trifling_region(x, K):
        assert y == classic_digits_exact(x, K)
    else:
        assert all(0 <= v <= 1 for v in y)  # inside: still bounded digits


def test_classic_trifling_region_is_where_it_fails():
    K = 4
    net = classic_extraction(K, output="digits").network
    # a point inside the first digit's trifling window (1/2 - 2**-4, 1/2)
    x = Fraction(1, 2) - Fraction(1, 64)
    assert in_trifling_region(x, K)
    assert net.exact([x]) != classic_digits_exact(x, K)


@pytest.mark.parametrize("n, R", [(1, 8), (2, 8), (4, 4), (6, 2), pytest.param(8, 2, marks=pytest.mark.slow), pytest.param(1, 16, marks=pytest.mark.slow)])
def test_refined_exhaustive(n, R):
    c = refined_extraction(n, R)
    assert c.network.on_grid(Grid.fixed(n + 4, 0)) and c.network.depth == 2 * R
    codes = list(itertools.product(range(2**n), repeat=R))
    X = [[refined_encode(cd, n)] for cd in codes]
    got = []
    for Y, D in exact_chunks(c.network, X):
        for row in Y:
            assert all(int(v) % D == 0 for v in row)
            got.append(tuple(int(v) // D for v in row))
    assert got == codes


def test_refined_integer_output_and_width():
    n, R = 3, 4
    c = refined_extraction(n, R, output="integer")
    assert c.network.width == 2 ** (n + 1) - 1 + 1
    for cd in [(0, 0, 0, 0), (7, 7, 7, 7), (1, 2, 3, 4), (5, 0, 6, 1)]:
        want = sum(d * 2 ** (n * (R - 1 - t)) for t, d in enumerate(cd))
        assert c.network.exact([refined_encode(cd, n)]) == [want]


@settings(max_examples=100)
@given(st.integers(1, 4), st.integers(1, 4), unit)
def test_refined_exact_where_valid(n, R, y):
    c = refined_cached(n, R)
    out = c.network.exact([y])
    if refined_valid(y, n, R):
        B, z, want = 2 ** (n + 1), y, []
        for _ in range(R):
            v = B * z
            d = v.numerator // v.denominator
            want.append(d)
            z = v - d
        assert out == want


@pytest.mark.parametrize("grid", [Grid.fixed(4, 1), Grid.fixed(3, 1), Grid.fixed(8, 5), Grid.fixed(5, 3)])
def test_sawtooth_exact(grid):
    for k in (1, 2, 5, 9):
        c = sawtooth(k, grid)
        assert c.network.on_grid(grid) and c.network.depth == k + 1
        P = pieces(c.network)
        assert P.n_pieces == 2**k
        for t, v in zip(P.breakpoints, P.values):
            assert v == tent_power(t, k)


def test_sawtooth_bad_grid():
    with pytest.raises(ValueError, match="grid"):
        sawtooth(3, Grid.fixed(8, 0))
    with pytest.raises(ValueError, match="k"):
        sawtooth(0, Grid.fixed(4, 1))
