"""Deep approximants of Lipschitz functions on [0, 1] with every parameter on a b-bit grid.

:func:`lipschitz_approximant` builds the **hinge chain** (design: shared/spec/construction_note.md,
proof: docs/constructions.md section 3): a width-2 network that

1. amplifies ``x`` to ``u = K x`` and creates the constant ``K`` by depth (factors 2 or 3/2 per layer,
   all weights and biases >= 0, so every ReLU is the identity);
2. runs ``J = ceil(K)`` chain layers ``r <- relu(r - 1)``, ``A <- relu(A + e_j r + c_j)``; layer ``j``
   adds the hinge ``e_j relu(u - j)`` with a grid slope change ``e_j``, so after the chain
   ``A = K + G(u)`` with ``G`` the continuous piecewise-linear path through the knots ``u = 0..J``;
3. shrinks ``A`` by ``2**-s`` per layer and outputs ``w_o A + c_out``.

The payload (the target's rounded increments, one slope change per knot) is stored in the weights
``e_j``; the positivity lemma (``A >= K - u >= 0``) makes the network exact on all of ``[0, 1]`` -- it
has no trifling region, so no shifted copies or median are needed.  The promised error is

    eps <= C / (2 K) + 2**-(T + s + 1) + C * delta,

with ``C`` the Lipschitz constant, ``2**-T`` the total output scale and ``delta`` the largest distance
between a knot ``j/K`` and the float64 point at which ``f`` was evaluated (0 when ``K`` is a power of 2).
Memory is ``6 b`` bits per knot, so ``eps * M`` is about ``3 b`` (flat in ``M``, growing with ``b``).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from relubits.constructions.promise import Construction
from relubits.constructions.targets import target_values
from relubits.exact import as_fraction, as_int
from relubits.grid import FixedGrid, Grid
from relubits.network import Network

__all__ = ["lipschitz_approximant", "check_lipschitz", "chain_grid", "chain_plan", "chain_promise", "ChainPlan"]


#: Largest depth the chain builder accepts (its cost is linear in depth; beyond this a request is a mistake).
MAX_DEPTH = 10**7
#: Largest Lipschitz constant accepted (float64-safe certification; rescale the target beyond it).
MAX_LIPSCHITZ = 2**53


def check_lipschitz(lipschitz: Any, name: str = "lipschitz") -> Fraction:
    """The Lipschitz constant as an exact Fraction in ``(0, MAX_LIPSCHITZ]``.

    Parameters
    ----------
    lipschitz : int, Fraction, float or str
        The constant ``C``.
    name : str
        The parameter name used in the error message (e.g. ``"--lipschitz"`` for the CLI).

    Raises
    ------
    ValueError
        If ``C`` is not in ``(0, 2**53]`` (also for values too large for a float, such as ``10**400``).
    TypeError
        If ``lipschitz`` is not a number.

    Examples
    --------
    >>> check_lipschitz("3/2")
    Fraction(3, 2)
    """
    C = as_fraction(lipschitz, name)
    if not 0 < C <= MAX_LIPSCHITZ:
        shown = f"{float(C):.6g}" if abs(C) < 10**300 else "a value too large for a float"
        raise ValueError(f"{name} must be in (0, 2**53], got {shown} (rescale the target)")
    return C


def chain_grid(bits: int) -> FixedGrid:
    """The b-bit grid the deep construction uses: ``Grid.fixed(b, b - 3)`` (values in ``[-4, 4)``) for
    ``b >= 4`` and ``Grid.fixed(3, 1)`` (values ``-2, -1.5, ..., 1.5``) for ``b = 3``.

    Parameters
    ----------
    bits : int
        Bits per parameter, 3 <= bits <= 64.

    Raises
    ------
    ValueError
        If ``bits < 3``: no 3-value-or-smaller fixed grid holds 1, -1 and an amplification factor > 1.

    Examples
    --------
    >>> chain_grid(8)
    FixedGrid(bits=8, frac_bits=5)
    """
    bits = as_int(bits, "bits", 3, 64)
    return FixedGrid(bits=bits, frac_bits=bits - 3 if bits >= 4 else 1)


def _grid_constants(grid: Grid) -> tuple[int, Fraction, Fraction]:
    """(s, alpha, sigma_max) for a fixed grid that supports the chain, else ValueError."""
    if not isinstance(grid, FixedGrid):
        raise TypeError(f"grid must be a fixed-point grid (Grid.fixed), got {type(grid).__name__}")
    s = grid.frac_bits
    if s < 1:
        raise ValueError(f"grid must have frac_bits >= 1 (the chain shrinks by 2**-frac_bits), got {grid!r}")
    for v in (1, -1):
        if v not in grid:
            raise ValueError(f"grid must contain {v} (the chain's unit step), got {grid!r}; try chain_grid(bits)")
    if 2 in grid:
        alpha = Fraction(2)
    elif Fraction(3, 2) in grid:
        alpha = Fraction(3, 2)
    else:
        raise ValueError(f"grid must contain 2 or 3/2 (the amplification factor), got {grid!r}; try chain_grid(bits)")
    sigma_max = Fraction(1) if (2 in grid and -2 in grid) else Fraction(1, 2)
    return s, alpha, sigma_max


class ChainPlan:
    """Sizes of a hinge chain: amplification factors, knots, output scale, shrink factors.

    Attributes: ``factors`` (amplification per layer), ``K`` (= product), ``J`` (= ceil(K) knots),
    ``T`` (output scale ``2**-T``), ``shrinks`` (exponents of the shrink layers), ``w_out_exp``
    (output weight ``2**-w_out_exp``; negative means a weight > 1), ``depth``.
    """

    __slots__ = ("factors", "K", "J", "T", "shrinks", "w_out_exp", "depth", "fanout")

    def __init__(self, factors, K, J, T, shrinks, w_out_exp, fanout=False):
        self.fanout = fanout
        self.factors, self.K, self.J, self.T = factors, K, J, T
        self.shrinks, self.w_out_exp = shrinks, w_out_exp
        self.depth = len(factors) + J + len(shrinks) + 1

    def __repr__(self) -> str:
        return f"ChainPlan(K={self.K}, J={self.J}, T={self.T}, depth={self.depth})"


def _plan_for(factors: list[Fraction], C: Fraction, s: int, sigma_max: Fraction, grid: FixedGrid) -> ChainPlan | None:
    K = Fraction(1)
    for a in factors:
        K *= a
    J = math.ceil(K)
    delta = _node_delta(K, J)
    need = (C / K + 2 * C * delta) / sigma_max  # beta = 2**-T must be >= need (slopes fit)
    # and the accumulator's offset range (about K * grid.max in u-units) must cover one output-bias step
    need = max(need, grid.step / (K * grid.max))
    T = 0
    if need <= 1:
        while Fraction(1, 2 ** (T + 1)) >= need:
            T += 1
    else:
        while Fraction(2) ** (-T) < need:
            T -= 1
    if T <= 0:
        w = Fraction(2) ** (-T)
        if w not in grid:
            return None
        return ChainPlan(factors, K, J, T, [], T)
    shrinks = []
    rest = T
    while rest > s:
        shrinks.append(s)
        rest -= s
    return ChainPlan(factors, K, J, T, shrinks, rest)


def _node_delta(K: Fraction, J: int) -> Fraction:
    """Bound on |j/K - float(j/K)| over the knots in [0, 1] (0 when K is a power of two)."""
    if K.numerator & (K.numerator - 1) == 0:  # K = 2**n (denominators are powers of two here)
        return Fraction(0)
    # float64 rounding of a number in [0, 1] errs by at most 2**-54
    return Fraction(1, 2**54)


def chain_plan(lipschitz: Any, depth: int, grid: Grid, width: int = 2) -> ChainPlan:
    """The largest hinge chain (most knots) that fits in ``depth`` affine maps on ``grid``.

    Parameters
    ----------
    lipschitz : number
        Lipschitz constant ``C > 0`` of the target.
    depth : int
        Depth budget (affine maps), >= 3.
    grid : FixedGrid
        Must contain 1, -1 and 2 (or 3/2), with ``frac_bits >= 1`` -- e.g. :func:`chain_grid`.
    width : int
        Width budget.  On grids without 2 (``b = 3``) a width >= 4 lets the amplification double by
        fan-out (pairs of channels summed with weights 1, 1), which keeps ``K`` a power of two.

    Raises
    ------
    ValueError
        If no chain fits (depth too small, or the Lipschitz constant too large for the grid).
    """
    C = check_lipschitz(lipschitz)
    depth = as_int(depth, "depth", 3, MAX_DEPTH)
    s, alpha, sigma_max = _grid_constants(grid)
    width = as_int(width, "width", 2)
    fanout = alpha != 2 and width >= 4
    if fanout:  # doubling by fan-out: factor 2 per layer, tail factor 3/2 via weights (1, 1/2)
        alpha = Fraction(2)
        tails = [Fraction(1), Fraction(3, 2)]
    else:
        # last amplification factor a' in [1, alpha) refines K between powers of alpha
        step = Fraction(1, 4) if alpha == 2 else Fraction(1, 2)
        tails = [Fraction(1) + k * step for k in range(int((alpha - 1) / step))]
        tails = [t for t in tails if t in grid]
    best = None
    m = 0
    while m <= 4096:
        fits_any = False
        for t in tails:
            factors = [alpha] * m + ([t] if t != 1 else [])
            if fanout and m == 0:
                fits_any = True
                continue
            if not factors:
                factors = [Fraction(1)]
            Kf = Fraction(1)
            for a in factors:
                Kf *= a
            if len(factors) + math.ceil(Kf) + 1 > depth:
                continue
            fits_any = True
            plan = _plan_for(factors, C, s, sigma_max, grid)
            if plan is not None:
                plan.fanout = fanout
            if plan is not None and plan.depth <= depth and (best is None or plan.K > best.K):
                best = plan
        if not fits_any:
            break
        m += 1
    if best is None:
        raise ValueError(f"depth = {depth} is too small for a hinge chain with lipschitz = {C} on {grid!r} "
                         "(needs depth >= 3 and an output weight 2**-T on the grid)")
    return best


def chain_promise(lipschitz: Any, width: int, depth: int, grid: Grid) -> Fraction:
    """The error bound :func:`lipschitz_approximant` promises for every ``lipschitz``-Lipschitz target
    (whose ``f(0)`` it can offset), without building anything: ``C/(2K) + 2**-(T+s+1) + C*delta``.

    Examples
    --------
    >>> float(chain_promise(1, 2, 100, chain_grid(8)))
    0.006494140625000056
    """
    C = as_fraction(lipschitz, "lipschitz")
    width = as_int(width, "width", 2)
    plan = chain_plan(C, depth, grid, width)
    s = grid.frac_bits
    return C / (2 * plan.K) + Fraction(2) ** (-(plan.T + s + 1)) + C * _node_delta(plan.K, plan.J)


def lipschitz_approximant(f: Callable[[np.ndarray], np.ndarray], lipschitz: Any, width: int, depth: int,
                          grid: Grid, encoder: str = "greedy") -> Construction:
    """Deep approximant of a Lipschitz function on [0, 1] with every parameter on ``grid`` (hinge chain).

    Parameters
    ----------
    f : callable
        Vectorised target ``f(x: ndarray) -> ndarray`` (float64), ``lipschitz``-Lipschitz on [0, 1].
    lipschitz : number
        Lipschitz constant ``C > 0`` the promise is stated for.
    width : int
        Width budget, >= 2 (the chain uses width 2).
    depth : int
        Depth budget (affine maps), >= 3; the chain uses the largest knot count that fits.
    grid : FixedGrid
        Weight grid; must contain 1, -1 and 2 (or 3/2) and have ``frac_bits >= 1``, e.g.
        :func:`chain_grid` ``(b)``.
    encoder : {"greedy", "midpoint"}
        ``"greedy"`` (default): the lattice path tracks ``f`` at the knots; promise = the uniform bound of
        Theorem H.  ``"midpoint"``: the path tracks ``f`` shifted at each knot by half the curvature
        deviation ``f(mid) - chord`` of its cells (a continuous best-fit heuristic, about 25-40% smaller
        error on kinked or curved targets); its promise is the per-cell cone bound computed from the exact
        knot values (:func:`relubits.constructions.chain_certificate.certify_chain`, Lemma K in
        docs/constructions.md), valid for every ``lipschitz``-Lipschitz ``f`` with those knot values.

    Returns
    -------
    Construction
        ``network`` (width 2, depth <= ``depth``, every parameter on ``grid``) and
        ``promised_error = C/(2K) + 2**-(T+s+1) + C*delta`` (proof: docs/constructions.md, section 3).

    Raises
    ------
    ValueError
        ``width < 2``, ``depth < 3``, non-finite target values, or a target value at 0 outside the range
        the grid can offset (``|f(0)|`` roughly above ``4 C + grid.max``).

    Examples
    --------
    >>> c = lipschitz_approximant(lambda x: np.abs(x - 0.5), 1, 2, 40, chain_grid(6))
    >>> c.network.width, c.network.depth <= 40, bool(c.network.on_grid(chain_grid(6)))
    (2, True, True)
    """
    if not callable(f):
        raise TypeError(f"f must be a callable f(x: ndarray) -> ndarray, got {type(f).__name__}")
    width = as_int(width, "width", 2)
    depth = as_int(depth, "depth", 3, MAX_DEPTH)
    C = check_lipschitz(lipschitz)
    s, alpha, sigma_max = _grid_constants(grid)
    plan = chain_plan(C, depth, grid, width)
    K, J, T = plan.K, plan.J, plan.T
    step = Fraction(1, 2**s)
    beta = Fraction(2) ** (-T)

    # --- target values at the knots, evaluated in float64 at the nearest float to j/K (clamped to 1) ---
    xs = np.array([min(float(Fraction(j) / K), 1.0) for j in range(J + 1)], dtype=np.float64)
    fvals = [Fraction(float(v)) for v in target_values(f, xs)]
    if encoder not in ("greedy", "midpoint"):
        raise ValueError(f"encoder must be 'greedy' or 'midpoint', got {encoder!r}")
    shifts = [Fraction(0)] * (J + 1)
    if encoder == "midpoint":
        xm = np.array([min(float((Fraction(j) + Fraction(1, 2)) / K), 1.0) for j in range(J)], dtype=np.float64)
        fm = target_values(f, xm)
        dev = [Fraction(float(fm[j])) - (fvals[j] + fvals[j + 1]) / 2 for j in range(J)]  # x-units
        for j in range(J + 1):
            a = dev[j - 1] if j >= 1 else dev[0]
            b = dev[j] if j < J else dev[J - 1]
            if (a >= 0) == (b >= 0):
                shifts[j] = (a if abs(a) >= abs(b) else b) / 2
            else:
                shifts[j] = (a + b) / 4

    # --- output offset: c_out (+ an optional constant neuron kappa with output weight grid.min) ---
    # F(0) >= -(1 - sigma_max) K is required (positivity), so the offset should be <= f(0) - sigma_max*beta*K.
    target0 = fvals[0] - beta * K
    extra = Fraction(0)
    use_const = False
    if target0 < grid.min and fvals[0] - sigma_max * beta * K < grid.min:
        use_const = True  # offset beyond the grid's range: kappa = grid.max through a weight grid.min
        # kappa on the grid with kappa * |grid.min| >= grid.min - target0, so c_out lands in the grid's range
        kappa = grid.round((grid.min - target0) / (-grid.min), mode="ceil", overflow="saturate")
        extra = grid.min * kappa
        if not plan.shrinks and plan.depth + 1 > depth:
            raise ValueError(f"depth = {depth} leaves no layer for the output offset that f(0) = {float(fvals[0]):.6g} "
                             f"needs on {grid!r}; increase depth by 1")
    t = target0 - extra
    if t < grid.min:
        c_out = grid.min
    elif t > grid.max:
        c_out = grid.max
    else:
        c_out = grid.round(t, mode="floor")
    c_out_total = c_out + extra
    F = [(v + sh - c_out_total) / beta - K for v, sh in zip(fvals, shifts)]  # G must track F (u-units)
    # positivity lemma: A_j(u) >= K + P_j - sigma_max*u >= 0 needs every partial bias sum P_j >= -(1-sigma_max)K
    floor_G = -(1 - sigma_max) * K
    capacity = J * grid.max
    F0_plain = (fvals[0] - c_out_total) / beta - K  # the range check uses the unshifted value at 0
    if F0_plain < floor_G or F0_plain > capacity:
        raise ValueError(f"target value f(0) = {float(fvals[0]):.6g} is out of the range this network can offset on {grid!r} "
                         f"(f(0) must lie in about [{float(c_out_total + beta * (K + floor_G)):.6g}, "
                         f"{float(c_out_total + beta * (K + capacity)):.6g}])")

    # --- greedy lattice path (encoder) ---
    def lat(v: Fraction) -> Fraction:  # nearest lattice point (ties up), exact
        return Fraction(math.floor(v / step + Fraction(1, 2))) * step

    lo_G = Fraction(math.ceil(floor_G / step)) * step
    hi_G = Fraction(math.floor(capacity / step)) * step
    G0 = min(max(lat(F[0]), lo_G), hi_G)
    sig = []
    G = G0
    for j in range(J):
        d = lat(F[j + 1] - G)
        d = min(max(d, -sigma_max), sigma_max)
        sig.append(d)
        G += d
    e = [sig[0]] + [sig[j] - sig[j - 1] for j in range(1, J)]
    # distribute G0 over the c_j greedily (each in [grid.min, grid.max], partial sums monotone towards G0)
    c = []
    rest = G0
    for j in range(J):
        cj = min(rest, grid.max) if rest >= 0 else max(rest, grid.min)
        c.append(cj)
        rest -= cj
    if rest != 0:
        raise ValueError(f"target value f(0) = {float(fvals[0]):.6g} needs more bias offset than {J} chain layers hold")

    # --- layers as integers over den = 2**s ---
    den = 2**s
    def k(v: Fraction) -> int:
        q = v * den
        assert q.denominator == 1, v
        return int(q)

    layers = []
    one = k(Fraction(1))
    if plan.fanout:
        # state (r1, r2, A1, A2) with r1 = r2, A1 = A2; the pair sums carry 2x and 2 after layer 1
        layers.append((np.array([[one], [one], [0], [0]], dtype=object), np.array([0, 0, one, one], dtype=object), den))
        for a in plan.factors[1:]:
            w2 = k(a - 1)  # (1, 1) doubles the pair sum, (1, 1/2) multiplies it by 3/2
            blk = [[one, w2], [one, w2]]
            A = np.zeros((4, 4), dtype=object)
            A[0:2, 0:2] = blk
            A[2:4, 2:4] = blk
            layers.append((A, np.zeros(4, dtype=object), den))
    else:
        # amplification: first layer reads x
        f0 = plan.factors[0]
        layers.append((np.array([[k(f0)], [0]], dtype=object), np.array([0, k(f0)], dtype=object), den))
        for a in plan.factors[1:]:
            layers.append((np.array([[k(a), 0], [0, k(a)]], dtype=object), np.array([0, 0], dtype=object), den))
    # chain: state (r, A)
    for j in range(J):
        if j == 0 and plan.fanout:
            layers.append((np.array([[one, one, 0, 0], [k(e[0]), k(e[0]), one, one]], dtype=object),
                           np.array([-one, k(c[0])], dtype=object), den))
            continue
        layers.append((np.array([[one, 0], [k(e[j]), one]], dtype=object), np.array([-one, k(c[j])], dtype=object), den))
    # shrink A (drop r)
    shrinks = list(plan.shrinks)
    if use_const and not shrinks:
        shrinks = [0]  # one extra layer (weight 1 on A) to hold the constant neuron
    first_shrink = True
    for idx, t_exp in enumerate(shrinks):
        w = k(Fraction(1, 2**t_exp))
        row = [0, w] if first_shrink else [w]
        first_shrink = False
        if use_const and idx == len(shrinks) - 1:  # last hidden layer: (A, kappa)
            layers.append((np.array([row, [0] * len(row)], dtype=object), np.array([0, k(kappa)], dtype=object), den))
        else:
            layers.append((np.array([row], dtype=object), np.array([0], dtype=object), den))
    wo = Fraction(2) ** (-plan.w_out_exp)
    if use_const:
        layers.append((np.array([[k(wo), k(grid.min)]], dtype=object), np.array([k(c_out)], dtype=object), den))
    elif first_shrink:
        layers.append((np.array([[0, k(wo)]], dtype=object), np.array([k(c_out)], dtype=object), den))
    else:
        layers.append((np.array([[k(wo)]], dtype=object), np.array([k(c_out)], dtype=object), den))
    net = Network.from_integer_layers(layers, meta={"construction": "hinge-chain", "K": str(K), "knots": J})
    chk = net.on_grid(grid)
    if not chk:  # a bug, not a user error: the design keeps every parameter on the grid
        raise AssertionError(f"hinge chain left the grid: {chk.describe()}")
    assert net.width <= width and net.depth <= depth

    delta = _node_delta(K, J)
    eta = step / 2
    if encoder == "greedy":
        promised = C / (2 * K) + beta * eta + C * delta
        formula = ("C/(2K) + 2^-(T+s+1) + C*delta  (K = knots per unit, 2^-T = output scale, s = frac_bits, "
                   "delta = float64 node offset)")
    else:
        from relubits.constructions.chain_certificate import certify_chain

        promised = Fraction(certify_chain(net, f, C).certified_error)
        formula = "max over cells of the cone bound from the exact knot values (Lemma K), midpoint encoder"
    return Construction(
        name="hinge-chain",
        network=net,
        grid=grid,
        promised_error=promised,
        formula=formula,
        params={"K": str(K), "knots": J, "T": T, "s": s, "alpha": str(alpha), "fanout": plan.fanout, "sigma_max": str(sigma_max), "encoder": encoder,
                "lipschitz": str(C)},
    )
