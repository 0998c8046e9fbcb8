"""Certified post-training quantization of an imported model: what do b bits cost?

:func:`quantize_network` rounds every layer of a network (typically imported from ONNX or
PyTorch with :func:`~relubits.io.onnx.from_onnx` / :func:`~relubits.io.torch.from_torch`) to a
per-layer ``b``-bit fixed-point grid ``Grid.fixed(b, f_i)`` -- the finest ``f_i`` whose range
holds the layer's largest parameter, i.e. a per-tensor power-of-two scale as in Brevitas'
``Int8WeightPerTensorFixedPoint`` -- or, for ``b = 1``, to a bipolar grid ``{-2**e, 2**e}``.

:func:`quantization_report` then says, with certificates, what the rounding cost:

* with a 1-D ``target`` and its Lipschitz constant: :func:`relubits.certify` of the float model
  and of the rounded model against the target (rigorous upper bounds);
* without a target: the sup-norm change ``sup |N(x) - N_b(x)|`` of the network itself over the
  box ``[a, b]**d`` -- exact for ``d = 1`` (maximum of ``|N - N_b|`` over the exact breakpoints
  of the difference network), and for ``d > 1`` the exact maximum over a uniform grid of
  spacing ``h`` plus ``(Lip(N) + Lip(N_b)) * h / 2``, where ``Lip`` is the product of the
  layers' infinity-norms (a Lipschitz constant for the max-norm on inputs; ReLU is
  1-Lipschitz), computed exactly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from relubits.exact import as_fraction, as_int
from relubits.grid import Grid
from relubits.network import Network, add, scale

__all__ = ["quantize_network", "quantization_report", "QuantizationReport", "lipschitz_inf"]


def _layer_frac_bits(num: np.ndarray, c: np.ndarray, den: int, bits: int) -> int:
    """Largest f with max|param| * 2**f <= 2**(bits-1) - 1 (so nearest rounding never overflows)."""
    m = max([abs(int(v)) for v in num.ravel()] + [abs(int(v)) for v in c.ravel()])
    if m == 0:
        return 0
    M = Fraction(m, den)
    top = (1 << (bits - 1)) - 1
    f = 0
    while M * Fraction(2) ** f > top:
        f -= 1
    while M * Fraction(2) ** (f + 1) <= top:
        f += 1
    return f


def quantize_network(net: Network, bits: int, mode: str = "nearest-even") -> tuple[Network, list]:
    """Round each layer of ``net`` to a ``bits``-bit grid with a per-layer power-of-two scale.

    Parameters
    ----------
    net : Network
    bits : int in 1..32
        1 gives bipolar parameters ``+-2**e`` (e per layer: the largest power of two not above the
        layer's largest parameter; larger magnitudes are explicitly saturated to ``2**e``, which is
        what a bipolar grid means); 2..32 a signed fixed-point grid.
    mode : str
        Rounding mode (see :data:`relubits.grid.ROUNDING_MODES`).

    Returns
    -------
    (Network, list of Grid)
        The rounded network and each layer's grid (every parameter is on it; no overflow is
        possible by the choice of scale, so nothing is saturated for bits >= 2).

    Raises
    ------
    ValueError
        ``bits`` outside 1..32, unknown ``mode``.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a relubits Network, got {type(net).__name__}")
    bits = as_int(bits, "bits", 1, 32)
    floats = net.to_float()
    out, grids = [], []
    for (A, c, den), (Af, cf) in zip(net.integer_layers, floats):
        if bits == 1:
            m = max([abs(int(v)) for v in A.ravel()] + [abs(int(v)) for v in c.ravel()])
            e = 0
            if m:
                M = Fraction(m, den)
                while Fraction(2) ** e > M:
                    e -= 1
                while Fraction(2) ** (e + 1) <= M:
                    e += 1
            grid = Grid.bipolar(e)
        else:
            grid = Grid.fixed(bits, _layer_frac_bits(A, c, den, bits))
        # bipolar: every parameter becomes sign * 2**e, i.e. saturation is the grid's meaning
        layer = Network.from_float([(Af, cf)], grid, mode=mode, overflow="saturate" if bits == 1 else "error")
        out.append(layer.integer_layers[0])
        grids.append(grid)
    return Network.from_integer_layers(out, meta={**net.meta, "quantized_bits": bits}), grids


def lipschitz_inf(net: Network) -> Fraction:
    """Exact product of the layers' infinity-norms (max absolute row sum): a Lipschitz constant of
    ``net`` from the max-norm on inputs to the max-norm on outputs."""
    L = Fraction(1)
    for A, c, den in net.integer_layers:
        L *= Fraction(max(sum(abs(int(v)) for v in row) for row in A), den)
    return L


@dataclass(frozen=True)
class QuantizationReport:
    """What rounding to ``bits`` bits cost, with certificates (see module docs).

    ``certified_error_before`` / ``certified_error_after``: rigorous upper bounds on
    ``sup |target - N|`` and ``sup |target - N_b|`` (mode ``"target"``), or ``0`` and a rigorous
    upper bound on ``sup |N - N_b|`` over the box (mode ``"self"``); ``lower_bound_after`` is an
    attained value (so the truth lies in ``[lower_bound_after, certified_error_after]``).
    """

    bits: int
    mode: str
    method: str
    certified_error_before: float
    certified_error_after: float
    lower_bound_before: float
    lower_bound_after: float
    frac_bits: list
    n_params: int
    memory_bits_after: int
    domain: list
    input_dim: int

    def to_dict(self) -> dict:
        return asdict(self)


def quantization_report(net: Network, bits: int, target: Callable | None = None, lipschitz: Any = None,
                        domain: Any = (0, 1), mode: str = "nearest-even", grid_points: int = 20_000,
                        rtol: float = 0.01) -> tuple[Network, QuantizationReport]:
    """Quantize ``net`` to ``bits`` bits and certify the cost.

    Parameters
    ----------
    net : Network
    bits : int in 1..32
    target : callable, optional
        1-D target ``f`` (float64 arrays in and out); needs ``lipschitz``.
    lipschitz : rational, optional
        Lipschitz constant of ``target`` on ``domain``.
    domain : (a, b)
        Interval (1-D) or the box ``[a, b]**d``.
    mode : str
        Rounding mode.
    grid_points : int
        Budget of exact evaluations for ``d > 1`` without a target.
    rtol : float
        Passed to :func:`relubits.certify`.

    Returns
    -------
    (Network, QuantizationReport)

    Raises
    ------
    ValueError
        ``bits`` outside 1..32; a target with ``d > 1`` or without ``lipschitz``.
    """
    from relubits.pieces import parse_domain, pieces

    a, b = parse_domain(domain)
    qnet, grids = quantize_network(net, bits, mode)
    fb = [g.frac_bits if hasattr(g, "frac_bits") else -g.scale_exp for g in grids]
    mem = sum((A.size + c.size) * g.bits_per_param + g.metadata_bits for (A, c, _), g in zip(qnet.integer_layers, grids))
    common = dict(bits=bits, frac_bits=fb, n_params=qnet.n_params, memory_bits_after=int(mem),
                  domain=[float(a), float(b)], input_dim=net.input_dim)
    if target is not None:
        if net.input_dim != 1 or net.output_dim != 1:
            raise ValueError(f"--target needs a scalar model (1 input, 1 output), got widths {net.widths}; "
                             "omit the target to certify the sup-norm change of the network on a box")
        if lipschitz is None:
            raise ValueError("lipschitz is required with a target")
        from relubits.certify import certify

        L = as_fraction(lipschitz, "lipschitz")
        c0 = certify(net, target, L, (a, b), rtol=rtol)
        c1 = certify(qnet, target, L, (a, b), rtol=rtol)
        return qnet, QuantizationReport(mode="target", method=f"certify ({c1.method})",
                                        certified_error_before=c0.certified_error, certified_error_after=c1.certified_error,
                                        lower_bound_before=c0.lower_bound, lower_bound_after=c1.lower_bound, **common)
    if net.output_dim != qnet.output_dim:  # pragma: no cover
        raise AssertionError
    diff = add(net, scale(qnet, -1))
    if net.input_dim == 1:
        worst = Fraction(0)
        for j in range(net.output_dim):
            row = np.zeros((1, net.output_dim), dtype=np.int64)
            row[0, j] = 1
            from relubits.network import compose

            dj = compose(Network.from_integer_layers([(row, np.zeros(1, dtype=np.int64), 1)]), diff) if net.output_dim > 1 else diff
            worst = max([worst] + [abs(v) for v in pieces(dj, (a, b)).values])
        return qnet, QuantizationReport(mode="self", method="exact (breakpoints of N - N_b)",
                                        certified_error_before=0.0, certified_error_after=_up(worst),
                                        lower_bound_before=0.0, lower_bound_after=float(worst), **common)
    d = net.input_dim
    # grid with m = 2**K + 1 points per axis (dyadic spacing: the points are floats when a, b are)
    K = int(np.floor(np.log2(max(grid_points ** (1.0 / d) - 1, 1)))) if d <= 30 else -1
    L = lipschitz_inf(net) + lipschitz_inf(qnet)
    if K >= 1:
        m = (1 << K) + 1
        axis = [a + (b - a) * Fraction(k, m - 1) for k in range(m)]
        h = (b - a) / (m - 1)
        idx = np.indices((m,) * d).reshape(d, -1).T
        if all(Fraction(float(v)) == v for v in axis):
            X = np.array([float(v) for v in axis])[idx]
        else:
            X = [[axis[k] for k in row] for row in idx]
        method = f"exact on a {m}^{d} grid + Lipschitz (max-norm) * h/2"
    else:
        X = [[(a + b) / 2] * d]
        h = b - a
        method = "exact at the centre + Lipschitz (max-norm) * radius"
    num, D = diff.exact_batch(X, raw=True)
    worst = Fraction(max(abs(int(v)) for v in num.ravel()), D)
    upper = worst + L * h / 2
    return qnet, QuantizationReport(mode="self", method=method, certified_error_before=0.0,
                                    certified_error_after=_up(upper), lower_bound_before=0.0,
                                    lower_bound_after=float(worst), **common)


def _up(x: Fraction) -> float:
    """Float not below ``x``."""
    f = float(x)
    return f if Fraction(f) >= x else float(np.nextafter(f, np.inf))
