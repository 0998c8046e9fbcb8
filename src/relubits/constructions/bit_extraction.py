"""Bit extraction with every weight on a small fixed-point grid (proofs: docs/constructions.md, section 2).

Classic extraction (:func:`classic_extraction`)
    Reads the first ``K`` binary digits of ``x in [0, 1)``.  Digit ``i`` is ``beta_i = [z_i >= 1/2]`` for the
    remainder ``z_i`` (``z_1 = x``, ``z_{i+1} = 2 z_i - beta_i``).  The steep step is built by depth, not by
    a large weight: ``P = relu(z - 1/2)``, ``N = relu(1/2 - z)`` are doubled ``a_i = K - i + 1`` times
    (weights 2), then ``beta_i = relu(P - N + 1) - relu(P - N)`` (= ``clamp(2**a_i (z_i - 1/2) + 1, 0, 1)``).
    Weights and biases lie in ``{-2, -1, -1/2, 0, 1/2, 1, 2}`` -- on ``Grid.fixed(4, 1)``.
    Exact for every ``x`` outside the *trifling region*
    ``T_K = {x : z_i in (1/2 - 2**-(K-i+1), 1/2) for some i <= K}``; every ``K``-bit dyadic ``x = n/2**K``
    lies outside ``T_K``.  Width 4 (``output="integer"``: the Horner sum ``sum_i beta_i 2**(K-i)``, i.e.
    ``floor(2**K x)``) or ``K + 3`` (``output="digits"``); depth ``K(K+1)/2 + 2K + 1`` (quadratic: the price of
    small weights; weights ``2**K`` would give depth ``O(K)``).

Refined extraction (:func:`refined_extraction`)
    Reads ``n`` digits per two layers.  A stored number ``y = sum_{t=1..R} d_t B**-t`` with base
    ``B = 2**(n+1)`` and chunks ``d_t in [0, 2**n)`` (a *gap*: the remainder after each chunk is ``< 1/2``) is
    decoded by ``2**n - 1`` parallel steps ``H_k = relu(2B y - 2k + 1) - relu(2B y - 2k)`` (``= 1`` if
    ``B y >= k``, ``0`` if ``B y <= k - 1/2``), ``d = sum_k H_k`` and ``y <- B y - d``.  All weights and
    biases are integers of magnitude ``<= 2**(n+2)``: on ``Grid.fixed(n + 4, 0)``.  Width ``2**(n+1) - 1``
    (+ carried outputs), so about ``log2(W)`` digits per layer pair.  Exact on every valid code and more
    generally whenever each stage's ``frac(B y_t)`` lies in ``[0, 1/2]``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from relubits.constructions.promise import Construction
from relubits.exact import as_int
from relubits.grid import FixedGrid, Grid
from relubits.network import Network

__all__ = ["classic_extraction", "classic_digits_exact", "in_trifling_region",
           "refined_extraction", "refined_encode", "refined_valid"]


def _z(n):
    return np.zeros(n, dtype=object)


def _Z(r, c):
    return np.zeros((r, c), dtype=object)


def classic_extraction(K: int, output: str = "integer") -> Construction:
    """Network reading the first ``K`` binary digits of its input ``x in [0, 1)``, weights on ``Grid.fixed(4, 1)``.

    Parameters
    ----------
    K : int
        Number of digits, 1 <= K <= 64.
    output : {"integer", "digits"}
        ``"integer"``: one output ``sum_i beta_i 2**(K-i)`` (width 4, constant in ``K``);
        ``"digits"``: ``K`` outputs ``beta_1..beta_K`` (width ``K + 3``).

    Returns
    -------
    Construction
        ``promised_error = 0``: exact outside the trifling region (see :func:`in_trifling_region`).

    Examples
    --------
    >>> c = classic_extraction(3)
    >>> [c.network.exact([Fraction(n, 8)])[0] for n in range(8)] == list(range(8))
    True
    """
    K = as_int(K, "K", 1, 64)
    if output not in ("integer", "digits"):
        raise ValueError(f"output must be 'integer' or 'digits', got {output!r}")
    digits = output == "digits"
    den = 2
    one, half, two = 2, 1, 4  # numerators over den = 2
    layers = []
    # state layout: [z, P, N, extra...]; extra = acc (integer) or the digits found so far
    # first layer: P = relu(x - 1/2), N = relu(1/2 - x), z = relu(x)
    layers.append((np.array([[one], [one], [-one]], dtype=object), np.array([0, -half, half], dtype=object), den))
    n_extra = 0  # channels after (z, P, N) in the current state
    for i in range(1, K + 1):
        a = K - i + 1
        width_in = 3 + n_extra
        # a doublings of P and N (z and extras carried with weight 1)
        for _ in range(a):
            A = _Z(width_in, width_in)
            A[0, 0] = one
            A[1, 1] = two
            A[2, 2] = two
            for e in range(n_extra):
                A[3 + e, 3 + e] = one
            layers.append((A, _z(width_in), den))
        # u = relu(P - N + 1), v = relu(P - N); carry z and extras
        A = _Z(3 + n_extra, width_in)
        A[0, 0] = one
        A[1, 1], A[1, 2] = one, -one
        A[2, 1], A[2, 2] = one, -one
        for e in range(n_extra):
            A[3 + e, 3 + e] = one
        c = _z(3 + n_extra)
        c[1] = one
        layers.append((A, c, den))  # state: [z, u, v, extras]; beta_i = u - v
        # next: z' = 2z - u + v, P' = relu(z' - 1/2), N' = relu(1/2 - z'), extras updated with beta_i
        if digits:
            new_extra = n_extra + 1
        else:
            new_extra = 1
        rows = 3 + new_extra
        A = _Z(rows, 3 + n_extra)
        A[0, :3] = [two, -one, one]
        A[1, :3] = [two, -one, one]
        A[2, :3] = [-two, one, -one]
        c = _z(rows)
        c[1], c[2] = -half, half
        if digits:
            for e in range(n_extra):
                A[3 + e, 3 + e] = one
            A[3 + n_extra, 1], A[3 + n_extra, 2] = one, -one
        else:
            if n_extra:
                A[3, 3] = two  # acc <- 2 acc + beta_i
            A[3, 1], A[3, 2] = one, -one
        if i == K:  # output layer: the extras only
            A_out = A[3:, :]
            layers.append((A_out, _z(new_extra), den))
        else:
            layers.append((A, c, den))
        n_extra = new_extra
    net = Network.from_integer_layers(layers, meta={"construction": "classic-bit-extraction", "K": K, "output": output})
    grid = Grid.fixed(4, 1)
    chk = net.on_grid(grid)
    if not chk:
        raise AssertionError(chk.describe())
    return Construction(name="classic-bit-extraction", network=net, grid=grid, promised_error=Fraction(0),
                        formula="exact (error 0) for x in [0,1) outside the trifling region "
                                "{x: z_i in (1/2 - 2^-(K-i+1), 1/2) for some i}",
                        params={"K": K, "output": output})


def classic_digits_exact(x: Fraction, K: int) -> list[int]:
    """Reference: the first ``K`` binary digits of ``x in [0, 1)`` (exact)."""
    out, z = [], Fraction(x)
    for _ in range(K):
        b = 1 if z >= Fraction(1, 2) else 0
        out.append(b)
        z = 2 * z - b
    return out


def in_trifling_region(x: Fraction, K: int) -> bool:
    """Whether ``x`` lies in the classic extraction's trifling region ``T_K`` (where it may be inexact)."""
    z = Fraction(x)
    for i in range(1, K + 1):
        a = K - i + 1
        if Fraction(1, 2) - Fraction(1, 2**a) < z < Fraction(1, 2):
            return True
        b = 1 if z >= Fraction(1, 2) else 0
        z = 2 * z - b
    return False


def refined_encode(chunks, n: int) -> Fraction:
    """The stored number ``y = sum_t d_t B**-t`` (``B = 2**(n+1)``) of chunks ``d_t in [0, 2**n)``."""
    n = as_int(n, "n", 1, 30)
    B = 2 ** (n + 1)
    y = Fraction(0)
    for t, d in enumerate(chunks, start=1):
        d = as_int(d, f"chunks[{t - 1}]", 0, 2**n - 1)
        y += Fraction(d, B**t)
    return y


def refined_valid(y: Fraction, n: int, R: int) -> bool:
    """Whether every stage of the refined decoder sees ``frac(B y_t) in [0, 1/2]`` (then it is exact)."""
    B = 2 ** (n + 1)
    y = Fraction(y)
    if not 0 <= y < 1:
        return False
    for _ in range(R):
        v = B * y
        d = v.numerator // v.denominator
        if d > 2**n - 1 or v - d > Fraction(1, 2):
            return False
        y = v - d
    return True


def refined_extraction(n: int, R: int, output: str = "digits") -> Construction:
    """Network decoding ``R`` chunks of ``n`` binary digits each, two layers per chunk, integer weights.

    Parameters
    ----------
    n : int
        Digits per chunk, 1 <= n <= 12 (width ``2**(n+1) - 1`` plus carried outputs).
    R : int
        Number of chunks, >= 1.
    output : {"digits", "integer"}
        ``"digits"``: ``R`` outputs ``d_1..d_R``; ``"integer"``: one output ``sum_t d_t 2**(n(R-t))``.

    Returns
    -------
    Construction
        On ``Grid.fixed(n + 4, 0)``; ``promised_error = 0`` on every input accepted by :func:`refined_valid`.

    Examples
    --------
    >>> c = refined_extraction(2, 3)
    >>> c.network.exact([refined_encode([3, 0, 2], 2)])
    [Fraction(3, 1), Fraction(0, 1), Fraction(2, 1)]
    """
    n = as_int(n, "n", 1, 12)
    R = as_int(R, "R", 1)
    if output not in ("digits", "integer"):
        raise ValueError(f"output must be 'digits' or 'integer', got {output!r}")
    digits = output == "digits"
    B = 2 ** (n + 1)
    m = 2**n - 1  # thresholds k = 1..m
    layers = []
    n_extra = 0
    # state before a stage: [y, extras...]; the first stage reads the input x directly
    for t in range(1, R + 1):
        width_in = 1 + n_extra
        # stage layer 1: y carried, H pairs, extras carried
        rows = 1 + 2 * m + n_extra
        A = _Z(rows, width_in)
        c = _z(rows)
        A[0, 0] = 1
        for k in range(1, m + 1):
            A[2 * k - 1, 0] = 2 * B
            c[2 * k - 1] = -2 * k + 1
            A[2 * k, 0] = 2 * B
            c[2 * k] = -2 * k
        for e in range(n_extra):
            A[1 + 2 * m + e, 1 + e] = 1
        layers.append((A, c, 1))
        # stage layer 2: y' = B y - sum H, extras updated with d_t = sum_k H_k
        new_extra = n_extra + 1 if digits else 1
        rows2 = 1 + new_extra
        A = _Z(rows2, rows)
        A[0, 0] = B
        for k in range(1, m + 1):
            A[0, 2 * k - 1], A[0, 2 * k] = -1, 1
        if digits:
            for e in range(n_extra):
                A[1 + e, 1 + 2 * m + e] = 1
            row_d = 1 + n_extra
        else:
            row_d = 1
            if n_extra:
                A[1, 1 + 2 * m] = 2**n  # acc <- 2**n acc + d_t
        for k in range(1, m + 1):
            A[row_d, 2 * k - 1], A[row_d, 2 * k] = 1, -1
        if t == R:
            layers.append((A[1:, :], _z(new_extra), 1))
        else:
            layers.append((A, _z(rows2), 1))
        n_extra = new_extra
    net = Network.from_integer_layers(layers, meta={"construction": "refined-bit-extraction", "n": n, "R": R})
    grid = FixedGrid(bits=n + 4, frac_bits=0)
    chk = net.on_grid(grid)
    if not chk:
        raise AssertionError(chk.describe())
    return Construction(name="refined-bit-extraction", network=net, grid=grid, promised_error=Fraction(0),
                        formula="exact (error 0) on every input whose stages satisfy frac(B y_t) in [0, 1/2] "
                                "(all valid codes), B = 2^(n+1)",
                        params={"n": n, "R": R, "B": B, "output": output})
