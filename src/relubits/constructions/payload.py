"""Refined-payload deep approximant of a Lipschitz function on [0, 1] (base-4 digits, one or more lanes).

Derived from shared/spec/refined_note.md (a simplified, single-lane version of that design; proof in
docs/constructions.md, section 8, Theorem P).  Each payload weight stores ``D`` steps of a +-1
lattice path in base 4 (``D = 2, 4, 8`` at ``b = 8, 16, 32``, i.e. ``b/4`` path steps per weight), so
the memory per fine cell no longer grows like ``b`` (the hinge chain stores one step per ~6 weights).
``payload_grid(b, D)`` with more cells per region splits them over several decoder lanes (up to about
``b/2`` steps per weight, at the price of a decoder of width ``6 lanes + 5``).

Network (fine units ``u = N x``, ``N = Nr * D`` fine cells, ``Nr = 2**k`` regions of ``D`` cells):

1. setup: ``U = S N x`` and the constant ``kappa = S D Wi`` by x4/x2 layers (weights >= 0), and the tent
   coordinate ``tau = D T^k(x)`` (Telgarsky, exact; 0 at even region boundaries, ``D`` at odd ones);
2. payload layers: ``Wi`` step pairs per layer, ``H_j = relu(S(u - a_j)) - relu(S(u - a_j) - 1)``,
   feeding accumulators ``Acc`` (the region's packed digits), ``V`` (anchor, split into two >= 0
   channels), ``M`` (the anchor at the odd boundary of the region pair, split likewise);
3. decoder: one digit per layer through the 2/3 gap of base-4 packing (weights 1.5, 4, 6), each digit
   multiplied by the ramp ``clamp(tau - t, 0, 1)``: ``A = V + 2 sum_t beta_t ramp_t(tau) - tau``;
4. select ``out = clamp(A, M - E, M + E)`` with ``E = D - tau`` (repairs the step zones), then shrink by
   ``2**-s`` per layer and output ``c_out + w_o 2**-T (X - Y)``.

Promise (proved): ``sup |f - net| <= rho (1 + 2/S)`` with ``rho = w_o 2**-T >= C/N`` the output step.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from relubits.constructions.lipschitz import check_lipschitz
from relubits.constructions.promise import Construction
from relubits.constructions.targets import greedy_path, target_values
from relubits.exact import as_int
from relubits.grid import FixedGrid, Grid
from relubits.network import Network

__all__ = ["payload_approximant", "payload_grid", "payload_plan", "PayloadPlan", "payload_for_budget"]

#: Step steepness (zone width 1/S fine cells); the promise is rho * (1 + 2/S).
STEEPNESS = 16


def _digits_for(bits: int) -> tuple[int, int] | None:
    """(D, s) for ``bits``: the largest power of two D >= 2 with 2D - 1 <= s = bits - log2(D) - 3."""
    best = None
    D = 2
    while True:
        s = bits - (D.bit_length() - 1) - 3
        if s < 1 or 2 * D - 1 > s:
            break
        best = (D, s)
        D *= 2
    return best


def payload_grid(bits: int, cells: int | None = None) -> FixedGrid:
    """The b-bit grid of the payload construction: ``Grid.fixed(b, b - log2(D) - 3)`` (range ``[-4D, 4D)``).

    ``D`` (path steps per payload weight) is the largest power of two with ``2D - 1 <= frac_bits``:
    ``D = 2`` for ``b = 8``, ``4`` for ``b = 16``, ``8`` for ``b = 32``.

    Parameters
    ----------
    bits : int
        Bits per parameter, 7 <= bits <= 64.
    cells : int, optional
        Fine cells per region ``D`` (a power of two); default the largest with ``2D - 1 <= frac_bits`` (one
        decoder lane).  A larger ``D`` gives ``frac_bits = bits - log2(D) - 3`` and ``ceil(D / n)`` lanes of
        ``n = (frac_bits + 1) // 2`` digits each.

    Raises
    ------
    ValueError
        If ``bits < 7`` (no grid holds two base-4 digits per weight plus the decoder weights 1.5, 4, 6).

    Examples
    --------
    >>> payload_grid(8), payload_grid(16), payload_grid(32)
    (FixedGrid(bits=8, frac_bits=4), FixedGrid(bits=16, frac_bits=11), FixedGrid(bits=32, frac_bits=26))
    """
    bits = as_int(bits, "bits", 1, 64)
    if cells is not None:
        cells = as_int(cells, "cells", 2, 2**20)
        e = cells.bit_length() - 1
        if cells != 2**e or bits - e - 3 < 1:
            raise ValueError(f"cells must be a power of two in [2, 2**(bits - 4)] (frac_bits = bits - log2(cells) - 3 "
                             f">= 1), got cells = {cells} at bits = {bits}")
        return FixedGrid(bits=bits, frac_bits=bits - e - 3)
    ds = _digits_for(bits)
    if ds is None:
        raise ValueError(f"bits must be >= 7 for the payload construction (2 base-4 digits per weight), got {bits}; "
                         "use the hinge chain (chain_grid) below that")
    return FixedGrid(bits=bits, frac_bits=ds[1])


def _grid_D(grid: Grid) -> tuple[int, int]:
    if not isinstance(grid, FixedGrid):
        raise TypeError(f"grid must be a fixed-point grid (payload_grid(bits)), got {type(grid).__name__}")
    b, s = grid.bits, grid.frac_bits
    e = b - s - 3
    if e < 1 or s < 1:
        raise ValueError(f"grid must be payload_grid(bits, cells) (frac_bits = bits - log2(D) - 3 >= 1, D >= 2), "
                         f"got {grid!r}")
    return 2**e, s


def _lanes(D: int, s: int) -> list[int]:
    """Digits per lane: the fewest lanes of at most ``(s + 1) // 2`` digits (``2n - 1 <= s``), balanced (lengths
    differ by at most 1, longest first) so that the decoder depth ``max(lanes)`` is smallest."""
    n_max = min(D, (s + 1) // 2)
    Wo = -(-D // n_max)
    q, r = divmod(D, Wo)
    return [q + 1] * r + [q] * (Wo - r)


class PayloadPlan:
    """Sizes: ``Wi`` regions per payload layer, ``Nr = 2**k`` regions, ``Lp`` payload layers, ``D`` cells per
    region, ``N = Nr D`` fine cells, output scale ``rho = w_o 2**-T``, depth and width."""

    __slots__ = ("Wi", "k", "Nr", "Lp", "D", "N", "S", "s", "T", "w_o", "rho", "n_amp_U", "kexp", "L_setup",
                 "shrinks", "depth", "width", "lanes")

    def __init__(self, Wi, k, D, s, C, grid, S=STEEPNESS):
        self.Wi, self.k, self.D, self.s, self.S = Wi, k, D, s, S
        self.Nr = 2**k
        self.Lp = -(-self.Nr // Wi)
        self.N = self.Nr * D
        self.n_amp_U = _n_amp(S * self.Nr)
        # constants K_a = S D 2**kexp[a], kexp = (s, 2s, ..., log2 Wi): the step offset i S D is
        # sum_a (digit a of i in base 2**s) 2**(a s - kexp[a]) K_a, every weight on the grid; K_last = S D Wi
        e = Wi.bit_length() - 1
        self.kexp = [min((a + 1) * s, e) for a in range(max(1, -(-e // s)))]
        self.L_setup = max(1 + self.n_amp_U, 1 + _n_amp(S * Wi), k + 1)
        # output scale rho = w_o 2**-T >= C/N, w_o on the grid in its upper half (about b - 2 significant bits)
        target = Fraction(C) / self.N
        T = 0
        while target * 2 ** (T + 1) < grid.max / 2:
            T += 1
        w_o = Fraction(math.ceil(target * 2**T * 2**s), 2**s)
        while w_o > grid.max and T > 0:
            T -= 1
            w_o = Fraction(math.ceil(target * 2**T * 2**s), 2**s)
        if w_o > grid.max:
            raise ValueError(f"lipschitz = {C} is too large for {self.N} fine cells on {grid!r}")
        self.T, self.w_o, self.rho = T, w_o, w_o / 2**T
        shr, rest = [], T
        while rest > s:
            shr.append(s)
            rest -= s
        shr.append(rest)
        self.shrinks = shr
        self.lanes = _lanes(D, s)
        Wo, n = len(self.lanes), self.lanes[0]
        self.depth = self.L_setup + self.Lp + 2 + n + 1 + len(shr) + 1
        self.width = max(2 * min(Wi, self.Nr) + 5 + Wo + len(self.kexp), 6 * Wo + 5)

    def __repr__(self) -> str:
        return (f"PayloadPlan(Wi={self.Wi}, Nr={self.Nr}, Lp={self.Lp}, D={self.D}, N={self.N}, "
                f"depth={self.depth}, width={self.width})")


def _n_amp(factor: int) -> int:
    """Layers of x4 (and one x2) to multiply by the power of two ``factor``."""
    e = factor.bit_length() - 1
    return (e + 1) // 2


def _amp_factors(factor: int) -> list[int]:
    e = factor.bit_length() - 1
    return [4] * (e // 2) + ([2] if e % 2 else [])


def payload_plan(lipschitz: Any, width: int, depth: int, grid: Grid) -> PayloadPlan:
    """The payload network with the most fine cells that fits ``width`` x ``depth`` on ``grid``.

    Raises
    ------
    ValueError
        If ``width < 11`` or no plan fits in ``depth`` (the fixed overhead is about
        ``log4(16 N) + D + 6`` layers).
    """
    C = check_lipschitz(lipschitz)
    width = as_int(width, "width", 11, 10**6)
    depth = as_int(depth, "depth", 3, 10**7)
    D, s = _grid_D(grid)
    best = None
    Wi = 1
    while 2 * Wi + 8 <= width:
        for k in range(1, 53 - D.bit_length()):
            try:
                p = PayloadPlan(Wi, k, D, s, C, grid)
            except ValueError:
                continue
            if p.depth > depth:
                break
            if p.width <= width and (best is None or p.N > best.N or (p.N == best.N and p.depth * p.width ** 2
                                                                        < best.depth * best.width ** 2)):
                best = p
        Wi *= 2
    if best is None:
        raise ValueError(f"depth = {depth} (with width = {width}) is too small for the payload construction on {grid!r}")
    return best


class _Builder:
    """Layers as lists of named neurons: name -> ({input name: weight}, bias); inputs of layer 1: 'x'."""

    def __init__(self):
        self.layers: list[list[tuple[str, dict, Fraction]]] = []

    def add(self, neurons: list[tuple[str, dict, Any]]):
        self.layers.append([(n, w, Fraction(b)) for n, w, b in neurons])

    def network(self, s: int, meta: dict) -> Network:
        den = 2**s
        out = []
        prev = ["x"]
        for layer in self.layers:
            idx = {n: i for i, n in enumerate(prev)}
            A = np.zeros((len(layer), len(prev)), dtype=object)
            c = np.zeros(len(layer), dtype=object)
            for r, (name, w, b) in enumerate(layer):
                for src, val in w.items():
                    q = Fraction(val) * den
                    assert q.denominator == 1, (name, src, val)
                    A[r, idx[src]] += int(q)
                q = b * den
                assert q.denominator == 1, (name, b)
                c[r] = int(q)
            out.append((A, c, den))
            prev = [n for n, _, _ in layer]
        return Network.from_integer_layers(out, meta=meta)


def _carry(names):
    return [(n, {n: 1}, 0) for n in names]


def payload_approximant(f: Callable[[np.ndarray], np.ndarray], lipschitz: Any, width: int, depth: int,
                        grid: Grid, plan: PayloadPlan | None = None) -> Construction:
    """Deep approximant whose weights carry ``D = b/4`` path steps each (refined payload, one lane).

    Parameters
    ----------
    f : callable
        Vectorised target ``f(x: ndarray) -> ndarray`` (float64), ``lipschitz``-Lipschitz on [0, 1].
    lipschitz : number
        Lipschitz constant ``C > 0`` the promise is stated for.
    width : int
        Width budget, >= 11.
    depth : int
        Depth budget (affine maps); the network uses the most fine cells that fit.
    grid : FixedGrid
        :func:`payload_grid` ``(b)`` for ``b >= 7``.
    plan : PayloadPlan, optional
        A fixed plan (from :func:`payload_plan`); default: the largest that fits.

    Returns
    -------
    Construction
        Every parameter on ``grid`` (checked exactly), width <= ``width``, depth <= ``depth``,
        ``promised_error = rho (1 + 2/S)`` with ``rho = w_o 2**-T >= C/N`` (docs/constructions.md, section 8).

    Raises
    ------
    ValueError
        Budget too small, non-finite target values, or ``f(0)`` outside the grid's range.

    Examples
    --------
    >>> g = payload_grid(8)
    >>> c = payload_approximant(lambda x: np.abs(x - 0.5), 1, 16, 40, g)
    >>> bool(c.network.on_grid(g)), c.network.width <= 16, c.network.depth <= 40
    (True, True, True)
    """
    if not callable(f):
        raise TypeError(f"f must be a callable f(x: ndarray) -> ndarray, got {type(f).__name__}")
    C = check_lipschitz(lipschitz)
    width = as_int(width, "width", 11, 10**6)
    depth = as_int(depth, "depth", 3, 10**7)
    D, s = _grid_D(grid)
    if plan is None:
        plan = payload_plan(C, width, depth, grid)
    if plan.width > width or plan.depth > depth:
        raise ValueError(f"plan {plan} does not fit width = {width}, depth = {depth}")
    Wi, Nr, Lp, N, S, k = plan.Wi, plan.Nr, plan.Lp, plan.N, plan.S, plan.k
    rho = plan.rho

    # --- target at the fine nodes m/N (N is a power of two: the nodes are exact floats) ---
    fv = target_values(f, np.arange(N + 1, dtype=np.float64) / N)
    f0 = Fraction(float(fv[0]))
    if not grid.min <= f0 <= grid.max:
        raise ValueError(f"f(0) = {float(f0):.6g} must lie in [{float(grid.min)}, {float(grid.max)}] (grid range)")
    c_out = grid.round(f0, mode="nearest-even")
    # --- greedy +-1 path in fine units: |G_m - F(m)| <= 1, F = (f - c_out)/rho ---
    F = [(Fraction(float(v)) - c_out) / rho for v in fv]
    G, sig = greedy_path(F)
    B = [G[j * D] - G[0] for j in range(Nr + 1)]  # anchors relative to G_0 (G_0 goes into the shrink biases)
    lanes = plan.lanes
    Wo = len(lanes)
    starts = [sum(lanes[:o]) for o in range(Wo)]
    P, V, M = [], [], []
    for j in range(Nr):
        if j % 2 == 0:
            digs = sig[j * D:(j + 1) * D]
            V.append(B[j])
        else:
            digs = [-sig[(j + 1) * D - 1 - m] for m in range(D)]
            V.append(B[j + 1])
        P.append([sum(Fraction((d + 1) // 2, 4**m) for m, d in enumerate(digs[o0:o0 + no]))
                  for o0, no in zip(starts, lanes)])
        M.append(B[2 * (j // 2) + 1])

    bld = _Builder()
    # --- setup: U = S N x (start D x), kappa = S D Wi (start D), tent tau = D T^k(x) ---
    fU = _amp_factors(S * Nr)
    Ks = [f"K{a}" for a in range(len(plan.kexp))]
    fK = [_amp_factors(S * 2**e) for e in plan.kexp]
    Ls = plan.L_setup
    for layer in range(1, Ls + 1):
        nz = []
        if layer == 1:
            nz.append(("U", {"x": D}, 0))
            nz += [(n, {}, D) for n in Ks]
        else:
            i = layer - 2
            nz.append(("U", {"U": fU[i] if i < len(fU) else 1}, 0))
            nz += [(n, {n: fa[i] if i < len(fa) else 1}, 0) for n, fa in zip(Ks, fK)]
        if layer == 1:
            nz += [("ta", {"x": D}, 0), ("tb", {"x": D}, Fraction(-D, 2))]
        elif layer <= k:
            nz += [("ta", {"ta": 2, "tb": -4}, 0), ("tb", {"ta": 2, "tb": -4}, Fraction(-D, 2))]
        elif layer == k + 1:
            nz.append(("tau", {"ta": 2, "tb": -4}, 0))
        else:
            nz.append(("tau", {"tau": 1}, 0))
        bld.add(nz)
    # accumulators: Acc (packed digits), Q = V - M + D in [0, 2D], M = Mp - Mn (split: both >= 0)
    assert V[0] == 0 and abs(M[0]) <= D
    Q = [V[j] - M[j] + D for j in range(Nr)]

    def acc_rows(l: int) -> list:
        """Accumulators at payload layer l (1-based; l = Lp + 1 consumes the last block), consuming block l - 1."""
        wAs = [{f"Acc{o}": 1} if l > 1 else {} for o in range(Wo)]
        wQ, wMp, wMn = ({"Q": 1}, {"Mp": 1}, {"Mn": 1}) if l > 1 else ({}, {}, {})
        if l > 1:
            for i in range(Wi):
                j = (l - 2) * Wi + i
                if j == 0 or j >= Nr:
                    continue
                rp, rm = f"rp{i}", f"rm{i}"
                for w, d in [(wAs[o], P[j][o] - P[j - 1][o]) for o in range(Wo)] + [(wQ, Q[j] - Q[j - 1])]:
                    if d:
                        w[rp], w[rm] = d, -d
                d = M[j] - M[j - 1]
                if d > 0:
                    wMp[rp], wMp[rm] = d, -d
                elif d < 0:
                    wMn[rp], wMn[rm] = -d, d
        first = l == 1
        return [(f"Acc{o}", wAs[o], P[0][o] if first else 0) for o in range(Wo)] + [("Q", wQ, Q[0] if first else 0),
                ("Mp", wMp, max(M[0], 0) if first else 0), ("Mn", wMn, max(-M[0], 0) if first else 0)]

    # --- payload layers ---
    for l in range(1, Lp + 1):
        nz = []
        if l < Lp:
            nz.append(("U", {"U": 1, Ks[-1]: -1}, 0))
        nz += _carry(Ks if l < Lp else [])
        for i in range(Wi):
            j = (l - 1) * Wi + i
            if j == 0 or j >= Nr:
                continue
            w = {"U": 1}
            for a, (n, e) in enumerate(zip(Ks, plan.kexp)):
                dig = (i >> (a * s)) % 2**s
                if dig:
                    w[n] = -Fraction(dig * 2 ** (a * s), 2**e)
            nz.append((f"rp{i}", w, 0))
            nz.append((f"rm{i}", dict(w), -1))
        nz += _carry(["tau"])
        nz += acc_rows(l)
        bld.add(nz)
    anchors = ["Q", "Mp", "Mn"]
    bld.add(acc_rows(Lp + 1) + _carry(["tau"]))  # consumes the last block
    # --- decoder init, lane o (digits starts[o] .. starts[o] + lanes[o] - 1): y = Acc_o, r1, r2 via the 2/3 gap,
    #     la = relu(tau - starts[o]), lb = relu(tau - starts[o] - 1) ---
    init = []
    for o in range(Wo):
        init += [(f"y{o}", {f"Acc{o}": 1}, 0), (f"r1{o}", {f"Acc{o}": Fraction(3, 2)}, Fraction(-1, 2)),
                 (f"r2{o}", {f"Acc{o}": Fraction(3, 2)}, Fraction(-3, 2)),
                 (f"la{o}", {"tau": 1}, -starts[o]), (f"lb{o}", {"tau": 1}, -starts[o] - 1)]
    bld.add(init + _carry(["tau"] + anchors))
    # --- decoder steps t = 0..n-1 (lanes in parallel; lane o stops after lanes[o] digits) ---
    n = lanes[0]
    prev_pi: list[str] = []
    for t in range(n):
        nz = []
        pis = []
        for o in range(Wo):
            if t >= lanes[o]:
                continue
            nz.append((f"pi{o}", {f"la{o}": 1, f"lb{o}": -1, f"r1{o}": 1, f"r2{o}": -1}, -1))
            pis.append(f"pi{o}")
            if t < lanes[o] - 1:
                nz += [(f"y{o}", {f"y{o}": 4, f"r1{o}": -4, f"r2{o}": 4}, 0),
                       (f"r1{o}", {f"y{o}": 6, f"r1{o}": -6, f"r2{o}": 6}, Fraction(-1, 2)),
                       (f"r2{o}", {f"y{o}": 6, f"r1{o}": -6, f"r2{o}": 6}, Fraction(-3, 2)),
                       (f"la{o}", {f"lb{o}": 1}, 0), (f"lb{o}", {f"lb{o}": 1}, -1)]
        if t >= 1:
            w = {p_: 1 for p_ in prev_pi}
            if t >= 2:
                w["Pi"] = 1
            nz.append(("Pi", w, 0))
        prev_pi = pis
        nz += _carry(["tau"] + anchors)
        bld.add(nz)
    # --- select: q1 = relu(A - M + E), q2 = relu(A - M - E); A = V + 2 Pi - tau, E = D - tau ---
    # A - M = (Q - D) + 2 (Pi + pi) - tau: q1 = relu(Q + 2 Pi + 2 pi - 2 tau), q2 = relu(Q + 2 Pi + 2 pi - 2D)
    A = {"Q": 1, **{p_: 2 for p_ in prev_pi}}
    if n >= 2:
        A["Pi"] = 2
    bld.add([("q1", {**A, "tau": -2}, 0), ("q2", dict(A), -2 * D)] + _carry(["tau", "Mp", "Mn"]))
    # --- shrink: X = Mp + tau + q1, Y = Mn + q2 + D (out_fine = X - Y), then output ---
    # the offset Z = G_0 - D (fine units) enters as biases: Z = sum_i beta_i 2**E_i, E_i = e_0 + ... + e_i
    E, acc = [], 0
    for e in plan.shrinks:
        acc += e
        E.append(acc)
    betas = [Fraction(0)] * len(E)
    rem = Fraction(G[0] - D)
    bmax = grid.max
    for i in reversed(range(len(E))):
        q = rem / 2 ** E[i]
        q = Fraction(math.floor(abs(q) * 2**s), 2**s) * (1 if q >= 0 else -1)
        q = max(min(q, bmax), -bmax)
        betas[i] = q
        rem -= q * 2 ** E[i]
    if rem != 0:
        raise ValueError(f"f(0) = {float(f0):.6g} is too far from the nearest grid value for the output offset of "
                         f"this network on {grid!r}")
    for i, e in enumerate(plan.shrinks):
        w = Fraction(1, 2**e)
        bx, by = max(betas[i], 0), max(-betas[i], 0)
        if i == 0:
            bld.add([("X", {"Mp": w, "tau": w, "q1": w}, bx), ("Y", {"Mn": w, "q2": w}, by)])
        else:
            bld.add([("X", {"X": w}, bx), ("Y", {"Y": w}, by)])
    bld.add([("out", {"X": plan.w_o, "Y": -plan.w_o}, c_out)])

    net = bld.network(s, meta={"construction": "refined-payload", "N": N, "D": D, "Wi": Wi, "regions": Nr})
    chk = net.on_grid(grid)
    if not chk:
        raise AssertionError(f"payload construction left the grid: {chk.describe()}")
    assert net.width <= width and net.depth <= depth, (net.width, net.depth, plan)
    promised = rho * (1 + Fraction(2, S))
    return Construction(
        name="refined-payload", network=net, grid=grid, promised_error=promised,
        formula="rho (1 + 2/S)  (rho = w_o 2^-T >= C/N output step, N = fine cells, S = step steepness)",
        params={"D": D, "Wi": Wi, "regions": Nr, "payload_layers": Lp, "fine_cells": N, "S": S,
                "rho": str(rho), "T": plan.T, "s": s, "lipschitz": str(C)})


def payload_for_budget(f: Callable, lipschitz: Any, bits: int, budget: int, cells: int | None = None) -> Construction:
    """The payload network with the smallest promise whose dense memory is at most ``budget`` bits.

    Searches the cells per region ``D`` (the grid :func:`payload_grid` ``(bits, D)``; only ``cells`` if given),
    ``Wi`` (regions per payload layer) and ``k`` (``2**k`` regions).

    Raises
    ------
    ValueError
        If no payload network fits the budget.
    """
    payload_grid(bits)  # bits >= 7
    C = check_lipschitz(lipschitz)
    budget = as_int(budget, "budget", 64, 10**8)
    best = None
    if cells is not None:
        payload_grid(bits, cells)  # validates cells
    for e in range(1, min(bits - 3, 21)):
        if cells is not None and 2**e != cells:
            continue
        grid = payload_grid(bits, 2**e)
        D, s = _grid_D(grid)
        Wi = 1
        while Wi <= 2**22:
            for k in range(1, 40):
                if 2**k < Wi or (2**k) * D > 2**40:
                    continue
                if 4 * 2**k * bits > budget:  # each region costs at least 4 parameters (its step pair)
                    break
                p = PayloadPlan(Wi, k, D, s, C, grid)
                if (p.Lp - 1) * (2 * Wi) ** 2 * bits > budget:  # dense step-to-step blocks alone exceed it
                    break
                n = _count_params(p)
                if n * bits > budget:
                    break
                if best is None or p.rho < best[0].rho:
                    best = (p, grid)
            Wi *= 2
    if best is None:
        raise ValueError(f"budget = {budget} bits is below the smallest payload network at {bits} bits")
    best, grid = best
    c = payload_approximant(f, C, best.width, best.depth, grid, plan=best)
    assert c.memory_bits <= budget, (c.memory_bits, budget)
    return c


def _count_params(p: PayloadPlan) -> int:
    """Dense parameter count of the network :func:`payload_approximant` builds for plan ``p``."""
    Wo = len(p.lanes)
    widths = [1]
    for layer in range(1, p.L_setup + 1):
        widths.append(1 + len(p.kexp) + (2 if layer <= p.k else 1))
    for l in range(1, p.Lp + 1):
        steps = sum(1 for i in range(p.Wi) if 0 < (l - 1) * p.Wi + i < p.Nr)
        widths.append(((1 + len(p.kexp)) if l < p.Lp else 0) + 2 * steps + 1 + Wo + 3)
    widths.append(Wo + 4)
    widths.append(5 * Wo + 4)
    for t in range(p.lanes[0]):
        widths.append(sum(1 + (5 if t < no - 1 else 0) for no in p.lanes if t < no) + (1 if t >= 1 else 0) + 4)
    widths.append(5)
    widths += [2] * len(p.shrinks)
    widths.append(1)
    return sum(widths[i + 1] * (widths[i] + 1) for i in range(len(widths) - 1))
