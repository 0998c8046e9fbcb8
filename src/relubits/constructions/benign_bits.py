"""Bit extraction from ``[0,1]^d`` for the benign-function constructions (spec 3.2 and 3.4).

Two constructions map ``x`` to the ``c`` bits of ``trunc(x)`` per coordinate (``trunc`` = round down
to the grid ``{k / 2^c : 0 <= k < 2^c}``), **MSB first**: output ``c * i + (j - 1)`` is bit ``j`` of
coordinate ``i``, bit 1 being the most significant.  Both are exact except on a set of small measure:

* :func:`ramp_bit_extraction` (Lemma 21, depth 2): ramps ``g_l(t) = [(t-l+Delta)/Delta]_+ - [(t-l)/Delta]_+``
  in ``t = 2^c x``; ``2 (2^c + 1)`` ReLUs per coordinate; it fails exactly on ``2^c`` strips of
  ``x``-width ``Delta / 2^c``, so the failing measure per coordinate is ``Delta``.
* :func:`telgarsky_bit_extraction` (Lemma 25): bit ``j`` is ``h_Delta(phi_j(x - 2^{-j-1}))`` with
  Telgarsky's tent map ``phi(z) = [2z]_+ - [4z-2]_+`` and a steep ramp ``h_Delta`` around 1/2; ``O(c^2)``
  ReLUs per coordinate, depth ``c + 2``; each bit fails on measure at most ``Delta``.

:func:`failure_measure` computes the failing measure of one coordinate *exactly* (from the exact
piecewise-linear structure, :func:`relubits.pieces`); :func:`measured_failure_rate` samples it
(exact evaluation at random dyadic points).  Under the uniform distribution on ``[0,1]^d`` the
failure probability is ``1 - (1 - m)^d <= d m`` with ``m`` the per-coordinate measure.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = [
    "BitExtraction",
    "telgarsky_phi",
    "ramp_bit_extraction",
    "telgarsky_bit_extraction",
    "true_bits",
    "failure_measure",
    "measured_failure_rate",
]


def _int(v, name, lo, hi):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {v!r}")
    v = int(v)
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {v}")
    return v


def _delta(delta):
    try:
        dl = Fraction(delta)
    except (TypeError, ValueError):
        raise TypeError(f"delta must be a rational number, got {delta!r}") from None
    if not 0 < dl < 1:
        raise ValueError(f"delta must be in (0, 1), got {delta!r}")
    return dl


@dataclass(frozen=True)
class BitExtraction:
    """A bit-extraction network and its promise.

    Attributes
    ----------
    network : relubits.Network, ``d`` inputs, ``d * c`` outputs (MSB first per coordinate)
    c, d : int
    delta : Fraction, ramp width
    neurons, depth : int, measured from the network
    promised_measure_per_coordinate : Fraction
        Proved bound on the Lebesgue measure of ``{x in [0,1] : some bit is wrong}`` for one coordinate.
    construction : str
    """

    network: object
    c: int
    d: int
    delta: Fraction
    neurons: int
    depth: int
    promised_measure_per_coordinate: Fraction
    construction: str

    def promised_failure_probability(self, d: int | None = None) -> Fraction:
        """Union bound ``d * m`` under the uniform distribution on ``[0,1]^d``."""
        return (self.d if d is None else d) * self.promised_measure_per_coordinate


def telgarsky_phi(k: int):
    """``phi_k``: ``k``-fold composition of ``phi(z) = [2z]_+ - [4z - 2]_+`` (2k ReLUs, depth k + 1).

    On [0, 1] it is ``2^(k-1)`` tents of height 1 with slopes ``+-2^k`` (checked exactly in the tests
    with :func:`relubits.pieces`).

    Examples
    --------
    >>> from relubits import pieces
    >>> p = pieces(telgarsky_phi(3))
    >>> p.n_pieces, p.lipschitz
    (8, Fraction(8, 1))
    """
    from relubits.network import Network

    k = _int(k, "k", 1, 64)
    layers = [([[2], [4]], [0, -2])]
    for _ in range(k - 1):
        layers.append(([[2, -2], [4, -4]], [0, -2]))
    layers.append(([[1, -1]], [0]))
    return Network.from_layers(layers)


def _ramp_coordinate_layers(c: int, dl: Fraction):
    """One coordinate, Lemma 21."""
    T = 2**c
    A, b = [], []
    for l in range(T + 1):
        A += [[Fraction(T) / dl], [Fraction(T) / dl]]
        b += [(-l + dl) / dl, Fraction(-l) / dl]
    out = []
    for j in range(1, c + 1):
        in_I = [((l >> (c - j)) & 1) if l < T else 0 for l in range(T + 1)]
        row = []
        for l in range(T + 1):
            coef = in_I[l] - (in_I[l - 1] if l > 0 else 0)  # h_j = sum_{l in I_j} (g_l - g_{l+1})
            row += [coef, -coef]
        out.append(row)
    return [(A, b), (out, [0] * c)]


def ramp_bit_extraction(c: int, delta=Fraction(1, 64), d: int = 1) -> BitExtraction:
    """Depth-2 bit extraction of Lemma 21 with ``2 d (2^c + 1)`` ReLUs and ``d c`` outputs.

    Parameters
    ----------
    c : int in [1, 10], bits per coordinate
    delta : rational in (0, 1), ramp width in units of ``t = 2^c x``
    d : int in [1, 64], coordinates

    Returns
    -------
    BitExtraction
        ``promised_measure_per_coordinate == delta``.
    """
    from relubits.network import Network, parallel

    c = _int(c, "c", 1, 10)
    d = _int(d, "d", 1, 64)
    dl = _delta(delta)
    one = Network.from_layers(_ramp_coordinate_layers(c, dl))
    net = one if d == 1 else parallel(*([one] * d))
    return BitExtraction(net, c, d, dl, int(sum(net.widths[1:])), net.depth, dl,
                         "Lemma 21: ramps g_l in t = 2^c x (depth 2)")


def _telgarsky_bit_layers(j: int, dl: Fraction):
    s = Fraction(1, 2 ** (j + 1))
    layers = [([[2], [4]], [-2 * s, -4 * s - 2])]  # phi(x - s)
    for _ in range(j - 1):
        layers.append(([[2, -2], [4, -4]], [0, -2]))
    inv = 1 / dl
    half = Fraction(1, 2)
    layers.append(([[inv, -inv], [inv, -inv]], [(-half + dl / 2) * inv, (-half - dl / 2) * inv]))
    layers.append(([[1, -1]], [0]))
    return layers


def telgarsky_bit_extraction(c: int, delta=Fraction(1, 64), d: int = 1) -> BitExtraction:
    """Bit extraction of Lemma 25: bit ``j`` = ``h_Delta(phi_j(x - 2^{-j-1}))``.

    Bits of different depth are aligned with identity channels (:func:`relubits.parallel`), so the
    network has depth ``c + 2`` and ``O(c^2)`` neurons per coordinate.

    Parameters
    ----------
    c : int in [1, 16]
    delta : rational in (0, 1), width of the ramp ``h_Delta`` around 1/2
    d : int in [1, 64]

    Returns
    -------
    BitExtraction
        ``promised_measure_per_coordinate == c * delta`` (each bit fails on measure <= delta).
    """
    from relubits.network import Network, compose, parallel

    c = _int(c, "c", 1, 16)
    d = _int(d, "d", 1, 64)
    dl = _delta(delta)
    bits = [Network.from_layers(_telgarsky_bit_layers(j, dl)) for j in range(1, c + 1)]
    fan = Network.from_layers([([[1]] * c, [0] * c)])
    one = compose(parallel(*bits), fan) if c > 1 else bits[0]
    net = one if d == 1 else parallel(*([one] * d))
    return BitExtraction(net, c, d, dl, int(sum(net.widths[1:])), net.depth, c * dl,
                         "Lemma 25: Telgarsky tent maps + steep ramp")


def true_bits(X, c: int) -> np.ndarray:
    """Bits of ``trunc(x)``, MSB first, for ``X`` of shape (N, d) in [0, 1] -> (N, d * c) int8."""
    c = _int(c, "c", 1, 30)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}")
    k = np.minimum(np.floor(X * 2**c).astype(np.int64), 2**c - 1)
    shifts = np.arange(c - 1, -1, -1)
    return ((k[:, :, None] >> shifts[None, None, :]) & 1).reshape(X.shape[0], -1).astype(np.int8)


def _coordinate_network(ext: BitExtraction):
    """The one-coordinate block (inputs 0, outputs 0..c-1) of ``ext.network``."""
    from relubits.network import Network

    layers = ext.network.integer_layers
    if ext.d == 1:
        return ext.network
    # parallel() stacks blocks: the first block uses input 0 and reaches outputs 0..c-1 only
    keep = [0]
    new = []
    for li, (A, c, den) in enumerate(layers):
        if li == len(layers) - 1:
            rows = list(range(ext.c))
        else:
            rows = [i for i in range(A.shape[0]) if any(A[i, k] != 0 for k in keep)]
        new.append((A[np.ix_(rows, keep)], c[rows], den))
        keep = rows
    return Network.from_integer_layers(new)


def failure_measure(ext: BitExtraction) -> Fraction:
    """Exact Lebesgue measure of ``{x in [0,1] : some bit of one coordinate is wrong}``.

    All breakpoints of every output (exact, :func:`relubits.pieces`) and the dyadic points
    ``k / 2^c`` cut [0, 1] into intervals on which every output is affine and every true bit is
    constant; an interval is correct iff every output equals its bit at both ends.
    """
    from relubits.network import Network
    from relubits.pieces import pieces

    net = _coordinate_network(ext)
    il = net.integer_layers
    pts = {Fraction(k, 2**ext.c) for k in range(2**ext.c + 1)}
    for j in range(ext.c):
        A, c, den = il[-1]
        single = Network.from_integer_layers(il[:-1] + [(A[j:j + 1], c[j:j + 1], den)])
        pts.update(pieces(single, (0, 1)).breakpoints)
    pts = sorted(pts)
    vals = net.exact_batch([[p] for p in pts])
    bad = Fraction(0)
    for a, b, va, vb in zip(pts, pts[1:], vals, vals[1:]):
        mid = (a + b) / 2
        k = min(int(mid * 2**ext.c), 2**ext.c - 1)
        want = [(k >> (ext.c - j)) & 1 for j in range(1, ext.c + 1)]
        if any(x != w or y != w for x, y, w in zip(va, vb, want)):
            bad += b - a
    return bad


def measured_failure_rate(ext: BitExtraction, n_samples: int = 20000, seed: int = 0,
                          resolution_bits: int = 24) -> float:
    """Fraction of uniform random dyadic points ``k / 2^resolution_bits`` in ``[0,1]^d`` where some
    output bit is wrong (exact integer evaluation)."""
    from relubits.constructions.boolean import evaluate_integer, integer_layers_of

    n_samples = _int(n_samples, "n_samples", 1, 10**7)
    r = _int(resolution_bits, "resolution_bits", ext.c, 40)
    rng = np.random.default_rng(seed)
    Xn = rng.integers(0, 2**r, size=(n_samples, ext.d), dtype=np.int64)
    Y, D = evaluate_integer(integer_layers_of(ext.network), Xn, scale=2**r)
    want = true_bits(Xn / 2**r, ext.c).astype(np.int64) * D
    return float((Y != want).any(axis=1).mean())
