"""Linear-time certificate for hinge-chain networks (structure check + exact knot values + cone bounds).

:func:`relubits.certify` pushes pieces through every layer, which costs ``O(L * pieces)`` -- quadratic for
a chain of ``L`` layers with ``~L`` knots.  :func:`certify_chain` instead *reads* a network, checks that it
has the hinge-chain structure of :mod:`relubits.constructions.lipschitz`, and certifies it in ``O(L)``:

1. **Structure** (exact): an amplification phase whose weights and biases are all ``>= 0`` (so every ReLU
   is the identity on ``x >= 0`` and the phase is affine, computed exactly as linear forms); a first chain
   layer whose pre-activations are ``K x - 1`` and ``e_0 K x + q``; chain layers ``[[1, 0], [e_j, 1]]`` with
   biases ``[-1, c_j]``; then layers reading only the accumulator with weights ``>= 0`` and zero bias, and
   the output ``w A + c_out``.
2. **Positivity** (exact, ``O(J)`` with prefix minima): every accumulator pre-activation
   ``A_j(u) = P_j + sum_{i<=j} e_i relu(u - i)`` is ``>= 0`` on ``u in [0, K]`` (its minimum is at an
   integer ``u <= j`` or at ``u = K``).  Then every ReLU of the chain is exact and
   ``net(x) = w_tot (P_J + sum_i e_i relu(K x - i)) + c_out`` with breakpoints only at ``x = i/K``.
3. **Error** on each cell ``[t_i, t_{i+1}]`` where the net is affine with slope ``s``: with ``g = f - net``
   known at the ends, ``g(t) <= min(g_a + (C - s)(t - t_a), g_b + (C + s)(t_b - t))`` and symmetrically for
   ``-g``; the maximum of the minimum of two lines is taken in closed form, vectorised in float64 and
   inflated like :func:`relubits.certify` (``f`` values assumed within ``2**-50`` relative; knots rounded to
   floats cost ``C * 2**-54``; a final ``2**-40`` relative inflation covers the float arithmetic).

If the structure check fails, :class:`ValueError` says which layer; use :func:`relubits.certify` then.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from relubits.exact import as_fraction
from relubits.network import Network

__all__ = ["ChainCertificate", "certify_chain", "chain_function"]


@dataclass(frozen=True)
class ChainCertificate:
    """Result of :func:`certify_chain`: ``lower_bound <= sup |f - net| <= certified_error`` on [0, 1]."""

    certified_error: float
    lower_bound: float
    n_pieces: int
    method: str = "chain-structure+cones"


def _forms_phase(layers):
    """Propagate exact affine forms (coef, const) through the nonnegative amplification phase."""
    forms = [(Fraction(1), Fraction(0))]  # the input x
    li = 0
    while li < len(layers):
        A, c, d = layers[li]
        if any(int(v) < 0 for v in A.ravel()) or any(int(v) < 0 for v in c.ravel()):
            break
        new = []
        for r in range(A.shape[0]):
            p = sum((Fraction(int(A[r, k]), d) * forms[k][0] for k in range(A.shape[1])), Fraction(0))
            q = sum((Fraction(int(A[r, k]), d) * forms[k][1] for k in range(A.shape[1])), Fraction(int(c[r]), d))
            new.append((p, q))
        forms = new
        li += 1
    return forms, li


def chain_function(net: Network):
    """Check the hinge-chain structure of ``net`` and return ``(K, e, P_J, w_tot, c_out)`` exactly.

    ``net(x) = w_tot * (P_J + sum_i e[i] relu(K x - i)) + c_out`` on [0, 1].

    Raises
    ------
    ValueError
        Naming the first layer that does not match the structure or a failed positivity check.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a relubits Network, got {type(net).__name__}")
    if net.input_dim != 1 or net.output_dim != 1:
        raise ValueError("net must have scalar input and output")
    layers = net.integer_layers
    forms, li = _forms_phase(layers[:-1])
    if li == 0 or li >= len(layers) - 1:
        raise ValueError("net has no nonnegative amplification phase followed by chain layers")
    # first chain layer
    A, c, d = layers[li]
    if A.shape[0] != 2:
        raise ValueError(f"layer {li}: a chain layer has 2 neurons, got {A.shape[0]}")
    pre = []
    for r in range(2):
        p = sum((Fraction(int(A[r, k]), d) * forms[k][0] for k in range(A.shape[1])), Fraction(0))
        q = sum((Fraction(int(A[r, k]), d) * forms[k][1] for k in range(A.shape[1])), Fraction(int(c[r]), d))
        pre.append((p, q))
    K = pre[0][0]
    if not (K > 0 and pre[0][1] == -1):
        raise ValueError(f"layer {li}: first chain neuron must be relu(K x - 1) with K > 0")
    e = [pre[1][0] / K]
    P = [pre[1][1]]  # P_j: constant part of the accumulator pre-activation of chain layer j
    li += 1
    while li < len(layers) - 1:
        A, c, d = layers[li]
        if A.shape != (2, 2):
            break
        if not (int(A[0, 0]) == d and int(A[0, 1]) == 0 and int(A[1, 1]) == d and int(c[0]) == -d):
            break
        e.append(Fraction(int(A[1, 0]), d))
        P.append(P[-1] + Fraction(int(c[1]), d))
        li += 1
    J = len(e)
    # tail: shrink layers reading only A (first one may see (r, A)); the last hidden layer may add a constant
    # neuron relu(kappa) (zero weights, bias kappa >= 0); then the output layer
    w_tot = Fraction(1)
    offset = Fraction(0)
    first = True
    for lj in range(li, len(layers)):
        A, c, d = layers[lj]
        last = lj == len(layers) - 1
        if last and A.shape[1] == 2 and not first and lj > li and layers[lj - 1][0].shape[0] == 2:
            kappa = Fraction(int(layers[lj - 1][1][1]), layers[lj - 1][2])
            offset = Fraction(int(A[0, 1]), d) * kappa
            w_tot *= Fraction(int(A[0, 0]), d)
            c_out = Fraction(int(c[0]), d) + offset
            break
        if not last and A.shape[0] == 2:
            if not (all(int(v) == 0 for v in A[1]) and int(c[1]) >= 0 and lj == len(layers) - 2):
                raise ValueError(f"layer {lj}: a second tail neuron must be a constant relu(kappa), kappa >= 0, "
                                 "in the last hidden layer")
        elif A.shape[0] != 1:
            raise ValueError(f"layer {lj}: expected a single accumulator neuron after the chain")
        cols = A.shape[1]
        if first and cols == 2:
            if int(A[0, 0]) != 0:
                raise ValueError(f"layer {lj}: the tail must not read the r channel")
            w = Fraction(int(A[0, 1]), d)
        elif cols == 1:
            w = Fraction(int(A[0, 0]), d)
        else:
            raise ValueError(f"layer {lj}: unexpected shape {A.shape}")
        first = False
        if last:
            w_tot *= w
            c_out = Fraction(int(c[0]), d)
        else:
            if w < 0 or int(c[0]) != 0:
                raise ValueError(f"layer {lj}: a shrink layer needs a weight >= 0 and bias 0")
            w_tot *= w
    # positivity of every accumulator pre-activation on u in [0, K]
    H = [Fraction(0)]  # H[i] = sum_{i' < i} e_i' (i - i') = hinge sum at integer u = i (i <= j + 1)
    slope = Fraction(0)
    run_min = Fraction(0)
    for j in range(J):
        slope += e[j]
        # values at integers u <= min(j, K) are H[0..j]; linear after u = j with slope sigma_j
        if P[j] + run_min < 0:
            raise ValueError(f"chain layer {j}: accumulator goes negative (positivity check failed)")
        if K > j and P[j] + H[j] + slope * (K - j) < 0:
            raise ValueError(f"chain layer {j}: accumulator goes negative at u = K (positivity check failed)")
        H.append(H[j] + slope)
        if j + 1 <= K:
            run_min = min(run_min, H[j + 1])
    return K, e, P[-1], w_tot, c_out


def certify_chain(net: Network, f: Callable[[np.ndarray], np.ndarray], lipschitz: Any,
                  f_rel_error: float = 2.0**-50) -> ChainCertificate:
    """Certified sup error of a hinge-chain network against a Lipschitz target, in linear time.

    Parameters
    ----------
    net : Network
        A network with the hinge-chain structure (as built by :func:`lipschitz_approximant`).
    f : callable
        Vectorised target on [0, 1].
    lipschitz : number
        Lipschitz constant ``C >= 0`` of ``f``.
    f_rel_error : float
        Assumed relative accuracy of each computed value of ``f``.

    Returns
    -------
    ChainCertificate

    Raises
    ------
    ValueError
        Structure/positivity check failed, or ``f`` visibly violates ``lipschitz`` between two knots.
    """
    C = as_fraction(lipschitz, "lipschitz")
    if C < 0:
        raise ValueError(f"lipschitz must be >= 0, got {C}")
    K, e, PJ, w_tot, c_out = chain_function(net)
    J = len(e)
    # knots in [0, 1]: i/K for i <= K, plus 1
    n_in = min(J - 1, int(K)) if K >= 1 else 0
    ts = [Fraction(i) / K for i in range(n_in + 1)]
    if ts[-1] < 1:
        ts.append(Fraction(1))
    # exact net values at the knots: hinge sum with slopes changing at integers
    vals = []
    hs = Fraction(0)
    slope = Fraction(0)
    u_prev = Fraction(0)
    i_next = 0
    for t in ts:
        u = K * t
        while i_next < J and i_next < u:  # integrate up to the next knot below u
            # hinge i_next switches on at u = i_next
            if u_prev < i_next:
                hs += slope * (i_next - u_prev)
                u_prev = Fraction(i_next)
            slope += e[i_next]
            i_next += 1
        hs += slope * (u - u_prev)
        u_prev = u
        vals.append(w_tot * (PJ + hs) + c_out)
    x = np.array([float(t) for t in ts])
    fv = np.asarray(f(x), dtype=np.float64).reshape(-1)
    if fv.shape != x.shape or not np.all(np.isfinite(fv)):
        raise ValueError("f must map a float array to a finite array of the same shape")
    nv = np.array([float(v) for v in vals])
    g = fv - nv
    h = np.diff(x)
    s = np.diff(nv) / h
    Cf = float(C)
    if np.any(np.abs(np.diff(fv)) > Cf * h * (1 + 1e-9) + 1e-12):
        raise ValueError(f"target f is not {C}-Lipschitz between two knots of the network")

    def upper(ga, gb, pa, pb):  # max over tau in [0, h] of min(ga + pa tau, gb + pb (h - tau))
        with np.errstate(divide="ignore", invalid="ignore"):
            tau = np.where(pa + pb > 0, (gb - ga + pb * h) / (pa + pb), 0.0)
        tau = np.clip(tau, 0.0, h)
        return np.maximum.reduce([np.minimum(ga + pa * tau, gb + pb * (h - tau)), np.minimum(ga, gb + pb * h),
                                  np.minimum(ga + pa * h, gb)])

    ga, gb = g[:-1], g[1:]
    up = upper(ga, gb, Cf - s, Cf + s)
    lo = upper(-ga, -gb, Cf + s, Cf - s)
    bound = float(np.max(np.maximum(up, lo)))
    slack = f_rel_error * float(np.max(np.abs(fv))) + Cf * 2.0**-54 + 4 * 2.0**-53 * float(np.max(np.abs(nv)) + 1)
    cert = (bound + slack) * (1 + 2.0**-40)
    return ChainCertificate(certified_error=cert, lower_bound=float(np.max(np.abs(g))), n_pieces=len(ts) - 1)
