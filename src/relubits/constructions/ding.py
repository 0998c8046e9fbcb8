"""Quantized universal approximation after Ding, Liu, Xiong, Shi (spec ``ding2018_universal.md``).

Every construction returns a :class:`DingResult`: the quantized :class:`~relubits.Network`
(every parameter on the stated :class:`~relubits.constructions.ding_blocks.WeightSet`,
checked exactly), the equal unquantized target network, and what it promises
(sup-norm error, weight count bound).  Proofs and the [R]/[C] split: ``docs/ding.md``.

* :func:`square_net` -- ``x -> x - sum_s g_s(x)/4^s`` on ``[0, 1]`` (error exactly
  ``2^(-2m-2)``) in two variants: ``sharing="paper"`` (unscaled sawtooth, integer gains by
  fan-in, one chain of set values per stage for ``2^(-2s)``: the paper's
  ``O(lam m^(1+1/(lam-1)))`` weights) and ``sharing="shared"`` (sawtooth rescaled by
  ``4^-s`` inside the network, one constant chain shared by all stages: ``O(m)`` weights).
* :func:`product_net` -- ``x*y`` on ``[-M, M]^2`` via ``xy = M^2 (|z|^2 - |w|^2)``,
  ``z, w = (x +- y)/(2M)``.
* :func:`hat_net` -- the partition-of-unity hats ``phi_m(x) = prod_k hat(N x_k - m_k)``.
* :func:`approximant` -- the function-independent approximant of ``f`` in the unit ball of
  ``W^(n,inf)([0,1]^d)`` (hats x local Taylor monomials, Taylor coefficients quantized and
  synthesised by digit chains), ``d, n in {1, 2, 3}``.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Sequence

import numpy as np

from relubits.constructions.ding_blocks import Circuit, Lin, WeightSet, lin
from relubits.network import Network
from relubits.theory import ding_bounds as B

__all__ = [
    "DingResult", "weight_set", "square_net", "product_net", "hat_net", "square_error_exact",
    "SquareBuilder", "approximant", "Approximant", "monomial_net", "polynomial_derivatives",
    "check_unit_ball", "fd_derivative",
]

SHARING = ("paper", "shared")


@dataclass(frozen=True)
class DingResult:
    """A quantized construction and its promises.

    Attributes
    ----------
    network : Network
        Quantized network (every parameter on ``weight_set``; checked).
    target : Network
        The unquantized circuit computing the same function.
    weight_set : WeightSet
    promised_error : Fraction
        Proved sup-norm error bound on ``domain``.
    domain : tuple
        Per-coordinate interval.
    bound_weights : float
        The paper's [R] weight bound for the same (eps, lam) with constants 1 (for the ratio).
    info : dict
        Construction parameters (stages, sharing, ...).
    """

    network: Network
    target: Network
    weight_set: WeightSet
    promised_error: Fraction
    domain: tuple
    bound_weights: float
    info: dict = field(default_factory=dict)

    @property
    def n_weights(self) -> int:
        """Stored (non-zero) parameters of the quantized network."""
        return self.network.n_nonzero

    @property
    def memory_bits(self) -> int:
        """``n_weights * bits_per_weight + codebook bits``."""
        return self.weight_set.memory_bits(self.network)

    @property
    def depth(self) -> int:
        return self.network.depth


def weight_set(levels: int | None = None, bits: int | None = None, k: int = 2) -> WeightSet:
    """The stated weight set from exactly one of ``levels`` (lambda values) or ``bits`` (lambda-bit grid)."""
    if (levels is None) == (bits is None):
        raise ValueError("give exactly one of levels (number of weight values) or bits (bit width)")
    return WeightSet.levels(levels, k) if levels is not None else WeightSet.bits(bits)


def _check_sharing(sharing: str) -> str:
    if sharing not in SHARING:
        raise ValueError(f"sharing must be one of {', '.join(SHARING)}; got {sharing!r}")
    return sharing


def _check_m(m) -> int:
    if isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 200:
        raise ValueError(f"m (number of stages) must be an integer in [1, 200], got {m!r}")
    return m


# ------------------------------------------------------------------------------------------------
# constants and chains inside a circuit
# ------------------------------------------------------------------------------------------------
class SquareBuilder:
    """Synthesises constants and squares inside a :class:`Circuit` for one weight set.

    ``const(E, L)``: a signal of value ``2^-E`` at layer ``L``, from a root bias at layer 1
    by a chain of set powers (memoised, so stages share it).
    """

    def __init__(self, circuit: Circuit, ws: WeightSet):
        self.c = circuit
        self.ws = ws
        self._const: dict = {}
        self._exps = tuple(sorted(set(ws.exponents) | {0}))

    def const(self, E: int, L: int) -> int:
        """Signal with value ``2^-E`` (``E >= 1``) at layer ``L >= 1``."""
        old = sys.getrecursionlimit()
        if old < 4 * L + 200:
            sys.setrecursionlimit(4 * L + 200)
        r = self._const_rec(E, L)
        if r is None:
            raise ValueError(f"constant 2^-{E} cannot be synthesised by layer {L} with {self.ws.describe()}")
        return r

    def _const_rec(self, E: int, L: int):
        key = (E, L)
        if key in self._const:
            return self._const[key]
        res = None
        if L == 1:
            if self.ws.bias_triple(Fraction(1, 2 ** E)) is not None:
                res = self.c.neuron(lin({}, Fraction(1, 2 ** E)), layer=1)
        else:
            emax = max(self._exps)
            cands = [e for e in self._exps if E - e >= 1 and E - e - 1 <= (L - 2) * emax + 2]
            memo = [e for e in cands if (E - e, L - 1) in self._const and self._const[(E - e, L - 1)] is not None]
            rate = (E - 1) / (L - 1)
            order = memo + sorted((e for e in cands if e not in memo), key=lambda e: (abs(e - rate), -e))
            for e in order:
                prev = self._const_rec(E - e, L - 1)
                if prev is not None:
                    res = self.c.neuron(lin({prev: Fraction(1, 2 ** e)}), layer=L)
                    break
        self._const[key] = res
        return res

    def scale_chain(self, s: int, exponent: int) -> int:
        """``s * 2^-exponent`` by a chain of set powers (``s >= 0``); one neuron per factor."""
        for e in B.chain_factors(exponent, self.ws.exponents):
            s = self.c.neuron(lin({s: Fraction(1, 2 ** e)}))
        return s

    def materialise(self, e: Lin) -> int:
        """A neuron holding ``relu(e)`` (equal to ``e`` when ``e >= 0``)."""
        return self.c.neuron(e)

    def square(self, u0: Lin, m: int, sharing: str = "shared") -> Lin:
        """An expression equal to the square approximant ``f_m(u0)`` (needs ``0 <= u0 <= 1``).

        ``f_m`` is the piecewise-linear interpolant of ``t^2`` at the nodes ``k 2^-m`` (spec §4.1.2).
        """
        c = self.c
        half = Fraction(1, 2)
        A = c.neuron(u0)  # accumulator, holds u0 - sum of finished terms >= f_m(u0) >= 0
        if sharing == "paper":
            u = u0
            ends = []
            for s in range(1, m + 1):
                a = c.copies(u, 2)
                b = c.copies(u.shift(-half), 4)
                g = lin({**{x: 1 for x in a}, **{x: -1 for x in b}})
                y = c.neuron(g)  # g_s >= 0 materialised
                ends.append(self.scale_chain(y, 2 * s))
                u = g
            # subtract finished terms from the accumulator in order of their layer
            ends.sort(key=lambda s_: c.layer_of[s_])
            last = None
            for i, t in enumerate(ends):
                if i == len(ends) - 1:
                    last = t
                    break
                A = c.neuron(lin({A: 1, t: -1}))
            return lin({A: 1, last: -1})
        # shared: u_s = g_s / 4^s;  u_s = 1/2 relu(u_{s-1}) - relu(u_{s-1} - 2^(1-2s))
        one_layer = 2 in self.ws.exponents
        u = u0
        L0 = max((c.layer_of[s_] for s_, _ in u0.terms), default=0)
        for s in range(1, m + 1):
            La = L0 + (s if one_layer else 2 * s - 1)
            a = c.neuron(u, layer=La)
            if s == 1:
                b = c.neuron(u.shift(-half), layer=La)
            else:
                k = self.const(2 * s - 1, La - 1)
                b = c.neuron(u + lin({k: -1}), layer=La)
            us = lin({a: half, b: -1})
            if s == m:
                return lin({A: 1}) - us
            A = c.neuron(lin({A: 1}) - us, layer=La + 1)
            if one_layer:
                u = us
            else:
                u = lin({c.neuron(us, layer=La + 1): 1})
        raise AssertionError("unreachable")


def _bound_nl_or_lin(ws: WeightSet, eps: float) -> float:
    eps = min(max(eps, 1e-300), 0.5)
    if ws.kind == "levels":
        return B.nonlinear_weights_bound(eps, 1, 1, ws.lam) * eps  # strip the (1/eps)^(d/n) volume factor
    return B.linear_weights_bound(eps, 1, 1, ws.lam) * eps


def square_net(m: int, ws: WeightSet | None = None, sharing: str = "shared", levels: int | None = None,
               bits: int | None = None) -> DingResult:
    """Quantized square approximant on ``[0, 1]`` with ``m`` stages: sup error exactly ``2^(-2m-2)``.

    Parameters
    ----------
    m : int
        Number of sawtooth stages, 1 <= m <= 200.
    ws : WeightSet, optional
        The weight set; or give ``levels`` / ``bits``.  For ``levels`` with
        ``sharing="paper"`` the base is ``k = level_base(2m, lam)`` (spec §4.2).
    sharing : {"shared", "paper"}
        Shared constant chain (``O(m)`` weights) or one scaling chain per stage (the paper).

    Returns
    -------
    DingResult
        ``promised_error = 2^(-2m-2)``; ``bound_weights`` = the [R] per-multiplication factor
        ``lam L^(1+1/(lam-1))`` (levels) or ``L + L^2/lam`` (bits) at ``eps = 2^(-2m-2)``.

    Examples
    --------
    >>> r = square_net(3, levels=2)
    >>> r.network.exact([Fraction(3, 8)])[0] == Fraction(9, 64)   # exact at the nodes k/2^m
    True
    """
    m = _check_m(m)
    sharing = _check_sharing(sharing)
    if ws is None:
        if levels is not None and bits is None and sharing == "paper":
            ws = weight_set(levels=levels, k=B.level_base(2 * m, levels))
        else:
            ws = weight_set(levels=levels, bits=bits)
    if not isinstance(ws, WeightSet):
        raise TypeError(f"ws must be a WeightSet, got {type(ws).__name__}")
    c = Circuit(1)
    sb = SquareBuilder(c, ws)
    c.set_outputs([sb.square(lin({0: 1}), m, sharing)])
    meta = {"construction": "ding.square_net", "m": m, "sharing": sharing, "weights": ws.describe()}
    net = c.compile(ws, meta=meta)
    eps = 2.0 ** (-2 * m - 2)
    return DingResult(net, c.to_network(meta=meta), ws, Fraction(1, 2 ** (2 * m + 2)), ((0, 1),),
                      _bound_nl_or_lin(ws, eps), {"m": m, "sharing": sharing})


def square_error_exact(net: Network) -> Fraction:
    """Exact ``sup_{[0,1]} |net(x) - x^2|`` of a scalar network (exact 1-D pieces).

    On each linear piece ``l`` on ``[u, v]`` the error ``l(x) - x^2`` is concave, so its
    extremes are at ``u``, ``v`` or the vertex ``slope/2`` (if inside): all exact rationals.
    """
    from relubits.pieces import pieces

    P = pieces(net, (0, 1))
    bps, vals, slopes = P.breakpoints, P.values, P.slopes
    best = Fraction(0)
    for i, sl in enumerate(slopes):
        u, v = bps[i], bps[i + 1]
        for x, y in ((u, vals[i]), (v, vals[i + 1])):
            best = max(best, abs(y - x * x))
        xv = sl / 2
        if u < xv < v:
            yv = vals[i] + sl * (xv - u)
            best = max(best, abs(yv - xv * xv))
    return best


# ------------------------------------------------------------------------------------------------
# product
# ------------------------------------------------------------------------------------------------
def _gain(c: Circuit, s: int, mu: int) -> Lin:
    """``2^mu * s`` for a signal ``s >= 0``: two copies, then ``mu`` doubling layers ``relu(d1 + d2)``.

    (Coefficient 2 is not a pair sum of set values, so gains are fan-in of duplicates.)
    """
    if mu == 0:
        return lin({s: 1})
    pair = c.copies(lin({s: 1}), 2)
    for _ in range(mu):
        pair = c.copies(lin({pair[0]: 1, pair[1]: 1}), 2)
    return lin({pair[0]: 1})


def _product_into(sb: SquareBuilder, x: Lin, y: Lin, m: int, mu: int, sharing: str,
                  cuts: list | None = None) -> Lin:
    """Expression for the approximate product of ``x, y`` (values in ``[-2^mu, 2^mu]``).

    ``prod(x, y) = 4^mu * (f_m(|x + y| / 2^(mu+1)) - f_m(|x - y| / 2^(mu+1)))``; error
    ``<= 4^mu 2^(-2m-2)``; ``prod(0, y) = prod(x, 0) = 0`` exactly (the two branches agree).
    ``cuts`` (if given) collects the four neurons reading ``+-(x + y)``, ``+-(x - y)``: the
    places where the structural certificate (:mod:`.ding_structural`) cuts the network.
    """
    c = sb.c
    s_plus = x + y
    s_minus = x - y
    sigs = []
    for e in (s_plus, s_minus):
        p = c.neuron(e)
        n = c.neuron(e * -1)
        if cuts is not None:
            cuts += [p, n]
        p = sb.scale_chain(p, mu + 1)
        n = sb.scale_chain(n, mu + 1)
        sigs.append(lin({p: 1, n: 1}))  # |e| / 2^(mu+1)
    q1 = sb.square(sigs[0], m, sharing)
    q2 = sb.square(sigs[1], m, sharing)
    # materialise the (non-negative) squares and apply the gain 4^mu = 2^(2 mu)
    Q1 = c.neuron(q1)
    Q2 = c.neuron(q2)
    return _gain(c, Q1, 2 * mu) - _gain(c, Q2, 2 * mu)


def product_net(m: int, M: int = 1, ws: WeightSet | None = None, sharing: str = "shared",
                levels: int | None = None, bits: int | None = None) -> DingResult:
    """Quantized approximate product ``x*y`` on ``[-M, M]^2`` (``M`` a power of two).

    ``promised_error = M^2 2^(-2m-2)`` (proof docs/ding.md §5).  Exactly 0 when ``x = 0`` or ``y = 0``.

    Examples
    --------
    >>> r = product_net(4, M=1, levels=2)
    >>> float(r.network.exact([Fraction(1, 2), Fraction(-1, 2)])[0])
    -0.25
    """
    m = _check_m(m)
    sharing = _check_sharing(sharing)
    if isinstance(M, bool) or not isinstance(M, int) or M < 1 or M & (M - 1) or M > 2 ** 20:
        raise ValueError(f"M must be a power of two in [1, 2**20], got {M!r}")
    mu = M.bit_length() - 1
    if ws is None:
        ws = weight_set(levels=levels, bits=bits)
    c = Circuit(2, signed_inputs=True)
    sb = SquareBuilder(c, ws)
    c.set_outputs([_product_into(sb, lin({0: 1}), lin({1: 1}), m, mu, sharing)])
    meta = {"construction": "ding.product_net", "m": m, "M": M, "sharing": sharing, "weights": ws.describe()}
    net = c.compile(ws, meta=meta)
    eps = 2.0 ** (-2 * m - 2) * M * M
    return DingResult(net, c.to_network(meta=meta), ws, Fraction(M * M, 2 ** (2 * m + 2)), ((-M, M), (-M, M)),
                      _bound_nl_or_lin(ws, min(eps, 0.5)), {"m": m, "M": M, "sharing": sharing})


def monomial_net(alpha: Sequence[int], m: int, ws: WeightSet | None = None, sharing: str = "shared",
                 levels: int | None = None, bits: int | None = None) -> DingResult:
    """Quantized monomial ``x^alpha`` on ``[-1, 1]^d`` by a chain of approximate products (M = 2).

    ``promised_error = (|alpha| - 1) * 4 * 2^(-2m-2)`` (docs/ding.md §7: each product adds at most
    ``4 E`` while all partial products stay in ``[-2, 2]``); exact for ``|alpha| <= 1``.

    Examples
    --------
    >>> r = monomial_net((2, 1), 4, levels=2)
    >>> abs(r.network.exact([Fraction(1, 2), Fraction(-1, 2)])[0] - Fraction(-1, 8)) <= r.promised_error
    True
    """
    alpha = tuple(alpha)
    if not alpha or any(isinstance(a, bool) or not isinstance(a, int) or a < 0 for a in alpha) or len(alpha) > 3:
        raise ValueError(f"alpha must be 1 to 3 non-negative integers, got {alpha!r}")
    if not 1 <= sum(alpha) <= 8:
        raise ValueError(f"|alpha| must be in [1, 8], got {sum(alpha)}")
    m = _check_m(m)
    sharing = _check_sharing(sharing)
    if ws is None:
        ws = weight_set(levels=levels, bits=bits)
    d = len(alpha)
    c = Circuit(d, signed_inputs=True)
    sb = SquareBuilder(c, ws)
    # each occurrence of x_k gets its own pair relu(x_k), relu(-x_k) (hidden, so it can be carried,
    # and x_k + x_k is then a sum of coefficients +-1 on different signals)
    factors = [lin({c.neuron(lin({k: 1})): 1, c.neuron(lin({k: -1})): -1})
               for k in range(d) for _ in range(alpha[k])]
    p = factors[0]
    for f in factors[1:]:
        p = _product_into(sb, p, f, m, 1, sharing)
    c.set_outputs([p])
    meta = {"construction": "ding.monomial_net", "alpha": list(alpha), "m": m, "weights": ws.describe()}
    net = c.compile(ws, meta=meta)
    err = Fraction(4 * (sum(alpha) - 1), 2 ** (2 * m + 2))
    return DingResult(net, c.to_network(meta=meta), ws, err, tuple((-1, 1) for _ in alpha),
                      _bound_nl_or_lin(ws, min(max(float(err), 1e-300), 0.5)), {"m": m, "alpha": list(alpha)})


def polynomial_derivatives(coefficients: dict, d: int) -> Callable:
    """Exact derivatives of a polynomial ``sum_beta a_beta x^beta`` for :func:`approximant`.

    Parameters
    ----------
    coefficients : dict
        ``{beta (tuple of d ints): coefficient}``.
    d : int

    Returns
    -------
    callable ``(point, alpha) -> D^alpha p(point)`` (exact rational arithmetic, returned as float)

    Examples
    --------
    >>> D = polynomial_derivatives({(2,): Fraction(1, 4)}, 1)
    >>> D((0.5,), (1,))
    0.25
    """
    coefs = {}
    for beta, a in coefficients.items():
        beta = tuple(int(b) for b in beta)
        if len(beta) != d or any(b < 0 for b in beta):
            raise ValueError(f"polynomial exponent {beta} must have {d} non-negative entries")
        coefs[beta] = Fraction(a)

    def D(pt, alpha):
        x = [Fraction(v) for v in pt]
        tot = Fraction(0)
        for beta, a in coefs.items():
            if any(b < al for b, al in zip(beta, alpha)):
                continue
            term = a
            for b, al, xv in zip(beta, alpha, x):
                term *= math.perm(b, al) * xv ** (b - al)
            tot += term
        return float(tot)

    return D


# ------------------------------------------------------------------------------------------------
# hats (partition of unity)
# ------------------------------------------------------------------------------------------------
def _hat_into(sb: SquareBuilder, xk: int, nu: int, mk: int, handles: list | None = None) -> tuple[Lin, Lin]:
    """Expressions ``hat(N x_k - m_k)`` and ``t = N x_k - m_k`` (``N = 2^nu``), exact.

    ``hat(t) = relu(t + 1) - 2 relu(t) + relu(t - 1)``, computed at scale ``1/N`` as
    ``relu(x_k - (m_k + j)/N)``, ``j = -1, 0, 1``, then gained by ``N``.  The shifts are
    synthesised structurally (the same neurons for every ``m_k``): the binary digits of the
    fraction read the constant signals ``2^-E``, ``E = 1..nu``, with coefficients in
    ``{-1, 0, 1}``, the integer part is a direct bias in ``{-1, 0}``.  ``handles`` (if given)
    collects ``(z_signal, shift)`` so a template can be re-targeted to another ``m_k``.
    """
    c = sb.c
    N = 2 ** nu
    # read x_k late enough that the constant chains 2^-E (E <= nu) exist one layer before
    Lx = max(c.layer_of[xk], nu + 1)
    xk = c.carry(xk, Lx)
    consts = [sb.const(E, Lx) for E in range(1, nu + 1)]
    zs = []
    for j in (-1, 0, 1):
        shift = Fraction(mk + j, N)
        e = lin({xk: 1}) + _shift_expr(consts, shift, nu)
        z = c.neuron(e)
        if handles is not None:
            handles.append((z, consts, j))
        zs.append((z, e))
    hat_small = lin({zs[0][0]: 1, zs[1][0]: -2, zs[2][0]: 1})  # hat / N, >= 0
    H = c.neuron(hat_small)
    # t/N = x_k - m_k/N as positive and negative parts
    tp = c.neuron(lin({zs[1][0]: 1}))
    tn = c.neuron(zs[1][1] * -1)
    if handles is not None:
        handles.append((tn, consts, "neg"))
    hat = _gain(c, H, nu)
    t = _gain(c, tp, nu) - _gain(c, tn, nu)
    return hat, t


def _shift_digits(shift: Fraction, nu: int) -> tuple[int, list[int]]:
    """``-shift = bias + sum_E coef_E 2^-E`` with ``bias`` the integer part and ``coef_E in {-1, 0, 1}``."""
    N = 2 ** nu
    v = shift * N
    if v.denominator != 1:
        raise ValueError(f"shift {shift} is not a multiple of 2^-{nu}")
    return _shift_digits_int(int(v), nu)


def _shift_digits_int(v: int, nu: int) -> tuple[int, list[int]]:
    """:func:`_shift_digits` of ``shift = v / 2^nu`` (integer arithmetic)."""
    N = 2 ** nu
    sign = -1 if v > 0 else 1
    a = abs(v)
    whole, frac = divmod(a, N)
    coefs = [sign * ((frac >> (nu - E)) & 1) for E in range(1, nu + 1)]
    return sign * whole, coefs


def _shift_expr(consts: list, shift: Fraction, nu: int) -> Lin:
    bias, coefs = _shift_digits(shift, nu)
    return lin({k: cf for k, cf in zip(consts, coefs)}, bias)


def _const_expr(sb: SquareBuilder, value: Fraction, layer_after: int) -> Lin:
    """An expression equal to the dyadic constant ``value`` readable by a neuron at ``layer_after``."""
    value = Fraction(value)
    if sb.ws.bias_triple(value) is not None:
        return lin({}, value)
    nu = max(1, value.denominator.bit_length() - 1)
    consts = [sb.const(E, layer_after - 1) for E in range(1, nu + 1)]
    return _shift_expr(consts, -value, nu)


def hat_net(N: int, m: int, ws: WeightSet | None = None, levels: int | None = None,
            bits: int | None = None) -> DingResult:
    """Quantized 1-D hat ``x -> hat(N x - m)`` on ``[0, 1]`` (``N`` a power of two, ``0 <= m <= N``); exact."""
    if isinstance(N, bool) or not isinstance(N, int) or N < 1 or N & (N - 1) or N > 2 ** 16:
        raise ValueError(f"N must be a power of two in [1, 2**16], got {N!r}")
    if isinstance(m, bool) or not isinstance(m, int) or not 0 <= m <= N:
        raise ValueError(f"m must be an integer in [0, N], got {m!r}")
    if ws is None:
        ws = weight_set(levels=levels, bits=bits)
    c = Circuit(1)
    sb = SquareBuilder(c, ws)
    # place the hat's first layer at layer 2 so constant chains are available
    x1 = c.neuron(lin({0: 1}))
    hat, _ = _hat_into(sb, x1, N.bit_length() - 1, m)
    c.set_outputs([hat])
    meta = {"construction": "ding.hat_net", "N": N, "m": m, "weights": ws.describe()}
    net = c.compile(ws, meta=meta)
    return DingResult(net, c.to_network(meta=meta), ws, Fraction(0), ((0, 1),), 0.0, {"N": N, "m": m})


# ------------------------------------------------------------------------------------------------
# the full approximant: blocks B_{m, alpha}
# ------------------------------------------------------------------------------------------------
class Approximant:
    """The function-independent approximant as a sum of blocks (spec §4.3, Figure 3).

    ``f_hat(x) = sum_blocks block(x)``; block ``(m, alpha)`` is a quantized network
    computing ``c~_{m,alpha} * P~_{m,alpha}(x)`` where ``P~`` approximates
    ``prod_k hat(N x_k - m_k) * prod_k (N x_k - m_k)^alpha_k`` by a chain of approximate
    products, and vanishes exactly outside the cell's support ``|x_k - m_k/N| < 1/N``.
    Each block carries its own constants and gains (the function-independent structure:
    all blocks with the same ``alpha`` share one layout; only shift digits, integer-part
    biases and coefficient digits differ).

    Blocks are materialised on demand (:meth:`block`); sizes are counted exactly from the
    shared template plus each block's patched entries (``tests/test_ding.py`` checks the
    count against materialised blocks).

    Attributes
    ----------
    codes : dict
        ``(m, alpha) -> int``: the coefficient's ``t``-bit code (``c~ = code / 2^t``).
    d, n, N, m_stages, coef_bits : int
    weight_set : WeightSet
    promised_error : float
        Proved bound (sum of ``error_budget``; docs/ding.md §7).
    error_budget : dict
    """

    def __init__(self, templates: dict, codes: dict, d: int, n: int, N: int, ws: WeightSet,
                 budget: dict, m_stages: int, coef_bits: int):
        self.templates = templates
        self.codes = codes
        self.d, self.n, self.N = d, n, N
        self.weight_set = ws
        self.error_budget = budget
        self.promised_error = float(sum(budget.values()))
        self.m_stages, self.coef_bits = m_stages, coef_bits
        self._cache: dict = {}

    @property
    def n_blocks(self) -> int:
        return len(self.codes)

    def block(self, key) -> Network:
        """The quantized network of block ``key = (m, alpha)``."""
        if key not in self._cache:
            mm, alpha = key
            self._cache[key] = self.templates[alpha].network(mm, self.codes[key])
        return self._cache[key]

    @property
    def blocks(self) -> dict:
        """All blocks materialised (``(m, alpha) -> Network``); use for small cases."""
        return {k: self.block(k) for k in self.codes}

    @property
    def n_weights(self) -> int:
        """Stored (non-zero) parameters over all blocks (counted exactly from the templates)."""
        return sum(self.templates[al].nnz(mm, code) for (mm, al), code in self.codes.items())

    @property
    def memory_bits(self) -> int:
        """``n_weights * bits_per_weight + codebook``; every template is checked on the set
        and every patched entry comes from the set's pair/bias decompositions."""
        ws = self.weight_set
        return self.n_weights * ws.bits_per_weight + ws.codebook_bits

    @property
    def depth(self) -> int:
        return max(t.depth for t in self.templates.values())

    def to_network(self) -> Network:
        """One network (blocks side by side on the shared input, outputs summed); small cases only."""
        from relubits.network import add

        nets = [self.block(k) for k in self.codes]
        L = max(n.depth for n in nets)
        total = None
        for b in nets:
            b = b.deepen(L) if b.depth < L else b
            total = b if total is None else add(total, b)
        return total

    def evaluate(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Float64 values and rigorous float error bounds at the rows of ``X`` (blocks on their support only).

        Uses the templates' float layers patched per block (exact: every parameter is a
        short dyadic number) and the forward error bound of :func:`float_forward`.
        """
        X = np.asarray(X, dtype=np.float64).reshape(-1, self.d)
        N = self.N
        val = np.zeros(X.shape[0])
        err = np.zeros(X.shape[0])
        for key, code in self.codes.items():
            mm = key[0]
            if code == 0:
                continue  # identically zero block
            mask = np.ones(X.shape[0], dtype=bool)
            for k in range(self.d):
                mask &= np.abs(X[:, k] * N - mm[k]) < 1
            if not mask.any():
                continue
            v, e = self.templates[key[1]].float_forward(mm, code, X[mask])
            val[mask] += v[:, 0]
            err[mask] += e[:, 0]
        return val, err


def float_forward(layers: list, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float64 forward pass with a rigorous error bound (parameters exact in float64).

    Per layer ``h' = A h + c`` is computed with error at most ``gamma_{n+1} (|A||h| + |c|)``
    plus the propagated error ``|A| err`` (``gamma_k = k u / (1 - k u)``, ``u = 2^-53``);
    ReLU is 1-Lipschitz.  The result is inflated by ``(1 + 2^-40)`` to cover the rounding
    of the bound itself (as in :meth:`Network.float_error_bound`).
    """
    u = 2.0 ** -53
    h = np.asarray(X, dtype=np.float64)
    err = np.zeros_like(h)
    last = len(layers) - 1
    for i, (A, c) in enumerate(layers):
        n = A.shape[1]
        gamma = (n + 2) * u / (1 - (n + 2) * u)
        aA = abs(A)
        ea = np.asarray((aA @ err.T).T)
        mag = np.asarray((aA @ np.abs(h).T).T) + np.abs(c)
        err = ea * (1 + gamma) + gamma * (mag + ea)
        h = np.asarray((A @ h.T).T) + c
        if i < last:
            np.maximum(h, 0.0, out=h)
    return h, err * (1 + 2.0 ** -40) + np.finfo(np.float64).tiny * (len(layers) + 1)


def _multi_indices(d: int, n: int) -> list[tuple]:
    out = []

    def rec(prefix, left):
        if len(prefix) == d:
            out.append(tuple(prefix))
            return
        for a in range(left + 1):
            rec(prefix + [a], left - a)

    rec([], n - 1)
    return out


def _quantize_coef(c: float, t: int) -> int:
    """``round(c * 2^t)`` (nearest, ties away) as an int -- the coefficient's ``t``-bit code."""
    v = c * 2 ** t
    return int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)


def _block_circuit(ws: WeightSet, d: int, nu: int, mm: tuple, alpha: tuple, code: int, t: int, m: int,
                   sharing: str):
    """Circuit of block ``(mm, alpha)``: ``(code / 2^t) * P~_{mm, alpha}(x)``; returns ``(circuit, handles)``."""
    c = Circuit(d)
    sb = SquareBuilder(c, ws)
    handles: dict = {"shifts": [], "out": []}
    xs = [c.neuron(lin({k: 1})) for k in range(d)]
    factors = []
    ts = []
    for k in range(d):
        hk: list = []
        hat, tk = _hat_into(sb, xs[k], nu, mm[k], hk)
        handles["shifts"].append(hk)
        factors.append(hat)
        ts.append(tk)
    for k in range(d):
        factors += [ts[k]] * alpha[k]
    p = factors[0]
    cuts: list = []
    for f in factors[1:]:
        p = _product_into(sb, p, f, m, 1, sharing, cuts)  # factors and partial products in [-2, 2]
    # coefficient: code / 2^t = whole + sum_i digit_i 2^-i read from halving chains of p+ and p-
    # (the chains exist whatever the coefficient: function-independent structure)
    pp = c.neuron(p)
    pn = c.neuron(p * -1)
    handles["cuts"] = cuts + [pp, pn]
    chains = []
    for src in (pp, pn):
        cur = src
        ch = [cur]
        for i in range(1, t + 1):
            cur = c.neuron(lin({cur: Fraction(1, 2)}))
            ch.append(cur)
        chains.append(ch)
    # carry every chain signal to the last layer, whatever the digits (fixed structure)
    Lend = max(c.layer_of)
    chains = [[c.carry(sig, Lend) for sig in ch] for ch in chains]
    handles["out"] = chains
    c.set_outputs([_coef_output(chains, code, t)])
    return c, handles


def _coef_digits(code: int, t: int) -> list[int]:
    """Coefficients on ``p 2^-i`` (i = 0..t) of ``code/2^t`` (|code| <= 2^t): whole part, then bits."""
    if abs(code) >= 2 ** (t + 1):
        raise ValueError(f"coefficient code {code} exceeds 2^({t}+1)")
    sign = 1 if code >= 0 else -1
    a = abs(code)
    return [sign * (a >> t)] + [sign * ((a >> (t - i)) & 1) for i in range(1, t + 1)]


def _coef_output(chains: list, code: int, t: int) -> Lin:
    dig = _coef_digits(code, t)
    terms = {}
    for ch, sg in zip(chains, (1, -1)):
        for sig, dv in zip(ch, dig):
            if dv:
                terms[sig] = sg * dv
    out = lin(terms)
    return out if out.terms else Lin(((chains[1][-1], Fraction(0)),))


def _block(ws: WeightSet, d: int, nu: int, mm: tuple, alpha: tuple, code: int, t: int, m: int,
           sharing: str) -> Network:
    """Quantized block computing ``(code / 2^t) * P~_{mm, alpha}(x)`` (built from scratch)."""
    c, _ = _block_circuit(ws, d, nu, mm, alpha, code, t, m, sharing)
    return c.compile(ws, meta={"construction": "ding.block", "cell": list(mm), "alpha": list(alpha)})


class _BlockTemplate:
    """One compiled block per ``alpha``, re-targeted to any cell and coefficient by patching entries.

    Only the shift digits (rows of the ``z`` neurons), the integer-part biases and the
    output digits depend on ``(mm, code)``; every other parameter and the layout are shared
    (the function-independent structure).  ``tests/test_ding.py`` checks patched == built.
    """

    def __init__(self, ws: WeightSet, d: int, nu: int, alpha: tuple, t: int, m: int, sharing: str):
        self.ws, self.d, self.nu, self.t = ws, d, nu, t
        mm0 = tuple([0] * d)
        c, h = _block_circuit(ws, d, nu, mm0, alpha, 2 ** t, t, m, sharing)
        net = c.compile(ws)
        self.layers = []
        for A, cc, den in net.integer_layers:
            if den % 2:
                A, cc, den = A * 2, cc * 2, den * 2
            self.layers.append((A, cc, den))
        pos = c.positions()
        self.shift_rows = []  # per k: list of (layer, row, [cols...], kind)
        for hk in h["shifts"]:
            rows = []
            for z, consts, j in hk:
                lz, pz = pos[z]
                cols = [pos[k][1] for k in consts]
                rows.append((lz, pz, cols, j))
            self.shift_rows.append(rows)
        self.out_cols = [[pos[s][1] for s in ch] for ch in h["out"]]
        # compiled rows of the neurons where the structural certificate cuts (hints only: every
        # property the certificate uses is re-checked on the compiled weights)
        self.cut_rows = sorted({(pos[s][0], 2 * pos[s][1] + i) for s in h["cuts"] for i in (0, 1)})
        self.kc = {l: self.layers[l][0].shape[1] - 2 for l in range(len(self.layers))}
        self._base_nnz = None
        self._pairs: dict = {}
        self._triples: dict = {}

    @property
    def depth(self) -> int:
        return len(self.layers)

    def _patches(self, mm: tuple, code: int):
        """Yield ``(layer, row, col or None, value)`` for every entry that depends on ``(mm, code)``."""
        for k in range(self.d):
            yield from self._patches_k(k, mm[k])
        yield from self._patches_out(code)

    def _pair(self, v: int):
        """``ws.pair(v)`` for an integer ``v``, memoised per template (patches use a handful of values)."""
        p = self._pairs.get(v)
        if p is None:
            p = self._pairs[v] = self.ws.pair(Fraction(v))
        return p

    def _triple(self, v: int):
        """``ws.bias_triple(v)`` for an integer ``v``, memoised per template."""
        p = self._triples.get(v)
        if p is None:
            p = self._triples[v] = self.ws.bias_triple(Fraction(v))
        return p

    def _patches_k(self, k: int, mk: int):
        for lz, pz, cols, j in self.shift_rows[k]:
            # shift = (mk + j) / 2^nu: its digits in integer arithmetic
            bias, coefs = _shift_digits_int(mk + (0 if j == "neg" else j), self.nu)
            if j == "neg":  # relu(-(x - shift)): negated expression
                bias, coefs = -bias, [-v for v in coefs]
            pairs = [self._pair(cf) for cf in coefs]
            delta, a1, a2 = self._triple(bias)
            kc = self.kc[lz]
            for r in (2 * pz, 2 * pz + 1):
                for q, (a, b) in zip(cols, pairs):
                    yield lz, r, 2 * q, a
                    yield lz, r, 2 * q + 1, b
                yield lz, r, None, delta
                yield lz, r, kc, a1
                yield lz, r, kc + 1, a2

    def _patches_out(self, code: int):
        dig = _coef_digits(code, self.t)
        last = len(self.layers) - 1
        for cols, sg in zip(self.out_cols, (1, -1)):
            for q, dv in zip(cols, dig):
                a, b = self._pair(sg * dv)
                yield last, 0, 2 * q, a
                yield last, 0, 2 * q + 1, b

    def float_layers(self, mm: tuple, code: int) -> list:
        """The block's layers as float64 ``(A, c)`` (every entry is a short dyadic: exact in float64)."""
        if getattr(self, "_float", None) is None:
            self._float = [(A.astype(np.float64) / den, cc.astype(np.float64) / den) for A, cc, den in self.layers]
        cur = [(A.copy(), cc.copy()) for A, cc in self._float]
        for l, r, c, v in self._patches(mm, code):
            if c is None:
                cur[l][1][r] = float(v)
            else:
                cur[l][0][r, c] = float(v)
        return cur

    def _sparse_init(self) -> None:
        import scipy.sparse as sp

        pos = {}
        for l, r, c, _ in self._patches(tuple([0] * self.d), 0):
            pos.setdefault(l, set()).add((r, c))
        self._sp = []
        self._sp_index = {}
        for l, (A, cc, den) in enumerate(self.layers):
            Af = A.astype(np.float64) / den
            mark = np.zeros(Af.shape, dtype=bool)
            for r, c in pos.get(l, ()):
                if c is not None:
                    mark[r, c] = True
            Af_struct = np.where(mark, 1.0, Af)
            M = sp.csr_matrix(Af_struct)
            M.sort_indices()
            # data index of every patch position
            for r, c in pos.get(l, ()):
                if c is None:
                    continue
                lo, hi = M.indptr[r], M.indptr[r + 1]
                k = lo + int(np.searchsorted(M.indices[lo:hi], c))
                self._sp_index[(l, r, c)] = k
            data = M.data.copy()
            for r, c in pos.get(l, ()):
                if c is not None:
                    data[self._sp_index[(l, r, c)]] = Af[r, c]
            self._sp.append((M, data, cc.astype(np.float64) / den))

    def float_forward(self, mm: tuple, code: int, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:func:`float_forward` of block ``(mm, code)`` with sparse layers (patched copies of the data only).

        Falls back to dense patched copies when SciPy is not installed (same result, slower).
        """
        try:
            import scipy.sparse as sp
        except ImportError:  # pragma: no cover - scipy is optional
            return float_forward(self.float_layers(mm, code), X)

        if getattr(self, "_sp", None) is None:
            self._sparse_init()
        datas = [d.copy() for _, d, _ in self._sp]
        biases = [c.copy() for _, _, c in self._sp]
        for l, r, c, v in self._patches(mm, code):
            if c is None:
                biases[l][r] = float(v)
            else:
                datas[l][self._sp_index[(l, r, c)]] = float(v)
        layers = []
        for (M, _, _), dt, cb in zip(self._sp, datas, biases):
            layers.append((sp.csr_matrix((dt, M.indices, M.indptr), shape=M.shape), cb))
        return float_forward(layers, X)

    def nnz(self, mm: tuple, code: int) -> int:
        """Non-zero parameters of block ``(mm, code)`` without building it.

        The patched positions of different coordinates and of the output are disjoint, so the
        count is ``base + sum_k count_k(mm_k) + count_out(code)`` (each part cached).
        """
        if self._base_nnz is None:
            cur = [(A.copy(), cc.copy(), den) for A, cc, den in self.layers]
            for l, r, c, _ in self._patches(tuple([0] * self.d), 0):
                if c is None:
                    cur[l][1][r] = 0
                else:
                    cur[l][0][r, c] = 0
            self._base_nnz = sum(int(np.count_nonzero(A != 0)) + int(np.count_nonzero(cc != 0)) for A, cc, _ in cur)
            self._nnz_cache = {}
        total = self._base_nnz
        parts = [(("k", k, mm[k]), lambda k=k: self._patches_k(k, mm[k])) for k in range(self.d)]
        parts.append((("out", code), lambda: self._patches_out(code)))
        for key, gen in parts:
            if key not in self._nnz_cache:
                seen = {}
                for l, r, c, v in gen():
                    seen[(l, r, c)] = v
                self._nnz_cache[key] = sum(1 for v in seen.values() if v)  # Fraction truthiness: v != 0
            total += self._nnz_cache[key]
        return total

    def _set(self, layer: int, row: int, col: int | None, value: Fraction) -> None:
        A, cc, den = self.cur[layer]
        v = value * den
        if v.denominator != 1:
            raise AssertionError("template denominator too small")
        if A.dtype != object and abs(v) >= 2 ** 62:  # leave int64 for this layer (never for set values)
            A, cc = A.astype(object), cc.astype(object)
            self.cur[layer] = (A, cc, den)
        if col is None:
            cc[row] = int(v)
        else:
            A[row, col] = int(v)

    def network(self, mm: tuple, code: int) -> Network:
        self.cur = []
        for A, cc, den in self.layers:
            # int64 when every numerator fits (numpy raises OverflowError otherwise, never wraps):
            # Network.from_integer_layers then skips its per-entry type checks of object arrays
            try:
                A, cc = A.astype(np.int64), cc.astype(np.int64)
            except OverflowError:
                A, cc = A.copy(), cc.copy()
            self.cur.append((A, cc, den))
        for l, r, c, v in self._patches(mm, code):
            self._set(l, r, c, v)
        net = Network.from_integer_layers(self.cur, meta={"construction": "ding.block", "cell": list(mm)})
        self.cur = None
        return net


def approximant(f: Callable | None = None, d: int = 1, n: int = 1, eps: float = 0.1,
                levels: int | None = None, bits: int | None = None, derivatives: Callable | None = None,
                sharing: str = "shared", max_blocks: int = 200_000) -> Approximant:
    """The quantized approximant of ``f`` in the unit ball of ``W^(n,inf)([0,1]^d)`` within ``eps``.

    Parameters
    ----------
    f : callable
        ``f(X)`` on an (k, d) float array (used when ``derivatives`` is not given).
    d, n : int
        Dimension and smoothness, each in {1, 2, 3}.
    eps : float
        Target sup error, ``0 < eps < 1``.
    levels, bits : int
        Exactly one: number of weight values (>= 2) or bit width (>= 2).
    derivatives : callable, optional
        ``derivatives(point, alpha) -> float``: exact ``D^alpha f(point)``; default: inward
        finite differences of ``f`` (:func:`fd_derivative`), whose proved error enters the
        budget as ``"derivatives"``.
    sharing : {"shared", "paper"}
        Square-net variant inside each product.

    Returns
    -------
    Approximant

    Raises
    ------
    ValueError
        Bad ``eps``/``d``/``n``/``levels``/``bits``, a derivative of modulus > 1 (outside
        the unit ball), or more than ``max_blocks`` blocks.
    """
    eps, d, n = B.check_eps_d_n(eps, d, n)
    if eps < 1e-12:
        raise ValueError(f"eps must be >= 1e-12 for the approximant (the blocks would not fit in memory), got {eps!r}")
    ws = weight_set(levels=levels, bits=bits)
    sharing = _check_sharing(sharing)
    if f is None and derivatives is None:
        raise ValueError("give the target f (callable) or derivatives")
    nu = B.grid_exponent(eps / 2, d, n)
    N = 2 ** nu
    alphas = _multi_indices(d, n)
    n_blocks = (N + 1) ** d * len(alphas)
    if n_blocks > max_blocks:
        raise ValueError(f"eps = {eps} needs {n_blocks} blocks (> max_blocks = {max_blocks}); use a larger eps")
    cells = list(np.ndindex(*([N + 1] * d)))
    T = len(alphas)
    r_max = d + n - 1  # factors per block
    # error budget: eps/2 Taylor (by choice of N), the rest split between products and coefficient rounding
    active = 2 ** d * T
    rest = eps - B.taylor_error_bound(N, d, n)
    # product error per block <= (r-1) * 4 * 2^(-2m-2) (factors and partial products in [-2,2], M = 2)
    m = 1
    while active * max(r_max - 1, 0) * 4 * 2.0 ** (-2 * m - 2) > 0.45 * rest and m < 60:
        m += 1
    t = 1
    while active * 2.0 * 2.0 ** (-t - 1) > 0.45 * rest:
        t += 1
    prod_err = active * max(r_max - 1, 0) * 4 * 2.0 ** (-2 * m - 2)
    coef_err = active * 2.0 * 2.0 ** (-t - 1)
    codes: dict = {}
    templates = {alpha: _BlockTemplate(ws, d, nu, alpha, t, m, sharing) for alpha in alphas}
    deriv_err = 0.0
    fact = {alpha: math.prod(math.factorial(a) for a in alpha) for alpha in alphas}
    for alpha in alphas:
        if derivatives is not None:
            vals = [(float(derivatives(tuple(mk / N for mk in mm), alpha)), 0.0) for mm in cells]
        else:
            vals = fd_derivatives_batch(f, [tuple(mk / N for mk in mm) for mm in cells], alpha, d)
        for mm, (dv, derr) in zip(cells, vals):
            deriv_err = max(deriv_err, derr / (fact[alpha] * N ** sum(alpha)))
            if not math.isfinite(dv) or abs(dv) > 1 + 1e-3 + derr:
                pt = tuple(mk / N for mk in mm)
                raise ValueError(f"target is outside the unit ball of W^({n},inf): |D^{alpha} f({pt})| = {abs(dv):.4g} > 1")
            codes[(mm, alpha)] = _quantize_coef(dv / fact[alpha] / N ** sum(alpha), t)
    codes = {(mm, alpha): codes[(mm, alpha)] for mm in cells for alpha in alphas}
    budget = {"taylor": B.taylor_error_bound(N, d, n), "products": prod_err, "coefficients": coef_err,
              "derivatives": active * 2.0 * deriv_err}
    if sum(budget.values()) > eps:
        raise ValueError(f"error budget {sum(budget.values()):.3g} exceeds eps = {eps} (finite-difference error too large)")
    return Approximant(templates, codes, d, n, N, ws, budget, m, t)


FD_STEP_EXP = {1: 20, 2: 13, 3: 10}


def fd_derivative(f: Callable, pt: Sequence[float], alpha: tuple, d: int) -> tuple[float, float]:
    """One-sided (inward) finite-difference estimate of ``D^alpha f(pt)`` and its error bound.

    The forward difference ``Delta^alpha f / h^|alpha|`` equals ``D^alpha f(xi)`` at a point
    ``xi`` of the box ``pt + [0, alpha_k h]`` (mean value theorem per coordinate), so when
    ``|D^beta f| <= 1`` for ``|beta| = |alpha| + 1`` the truncation error is at most
    ``|alpha| h``; float rounding of ``f`` values (relative ``2^-50``, ``|f| <= 1``) adds
    ``2^|alpha| 2^-50 / h^|alpha|``.  Steps ``h = 2^-FD_STEP_EXP[|alpha|]``.

    Returns
    -------
    (estimate, error_bound)
    """
    order = sum(alpha)
    if order == 0:
        v = float(np.asarray(f(np.array([pt], dtype=np.float64) if d > 1 else np.array([pt[0]])), dtype=np.float64).reshape(-1)[0])
        return v, 2.0 ** -50
    h = 2.0 ** -FD_STEP_EXP[min(order, 3)]
    offsets = [np.zeros(d)]
    weights = [1.0]
    for k, a in enumerate(alpha):
        if a == 0:
            continue
        s = 1.0 if pt[k] + a * h <= 1.0 else -1.0
        new_o, new_w = [], []
        for o, w in zip(offsets, weights):
            for i in range(a + 1):
                e = o.copy()
                e[k] += s * i * h
                new_o.append(e)
                new_w.append(w * math.comb(a, i) * (-1) ** (a - i) / (s * h) ** a)
        offsets, weights = new_o, new_w
    P = np.array(pt, dtype=np.float64)[None, :] + np.array(offsets)
    vals = np.asarray(f(P if d > 1 else P[:, 0]), dtype=np.float64).reshape(-1)
    est = float(np.dot(vals, weights))
    return est, order * h + 2.0 ** order * 2.0 ** -50 / h ** order


def fd_derivatives_batch(f: Callable, pts: list, alpha: tuple, d: int) -> list[tuple[float, float]]:
    """:func:`fd_derivative` at many points with one call of ``f`` (same steps and error bounds)."""
    order = sum(alpha)
    P = np.array(pts, dtype=np.float64).reshape(-1, d)
    if order == 0:
        v = np.asarray(f(P if d > 1 else P[:, 0]), dtype=np.float64).reshape(-1)
        return [(float(x), 2.0 ** -50) for x in v]
    h = 2.0 ** -FD_STEP_EXP[min(order, 3)]
    # inward direction per point and coordinate
    sgn = np.where(P + np.array(alpha)[None, :] * h <= 1.0, 1.0, -1.0)
    offsets = [(np.zeros(d), 1.0)]
    for k, a in enumerate(alpha):
        new = []
        for o, w in offsets:
            for i in range(a + 1):
                e = o.copy()
                e[k] += i
                new.append((e, w * math.comb(a, i) * (-1) ** (a - i)))
        offsets = new
    est = np.zeros(P.shape[0])
    for o, w in offsets:
        Q = P + sgn * o[None, :] * h
        v = np.asarray(f(Q if d > 1 else Q[:, 0]), dtype=np.float64).reshape(-1)
        est += w * v
    scale = np.prod([(sgn[:, k] * h) ** a for k, a in enumerate(alpha)], axis=0)
    est = est / scale
    err = order * h + 2.0 ** order * 2.0 ** -50 / h ** order
    return [(float(x), err) for x in est]


def check_unit_ball(f: Callable, d: int, n: int, name: str = "target", points_per_dim: int = 0) -> float:
    """Numerical check that ``|D^alpha f| <= 1`` for ``|alpha| <= n`` at sample points of ``[0,1]^d``.

    Not a proof (finite differences at finitely many points); it rejects targets that
    visibly leave the unit ball of ``W^(n,inf)``.  Returns the largest estimate.

    Raises
    ------
    ValueError
        Naming ``name``, the multi-index and the point where an estimate exceeds ``1 + 1e-3``.
    """
    ppd = points_per_dim or {1: 33, 2: 9, 3: 5}[d]
    axes = np.linspace(0.0, 1.0, ppd)
    worst = 0.0
    alphas = [a for a in _multi_indices(d, n + 1)]
    for idx in np.ndindex(*([ppd] * d)):
        pt = tuple(float(axes[i]) for i in idx)
        for alpha in alphas:
            v, err = fd_derivative(f, pt, alpha, d)
            if not math.isfinite(v):
                raise ValueError(f"{name} is not finite near x = {pt}")
            tol = 1e-3 + err
            if abs(v) > 1 + tol:
                raise ValueError(f"{name} is outside the unit ball of W^({n},inf)([0,1]^{d}): "
                                 f"|D^{alpha} f({', '.join(f'{p:.3g}' for p in pt)})| ~ {abs(v):.4g} > 1")
            worst = max(worst, abs(v))
    return worst
