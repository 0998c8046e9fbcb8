"""Threshold circuits: an exact value type, vectorised evaluation, and the two-ReLUs-per-gate network.

A threshold gate computes ``sign(<w, y> + b)`` with integer ``w`` and ``b`` and the convention of
Vardi, Reichman, Pitassi & Shamir (COLT 2021): ``sign(z) = 1`` if ``z > 0`` and ``0`` if ``z <= 0``.
A circuit is a list of gates in topological order; gate ``k`` reads the ``n_inputs`` circuit inputs
and the outputs of gates ``0..k-1``.  Lemma 22 of the paper turns a gate into two ReLUs,
``[z]_+ - [z - 1]_+ = sign(z)`` for integer ``z``, so a layered circuit of depth ``m`` with ``s``
gates and ``q`` outputs becomes a network of depth ``m + 1`` with ``2 s + q`` neurons (see
:func:`circuit_to_layers`; proof in docs/benign.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Gate",
    "ThresholdCircuit",
    "CircuitNetwork",
    "circuit_to_layers",
    "circuit_to_network",
    "ip_circuit",
    "disj_circuit",
    "parity_circuit",
    "majority_circuit",
    "all_boolean_inputs",
]

_INT64_SAFE = 2**62


def _as_int(v, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an int (threshold gates have integer weights), got {v!r}")
    return int(v)


@dataclass(frozen=True)
class Gate:
    """One threshold gate ``sign(<weights, y> + bias)`` with ``sign(z) = [z > 0]``.

    Parameters
    ----------
    weights : tuple of int
        One integer per circuit input followed by one per earlier gate.
    bias : int
        Integer bias.
    """

    weights: tuple
    bias: int

    def __post_init__(self):
        w = tuple(_as_int(v, "weights entry") for v in self.weights)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "bias", _as_int(self.bias, "bias"))


@dataclass(frozen=True)
class ThresholdCircuit:
    """A threshold circuit with integer weights, gates in topological order.

    Parameters
    ----------
    n_inputs : int
        Number of Boolean inputs, >= 1.
    gates : sequence of Gate
        Gate ``k`` has ``n_inputs + k`` weights (inputs, then gates ``0..k-1``); a shorter tuple (at
        least ``n_inputs`` long) is padded with zeros.
    outputs : sequence of int
        Indices of the output gates.

    Raises
    ------
    ValueError
        If a gate has the wrong number of weights, there are no gates, or an output index is out of range.

    Examples
    --------
    >>> xor = ThresholdCircuit(2, [Gate((1, 1), -1), Gate((1, 1, -2), 0)], [1])
    >>> xor.evaluate([[0, 0], [0, 1], [1, 0], [1, 1]]).ravel().tolist()
    [0, 1, 1, 0]
    """

    n_inputs: int
    gates: tuple
    outputs: tuple

    def __post_init__(self):
        n = _as_int(self.n_inputs, "n_inputs")
        if n < 1:
            raise ValueError(f"n_inputs must be >= 1, got {n}")
        gates = list(self.gates)
        if not gates:
            raise ValueError("gates must be a non-empty sequence of Gate")
        for k, g in enumerate(gates):
            if not isinstance(g, Gate):
                raise TypeError(f"gates[{k}] must be a Gate, got {type(g).__name__}")
            if not n <= len(g.weights) <= n + k:
                raise ValueError(
                    f"gates[{k}] must have between n_inputs = {n} and n_inputs + {k} = {n + k} "
                    f"weights, got {len(g.weights)}"
                )
            if len(g.weights) < n + k:  # missing trailing weights are zero
                gates[k] = Gate(g.weights + (0,) * (n + k - len(g.weights)), g.bias)
        gates = tuple(gates)
        outs = tuple(_as_int(o, "outputs entry") for o in self.outputs)
        if not outs:
            raise ValueError("outputs must name at least one gate")
        for o in outs:
            if not 0 <= o < len(gates):
                raise ValueError(f"outputs entry {o} out of range [0, {len(gates) - 1}]")
        object.__setattr__(self, "n_inputs", n)
        object.__setattr__(self, "gates", gates)
        object.__setattr__(self, "outputs", outs)

    # ------------------------------------------------------------------ structure
    @property
    def size(self) -> int:
        """Number of gates (the paper's circuit size ``s``)."""
        return len(self.gates)

    @property
    def gate_depths(self) -> tuple:
        """Depth of each gate: 1 + the largest depth of a gate it reads (inputs have depth 0)."""
        n = self.n_inputs
        depths: list[int] = []
        for g in self.gates:
            d = 0
            for j, w in enumerate(g.weights[n:]):
                if w != 0:
                    d = max(d, depths[j])
            depths.append(d + 1)
        return tuple(depths)

    @property
    def depth(self) -> int:
        """Length of the longest input-to-output path, counted in gates."""
        dep = self.gate_depths
        return max(dep[o] for o in self.outputs)

    @property
    def is_layered(self) -> bool:
        """True if every gate reads only gates one level below it (or only inputs, at level 1)."""
        n = self.n_inputs
        dep = self.gate_depths
        for k, g in enumerate(self.gates):
            if dep[k] > 1 and any(w != 0 for w in g.weights[:n]):
                return False
            for j, w in enumerate(g.weights[n:]):
                if w != 0 and dep[j] != dep[k] - 1:
                    return False
        return all(dep[o] == self.depth for o in self.outputs)

    @property
    def max_abs_weight(self) -> int:
        """Largest absolute weight or bias."""
        return max(max((abs(w) for w in g.weights), default=0) for g in self.gates) if self.gates else 0

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, X) -> np.ndarray:
        """Evaluate exactly on a batch of Boolean inputs.

        Parameters
        ----------
        X : array_like of shape (N, n_inputs) with entries in {0, 1}

        Returns
        -------
        numpy.ndarray of shape (N, len(outputs)), dtype int8, entries in {0, 1}

        Raises
        ------
        ValueError
            If ``X`` has the wrong shape or a non-Boolean entry.
        """
        X = np.asarray(X)
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"X must have shape (N, {self.n_inputs}), got {X.shape}")
        if X.size and not np.isin(X, (0, 1)).all():
            raise ValueError("X must be Boolean (entries 0 or 1)")
        bound = max(sum(abs(w) for w in g.weights) + abs(g.bias) for g in self.gates)
        dtype = np.int64 if bound < _INT64_SAFE else object
        vals = np.zeros((X.shape[0], self.n_inputs + self.size), dtype=dtype)
        vals[:, : self.n_inputs] = X.astype(dtype)
        n = self.n_inputs
        for k, g in enumerate(self.gates):
            w = np.array(g.weights, dtype=dtype)
            z = vals[:, : n + k] @ w + g.bias
            vals[:, n + k] = (z > 0).astype(dtype)
        return vals[:, [n + o for o in self.outputs]].astype(np.int8)


def all_boolean_inputs(n: int) -> np.ndarray:
    """All ``2**n`` points of ``{0,1}^n`` as an (2**n, n) uint8 array, row ``r`` = binary of ``r``, MSB first.

    Parameters
    ----------
    n : int
        Number of bits, 0 <= n <= 26.

    Raises
    ------
    ValueError
        If ``n`` is outside [0, 26].
    """
    n = _as_int(n, "n")
    if not 0 <= n <= 26:
        raise ValueError(f"n must be in [0, 26] for an exhaustive input table, got {n}")
    r = np.arange(2**n, dtype=np.int64)
    shifts = np.arange(n - 1, -1, -1, dtype=np.int64)
    return ((r[:, None] >> shifts[None, :]) & 1).astype(np.uint8)


# ---------------------------------------------------------------------- circuit -> network
@dataclass(frozen=True)
class CircuitNetwork:
    """Result of :func:`circuit_to_layers` / :func:`circuit_to_network`.

    Attributes
    ----------
    layers : list of (A, c)
        Exact integer layers (nested lists of int).
    network : object or None
        The :class:`relubits.Network` (``None`` from :func:`circuit_to_layers`).
    neurons : int
        Hidden ReLUs plus linear output neurons.
    promised_neurons : int
        ``2 s + q + forwarded``; Lemma 22 promises ``2 s + q`` for layered circuits (``forwarded == 0``).
    depth : int
        Number of affine maps, ``circuit.depth + 1``.
    forwarded : int
        ReLUs spent on forwarding values across levels (0 for layered circuits).
    """

    layers: list
    network: object
    neurons: int
    promised_neurons: int
    depth: int
    forwarded: int


def circuit_to_layers(circuit: ThresholdCircuit) -> CircuitNetwork:
    """Integer layers of the ReLU network simulating ``circuit`` (Lemma 22).

    Each gate at level ``l`` becomes the two ReLUs ``[z]_+`` and ``[z - 1]_+`` in hidden layer ``l``;
    the next layer reads their difference.  A value needed at a level above the next one (an input
    or gate read by a deeper gate) is carried by one ReLU per extra level (``relu(v) = v`` for
    ``v in [0, 1]``, and for inputs on ``[0, 1]^n``); layered circuits need none.  The last affine map
    is linear and outputs ``[z]_+ - [z-1]_+`` of each output gate, so every output lies in [0, 1]
    for every real input.

    Parameters
    ----------
    circuit : ThresholdCircuit

    Returns
    -------
    CircuitNetwork
        With ``network=None``.
    """
    if not isinstance(circuit, ThresholdCircuit):
        raise TypeError(f"circuit must be a ThresholdCircuit, got {type(circuit).__name__}")
    n = circuit.n_inputs
    dep = circuit.gate_depths
    m = circuit.depth
    # Gates beyond the output depth are irrelevant only if not outputs; we keep all gates whose depth <= m.
    # Which (node, level) pairs are needed: node = ('x', i) or ('g', k); a value is "available at
    # level l" if it sits in hidden layer l as a channel.  Gate channels are pairs of ReLUs; forwarded
    # channels are single ReLUs.
    # need[l] = set of nodes whose value must be readable from hidden layer l (as input to level l+1).
    need: list[set] = [set() for _ in range(m + 1)]
    for o in circuit.outputs:
        need[m].add(("g", o))
    # gates at level l need their sources at level l-1
    for level in range(m, 0, -1):
        for node in sorted(need[level]):
            kind, idx = node
            if kind == "g" and dep[idx] == level:
                g = circuit.gates[idx]
                for i, w in enumerate(g.weights[:n]):
                    if w != 0:
                        need[level - 1].add(("x", i))
                for j, w in enumerate(g.weights[n:]):
                    if w != 0:
                        need[level - 1].add(("g", j))
            else:  # forwarded: needs itself one level below
                need[level - 1].add(node)
    # Inputs at level 0 are the raw inputs; gates must not be needed below their own depth.
    for level in range(m + 1):
        for kind, idx in need[level]:
            if kind == "g" and dep[idx] > level:
                raise AssertionError("internal: gate needed below its depth")  # pragma: no cover

    # channel layout of hidden layer l: list of (node, kind) kind 'pair' or 'fwd'
    layouts: list[list] = [[]]
    for level in range(1, m + 1):
        lay = []
        for node in sorted(need[level]):
            kind, idx = node
            lay.append((node, "pair" if kind == "g" and dep[idx] == level else "fwd"))
        layouts.append(lay)

    def read_vector(level: int, coeffs: dict) -> list:
        """Row over hidden layer ``level`` (or inputs if level == 0) reading sum coeff * node."""
        if level == 0:
            row = [0] * n
            for (kind, idx), w in coeffs.items():
                assert kind == "x"
                row[idx] += w
            return row
        row = []
        for node, kind in layouts[level]:
            w = coeffs.get(node, 0)
            row.extend([w, -w] if kind == "pair" else [w])
        return row

    layers = []
    forwarded = 0
    for level in range(1, m + 1):
        A, c = [], []
        for node, kind in layouts[level]:
            k_, idx = node
            if kind == "pair":
                g = circuit.gates[idx]
                coeffs = {}
                for i, w in enumerate(g.weights[:n]):
                    if w:
                        coeffs[("x", i)] = w
                for j, w in enumerate(g.weights[n:]):
                    if w:
                        coeffs[("g", j)] = w
                row = read_vector(level - 1, coeffs)
                A.extend([row, list(row)])
                c.extend([g.bias, g.bias - 1])
            else:
                A.append(read_vector(level - 1, {node: 1}))
                c.append(0)
                forwarded += 1
        layers.append((A, c))
    A_out = [read_vector(m, {("g", o): 1}) for o in circuit.outputs]
    layers.append((A_out, [0] * len(circuit.outputs)))
    q = len(circuit.outputs)
    hidden = sum(len(c) for _, c in layers[:-1])
    used_gates = sum(1 for lay in layouts for _, kind in lay if kind == "pair")
    return CircuitNetwork(
        layers=layers,
        network=None,
        neurons=hidden + q,
        promised_neurons=2 * used_gates + q + forwarded,
        depth=m + 1,
        forwarded=forwarded,
    )


def circuit_to_network(circuit: ThresholdCircuit) -> CircuitNetwork:
    """The :class:`relubits.Network` simulating ``circuit`` exactly on Boolean inputs (Lemma 22).

    Parameters
    ----------
    circuit : ThresholdCircuit

    Returns
    -------
    CircuitNetwork
        ``network`` computes the circuit's outputs on ``{0,1}^n`` and maps every real input into
        ``[0, 1]^q``; ``neurons == 2 s + q`` for a layered circuit with ``s`` gates.

    Examples
    --------
    >>> res = circuit_to_network(parity_circuit(3))
    >>> res.depth, res.neurons
    (3, 9)
    """
    from relubits.network import Network

    res = circuit_to_layers(circuit)
    net = Network.from_layers([(A, c) for A, c in res.layers])
    return CircuitNetwork(res.layers, net, res.neurons, res.promised_neurons, res.depth, res.forwarded)


# ---------------------------------------------------------------------- standard circuits
def _check_d(d, name="d", lo=1, hi=64) -> int:
    d = _as_int(d, name)
    if not lo <= d <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {d}")
    return d


def parity_circuit(n: int) -> ThresholdCircuit:
    """Layered depth-2 threshold circuit for parity of ``n`` bits with ``n + 1`` gates.

    Level 1: ``g_k = [sum x >= k]`` for ``k = 1..n``; output ``[sum_k (-1)^(k+1) g_k > 0]``.
    """
    n = _check_d(n, "n")
    gates = [Gate((1,) * n, -(k - 1)) for k in range(1, n + 1)]
    gates.append(Gate((0,) * n + tuple((-1) ** (k + 1) for k in range(1, n + 1)), 0))
    return ThresholdCircuit(n, gates, [n])


def majority_circuit(n: int) -> ThresholdCircuit:
    """One gate: ``[sum x > n / 2]`` (strict majority), i.e. ``[2 sum x - n > 0]``."""
    n = _check_d(n, "n")
    return ThresholdCircuit(n, [Gate((2,) * n, -n)], [0])


def _and_gates(d: int) -> list[Gate]:
    """The first layer of DISJ_d and IP_d: gate i computes ``x_i AND y_i`` as ``[x_i + y_i - 1 >= 0]``."""
    gates = []
    for i in range(d):
        w = [0] * (2 * d)
        w[i] = w[d + i] = 1
        gates.append(Gate(tuple(w), -1))
    return gates


def disj_circuit(d: int) -> ThresholdCircuit:
    """Layered depth-2 circuit for DISJ_d on inputs ``(x_1..x_d, y_1..y_d)`` with ``d + 1`` gates."""
    d = _check_d(d)
    gates = _and_gates(d)
    gates.append(Gate((0,) * (2 * d) + (-1,) * d, 1))
    return ThresholdCircuit(2 * d, gates, [d])


def ip_circuit(d: int) -> ThresholdCircuit:
    """Layered depth-3 circuit for IP_d with ``2 d + 1`` gates: ANDs, counters ``[sum >= k]``, alternating sum."""
    d = _check_d(d)
    gates = _and_gates(d)
    for k in range(1, d + 1):
        gates.append(Gate((0,) * (2 * d) + (1,) * d + (0,) * (k - 1), -(k - 1)))
    gates.append(Gate((0,) * (2 * d) + (0,) * d + tuple((-1) ** (k + 1) for k in range(1, d + 1)), 0))
    return ThresholdCircuit(2 * d, gates, [2 * d])
