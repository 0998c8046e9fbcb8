"""Depth-precision conversion: trade weight bits for depth, computing exactly the same function.

:func:`to_precision` takes a network whose parameters lie on a high-precision fixed-point
grid (``B`` bits, ``S`` fractional bits) and returns a deeper network whose parameters all
lie on a low-precision grid ``Grid.fixed(b, s)`` (``b < B`` usually) and that computes
**exactly** the same function.  The construction is the digit-serial (Horner) scheme of the
spec (three_regimes.md, section 6), made two-sided; its proof is in ``docs/depth_precision.md``.

Scheme in one paragraph.  Let ``q = 2**s``, ``kmax = 2**(b-1) - 1`` and ``R = kmax // q``
(the largest integer on the target grid).  Each source layer ``y = A h + c`` becomes a block
of ``m`` new layers.  The inputs ``h >= 0`` are carried through the block with weight 1.
Every parameter ``v`` is split as ``|v| q = N + phi`` (``N`` integer, ``0 <= phi < 1``);
``N = R P + a`` with a *last digit* ``a`` applied directly in the block's final layer, the
prefix ``P`` accumulated most-significant digit first in an *up* accumulator
``U <- relu(R U + (digits / q) . h)``, and ``phi`` accumulated least-significant digit first
in a *down* accumulator ``D <- relu(D / q + (digits / q) . h)``.  Positive and negative
parameters use separate accumulators, so every accumulator is a non-negative combination of
non-negative values and the ReLUs act as the identity on them.  The block's final layer is
``y = sum(+-R U) + sum(+-D / q) + (signed last digits / q) . h + bias digit``.  Every weight
used is one of ``1, R, 1/q, +-R, +-1/q`` or a digit ``a / q`` with ``|a| <= kmax``: all on the
grid.  The first layer's signed inputs ``x`` are first split into ``relu(x), relu(-x)``.

Grids that cannot hold the construction (or cannot represent the network at all) are
rejected with a ``ValueError`` naming the obstruction; see :func:`representability`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from relubits.grid import FixedGrid, Grid
from relubits.network import Network

__all__ = ["to_precision", "ConversionReport", "infer_source_grid", "representability", "Representability",
           "digit_plan", "breakpoint_radius", "choose_frac_bits",
           "digits_bound", "depth_bound"]


# ----------------------------------------------------------------------------------------------
# value objects
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConversionReport:
    """What :func:`to_precision` did and what it checked.

    Attributes
    ----------
    source_grid, target_grid : FixedGrid
        The high-precision grid of the input network and the low-precision grid of the output.
    source_bits, target_bits : int
        ``B`` and ``b``.
    depth_before, depth_after : int
        Number of affine maps before and after.
    width_before, width_after : int
    n_nonzero_before, n_nonzero_after : int
        Non-zero weights and biases.
    memory_bits_before, memory_bits_after : int
        Non-zero parameters x bits per parameter on the respective grid (measured).
    memory_ratio : float
        ``memory_bits_after / memory_bits_before`` (measured).
    depth_ratio : float
        ``depth_after / depth_before`` (measured).
    block_depths : tuple of int
        New layers per source layer (the first includes the input split, if any).
    equivalent : bool
        Verdict of the equivalence check (always True for a returned network: a failed
        check raises).
    method : str
        ``"pieces"`` (exact comparison of all linear pieces of two scalar networks on an
        interval proved to contain every breakpoint of both, plus exact points) or
        ``"exact-points+structural"`` (exact rational evaluation on random points; the
        equality itself is the structural theorem of docs/depth_precision.md), followed by
        ``" (pieces unavailable: ...)"`` when the piece comparison of a scalar network could
        not run, or ``"unverified"`` with ``verify=False``.
    points_checked : int
        Number of random rational inputs compared exactly.
    pieces_domain_bits : int
        For ``method="pieces"``: bit length of the radius M of the interval [-M, M] compared.
    depth_lower_bound : int
        For ``method="pieces"``: ``ceil(V / s)`` where ``2**V`` is the largest denominator of a
        slope of the function -- no network of smaller depth on any grid with ``s`` fractional
        bits computes it (Theorem 4 of docs/depth_precision.md); 0 when not computed.
    ceil_B_over_b : int
        ``ceil(B / b)``, the depth growth per layer the spec's digit-serial scheme suggests
        (compare with ``depth_ratio``).
    normalized : bool
        Whether per-neuron power-of-two rescaling was applied first (needed for frac_bits = 0
        targets when the source has fractional parameters).
    """

    source_grid: FixedGrid
    target_grid: FixedGrid
    source_bits: int
    target_bits: int
    depth_before: int
    depth_after: int
    width_before: int
    width_after: int
    n_nonzero_before: int
    n_nonzero_after: int
    memory_bits_before: int
    memory_bits_after: int
    memory_ratio: float
    depth_ratio: float
    block_depths: tuple
    equivalent: bool
    method: str
    points_checked: int
    pieces_domain_bits: int = 0
    normalized: bool = False
    depth_lower_bound: int = 0
    ceil_B_over_b: int = 0

    def to_dict(self) -> dict:
        """JSON-ready summary (grids as short strings)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["source_grid"] = repr(self.source_grid)
        d["target_grid"] = repr(self.target_grid)
        d["block_depths"] = list(self.block_depths)
        return d


@dataclass(frozen=True)
class Representability:
    """Answer of :func:`representability`.

    Attributes
    ----------
    ok : bool
        True when :func:`to_precision` can convert the network to the grid.
    reason : str
        One line: the obstruction (``ok=False``) or the scheme used (``ok=True``).
    proved_impossible : bool
        True when *no* network of any depth and width on the grid computes the function
        (an impossibility theorem of docs/depth_precision.md applies); False when only this
        construction is ruled out.
    """

    ok: bool
    reason: str
    proved_impossible: bool = False

    def __bool__(self) -> bool:
        return self.ok


# ----------------------------------------------------------------------------------------------
# helpers on dyadic numbers
# ----------------------------------------------------------------------------------------------
def _is_pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def infer_source_grid(net: Network) -> FixedGrid:
    """Smallest two's-complement fixed-point grid holding every parameter of ``net``.

    ``frac_bits`` is the largest 2-adic denominator exponent among the parameters (at least 0)
    and ``bits`` the fewest bits whose code range holds every ``v * 2**frac_bits``.

    Raises
    ------
    ValueError
        If a parameter is not dyadic (its denominator is not a power of two).

    Examples
    --------
    >>> net = Network.from_layers([([[Fraction(3, 4)]], [-2])])
    >>> infer_source_grid(net)
    FixedGrid(bits=4, frac_bits=2)
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a relubits Network, got {type(net).__name__}")
    S = 0
    for li, (A, c, d) in enumerate(net.integer_layers):
        if not _is_pow2(d):
            raise ValueError(f"net: layer {li} has a non-dyadic parameter (denominator {d}); "
                             "a fixed-point source grid needs power-of-two denominators")
        S = max(S, d.bit_length() - 1)
    lo = hi = 0
    for A, c, d in net.integer_layers:
        f = (1 << S) // d
        for arr in (A, c):
            if arr.size:
                lo = min(lo, int(min(arr.ravel())) * f)
                hi = max(hi, int(max(arr.ravel())) * f)
    bits = 1
    while not (-(1 << (bits - 1)) <= lo and hi <= (1 << (bits - 1)) - 1):
        bits += 1
    return FixedGrid(bits=max(bits, 2), frac_bits=S, arbitrary=bits > 64)


def _off_grid(net: Network, grid: FixedGrid) -> str | None:
    """Vectorised exact membership test of every parameter in a fixed grid; None or a description."""
    f = grid.frac_bits
    for li, (A, c, d) in enumerate(net.integer_layers):
        for kind, arr in (("weight", A), ("bias", c)):
            if not arr.size:
                continue
            a = arr.astype(object)
            num = a * (1 << f) if f >= 0 else a
            div = d if f >= 0 else d * (1 << (-f))
            k, r = num // div, num % div
            bad = (r != 0) | (k < grid.kmin) | (k > grid.kmax)
            if bad.any():
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                return f"layer {li} {kind}{list(idx)} = {Fraction(int(arr[idx]), d)} is not on {grid!r}"
    return None


def _check_target(grid: Any) -> FixedGrid:
    if not isinstance(grid, Grid):
        raise TypeError(f"grid must be a relubits Grid, got {type(grid).__name__}")
    if not isinstance(grid, FixedGrid):
        raise ValueError(f"grid must be a fixed-point grid Grid.fixed(b, s); got {grid!r} "
                         "(depth-precision conversion targets fixed-point grids only)")
    return grid


def _grid_params(grid: FixedGrid) -> tuple[int, int, int, int]:
    """(q, kmax, kmin, R) of a target grid; R = largest integer on the grid (0 if none >= 1)."""
    q = 1 << grid.frac_bits if grid.frac_bits >= 0 else 0
    return q, grid.kmax, grid.kmin, (grid.kmax // q if q else 0)


# ----------------------------------------------------------------------------------------------
# digit decomposition of one parameter
# ----------------------------------------------------------------------------------------------
def digit_plan(value: Any, grid: FixedGrid) -> tuple[int, int, list[int], list[int]]:
    """Digits of one parameter for the two-sided Horner scheme.

    Parameters
    ----------
    value : dyadic rational
    grid : FixedGrid
        Target grid with ``0 <= frac_bits <= bits - 2``.

    Returns
    -------
    (sign, last, up, down)
        ``sign`` in {-1, 0, 1}; ``last`` the last digit (code, ``0 <= last <= kmax``);
        ``up = [u_0, u_1, ...]`` base-``R`` digits of the prefix ``P`` (``u_0`` least
        significant; the top one may reach ``kmax``); ``down = [e_1, e_2, ...]`` base-``q``
        digits of ``phi`` (``e_1`` most significant). Then
        ``|value| = (last + R * sum(u_j R**j)) / q + sum(e_j q**-j) / q``.

    Raises
    ------
    ValueError
        When the value needs an up-part but ``R < 2`` or a down-part but ``frac_bits = 0``.

    Examples
    --------
    >>> digit_plan(Fraction(-45, 4), Grid.fixed(4, 1))   # R = 3, q = 2: 45/2 = 22 + 1/2, 22 = 1 + 3 * 7
    (-1, 1, [7], [1])
    """
    v = Fraction(value)
    q, kmax, _kmin, R = _grid_params(grid)
    if v == 0:
        return 0, 0, [], []
    sign = 1 if v > 0 else -1
    a = abs(v) * q
    N = a.numerator // a.denominator
    phi = a - N
    down: list[int] = []
    if phi:
        den = phi.denominator
        if q == 1 or not _is_pow2(den):
            raise ValueError(f"parameter {v} needs fractional digits finer than the grid step 2**-{grid.frac_bits}")
        s = grid.frac_bits
        F = den.bit_length() - 1
        K = -(-F // s)
        Phi = phi.numerator << (s * K - F)
        down = [(Phi >> (s * (K - j))) & (q - 1) for j in range(1, K + 1)]
    up: list[int] = []
    if N <= kmax:
        last = N
    elif R >= 2:
        last = N % R
        P = N // R
        while P > kmax:
            up.append(P % R)
            P //= R
        up.append(P)
    else:
        # fan-in mode (no integer multiplier >= 2 on the grid): the up accumulator doubles by
        # summing two copies with weight 1 and holds all binary digits of N
        last = 0
        P = N
        while P > kmax:
            up.append(P & 1)
            P >>= 1
        up.append(P)
    return sign, last, up, down


# ----------------------------------------------------------------------------------------------
# representability (which grids can hold which networks)
# ----------------------------------------------------------------------------------------------
def _normalize(net: Network, s: int) -> Network | None:
    """Per-neuron power-of-two rescaling making every parameter a multiple of ``2**-s``.

    Hidden neuron ``j`` of layer ``l`` is replaced by ``2**t * h_j`` (``t >= 0`` the least
    exponent making its row, after the previous layer's column scaling, lie in ``2**-s Z``);
    the next layer's column ``j`` is divided by ``2**t``.  ``relu(2**t z) = 2**t relu(z)``,
    so the function is unchanged.  Returns None when the output layer is not on ``2**-s Z``.
    """
    layers = net.layers
    shift = [0] * net.input_dim
    out = []
    for li, (A, c) in enumerate(layers):
        last = li == len(layers) - 1
        rows, bias, new_shift = [], [], []
        for i in range(A.shape[0]):
            row = [Fraction(A[i, j]) / (1 << shift[j]) for j in range(A.shape[1])]
            vals = row + [Fraction(c[i])]
            F = max((v.denominator.bit_length() - 1 for v in vals if v), default=0)
            t = max(F - s, 0)
            if last and t:
                return None
            rows.append([v * (1 << t) for v in row])
            bias.append(Fraction(c[i]) * (1 << t))
            new_shift.append(t)
        out.append((rows, bias))
        shift = new_shift
    return Network.from_layers(out, meta=net.meta)


def representability(net: Network, grid: Grid) -> Representability:
    """Can :func:`to_precision` convert ``net`` to ``grid``?  If not, why not.

    The obstructions (proofs in docs/depth_precision.md):

    * ``frac_bits < 0``: every grid value is a multiple of ``2**|s| >= 2``, so a network of
      depth ``L'`` on it maps integer inputs to multiples of ``2**|s|`` and has every slope in
      ``2**(|s| L') Z`` (impossible for a function with a non-zero slope of smaller 2-adic
      order, e.g. any slope that is an odd integer); the scheme also needs the weight 1.
    * ``frac_bits = 0`` (integer grid): every network on it maps ``Z^d`` into ``Z``; a
      network with a non-integer value at an integer point (e.g. ``f(0)``) is impossible.
      Networks with fractional parameters whose function passes that test are converted
      after per-neuron power-of-two rescaling when that makes them integral.
    * ``frac_bits > bits - 2``: 1 is not on the grid; the scheme needs it (not proved
      impossible).
    * ``R = kmax // 2**frac_bits < 2`` (``frac_bits = bits - 2``, and every ``b = 2`` grid):
      no integer multiplier >= 2; parameters of magnitude >= ``2**(b-1-s)`` cannot be built
      by the scheme (not proved impossible: fan-in can still grow magnitudes).

    Returns
    -------
    Representability

    Examples
    --------
    >>> half = Network.from_layers([([[1]], [Fraction(1, 2)])])     # x -> x + 1/2
    >>> r = representability(half, Grid.fixed(8, 0))
    >>> r.ok, r.proved_impossible
    (False, True)
    >>> bool(representability(half, Grid.fixed(3, 1)))
    True
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a relubits Network, got {type(net).__name__}")
    return _analyse(net, _check_target(grid))[0]


def _analyse(net: Network, grid: FixedGrid) -> tuple[Representability, Network | None, bool, bool]:
    """(verdict, network to convert, normalized?, already on grid?)."""
    b, s = grid.bits, grid.frac_bits
    if _off_grid(net, grid) is None:
        return Representability(True, "every parameter already lies on the grid (no conversion needed)"), net, False, True
    if s < 0:
        return _lattice_verdict(net, grid, f"frac_bits = {s} < 0: every value of {grid!r} is a multiple of "
                                f"2**{-s}, and 1 is not on the grid"), None, False, False
    if s > b - 2:
        return Representability(False, f"frac_bits = {s} > bits - 2 = {b - 2}: 1 is not on {grid!r} (largest value "
                                f"{grid.max}), and the digit-serial scheme carries values with weight 1; "
                                "use frac_bits <= bits - 2"), None, False, False
    try:
        infer_source_grid(net)
    except ValueError as exc:
        return Representability(False, str(exc)), None, False, False
    return _prepare(net, grid) + (False,)


def _prepare(net: Network, grid: FixedGrid) -> tuple[Representability, Network | None, bool]:
    """(verdict, network to convert, normalized?) for a grid with 0 <= frac_bits <= bits - 2."""
    s = grid.frac_bits
    q, kmax, _kmin, R = _grid_params(grid)
    src = infer_source_grid(net)
    work, normalized = net, False
    if src.frac_bits > s and s == 0:
        work = _normalize(net, 0)
        if work is None:
            return _lattice_verdict(net, grid, "integer grid (frac_bits = 0) and parameters with fractional parts "
                                    "that per-neuron power-of-two rescaling cannot clear"), None, False
        normalized = True
    if R >= 2:
        how = f"two-sided Horner: up-digits base R = {R}, down-digits base q = {q}"
    else:
        how = f"two-sided Horner: up-digits base 2 by fan-in (two copies, weight 1), down-digits base q = {q}"
    if normalized:
        how = "per-neuron power-of-two rescaling to integer parameters, then " + how
    return Representability(True, how), work, normalized


def _lattice_verdict(net: Network, grid: FixedGrid, why: str) -> Representability:
    """Evaluate the integer-lattice necessary condition f(Z^d) in 2**max(-s,0) Z at a few integer points."""
    mult = 1 << max(-grid.frac_bits, 0)
    d = net.input_dim
    pts = [[0] * d]
    for i in range(d):
        for sgn in (1, -1):
            p = [0] * d
            p[i] = sgn
            pts.append(p)
    vals = net.exact_batch(pts)
    for p, row in zip(pts, vals):
        for k, v in enumerate(row):
            if v.denominator != 1 or v.numerator % mult:
                return Representability(False, f"{why}; impossible: every network on {grid!r} maps integer inputs to "
                                        f"multiples of {mult}, but this network has output[{k}] = {v} at x = {p} "
                                        "(lattice obstruction, docs/depth_precision.md)", proved_impossible=True)
    return Representability(False, f"{why}; the integer-point test passes, so impossibility is not proved, but this "
                            "construction cannot convert the network", proved_impossible=False)


# ----------------------------------------------------------------------------------------------
# the construction
# ----------------------------------------------------------------------------------------------
class _Acc:
    """One accumulator: the entries of one output row with one sign and one kind (up / down)."""

    __slots__ = ("row", "sign", "kind", "length", "digits", "bias")

    def __init__(self, row: int, sign: int, kind: str):
        self.row, self.sign, self.kind = row, sign, kind
        self.length = 0
        self.digits: dict[int, list] = {}   # column -> digit list (aligned: position p from the end)
        self.bias: list = []


def _block(A: np.ndarray, c: np.ndarray, den: int, grid: FixedGrid, n_in: int, emit: bool = True):
    """New layers (integer codes over q) computing ``y = (A/den) h + c/den`` from ``h >= 0``.

    With ``emit=False`` returns only ``(n_nonzero, n_layers)`` of the block (for choosing a grid).
    """
    q, kmax, _kmin, R = _grid_params(grid)
    fan = R < 2                      # fan-in mode: two copies with weight 1 double the accumulator
    copies = 2 if fan else 1
    n_out = A.shape[0]
    dt = np.int64 if kmax < 2**62 else object   # codes of very wide grids need Python ints
    last = np.zeros((n_out, n_in), dtype=dt)
    last_c = np.zeros(n_out, dtype=dt)
    accs: dict[tuple, _Acc] = {}
    n_digits = 0

    def put(i: int, col: int | None, v: Fraction) -> None:
        nonlocal n_digits
        sign, a, up, down = digit_plan(v, grid)
        if sign == 0:
            return
        if a:
            n_digits += 1
        if col is None:
            last_c[i] = sign * a
        else:
            last[i, col] = sign * a
        for kind, digs in (("up", up), ("down", down)):
            if not digs:
                continue
            n_digits += sum(1 for x in digs if x)
            acc = accs.get((i, sign, kind))
            if acc is None:
                acc = accs[(i, sign, kind)] = _Acc(i, sign, kind)
            acc.length = max(acc.length, len(digs))
            if col is None:
                acc.bias = digs
            else:
                acc.digits[col] = digs

    for i in range(n_out):
        for j in range(n_in):
            v = int(A[i, j])
            if v:
                put(i, j, Fraction(v, den))
        if int(c[i]):
            put(i, None, Fraction(int(c[i]), den))
    acc_list = sorted(accs.values(), key=lambda a: (a.row, -a.sign, a.kind))
    depth_acc = max((a.length for a in acc_list), default=0)
    m = 1 + depth_acc
    if not emit:
        # carries + self weights + final combination weights + digits
        nnz = n_digits + (n_in * (m - 1) if m > 1 else 0)
        for a in acc_list:
            k = copies if a.kind == "up" else 1
            nnz += (a.length - 1) * k * k + k
        return nnz, m
    if m == 1:
        return [(last, last_c, q)]
    layers = []
    prev_rows: dict[int, list[int]] = {}   # id(acc) -> row indices (one per copy) in the previous layer
    for k in range(m - 1):
        active = [a for a in acc_list if k >= m - 1 - a.length]
        new_rows: dict[int, list[int]] = {}
        r = n_in
        for a in active:
            ncop = copies if (a.kind == "up" and id(a) in prev_rows) else 1
            new_rows[id(a)] = list(range(r, r + ncop))
            r += ncop
        cols = n_in + sum(len(v) for v in prev_rows.values())
        W = np.zeros((r, cols), dtype=dt)
        bvec = np.zeros(r, dtype=dt)
        for j in range(n_in):
            W[j, j] = q  # carry h_j with weight 1
        for a in active:
            rows = new_rows[id(a)]
            if id(a) in prev_rows:
                mult = (1 if fan else R) * q if a.kind == "up" else 1   # R (or 1 per copy) up, 1/q down
                for rr in rows:
                    for pr in prev_rows[id(a)]:
                        W[rr, pr] = mult
            # digit position: up digit u_p is added at step m-2-p; down digit e_p (1-based) at step m-1-p
            p = (m - 2 - k) if a.kind == "up" else (m - 2 - k)
            row0 = rows[0]
            for col, digs in a.digits.items():
                if 0 <= p < len(digs):
                    W[row0, col] = digs[p]
            if 0 <= p < len(a.bias):
                bvec[row0] = a.bias[p]
        layers.append((W, bvec, q))
        prev_rows = new_rows
    # final layer
    cols = n_in + sum(len(v) for v in prev_rows.values())
    W = np.zeros((n_out, cols), dtype=dt)
    W[:, :n_in] = last
    for a in acc_list:
        if a.kind == "up":
            w = q if fan else R * q        # fan-in: the accumulator already holds N; else R * prefix
        else:
            w = 1                          # down part: D / q
        for pr in prev_rows[id(a)]:
            W[a.row, pr] = a.sign * w
    layers.append((W, last_c.copy(), q))
    return layers


def _convert(net: Network, grid: FixedGrid, emit: bool = True):
    """All blocks.  ``emit=False``: only ``(n_nonzero, depth)`` of the result (a cheap plan)."""
    q = 1 << grid.frac_bits
    out: list[tuple] = []
    block_depths = []
    nnz = 0
    for li, (A, c, d) in enumerate(net.integer_layers):
        n_in = A.shape[1]
        cost = _block(A, c, d, grid, n_in, emit=False)
        if li == 0 and cost[1] > 1:
            # signed inputs: split x into relu(x), relu(-x) first
            A2 = np.empty((A.shape[0], 2 * n_in), dtype=object)
            A2[:, :n_in] = A
            A2[:, n_in:] = -A
            A, n_in = A2, 2 * n_in
            cost = _block(A, c, d, grid, n_in, emit=False)
            nnz += n_in
            block_depths.append(cost[1] + 1)
            if emit:
                eye = np.eye(n_in // 2, dtype=np.int64).astype(object) * q
                out.append((np.vstack([eye, -eye]), np.zeros(n_in, dtype=np.int64).astype(object), q))
        else:
            block_depths.append(cost[1])
        nnz += cost[0]
        if emit:
            out.extend(_block(A, c, d, grid, n_in))
    if not emit:
        return nnz, sum(block_depths)
    return out, block_depths


def choose_frac_bits(net: Network, bits: int, symmetric: bool = False) -> FixedGrid:
    """The target grid ``Grid.fixed(bits, s)`` (``0 <= s <= bits - 2``) giving the least memory.

    Every admissible ``s`` is planned (digit counts only, no network is built); the one with the
    fewest non-zero parameters wins, ties broken by depth, then by the smaller ``s``.

    Raises
    ------
    ValueError
        If no ``s`` admits a conversion (the message of the last obstruction is included).

    Examples
    --------
    >>> net = Network.from_layers([([[1000]], [-77])])
    >>> choose_frac_bits(net, 4)
    FixedGrid(bits=4, frac_bits=0)
    """
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 2:
        raise ValueError(f"bits must be an integer >= 2, got {bits!r}")
    best = None
    why = ""
    for s in range(0, bits - 1):
        g = FixedGrid(bits=bits, frac_bits=s, symmetric=symmetric)
        verdict, work, _n, already = _analyse(net, g)
        if not verdict:
            why = verdict.reason
            continue
        nnz, depth = (net.n_nonzero, net.depth) if already else _convert(work, g, emit=False)
        key = (nnz, depth, s)
        if best is None or key < best[0]:
            best = (key, g)
    if best is None:
        raise ValueError(f"no frac_bits in [0, {bits - 2}] lets {bits}-bit weights represent this network: {why}")
    return best[1]


def digits_bound(source_grid: FixedGrid, grid: FixedGrid) -> tuple[int, int]:
    """Proved upper bounds ``(U, D)`` on the up- and down-digit counts of any parameter on ``source_grid``.

    ``U`` is the up-digit count of the largest magnitude ``2**(B-1-S)`` (the count is
    non-decreasing in the magnitude); ``D = ceil((S - s) / s)`` when ``S > s`` (the fractional
    remainder ``phi`` has denominator at most ``2**(S-s)``), else 0.

    Examples
    --------
    >>> digits_bound(Grid.fixed(32, 0), Grid.fixed(8, 0))
    (4, 0)
    """
    B, S, s = source_grid.bits, source_grid.frac_bits, grid.frac_bits
    if s < 0 or s > grid.bits - 2:
        raise ValueError(f"grid must have 0 <= frac_bits <= bits - 2, got {grid!r}")
    q = 1 << s
    top = Fraction(2) ** (B - 1 - S) * q
    N = top.numerator // top.denominator
    _sign, _last, up, _down = digit_plan(Fraction(N, q), grid)
    D = -(-(S - s) // s) if S > s and s > 0 else 0
    return len(up), D


def depth_bound(source_grid: FixedGrid, grid: FixedGrid, depth: int) -> int:
    """Proved upper bound on ``to_precision``'s output depth for a depth-``depth`` source network.

    Each source layer becomes at most ``1 + max(U, D)`` layers (:func:`digits_bound`), plus one
    layer that splits the signed input.  (Not valid after per-neuron rescaling, which only
    :func:`to_precision` applies for ``frac_bits = 0`` targets and fractional sources.)

    Examples
    --------
    >>> depth_bound(Grid.fixed(32, 0), Grid.fixed(8, 0), 3)   # 3 * (1 + 4) + 1
    16
    """
    U, D = digits_bound(source_grid, grid)
    m = 1 + max(U, D)
    return depth * m + (1 if m > 1 else 0)


def breakpoint_radius(net: Network) -> int:
    """An integer ``M`` such that every breakpoint of the scalar network lies in ``[-M, M]`` (proved).

    Induction over layers (docs/depth_precision.md, "Certifying equality"): if all breakpoints of
    layers ``< l`` lie in ``[-M, M]``, a neuron of layer ``l`` is affine on each outer ray, with
    slope a multiple of ``1 / D_l`` (``D_l`` = product of the denominators so far), so a new zero on
    a ray lies within ``M + |z(+-M)| D_l``, and ``|z(+-M)| <= Lip_l M + Z_l`` with the row-sum bounds
    ``Lip_l`` and ``Z_l`` on ``|z'|`` and ``|z(0)|``.

    Examples
    --------
    >>> net = Network.from_layers([([[1], [1]], [-3, 5]), ([[1, -1]], [0])])   # kinks at 3 and -5
    >>> breakpoint_radius(net) >= 5
    True
    """
    if net.input_dim != 1:
        raise ValueError("breakpoint_radius needs a scalar-input network")
    M = 0
    lip = Fraction(1)          # bound on |h'| of the current layer's outputs (input: 1)
    zero = Fraction(0)         # bound on |h(0)|
    D = 1
    layers = net.integer_layers
    for li, (A, c, d) in enumerate(layers[:-1]):
        rows_abs = [sum(abs(int(v)) for v in row) for row in A]
        ra = Fraction(max(rows_abs), d)
        ca = Fraction(max(abs(int(v)) for v in c), d) if c.size else Fraction(0)
        D *= d
        lip_z = ra * lip
        zero_z = ra * zero + ca
        bound = lip_z * M + zero_z
        M = M + math.ceil(bound * D)
        lip, zero = lip_z, zero_z  # relu is 1-Lipschitz and |relu(z)| <= |z|
    return M


def _random_points(d: int, n: int, rng: random.Random) -> list[list[Fraction]]:
    pts = []
    for i in range(n):
        row = []
        for _ in range(d):
            kind = i % 4
            if kind == 0:
                v = Fraction(rng.randint(-1000, 1000), rng.choice([1, 3, 7, 1024, 12345]))
            elif kind == 1:
                v = Fraction(rng.randint(-2**40, 2**40), 2**rng.randint(0, 60))
            elif kind == 2:
                v = Fraction(rng.randint(-9, 9))
            else:
                v = Fraction(rng.randint(-10**6, 10**6), rng.randint(1, 10**6))
            row.append(v)
        pts.append(row)
    return pts


def _verify(net: Network, new: Network, points: int, seed: int, use_pieces: bool,
            s: int) -> tuple[str, int, int, int]:
    """(method, points checked, bit length of the pieces radius, depth lower bound)."""
    rng = random.Random(seed)
    pts = _random_points(net.input_dim, points, rng)
    if net.exact_batch(pts) != new.exact_batch(pts):
        raise AssertionError("depth-precision conversion changed the function at a random rational point "
                             "(a bug in relubits: please report)")
    if use_pieces and net.input_dim == 1 and net.output_dim == 1:
        try:
            from relubits.pieces import pieces
        except ImportError:  # pragma: no cover
            return "exact-points+structural", points, 0, 0
        M = max(breakpoint_radius(net), breakpoint_radius(new)) + 1
        try:
            P1 = pieces(net, (-M, M))
            P2 = pieces(new, (-M, M))
            d1 = (P1.breakpoints, P1.slopes, P1.values)
            d2 = (P2.breakpoints, P2.slopes, P2.values)
        except OverflowError as exc:  # int64 decision bug in relubits.pieces on huge numbers (reported)
            return f"exact-points+structural (pieces unavailable: OverflowError: {exc})", points, 0, 0
        if d1 != d2:
            raise AssertionError("depth-precision conversion changed the linear pieces "
                                 "(a bug in relubits: please report)")
        V = max(sl.denominator.bit_length() - 1 for sl in P1.slopes)
        lower = -(-V // s) if s >= 1 else 0
        return "pieces", points, M.bit_length(), lower
    return "exact-points+structural", points, 0, 0


def to_precision(net: Network, grid: Grid, source_grid: FixedGrid | None = None, *, verify: bool = True,
                 points: int = 64, seed: int = 0, use_pieces: bool = True) -> tuple[Network, ConversionReport]:
    """Convert ``net`` to an exactly equivalent deeper network with every parameter on ``grid``.

    Parameters
    ----------
    net : Network
        Source network; every parameter must be dyadic (on ``source_grid``).
    grid : Grid
        Target grid ``Grid.fixed(b, s)`` (two's complement or symmetric) with
        ``0 <= s <= b - 2``; see :func:`representability` for what each grid can hold.
    source_grid : FixedGrid, optional
        The high-precision grid of ``net`` (``B`` bits), used for the "before" memory.
        Default: :func:`infer_source_grid`.
    verify : bool
        Check equivalence (default True).  For scalar networks the linear pieces are compared
        exactly on an interval proved to contain every breakpoint; always, ``points`` random
        rational inputs are compared exactly.
    points, seed : int
        Number and seed of the random rational test inputs.
    use_pieces : bool
        Use the exact piece comparison for scalar networks (default True).

    Returns
    -------
    (Network, ConversionReport)
        The new network (every parameter on ``grid``, checked) and the report.

    Raises
    ------
    ValueError
        Non-fixed-point target, a grid that cannot represent the network (the message names the
        obstruction and whether it is proved impossible), or ``net`` not on ``source_grid``.
    TypeError
        ``net`` is not a Network or ``grid`` not a Grid.

    Examples
    --------
    >>> from relubits import Grid, Network
    >>> net = Network.from_layers([([[Fraction(1001, 64)], [-3]], [Fraction(1, 2), 5]), ([[7, -Fraction(93, 8)]], [1])])
    >>> new, rep = to_precision(net, Grid.fixed(4, 1))
    >>> bool(new.on_grid(Grid.fixed(4, 1))), rep.equivalent, new.exact([Fraction(2, 3)]) == net.exact([Fraction(2, 3)])
    (True, True, True)
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a relubits Network, got {type(net).__name__}")
    grid = _check_target(grid)
    if source_grid is None:
        source_grid = infer_source_grid(net)
    else:
        if not isinstance(source_grid, FixedGrid):
            raise ValueError(f"source_grid must be a fixed-point grid Grid.fixed(B, S), got {source_grid!r}")
        bad = _off_grid(net, source_grid)
        if bad is not None:
            raise ValueError(f"source_grid: {bad}")
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise ValueError(f"points must be a positive integer, got {points!r}")
    verdict, work, normalized, already = _analyse(net, grid)
    if not verdict:
        raise ValueError(f"grid {grid!r} cannot represent this network: {verdict.reason}")
    if already:
        layers = net.integer_layers
        blocks = [1] * net.depth
    else:
        layers, blocks = _convert(work, grid)
    new = Network.from_integer_layers(layers, meta={**net.meta, "converted_to": repr(grid)})
    bad = _off_grid(new, grid)
    if bad is not None:  # pragma: no cover - the construction guarantees it
        raise AssertionError(f"conversion produced an off-grid parameter: {bad}")
    method, checked, mbits, lower = ("unverified", 0, 0, 0)
    if verify:
        method, checked, mbits, lower = _verify(net, new, points, seed, use_pieces, grid.frac_bits)
    # both networks are on their grids (checked above), so memory = non-zero parameters x bits
    mem_before = net.n_nonzero * source_grid.bits_per_param
    mem_after = new.n_nonzero * grid.bits_per_param
    rep = ConversionReport(
        source_grid=source_grid, target_grid=grid, source_bits=source_grid.bits, target_bits=grid.bits,
        depth_before=net.depth, depth_after=new.depth, width_before=net.width, width_after=new.width,
        n_nonzero_before=net.n_nonzero, n_nonzero_after=new.n_nonzero,
        memory_bits_before=mem_before, memory_bits_after=mem_after,
        memory_ratio=(mem_after / mem_before) if mem_before else float("nan"),
        depth_ratio=new.depth / net.depth, block_depths=tuple(blocks), equivalent=bool(verify),
        method=method, points_checked=checked, pieces_domain_bits=mbits, normalized=normalized,
        depth_lower_bound=lower, ceil_B_over_b=-(-source_grid.bits // grid.bits),
    )
    return new, rep
