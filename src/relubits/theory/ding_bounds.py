"""Weight-count and memory bounds for quantized ReLU approximation (Ding, Liu, Xiong, Shi 2018/2019).

Pure functions of numbers.  Every formula names the section of the spec digest
``shared/spec/ding2018_universal.md`` it comes from and is marked

* **[R]** -- the paper's bound as recalled in the digest (the paper body was not
  readable; the *form* is the paper's, exponents unverified), with every hidden
  constant set to 1 unless a ``const`` argument is given;
* **[C]** -- derived here (proofs in ``docs/ding.md``), with explicit constants.

Conventions: ``L_eps = log2(1/eps)`` (base 2 throughout), ``d`` = input dimension,
``n`` = smoothness order, ``lam`` = number of distinct weight values (nonlinear
quantization) or the bit width (linear quantization).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "log_inv", "check_eps_d_n", "check_levels", "check_bits",
    "nonlinear_weights_bound", "nonlinear_memory_bound", "nonlinear_depth_bound",
    "linear_weights_bound", "linear_memory_bound", "linear_depth_bound",
    "yarotsky_upper_weights", "yarotsky_lower_weights_fixed", "yarotsky_lower_weights_any",
    "overhead_ratio", "optimal_levels", "optimal_bits_linear",
    "square_stages", "chain_factors", "chain_length", "level_base", "square_chain_weights",
    "taylor_error_bound", "grid_exponent", "n_multi_indices", "OptimalLevels",
]

MAX_D = 3
MAX_N = 3


# ------------------------------------------------------------------------------------------------
# argument checks (shared with the constructions)
# ------------------------------------------------------------------------------------------------
def check_eps_d_n(eps, d, n, d_max: int = MAX_D, n_max: int = MAX_N) -> tuple[float, int, int]:
    """Validate ``0 < eps < 1``, ``1 <= d <= d_max``, ``1 <= n <= n_max``; return them.

    Raises
    ------
    ValueError
        Naming the offending parameter and the accepted range.
    """
    try:
        e = float(eps)
    except (TypeError, ValueError):
        raise ValueError(f"eps must be a number in (0, 1), got {eps!r}") from None
    if not (0.0 < e < 1.0) or math.isnan(e):
        raise ValueError(f"eps must be in (0, 1), got {eps!r}")
    for name, v, hi in (("d", d, d_max), ("n", n, n_max)):
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= hi:
            raise ValueError(f"{name} must be an integer in [1, {hi}], got {v!r}")
    return e, d, n


def check_levels(lam) -> int:
    """Validate a number of weight values ``lam >= 2`` (at most 64)."""
    if isinstance(lam, bool) or not isinstance(lam, int) or not 2 <= lam <= 64:
        raise ValueError(f"levels (lambda) must be an integer in [2, 64], got {lam!r}")
    return lam


def check_bits(bits) -> int:
    """Validate a bit width ``2 <= bits <= 64``."""
    if isinstance(bits, bool) or not isinstance(bits, int) or not 2 <= bits <= 64:
        raise ValueError(f"bits (lambda) must be an integer in [2, 64], got {bits!r}")
    return bits


def log_inv(eps) -> float:
    """``L_eps = log2(1/eps)`` for ``0 < eps < 1``."""
    e = float(eps)
    if not 0.0 < e < 1.0:
        raise ValueError(f"eps must be in (0, 1), got {eps!r}")
    return math.log2(1.0 / e)


def _vol(eps: float, d: int, n: int) -> float:
    return (1.0 / eps) ** (d / n)


# ------------------------------------------------------------------------------------------------
# [R] the paper's bounds (spec §3.1, §3.2), hidden constants = const (default 1)
# ------------------------------------------------------------------------------------------------
def nonlinear_weights_bound(eps, d: int, n: int, lam: int, const: float = 1.0) -> float:
    """[R, spec §3.1] ``W <= const * lam * L^(1/(lam-1)+1) * (1/eps)^(d/n)`` (lam weight values).

    Examples
    --------
    >>> round(nonlinear_weights_bound(0.25, 1, 1, 2))   # 2 * 2**2 * 4
    32
    """
    e, d, n = check_eps_d_n(eps, d, n)
    lam = check_levels(lam)
    L = log_inv(e)
    return const * lam * L ** (1.0 / (lam - 1) + 1.0) * _vol(e, d, n)


def nonlinear_memory_bound(eps, d: int, n: int, lam: int, const: float = 1.0) -> float:
    """[R, spec §3.1] ``M <= const * lam * log2(lam) * L^(1/(lam-1)+1) * (1/eps)^(d/n)`` bits."""
    lam = check_levels(lam)
    return nonlinear_weights_bound(eps, d, n, lam, const) * math.log2(lam)


def nonlinear_depth_bound(eps, lam: int, const: float = 1.0) -> float:
    """[R, spec §3.1, exponent low confidence] ``depth <= const * (lam * L^(1/(lam-1)+1) + L)``."""
    lam = check_levels(lam)
    L = log_inv(eps)
    return const * (lam * L ** (1.0 / (lam - 1) + 1.0) + L)


def linear_weights_bound(eps, d: int, n: int, bits: int, const: float = 1.0) -> float:
    """[R, spec §3.2] ``W <= const * (L + L^2/lam) * (1/eps)^(d/n)`` (lam-bit uniform grid)."""
    e, d, n = check_eps_d_n(eps, d, n)
    bits = check_bits(bits)
    L = log_inv(e)
    return const * (L + L * L / bits) * _vol(e, d, n)


def linear_memory_bound(eps, d: int, n: int, bits: int, const: float = 1.0) -> float:
    """[R, spec §3.2] ``M <= const * (lam*L + L^2) * (1/eps)^(d/n)`` bits."""
    bits = check_bits(bits)
    return linear_weights_bound(eps, d, n, bits, const) * bits


def linear_depth_bound(eps, const: float = 1.0) -> float:
    """[R, spec §3.2] ``depth <= const * L``."""
    return const * log_inv(eps)


# ------------------------------------------------------------------------------------------------
# [R] unquantized comparison (Yarotsky 2017 as quoted in spec §3.4)
# ------------------------------------------------------------------------------------------------
def yarotsky_upper_weights(eps, d: int, n: int, const: float = 1.0) -> float:
    """[R, spec §3.1 limit / §4.1.6] unquantized fixed architecture: ``W = O(L * (1/eps)^(d/n))``."""
    e, d, n = check_eps_d_n(eps, d, n)
    return const * log_inv(e) * _vol(e, d, n)


def yarotsky_lower_weights_fixed(eps, d: int, n: int, p: int = 1, const: float = 1.0) -> float:
    """[R, spec §3.4; Yarotsky Thm 4(b)] depth ``O(L^p)`` fixed architectures need ``>= c eps^(-d/n) L^(-2p-1)`` weights."""
    e, d, n = check_eps_d_n(eps, d, n)
    return const * _vol(e, d, n) * log_inv(e) ** (-2 * p - 1)


def yarotsky_lower_weights_any(eps, d: int, n: int, const: float = 1.0) -> float:
    """[R, spec §3.4; Yarotsky Thm 4(a)] any fixed architecture: ``>= c eps^(-d/(2n))`` weights."""
    e, d, n = check_eps_d_n(eps, d, n)
    return const * (1.0 / e) ** (d / (2 * n))


def overhead_ratio(eps, d: int, n: int, lam: int, model: str = "levels") -> float:
    """[C, arithmetic of spec §3.4] quantized upper bound / unquantized lower bound (Thm 4(b), p = 1).

    For ``model="levels"`` and ``lam = 2`` this is ``2 L^2 / L^-3 = 2 L^5`` -- the paper's
    ``O(log^5(1/eps))`` overhead.

    Examples
    --------
    >>> round(overhead_ratio(2**-4, 1, 1, 2))   # L = 4: 2 * 4**5
    2048
    """
    if model == "levels":
        up = nonlinear_weights_bound(eps, d, n, lam)
    elif model == "bits":
        up = linear_weights_bound(eps, d, n, lam)
    else:
        raise ValueError(f"model must be 'levels' or 'bits', got {model!r}")
    return up / yarotsky_lower_weights_fixed(eps, d, n)


@dataclass(frozen=True)
class OptimalLevels:
    """Result of :func:`optimal_levels`: the bound-minimising number of weight values."""

    levels: int
    bits: int
    memory_at_optimum: float
    memory_at_two: float


def optimal_levels(eps, d: int = 1, n: int = 1, lam_max: int = 64) -> OptimalLevels:
    """[C, spec §3.5] ``argmin_lam`` of the [R] nonlinear memory bound (constants 1), lam in [2, lam_max].

    ``bits = ceil(log2(lam))`` is the bound-based optimal bit width.

    Examples
    --------
    >>> optimal_levels(1e-6).levels
    3
    """
    e, d, n = check_eps_d_n(eps, d, n)
    lam_max = check_levels(lam_max)
    best = min(range(2, lam_max + 1), key=lambda l: (nonlinear_memory_bound(e, d, n, l), l))
    return OptimalLevels(levels=best, bits=math.ceil(math.log2(best)),
                         memory_at_optimum=nonlinear_memory_bound(e, d, n, best),
                         memory_at_two=nonlinear_memory_bound(e, d, n, 2))


def optimal_bits_linear(eps, d: int = 1, n: int = 1, bits_max: int = 64) -> int:
    """[C, spec §3.5] argmin of the [R] linear memory bound over ``2 <= bits <= bits_max``.

    ``(lam L + L^2)`` grows with ``lam``, so this is always 2 (stated so a test can fail if
    someone changes the formula).
    """
    e, d, n = check_eps_d_n(eps, d, n)
    bits_max = check_bits(bits_max)
    return min(range(2, bits_max + 1), key=lambda b: (linear_memory_bound(e, d, n, b), b))


# ------------------------------------------------------------------------------------------------
# [C] constructive quantities of our networks (spec §4.1/§4.2; proofs in docs/ding.md)
# ------------------------------------------------------------------------------------------------
def square_stages(eps) -> int:
    """[C, spec §4.1.2] smallest ``m >= 1`` with ``2^(-2m-2) <= eps`` (square-net stages).

    Examples
    --------
    >>> square_stages(2**-10)
    4
    """
    e = float(eps)
    if not 0.0 < e < 1.0:
        raise ValueError(f"eps must be in (0, 1), got {eps!r}")
    m = 1
    while 2.0 ** (-2 * m - 2) > e:
        m += 1
    return m


def level_base(t: int, lam: int) -> int:
    """[C, spec §4.2] base ``k = max(2, ceil(t^(1/(lam-1))))`` of the power set ``{2^-1, 2^-k, ..., 2^-k^(lam-2)}``.

    Computed with integers (no float rounding): the smallest ``k >= 2`` with ``k^(lam-1) >= t``.
    """
    lam = check_levels(lam)
    if isinstance(t, bool) or not isinstance(t, int) or t < 1:
        raise ValueError(f"t must be a positive integer, got {t!r}")
    k = 2
    while k ** (lam - 1) < t:
        k += 1
    return k


def chain_factors(j: int, exponents) -> list[int]:
    """[C, spec §4.2] write ``j`` as a sum of the available exponents (greedy, largest first).

    With exponents ``{1, k, k^2, ...}`` this is the base-``k`` digit expansion; with
    ``{1, ..., b}`` it is ``ceil(j/b)`` factors.  Returns the list of exponents used.

    Examples
    --------
    >>> chain_factors(10, (1, 3, 9))
    [9, 1]
    """
    if isinstance(j, bool) or not isinstance(j, int) or j < 0:
        raise ValueError(f"j must be a non-negative integer, got {j!r}")
    ex = sorted(set(int(e) for e in exponents), reverse=True)
    if not ex or ex[-1] != 1:
        raise ValueError("exponents must contain 1")
    out = []
    for e in ex:
        q, j = divmod(j, e)
        out.extend([e] * q)
    return out


def chain_length(j: int, exponents) -> int:
    """[C] number of factors :func:`chain_factors` uses."""
    return len(chain_factors(j, exponents))


def square_chain_weights(m: int, lam: int) -> int:
    """[C, spec §4.2 / §6 snippet] total chain length for the scalings ``2^(-2s)``, ``s = 1..m``.

    Uses ``k = level_base(2m, lam)`` and powers ``{1, k, ..., k^(lam-2)}``.

    Examples
    --------
    >>> [square_chain_weights(64, l) for l in (2, 3, 4, 8)]
    [4160, 640, 365, 194]
    """
    lam = check_levels(lam)
    k = level_base(2 * m, lam)
    exps = tuple(k ** i for i in range(lam - 1))
    return sum(chain_length(2 * s, exps) for s in range(1, m + 1))


def n_multi_indices(d: int, n: int) -> int:
    """Number of multi-indices ``alpha`` in ``N^d`` with ``|alpha| < n``: ``C(n-1+d, d)``."""
    return math.comb(n - 1 + d, d)


def taylor_error_bound(N: int, d: int, n: int) -> float:
    """[C, spec §4.1.5 with the hat partition of unity] ``d^n / (n! N^n)``.

    With hats ``phi_m`` summing to one, ``|f - sum phi_m P_m| <= max |f - P_m|`` over cells
    within ``1/N`` (sup-norm distance), and the Taylor remainder there is at most
    ``sum_{|alpha|=n} h^alpha / alpha! <= d^n / n! * N^-n``.  (Yarotsky's ``2^d`` factor
    is not needed; proof in docs/ding.md.)
    """
    return d ** n / (math.factorial(n) * float(N) ** n) if N < 2 ** 300 else 0.0


def grid_exponent(eps_taylor, d: int, n: int) -> int:
    """[C] smallest ``nu >= 0`` with ``taylor_error_bound(2^nu, d, n) <= eps_taylor`` (``nu <= 200``).

    Raises
    ------
    ValueError
        If ``eps_taylor`` is so small that ``nu > 200`` would be needed.
    """
    nu = 0
    while taylor_error_bound(2 ** nu, d, n) > eps_taylor:
        nu += 1
        if nu > 200:
            raise ValueError(f"eps = {2 * eps_taylor:.3g} is too small (grid 2^nu with nu > 200)")
    return nu
