"""Real-communication protocols simulated from a ReLU network or threshold circuit (spec 3.7).

Alice holds the inputs listed in ``alice``, Bob the rest; both know every weight.  Neurons are
processed layer by layer.  Once the activation pattern of every earlier layer is on the shared
transcript, a neuron's pre-activation is an explicit affine function ``m . x + v`` of the input whose
coefficients depend on the transcript only.  One round of the real-communication model (Krajicek):
Alice sends ``alpha = sum_{i in A} m_i x_i``, Bob sends ``beta = -(v + sum_{j in B} m_j x_j)``, and the
referee appends ``[alpha > beta]`` = ``[pre-activation > 0]``.  The output neuron's round compares the
output with 1/2.  Hence rounds = neurons, and a network computing ``f`` of size ``s`` gives a protocol
with ``s`` rounds: size >= CC^R(f).

:func:`network_protocol` / :func:`circuit_protocol` run the protocol on every Boolean input (exactly,
in integers) and *check* the certificate rather than assume it:

1. each message depends only on its sender's bits and the transcript so far (the coefficient rows
   ``m`` are equal on inputs with equal transcript prefixes);
2. each bit equals the neuron's true activation (computed by direct evaluation);
3. the transcript determines the output: inputs with equal transcripts have equal ``f``, and the last
   bit is ``f(x)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relubits.constructions.boolean import evaluate_integer, integer_layers_of
from relubits.constructions.threshold import ThresholdCircuit, all_boolean_inputs

__all__ = ["ProtocolCertificate", "network_protocol", "circuit_protocol", "MAX_PROTOCOL_BITS"]

#: Largest number of input bits simulated exhaustively.
MAX_PROTOCOL_BITS = 16


@dataclass(frozen=True)
class ProtocolCertificate:
    """Result of simulating the neuron-by-neuron real-communication protocol on all inputs.

    Attributes
    ----------
    rounds : int
        Comparisons per run (equal for every input).
    neurons : int
        Neurons (hidden + output) or gates of the simulated object.
    inputs_checked : int
    distinct_transcripts : int
    messages_local : bool
        Check 1 passed (each message is a function of its sender's bits and the transcript prefix).
    bits_match_activations : bool
        Check 2 passed.
    transcript_determines_output : bool
        Check 3 passed.
    output_errors : int
        Inputs whose last bit differs from ``f(x)``.
    alice, bob : tuple of int
        The input split.
    valid : bool
        All checks passed and ``rounds == neurons``.
    """

    rounds: int
    neurons: int
    inputs_checked: int
    distinct_transcripts: int
    messages_local: bool
    bits_match_activations: bool
    transcript_determines_output: bool
    output_errors: int
    alice: tuple
    bob: tuple

    @property
    def valid(self) -> bool:
        return (self.messages_local and self.bits_match_activations and self.transcript_determines_output
                and self.output_errors == 0 and self.rounds == self.neurons)


def _split(n, alice):
    if alice is None:
        alice = tuple(range(n // 2))
    alice = tuple(int(i) for i in alice)
    if len(set(alice)) != len(alice) or any(not 0 <= i < n for i in alice):
        raise ValueError(f"alice must list distinct input indices in [0, {n - 1}], got {alice}")
    bob = tuple(i for i in range(n) if i not in set(alice))
    return alice, bob


def _inputs(n):
    if n > MAX_PROTOCOL_BITS:
        raise ValueError(f"protocol simulation is exhaustive; at most {MAX_PROTOCOL_BITS} input bits, got {n}")
    return all_boolean_inputs(n).astype(np.int64)


def _rows_constant_per_group(keys: np.ndarray, values: np.ndarray) -> bool:
    """True if rows of ``values`` are equal whenever rows of ``keys`` are."""
    if keys.shape[0] == 0:
        return True
    both = np.concatenate([keys, values], axis=1)
    n_keys = np.unique(keys, axis=0).shape[0] if keys.shape[1] else 1
    n_both = np.unique(both, axis=0).shape[0]
    return n_keys == n_both


def _finish(transcript, target, rounds, neurons, X, local, match, alice, bob):
    last_bit = transcript[:, -1]
    errors = int((last_bit != target).sum())
    determines = _rows_constant_per_group(transcript, target[:, None])
    distinct = int(np.unique(transcript, axis=0).shape[0])
    return ProtocolCertificate(rounds, neurons, int(X.shape[0]), distinct, bool(local), bool(match),
                               bool(determines), errors, alice, bob)


def network_protocol(net, f, *, alice=None) -> ProtocolCertificate:
    """Simulate the real-communication protocol of a ReLU network with one output on all of {0,1}^n.

    Parameters
    ----------
    net : relubits.Network or raw layers ``[(A, c), ...]`` (output layer linear, one output)
    f : callable, vectorised truth function ``X (N, n) -> (N,)`` in {0, 1}
    alice : sequence of int, optional
        Alice's input indices (default: the first half, i.e. the ``x`` of ``(x, y)``).

    Returns
    -------
    ProtocolCertificate

    Examples
    --------
    >>> from relubits.constructions.boolean import ip_network, boolean_function
    >>> cert = network_protocol(ip_network(3).network, boolean_function("ip", 3))
    >>> cert.valid, cert.rounds
    (True, 7)
    """
    layers = integer_layers_of(net)
    n = layers[0][0].shape[1]
    if layers[-1][0].shape[0] != 1:
        raise ValueError("net must have a single output")
    alice, bob = _split(n, alice)
    X = _inputs(n)
    N = X.shape[0]
    target = np.asarray(f(X)).astype(np.int64)
    # batched affine maps of the current hidden values: H = M x + v, scaled by D.  int64 when a
    # magnitude bound proves no overflow, Python ints otherwise: exact either way.
    bM, bv, bD = 1, 0, 1
    for A, c, den in layers:
        rs = max(sum(abs(int(a)) for a in row) for row in A)
        bM, bv = rs * bM, rs * bv + max(abs(int(t)) for t in c) * bD
        bD *= den
    dt = np.int64 if 4 * (n + 1) * max(bM, bv, bD) < 2**62 else object
    layers = [(A.astype(dt), c.astype(dt), den) for A, c, den in layers]
    M = np.broadcast_to(np.eye(n, dtype=dt), (N, n, n)).copy()
    v = np.zeros((N, n), dtype=dt)
    D = 1
    Xo = X.astype(dt)
    A_mask = np.zeros(n, dtype=bool)
    A_mask[list(alice)] = True
    bits, local, match = [], True, True
    L = len(layers)
    for l, (A, c, den) in enumerate(layers):
        Mz = np.einsum("ij,njk->nik", A, M)  # (N, out, n)
        vz = v @ A.T + (c * D)[None, :]
        D = D * den
        prefix = np.array(bits, dtype=np.int64).T if bits else np.zeros((N, 0), dtype=np.int64)
        alpha = (Mz[:, :, A_mask] * Xo[:, None, A_mask]).sum(2)
        beta_part = (Mz[:, :, ~A_mask] * Xo[:, None, ~A_mask]).sum(2)
        if l < L - 1:
            beta = -(vz + beta_part)
        else:  # output round: [N(x) > 1/2]  <=>  2 (alpha + beta_part + v) > D
            alpha = 2 * alpha
            beta = D - 2 * (vz + beta_part)
        bit = (alpha > beta).astype(np.int64)
        # check 1: coefficient rows m depend only on the transcript prefix
        coeff = Mz.reshape(N, -1)
        keys = prefix
        vals = np.concatenate([coeff, vz], axis=1)
        if dt is np.int64 or max((abs(int(t)) for t in vals.ravel()), default=0) < 2**62:
            vals_i = vals.astype(np.int64)
        else:  # exact comparison of big integers through their decimal strings
            vals_i = np.array([[str(t) for t in row] for row in vals.tolist()])
        local &= _rows_constant_per_group(keys, vals_i)
        for i in range(bit.shape[1]):
            bits.append(bit[:, i])
        if l < L - 1:
            delta = bit.astype(bool)
            M = np.where(delta[:, :, None], Mz, 0)
            v = np.where(delta, vz, 0)
    transcript = np.array(bits, dtype=np.int64).T
    # check 2 against direct evaluation
    act = []
    H = X
    Dd = 1
    for l, (A, c, den) in enumerate(layers):
        Z = H.astype(dt) @ A.T + (c * Dd)[None, :]
        Dd *= den
        act.append((Z > 0) if l < L - 1 else (2 * Z > Dd))
        H = np.maximum(Z, 0)
    direct = np.concatenate([a.astype(np.int64) for a in act], axis=1)
    match = bool((direct == transcript).all())
    Y, Dy = evaluate_integer(layers, X)
    match &= bool(((2 * Y[:, 0] > Dy).astype(np.int64) == transcript[:, -1]).all())
    neurons = sum(A.shape[0] for A, _, _ in layers)
    return _finish(transcript, target, transcript.shape[1], neurons, X, local, match, alice, bob)


def circuit_protocol(circuit: ThresholdCircuit, f, *, alice=None) -> ProtocolCertificate:
    """Simulate the one-round-per-gate protocol of a threshold circuit (Lemma 29) on all of {0,1}^n.

    Gate ``k`` with pre-activation ``sum_i w_i x_i + sum_j u_j g_j + b``: Alice sends
    ``sum_{i in A} w_i x_i + sum_j u_j g_j`` (earlier gate values are on the transcript) and Bob
    ``-(b + sum_{i in B} w_i x_i)``.  The circuit's (first) output gate must be its last gate.
    """
    if not isinstance(circuit, ThresholdCircuit):
        raise TypeError(f"circuit must be a ThresholdCircuit, got {type(circuit).__name__}")
    if circuit.outputs[0] != circuit.size - 1:
        raise ValueError("the output gate must be the circuit's last gate")
    n = circuit.n_inputs
    alice, bob = _split(n, alice)
    X = _inputs(n)
    target = np.asarray(f(X)).astype(np.int64)
    A_mask = np.zeros(n, dtype=bool)
    A_mask[list(alice)] = True
    bits = []
    for k, g in enumerate(circuit.gates):
        w = np.array(g.weights[:n], dtype=object)
        u = np.array(g.weights[n:], dtype=object)
        prev = np.array(bits, dtype=object).T if bits else np.zeros((X.shape[0], 0), dtype=object)
        alpha = X[:, A_mask].astype(object) @ w[A_mask] + (prev @ u if k else 0)
        beta = -(g.bias + X[:, ~A_mask].astype(object) @ w[~A_mask])
        bits.append((alpha > beta).astype(np.int64))
    transcript = np.array(bits, dtype=np.int64).T
    direct = _all_gates(circuit, X)
    match = bool((direct == transcript).all())
    # messages are local by construction (alpha reads X[:, A] and the transcript only)
    return _finish(transcript, target, transcript.shape[1], circuit.size, X, True, match, alice, bob)


def _all_gates(circuit, X):
    full = ThresholdCircuit(circuit.n_inputs, circuit.gates, tuple(range(circuit.size)))
    return full.evaluate(X).astype(np.int64)
