"""Over-quantization construction: the unquantized rate ``C / (W**2 L**2 log2 W)`` with weights of about
``L log2 W`` bits.

Proof and sizes: docs/constructions.md, section 9 (Theorem O).  Design (spec three_regimes.md section 4.1,
payload design of section 8 of the docs, generalised to a two-level lookup and a decoder that reads
``n ~ log2 W - 2`` base-4 digits per layer):

* fine units ``u = N x`` with ``N = Nr * Ws * D`` fine cells: ``Nr`` regions, each of ``Ws`` (even)
  sub-regions of ``D`` cells.  Each sub-region's ``D`` path steps (+-1 lattice path of the target at
  resolution ``rho``) are packed in ONE weight as base-4 digits in {0, 1} (``2 D`` fractional bits);
* setup: ``U = S N x`` and zigzag (tent) coordinates computed in ``U``-units, so every bias is an integer:
  ``tm = tau_mid`` (position inside the region, mirrored in odd regions) and ``tau`` (position inside the
  sub-region, mirrored in odd sub-regions: 0 at even, ``D`` at odd sub-region boundaries);
* payload layers: ``Wi`` region steps per layer, each feeding ``2 Ws + 1`` accumulators (packed digits,
  anchors ``V``, pair anchors ``M`` of the region's sub-regions, as a first value and differences): the
  ``2 Wi x (2 Ws + 1)`` step-to-accumulator block holds the payload, ``~ W**2 / 16`` weights per layer;
* select: ``Ws - 1`` sub-region steps on ``tm`` and the products ``Delta * H`` (two ReLUs each) pick the
  sub-region's packed digits ``y``, anchor ``V`` and pair anchor ``M`` (a convex combination in the steps'
  zones);
* decoder: one layer per chunk of ``n`` digits: ``2 (2**n - 1)`` exact steps of ``4**n y`` (the 2/3 gap of
  base-4 packing), digits as alternating sums of steps (always in [0, 1]), products with the ramps
  ``clamp(tau - t, 0, 1)``: ``A = V + 2 sum_t beta_t ramp_t(tau) - tau``; staged gates switch the chunks off
  within ``2/S`` of a sub-region boundary so that the exact piece count (``certify``) stays polynomial;
* repair and output: ``out = clamp(A, M - E, M + E)``, ``E = D - tau``, scaled by ``rho``.

Promise (proved, Theorem O): ``sup |f - net| <= rho (1 + 4/S + N 2**-52)`` with ``rho >= C/N``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from relubits.constructions.lipschitz import check_lipschitz
from relubits.constructions.payload import _Builder, _carry
from relubits.constructions.promise import Construction
from relubits.constructions.targets import greedy_path, target_values
from relubits.exact import as_int
from relubits.grid import FixedGrid

__all__ = ["overquant_approximant", "overquant_plan", "OverquantPlan", "OVERQUANT_CONSTANT"]

#: Step steepness: every inexact step has a zone of width ``1/S`` fine cells, the decoder gates a band of ``2/S``;
#: promise factor ``1 + 4/S``.
STEEPNESS = 64
_LOG2_S = 6
#: Relative precision of the output step ``rho`` (``rho <= (C/N)(1 + 2**-RHO_BITS)``).
RHO_BITS = 8
#: Proved constant of Theorem O: ``promised_error <= OVERQUANT_CONSTANT * C / (W**2 L**2 log2 W)`` for all
#: ``W >= 32``, ``L >= 16`` and ``N < 2**40`` when ``bits`` is not limited (Lemma O.2) (docs/constructions.md, section 9).
OVERQUANT_CONSTANT = 4096


def _factor_regions(target: int, r_max: int, t: int) -> list[int] | None:
    """The factors (each in [2, r_max]) of the largest product of ``t`` factors that is ``<= target``."""
    if t < 1 or target < 2**t:
        return None
    r = min(r_max, int(round(target ** (1.0 / t))) + 1)
    while r >= 2 and r**t > target:
        r -= 1
    if r < 2:
        return None
    best = None
    # t - 1 factors r (or r + 1) and a last one as large as fits
    for hi in range(t):  # hi factors r + 1, t - 1 - hi factors r, last factor free
        if hi > 0 and r + 1 > r_max:
            break
        fs = [r + 1] * hi + [r] * (t - 1 - hi)
        p = math.prod(fs)
        last = min(r_max, target // p)
        if last < 2:
            continue
        cand = fs + [last]
        if best is None or math.prod(cand) > math.prod(best):
            best = cand
    return best


@dataclass(frozen=True)
class OverquantPlan:
    """Sizes of one over-quantization network (see the module docstring for the names).

    Attributes
    ----------
    Ws : int
        Sub-regions per region (even, >= 2).
    Wi : int
        Region steps per payload layer.
    factors : tuple of int
        Zigzag factors of the region count ``Nr = prod(factors)`` (one setup layer each).
    Lp : int
        Payload layers (``ceil(Nr / Wi)``).
    D : int
        Fine cells per sub-region = base-4 digits per payload weight.
    chunks : tuple of int
        Digits read per decoder layer (sum ``D``).
    N : int
        Fine cells ``Nr * Ws * D``.
    width, depth : int
        Size of the network.
    frac_bits, int_bits : int
        Fractional and integer bits the parameters need; ``bits = 1 + int_bits + frac_bits``.
    """

    Ws: int
    Wi: int
    factors: tuple
    Lp: int
    D: int
    chunks: tuple
    N: int
    width: int
    depth: int
    frac_bits: int
    int_bits: int

    @property
    def Nr(self) -> int:
        """Number of regions."""
        return math.prod(self.factors)

    @property
    def bits(self) -> int:
        """Smallest fixed-point bit count holding every parameter (sign + integer + fractional bits)."""
        return 1 + self.int_bits + self.frac_bits


def _chunks(D: int, n: int) -> tuple:
    nc = -(-D // n)
    q, r = divmod(D, nc)
    return tuple([q + 1] * r + [q] * (nc - r))


@functools.lru_cache(maxsize=4096)
def _decoder_width(chunks: tuple) -> int:
    w = 0
    nc = len(chunks)
    for l in range(nc + 1):
        k = 3  # V, M, tau carries
        if l <= nc - 3:
            k += 4  # gate neurons a_{l+2}, a_{l+1}, b_{l+2}, b_{l+1}
        if l < nc:
            k += 1 + 2 * (2 ** chunks[l] - 1) + chunks[l] + 1
        if l >= 1:
            k += chunks[l - 1]
        if l >= 2:
            k += 1
        w = max(w, k)
    return w


def _make_plan(Ws, Wi, factors, D, chunks, C) -> OverquantPlan:
    Nr = math.prod(factors)
    Lp = -(-Nr // Wi)
    N = Nr * Ws * D
    n_acc = 2 * Ws + 1
    widths = [1 + f for f in factors] + [1 + Ws]
    widths.append(3 + 2 * min(Wi, Nr - 1) + n_acc)          # payload layers
    widths.append(n_acc + 2 * (Ws - 1) + 1)                  # final accumulators + sub-region steps
    widths.append(4 * Ws + 4)                                # select products + gate neurons
    widths.append(_decoder_width(chunks))
    width = max(widths)
    depth = len(factors) + 1 + Lp + 2 + (len(chunks) + 1) + 2
    # precision: packed digits 2D, 1.5 = 3/2, tau = zigzag / S, rho to RHO_BITS relative bits
    frac = max(2 * D, 1, _LOG2_S, (Fraction(N) / C).numerator.bit_length()
               - (Fraction(N) / C).denominator.bit_length() + 1 + RHO_BITS)
    n = max(chunks)
    maxv = max(STEEPNESS * N + 1, 3 * 16**n, 4 * N + 4 * D + 4, 2 * STEEPNESS * D * len(chunks) + 2 * len(chunks) + 2)
    return OverquantPlan(Ws=Ws, Wi=Wi, factors=tuple(factors), Lp=Lp, D=D, chunks=chunks, N=N, width=width,
                         depth=depth, frac_bits=frac, int_bits=maxv.bit_length())


def overquant_plan(lipschitz: Any, width: int, depth: int, bits: int | None = None) -> OverquantPlan:
    """The over-quantization network with the most fine cells ``N`` that fits ``width`` x ``depth`` (x ``bits``).

    Parameters
    ----------
    lipschitz : number
        Lipschitz constant ``C`` in (0, 2**53].
    width : int
        Width budget, >= 12.
    depth : int
        Depth budget (affine maps), >= 9.
    bits : int, optional
        Bits per parameter (fixed point); default unlimited (the plan states the bits it needs).

    Returns
    -------
    OverquantPlan

    Raises
    ------
    ValueError
        If ``width < 12``, ``depth < 9`` or no plan fits ``bits``.

    Examples
    --------
    >>> p = overquant_plan(1, 16, 16)
    >>> p.width <= 16 and p.depth <= 16, p.N
    (True, 192)
    """
    C = check_lipschitz(lipschitz)
    width = as_int(width, "width", 12, 10**5)
    depth = as_int(depth, "depth", 9, 10**5)
    if bits is not None:
        bits = as_int(bits, "bits", 8, 10**6)
    best = None
    for p in _candidates(C, width, depth, bits):
        if best is None or p.N > best.N or (p.N == best.N and (p.bits, p.depth) < (best.bits, best.depth)):
            best = p
    if best is None:
        raise ValueError(f"no over-quantization network fits width = {width}, depth = {depth}"
                         + (f", bits = {bits}" if bits is not None else "")
                         + " (needs width >= 12, depth >= 9, and enough bits for 2 D + log2 N + 9 fractional bits)")
    return best


def _candidates(C: Fraction, width: int, depth: int, bits: int | None):
    """Every plan the search considers that fits ``width`` x ``depth`` (x ``bits``)."""
    r_max = width - 1
    # Wi * Ws (payload weights per layer) is largest for the largest Ws; the three largest are searched
    Ws_max = 2 * ((width - 4) // 8)
    for Ws in range(Ws_max, max(0, Ws_max - 6), -2):
        Wi = (width - 4 - 2 * Ws) // 2
        if Wi < 1:
            continue
        ns = [n for n in range(1, width.bit_length()) if _decoder_width((n,)) <= width]
        for n in ns[-2:]:  # the two largest chunk sizes
            for t in range(1, 64):
                if 2**t > Wi * depth:
                    break
                # depth = t (zigzag stages) + 1 (fine stage) + Lp + 2 (final, select) + nc + 1 + 2 (clamp, out)
                for nc in range(1, depth):
                    Lp_max = depth - 6 - t - nc
                    if Lp_max < 1:
                        break
                    for factors in (_factor_regions(Wi * Lp_max, r_max, t),
                                    _explicit_factors(Wi, Lp_max, r_max, t)):
                        if factors is None:
                            continue
                        D = nc * n
                        p = _make_plan(Ws, Wi, factors, D, _chunks(D, n), C)
                        while bits is not None and p.bits > bits and D > 1:
                            D = max(1, min(D - 1, (bits - 1 - p.int_bits) // 2))
                            p = _make_plan(Ws, Wi, factors, D, _chunks(D, n), C)
                        if bits is not None and p.bits > bits:
                            continue
                        if p.depth <= depth and p.width <= width:
                            yield p


def _explicit_factors(Wi: int, Lp_max: int, r_max: int, t: int) -> list[int] | None:
    """Lemma O.2's factorisation: ``Nr = Wi * r**k * q`` with ``r = r_max``, ``r**k <= Lp_max < r**(k+1)``,
    ``q = floor(Lp_max / r**k)`` (factors 1 dropped), if it has exactly ``t`` factors."""
    if Wi > r_max:
        return None
    k = 0
    while r_max ** (k + 1) <= Lp_max:
        k += 1
    q = Lp_max // r_max**k
    fs = [f for f in [Wi] + [r_max] * k + [q] if f > 1]
    return fs if len(fs) == t else None


def _pack(digs: list[int]) -> Fraction:
    """Base-4 packing of 0/1 digits: ``sum_t digs[t] 4**-(t+1)`` (in [0, 1/3))."""
    v = 0
    for d in digs:
        v = 4 * v + d
    return Fraction(v, 4 ** len(digs))


def overquant_approximant(f: Callable[[np.ndarray], np.ndarray], lipschitz: Any, width: int, depth: int,
                          bits: int | None = None, plan: OverquantPlan | None = None) -> Construction:
    """Deep approximant at the unquantized rate: error ``<= rho (1 + 4/S + N 2**-52)``, ``rho ~ C/N``,
    ``N ~ W**2 L**2 log2(W) / 64`` fine cells, every parameter on a fixed-point grid of about ``L log2 W`` bits.

    Parameters
    ----------
    f : callable
        Vectorised target ``f(x: ndarray) -> ndarray`` (float64), ``lipschitz``-Lipschitz on [0, 1].
    lipschitz : number
        Lipschitz constant ``C`` in (0, 2**53] the promise is stated for.
    width : int
        Width budget, >= 12.
    depth : int
        Depth budget (affine maps), >= 9.
    bits : int, optional
        Bits per parameter.  Default: the fewest the best plan needs (``plan.bits``).  A smaller value
        stores fewer digits per weight (rate ``C/(W**2 L bits)``, the proper regime).
    plan : OverquantPlan, optional
        A fixed plan (from :func:`overquant_plan`).

    Returns
    -------
    Construction
        ``grid = Grid.fixed(bits, frac_bits, arbitrary=True)`` (checked exactly with ``on_grid``),
        width <= ``width``, depth <= ``depth``, and the proved ``promised_error`` (docs/constructions.md,
        section 9, Theorem O).

    Raises
    ------
    ValueError
        Budget too small, non-finite target values, or ``f(0)`` too large for the grid.
    TypeError
        If ``f`` is not callable.

    Examples
    --------
    >>> c = overquant_approximant(lambda x: np.abs(x - 0.5), 1, 16, 16)
    >>> bool(c.network.on_grid(c.grid)), c.width <= 16, c.depth <= 16, c.params["fine_cells"]
    (True, True, True, 192)
    """
    if not callable(f):
        raise TypeError(f"f must be a callable f(x: ndarray) -> ndarray, got {type(f).__name__}")
    C = check_lipschitz(lipschitz)
    width = as_int(width, "width", 12, 10**5)
    depth = as_int(depth, "depth", 9, 10**5)
    if plan is None:
        plan = overquant_plan(C, width, depth, bits)
    elif not isinstance(plan, OverquantPlan):
        raise TypeError(f"plan must be an OverquantPlan, got {type(plan).__name__}")
    if plan.width > width or plan.depth > depth:
        raise ValueError(f"plan {plan} does not fit width = {width}, depth = {depth}")
    if bits is None:
        bits = plan.bits
    bits = as_int(bits, "bits", 8, 10**6)
    if bits < plan.bits:
        raise ValueError(f"bits must be >= {plan.bits} for this plan, got {bits}")
    s = bits - 1 - plan.int_bits
    grid = FixedGrid(bits=bits, frac_bits=s, arbitrary=True)
    S = STEEPNESS
    Ws, Wi, D, N, Nr, Lp = plan.Ws, plan.Wi, plan.D, plan.N, plan.Nr, plan.Lp
    chunks = plan.chunks
    nc = len(chunks)

    # --- output step rho = ceil(2**s C (1/N + 2**-52)) 2**-s  (>= C/N with the float-node margin) ---
    rho = Fraction(math.ceil(C * (Fraction(1, N) + Fraction(1, 2**52)) * 2**s), 2**s)
    # --- target at the float nodes m/N, greedy +-1 path (|G - F| <= 1 at the nodes) ---
    fv = target_values(f, np.arange(N + 1, dtype=np.float64) / N)
    f0 = Fraction(float(fv[0]))
    if abs(f0) > grid.max / 2:
        raise ValueError(f"f(0) = {float(f0):.6g} must lie in [{-float(grid.max / 2):.6g}, "
                         f"{float(grid.max / 2):.6g}] for {grid!r} (shift the target)")
    c_out = grid.round(f0, mode="nearest-even")  # in range: |f0| <= grid.max / 2
    F = [(Fraction(float(v)) - c_out) / rho for v in fv]
    G, sig = greedy_path(F)
    G0 = G[0]
    B = [g - G0 for g in G]  # path relative to G0, |B| <= N

    # --- per sub-region g: packed digits, anchor V (value where tau = 0), pair anchor M ---
    nsub = Nr * Ws

    def sub_data(g: int):
        if g % 2 == 0:
            digs = [(d + 1) // 2 for d in sig[g * D:(g + 1) * D]]
            V = B[g * D]
        else:
            digs = [(1 - sig[(g + 1) * D - 1 - t]) // 2 for t in range(D)]
            V = B[(g + 1) * D]
        M = B[(2 * (g // 2) + 1) * D]
        return _pack(digs), V, M

    subs = [sub_data(g) for g in range(nsub)]
    odd_a = list(range(1, Ws, 2))
    even_a = list(range(2, Ws, 2))
    acc_names = (["P0"] + [f"dP{a}" for a in range(1, Ws)] + ["V0"] + [f"dV{a}" for a in odd_a]
                 + ["M0"] + [f"dM{a}" for a in even_a])
    oP, oV = Fraction(1, 2), 2 * D  # offsets (and product bounds) of the differences

    def region_vec(j: int) -> dict:
        pos = [subs[j * Ws + (a if j % 2 == 0 else Ws - 1 - a)] for a in range(Ws)]
        v = {"P0": pos[0][0], "V0": pos[0][1] + N, "M0": pos[0][2] + N}
        for a in range(1, Ws):
            v[f"dP{a}"] = pos[a][0] - pos[a - 1][0] + oP
        for a in odd_a:
            assert pos[a][2] == pos[a - 1][2]
            v[f"dV{a}"] = pos[a][1] - pos[a - 1][1] + oV
        for a in even_a:
            assert pos[a][1] == pos[a - 1][1]
            v[f"dM{a}"] = pos[a][2] - pos[a - 1][2] + oV
        return v

    vecs = [region_vec(j) for j in range(Nr)]

    bld = _Builder()
    # --- setup: zigzags in U-units (U = S N x); stage i folds [0, Z] into [0, Z / r] ---
    Z = S * N
    prev_z: dict = {"x": S * N}  # linear form (over the previous layer) of the current zigzag value
    for i, r in enumerate(plan.factors):
        nz = [("U", {"x": S * N} if i == 0 else {"U": 1}, 0)]
        step = Z // r
        for q in range(r):
            nz.append((f"z{q}", dict(prev_z), -q * step))
        bld.add(nz)
        prev_z = {f"z{q}": (1 if q == 0 else 2 * (-1) ** q) for q in range(r)}
        Z = step
    assert Z == S * Ws * D
    # fine stage: hinges of S tm at multiples of S D; tm = hinge 0, S tau = zigzag with Ws teeth
    nz = [("U", {"U": 1}, 0)] + [(f"w{q}", dict(prev_z), -q * S * D) for q in range(Ws)]
    bld.add(nz)
    tm_form = {"w0": 1}  # S * tau_mid
    tau_form = {f"w{q}": Fraction(1 if q == 0 else 2 * (-1) ** q, S) for q in range(Ws)}

    # --- payload layers: region steps j = 1..Nr-1 in blocks of Wi; accumulators consume block l-1 ---
    def steps_of(l: int) -> list[int]:
        return [j for j in range((l - 1) * Wi, min(l * Wi, Nr)) if j > 0]

    def acc_rows(l: int) -> list:
        rows = []
        for nm in acc_names:
            if l == 1:
                rows.append((nm, {}, vecs[0][nm]))
                continue
            w = {nm: 1}
            for j in steps_of(l - 1):
                d = vecs[j][nm] - vecs[j - 1][nm]
                if d:
                    w[f"hp{j}"], w[f"hm{j}"] = d, -d
            rows.append((nm, w, 0))
        return rows

    for l in range(1, Lp + 1):
        nz = []
        if l == 1:
            nz += [("tm", dict(tm_form), 0), ("tau", dict(tau_form), 0)]
        else:
            nz += _carry(["tm", "tau"])
        if l < Lp:
            nz.append(("U", {"U": 1}, 0))
        for j in steps_of(l):
            c = S * D * Ws * j
            nz += [(f"hp{j}", {"U": 1}, -c), (f"hm{j}", {"U": 1}, -c - 1)]
        nz += acc_rows(l)
        bld.add(nz)
    # final accumulators + sub-region steps on tm (zone: tm in (a D, a D + 1/S))
    nz = acc_rows(Lp + 1) + _carry(["tau"])
    for a in range(1, Ws):
        nz += [(f"ha{a}", {"tm": 1}, -S * a * D), (f"hb{a}", {"tm": 1}, -S * a * D - 1)]
    bld.add(nz)
    # select products: Delta * H ~ relu(Delta - B (1 - H)) - relu(-Delta - B (1 - H)), |Delta| <= B
    nz = _carry(["P0", "V0", "M0", "tau"])
    # gate neurons a_k = relu(k - psi), b_k = relu(k - psi'), psi = S nc tau - nc, psi' = S nc (D - tau) - nc;
    # off_l = (a_l - a_{l-1}) + (b_l - b_{l-1}) is 1 within 1/S of a sub-region boundary, 0 beyond 2/S,
    # and the remainder r_{l-1} (input of chunk l) is relu(y_{l-1} - off_l / 2)
    Snc = S * nc

    def gates(ks: list[int]) -> list:
        out = []
        for k in ks:
            out += [(f"ga{k}", {"tau": -Snc}, nc + k), (f"gb{k}", {"tau": Snc}, -Snc * D + nc + k)]
        return out

    def gate_off(l: int) -> dict:
        return {f"ga{l}": Fraction(-1, 2), f"ga{l - 1}": Fraction(1, 2), f"gb{l}": Fraction(-1, 2),
                f"gb{l - 1}": Fraction(1, 2)}

    if nc >= 2:
        nz += gates([0, 1])
    prods = {"P": [], "V": [], "M": []}
    for q, names, off in (("P", [(a, f"dP{a}") for a in range(1, Ws)], oP),
                          ("V", [(a, f"dV{a}") for a in odd_a], oV), ("M", [(a, f"dM{a}") for a in even_a], oV)):
        Bd = off
        for a, nm in names:
            H = {f"ha{a}": Bd, f"hb{a}": -Bd}
            nz.append((f"s{nm}p", {nm: 1, **H}, -off - Bd))
            nz.append((f"s{nm}m", {nm: -1, **H}, off - Bd))
            prods[q].append(f"s{nm}")
    bld.add(nz)

    def sel(q: str, base: str) -> dict:
        w = {base: 1}
        for p_ in prods[q]:
            w[p_ + "p"], w[p_ + "m"] = 1, -1
        return w

    y_form = sel("P", "P0")  # the selected packed digits (exact outside the zones)
    # --- decoder: chunk l (digits t0 .. t0 + n_l - 1) ---
    starts = [sum(chunks[:l]) for l in range(nc)]
    mlists = []
    for n_l in chunks:
        mlists.append([sum(((e >> q) & 1) * 4**q for q in range(n_l)) for e in range(2**n_l)])
    prev_p: list[str] = []
    for l in range(nc + 1):
        nz = []
        if l == 0:
            nz += [("Vs", sel("V", "V0"), 0), ("Ms", sel("M", "M0"), 0), ("tau", {"tau": 1}, 0)]
        else:
            nz += _carry(["Vs", "Ms", "tau"])
        if l < nc:
            n_l, ms = chunks[l], mlists[l]
            if l == 0:
                yl = dict(y_form)
            else:
                npv, mp = chunks[l - 1], mlists[l - 1]
                yl = {f"r{l - 1}": Fraction(4**npv)}
                for e in range(1, 2**npv):
                    d = mp[e] - mp[e - 1]
                    yl[f"hp{l - 1}_{e}"] = -d
                    yl[f"hm{l - 1}_{e}"] = d
            if l < nc - 1:
                nz.append((f"r{l}", {**yl, **gate_off(l + 1)}, 0))
            if l <= nc - 3:
                nz += gates([l + 1, l + 2])
            z = {k: v * 4**n_l * Fraction(3, 2) for k, v in yl.items()}  # 1.5 * 4**n_l * y_l
            for e in range(1, 2**n_l):
                nz.append((f"hp{l}_{e}", dict(z), -Fraction(3, 2) * ms[e] + 1))
                nz.append((f"hm{l}_{e}", dict(z), -Fraction(3, 2) * ms[e]))
            for t in range(starts[l], starts[l] + n_l + 1):
                nz.append((f"g{l}_{t}", {"tau": 1}, -t))
        ps = []
        if l >= 1:
            k = l - 1
            n_k = chunks[k]
            for q in range(n_k):
                t = starts[k] + q
                pos = n_k - 1 - q  # base-4 position of digit t inside chunk k
                w = {f"g{k}_{t}": 1, f"g{k}_{t + 1}": -1}
                for e in range(1, 2**n_k):
                    d = ((e >> pos) & 1) - (((e - 1) >> pos) & 1)
                    if d:
                        w[f"hp{k}_{e}"], w[f"hm{k}_{e}"] = d, -d
                nz.append((f"p{t}", w, -1))
                ps.append(f"p{t}")
        if l >= 2:
            w = {p_: 1 for p_ in prev_p}
            if l >= 3:
                w["Pi"] = 1
            nz.append(("Pi", w, 0))
        prev_p = ps
        bld.add(nz)
    # --- clamp: q1 = relu(A - M + E), q2 = relu(A - M - E); A - M = Vs - Ms + 2 Pi - tau, E = D - tau ---
    A = {"Vs": 1, "Ms": -1, **{p_: 2 for p_ in prev_p}}
    if nc >= 2:
        A["Pi"] = 2
    bld.add([("q1", {**A, "tau": -2}, D), ("q2", dict(A), -D)] + _carry(["Ms", "tau"]))
    # out = c_out + rho (G0 + M - E + q1 - q2) = c_out + rho (G0 - N - D) + rho (Ms + tau + q1 - q2)
    bld.add([("out", {"Ms": rho, "tau": rho, "q1": rho, "q2": -rho}, c_out + rho * (G0 - N - D))])

    net = bld.network(s, meta={"construction": "overquant", "N": N, "D": D, "Ws": Ws, "Wi": Wi, "regions": Nr})
    chk = net.on_grid(grid)
    if not chk:
        raise ValueError(f"a parameter is off {grid!r} ({chk.describe()}); f(0) or lipschitz too large for "
                         f"bits = {bits}")
    assert net.width <= width and net.depth <= depth, (net.width, net.depth, plan)
    promised = rho * (1 + Fraction(4, S) + Fraction(N, 2**52))
    return Construction(
        name="overquant", network=net, grid=grid, promised_error=promised,
        formula="rho (1 + 4/S + N 2^-52)  (rho >= C/N output step, N = fine cells, S = step steepness; "
                "Theorem O, docs/constructions.md section 9)",
        params={"fine_cells": N, "D": D, "sub_regions": Ws, "regions_per_layer": Wi, "regions": Nr,
                "payload_layers": Lp, "chunks": list(chunks), "zigzag_factors": list(plan.factors), "S": S,
                "rho": str(rho), "frac_bits": s, "int_bits": plan.int_bits, "bits": bits, "lipschitz": str(C)})
