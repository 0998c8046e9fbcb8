"""Boolean functions as exact ReLU networks: DISJ_d, IP_d, parity, majority, and the
Boolean-to-Lipschitz embedding of Vardi, Reichman, Pitassi & Shamir (COLT 2021).

Conventions (docs/benign.md):

* inputs of DISJ_d and IP_d are ``(x_1..x_d, y_1..y_d)``: ``2 d`` bits;
* ``neurons`` = hidden ReLUs + linear output neurons (the paper counts all neurons);
* ``depth`` = number of affine maps;
* ``lipschitz_bound`` = product over layers of the largest absolute row sum, an exact rational upper
  bound on the Lipschitz constant w.r.t. the max-norm on inputs, hence also w.r.t. the Euclidean norm.

Every builder returns a :class:`BooleanNetwork` record: the network and what its construction
promises; :func:`exhaustive_check` measures the promise on all of ``{0,1}^n``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from typing import Callable

import numpy as np

from relubits.constructions.threshold import all_boolean_inputs

__all__ = [
    "FUNCTIONS",
    "boolean_function",
    "n_inputs_of",
    "BooleanNetwork",
    "disj_network",
    "ip_network",
    "parity_network",
    "majority_network",
    "benign_network",
    "ExhaustiveReport",
    "exhaustive_check",
    "integer_layers_of",
    "evaluate_integer",
    "lipschitz_upper_bound",
    "neuron_count",
    "embed_boolean",
    "embedded_target",
    "round_output",
    "MAX_EXHAUSTIVE_BITS",
]

FUNCTIONS = ("ip", "disj", "parity", "majority")
#: Largest number of input bits checked exhaustively without ``force=True`` (IP_11/DISJ_11 = 2**22 inputs).
MAX_EXHAUSTIVE_BITS = 22


def _check_int(v, name: str, lo: int, hi: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {v!r}")
    v = int(v)
    if v < lo or (hi is not None and v > hi):
        rng = f"[{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise ValueError(f"{name} must be {rng}, got {v}")
    return v


def _check_function(name) -> str:
    if name not in FUNCTIONS:
        raise ValueError(f"function must be one of {', '.join(FUNCTIONS)}, got {name!r}")
    return name


def n_inputs_of(function: str, d: int) -> int:
    """Number of Boolean inputs: ``2 d`` for ip/disj, ``d`` for parity/majority."""
    _check_function(function)
    d = _check_int(d, "d", 1)
    return 2 * d if function in ("ip", "disj") else d


def boolean_function(function: str, d: int) -> Callable[[np.ndarray], np.ndarray]:
    """Vectorised truth function: ``X`` (N, n) in {0,1} -> int64 array (N,) (int64, so products with big denominators cannot wrap).

    ``ip``: sum_i x_i y_i mod 2; ``disj``: 1 iff no i has x_i = y_i = 1; ``parity``: sum x mod 2;
    ``majority``: 1 iff sum x > d / 2.

    Parameters
    ----------
    function : {"ip", "disj", "parity", "majority"}
    d : int >= 1

    Examples
    --------
    >>> f = boolean_function("ip", 2)
    >>> f(np.array([[1, 1, 1, 0], [1, 1, 1, 1]])).tolist()
    [1, 0]
    """
    _check_function(function)
    d = _check_int(d, "d", 1)
    n = n_inputs_of(function, d)

    def f(X):
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != n:
            raise ValueError(f"X must have shape (N, {n}), got {X.shape}")
        X = X.astype(np.int64)
        if function == "ip":
            return ((X[:, :d] * X[:, d:]).sum(1) % 2).astype(np.int64)
        if function == "disj":
            return ((X[:, :d] * X[:, d:]).sum(1) == 0).astype(np.int64)
        if function == "parity":
            return (X.sum(1) % 2).astype(np.int64)
        return (2 * X.sum(1) > d).astype(np.int64)

    f.__name__ = f"{function}_{d}"
    return f


# ---------------------------------------------------------------------- exact integer evaluation
def integer_layers_of(net_or_layers) -> list:
    """``[(A_num, c_num, den), ...]`` with numpy object arrays of int, from a Network or raw layers.

    Raw layers are ``[(A, c), ...]`` with int / Fraction entries (floats are taken exactly).
    """
    if hasattr(net_or_layers, "integer_layers"):
        return [(np.asarray(A, dtype=object), np.asarray(c, dtype=object), int(den))
                for A, c, den in net_or_layers.integer_layers]
    out = []
    for A, c in net_or_layers:
        A = [[Fraction(v) for v in row] for row in A]
        c = [Fraction(v) for v in c]
        den = 1
        for v in [v for row in A for v in row] + c:
            den = lcm(den, v.denominator)
        An = np.array([[int(v * den) for v in row] for row in A], dtype=object).reshape(len(A), -1)
        cn = np.array([int(v * den) for v in c], dtype=object)
        out.append((An, cn, den))
    return out


def _choose_dtype(int_layers, xmax: int, scale: int):
    """Cheapest exact dtype: every partial sum of the integer forward pass is bounded first.

    float32 / float64 represent every integer below 2**24 / 2**53 exactly, so a matrix product whose
    partial sums are all integers of smaller magnitude is computed exactly in any summation order.
    """
    B, D = xmax, scale
    worst = B
    for A, c, den in int_layers:
        row = [sum(abs(int(a)) for a in A[i]) * B + abs(int(c[i])) * D for i in range(A.shape[0])]
        B = max(row) if row else 0
        D = D * den
        worst = max(worst, B, D)
    if worst < 2**24:
        return np.float32
    if worst < 2**53:
        return np.float64
    if worst < 2**62:
        return np.int64
    return object


def _forward(int_layers, H, D, dtype, start: int = 0):
    L = len(int_layers)
    for l in range(start, L):
        A, c, den = int_layers[l]
        Z = H @ A.astype(dtype).T + np.array([int(v) * D for v in c], dtype=object).astype(dtype)[None, :]
        D = D * den
        H = np.maximum(Z, 0) if l < L - 1 else Z
    if dtype is not object:
        H = H.astype(np.int64)
    return H, D


def evaluate_integer(int_layers, X, scale: int = 1):
    """Exact batch evaluation of a ReLU network on inputs ``X / scale`` (``X`` integer).

    Returns ``(Y_num, D)`` with the exact outputs ``Y_num / D`` (``Y_num`` an integer array).  Uses
    float32 / float64 BLAS when every partial sum is an integer of magnitude below 2**24 / 2**53
    (then float arithmetic is exact), int64 below 2**62, Python ints otherwise: never overflows
    silently.

    Parameters
    ----------
    int_layers : list of (A_num, c_num, den)
    X : array_like of int, shape (N, n)
    scale : int >= 1

    Examples
    --------
    >>> Y, D = evaluate_integer(integer_layers_of([([[1], [1]], [0, -1]), ([[1, -2]], [0])]), [[0], [1], [2]])
    >>> (Y[:, 0] / D).tolist()
    [0.0, 1.0, 0.0]
    """
    X = np.asarray(X)
    scale = _check_int(scale, "scale", 1)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}")
    if X.size and X.dtype.kind not in "iub" and X.dtype != object:
        raise TypeError(f"X must hold integers (numerators over scale), got dtype {X.dtype}")
    xmax = max(abs(int(X.max())), abs(int(X.min()))) if X.size else 0
    dtype = _choose_dtype(int_layers, xmax, scale)
    return _forward(int_layers, X.astype(dtype), scale, dtype)


def neuron_count(net_or_layers) -> int:
    """Hidden ReLUs plus output neurons."""
    if hasattr(net_or_layers, "widths"):
        return int(sum(net_or_layers.widths[1:]))
    return int(sum(len(c) for _, c in net_or_layers))


def _depth(net_or_layers) -> int:
    return int(net_or_layers.depth) if hasattr(net_or_layers, "depth") else len(net_or_layers)


def lipschitz_upper_bound(net_or_layers) -> Fraction:
    """Exact bound ``prod_l max_i sum_j |A_l[i, j]|`` on the Lipschitz constant (max-norm inputs).

    ReLU is 1-Lipschitz coordinatewise, so each layer is ``||A_l||_{inf->inf}``-Lipschitz in the
    max-norm; since ``||v||_inf <= ||v||_2`` the bound also holds for Euclidean inputs.
    """
    out = Fraction(1)
    for A, c, den in integer_layers_of(net_or_layers):
        m = max((sum(abs(int(a)) for a in A[i]) for i in range(A.shape[0])), default=0)
        out *= Fraction(m, den)
    return out


# ---------------------------------------------------------------------- records
@dataclass(frozen=True)
class BooleanNetwork:
    """A network computing a Boolean function exactly on ``{0,1}^n``, with its promise.

    Attributes
    ----------
    function, d, n_inputs : what it computes
    network : relubits.Network
    neurons : int (hidden + output), measured from the network
    depth : int (affine maps), measured
    promised_neurons, promised_depth : int, from the construction's formula
    lipschitz_bound : Fraction, :func:`lipschitz_upper_bound` of the network
    construction : str, where it comes from
    """

    function: str
    d: int
    n_inputs: int
    network: object
    neurons: int
    depth: int
    promised_neurons: int
    promised_depth: int
    lipschitz_bound: Fraction
    construction: str


def _network(layers):
    from relubits.network import Network

    return Network.from_layers([(A, c) for A, c in layers])


def _record(function, d, layers, promised_neurons, promised_depth, construction) -> BooleanNetwork:
    net = _network(layers)
    return BooleanNetwork(
        function=function,
        d=d,
        n_inputs=n_inputs_of(function, d),
        network=net,
        neurons=neuron_count(net),
        depth=_depth(net),
        promised_neurons=promised_neurons,
        promised_depth=promised_depth,
        lipschitz_bound=lipschitz_upper_bound(net),
        construction=construction,
    )


def _and_layer(d):
    A = []
    for i in range(d):
        row = [0] * (2 * d)
        row[i] = row[d + i] = 1
        A.append(row)
    return A, [-1] * d


def disj_layers(d: int) -> list:
    """Layers of the DISJ_d network: ``[x_i + y_i - 1]_+`` (d ReLUs), ``[1 - sum]_+``, linear output."""
    d = _check_int(d, "d", 1)
    return [_and_layer(d), ([[-1] * d], [1]), ([[1]], [0])]


def ip_layers(d: int) -> list:
    """Layers of the IP_d network: ANDs, ``[t - j]_+`` for j = 0..d-1, output
    ``[t]_+ + sum_{j>=1} 2 (-1)^j [t - j]_+`` (the piecewise-linear interpolant of parity)."""
    d = _check_int(d, "d", 1)
    saw = ([[1] * d for _ in range(d)], [-j for j in range(d)])
    out = ([[1] + [2 * (-1) ** j for j in range(1, d)]], [0])
    return [_and_layer(d), saw, out]


def parity_layers(n: int) -> list:
    """Layers of the parity network on ``n`` bits: ``[t - j]_+`` for j = 0..n-1, alternating output."""
    n = _check_int(n, "d", 1)
    return [([[1] * n for _ in range(n)], [-j for j in range(n)]),
            ([[1] + [2 * (-1) ** j for j in range(1, n)]], [0])]


def majority_layers(n: int) -> list:
    """Layers of strict majority on ``n`` bits: ``[t - k + 1]_+ - [t - k]_+`` with ``k = n // 2 + 1``."""
    n = _check_int(n, "d", 1)
    k = n // 2 + 1
    return [([[1] * n, [1] * n], [-(k - 1), -k]), ([[1, -1]], [0])]


def disj_network(d: int) -> BooleanNetwork:
    """ReLU network for DISJ_d with ``d + 2`` neurons and depth 3 (Theorem 16; spec 3.9).

    Parameters
    ----------
    d : int >= 1

    Examples
    --------
    >>> r = disj_network(4)
    >>> r.neurons, r.depth, exhaustive_check(r.network, "disj", 4).errors
    (6, 3, 0)
    """
    d = _check_int(d, "d", 1)
    return _record("disj", d, disj_layers(d), d + 2, 3, "Theorem 16: AND gadgets + [1 - sum]_+")


def ip_network(d: int) -> BooleanNetwork:
    """ReLU network for IP_d with ``2 d + 1`` neurons and depth 3 (Theorem 16; our explicit sawtooth).

    On ``[0,1]^{2d}`` its output stays in ``[0, 1]`` (docs/benign.md); it is the Theorem 19 function.

    Examples
    --------
    >>> r = ip_network(3)
    >>> r.neurons, r.depth, exhaustive_check(r.network, "ip", 3).errors
    (7, 3, 0)
    """
    d = _check_int(d, "d", 1)
    return _record("ip", d, ip_layers(d), 2 * d + 1, 3, "Theorem 16: AND gadgets + parity interpolant")


def parity_network(n: int) -> BooleanNetwork:
    """ReLU network for parity of ``n`` bits with ``n + 1`` neurons, depth 2."""
    n = _check_int(n, "d", 1)
    return _record("parity", n, parity_layers(n), n + 1, 2, "parity interpolant sum_j c_j [t - j]_+")


def majority_network(n: int) -> BooleanNetwork:
    """ReLU network for strict majority of ``n`` bits with 3 neurons, depth 2."""
    n = _check_int(n, "d", 1)
    return _record("majority", n, majority_layers(n), 3, 2, "ramp [t-k+1]_+ - [t-k]_+")


def benign_network(function: str, d: int) -> BooleanNetwork:
    """Dispatch: the construction for ``function`` in :data:`FUNCTIONS`."""
    _check_function(function)
    return {"ip": ip_network, "disj": disj_network, "parity": parity_network,
            "majority": majority_network}[function](d)


# ---------------------------------------------------------------------- exhaustive check
@dataclass(frozen=True)
class ExhaustiveReport:
    """Result of :func:`exhaustive_check`: all of ``{0,1}^n`` compared exactly.

    Attributes
    ----------
    inputs_checked : int
    errors : int (inputs where the network output differs from the function value)
    first_counterexample : tuple or None
    seconds : float (measured wall time)
    """

    inputs_checked: int
    errors: int
    first_counterexample: tuple | None
    seconds: float

    @property
    def inputs_per_second(self) -> float:
        return self.inputs_checked / self.seconds if self.seconds > 0 else float("inf")


def exhaustive_check(net, function: str, d: int, *, force: bool = False,
                     chunk_bits: int = 12) -> ExhaustiveReport:
    """Compare ``net`` with ``function`` exactly on every Boolean input (vectorised, exact integers).

    Parameters
    ----------
    net : Network or raw layers
    function : {"ip", "disj", "parity", "majority"}
    d : int >= 1
    force : bool
        Allow more than ``2**MAX_EXHAUSTIVE_BITS`` inputs.
    chunk_bits : int
        Inputs are processed in chunks of ``2**chunk_bits`` (small chunks keep BLAS single-threaded,
        which is fastest on a loaded machine).

    Raises
    ------
    ValueError
        If ``d`` gives more than :data:`MAX_EXHAUSTIVE_BITS` input bits and ``force`` is false, or the
        network's input dimension does not match.
    """
    boolean_function(function, d)  # validates function and d (raises ValueError)
    n = n_inputs_of(function, d)
    if n > MAX_EXHAUSTIVE_BITS and not force:
        raise ValueError(
            f"d={d} gives {n} input bits, above the exhaustive limit of {MAX_EXHAUSTIVE_BITS} "
            "(2**n inputs); pass force=True (--force) to check anyway"
        )
    if n > 26:
        raise ValueError(f"d={d} gives {n} input bits; exhaustive checks support at most 26")
    layers = integer_layers_of(net)
    if layers[0][0].shape[1] != n:
        raise ValueError(f"net has input dimension {layers[0][0].shape[1]}, {function}_{d} needs {n}")
    if layers[-1][0].shape[0] != 1:
        raise ValueError(f"net must have one output to be compared with {function}_{d}, "
                         f"got {layers[-1][0].shape[0]}")
    chunk_bits = _check_int(chunk_bits, "chunk_bits", 1, 24)
    t0 = time.perf_counter()
    dtype = _choose_dtype(layers, 1, 1)
    errors, first = 0, None
    lo = min(chunk_bits, n)
    hi = n - lo
    # The first layer is affine in x = (x_hi, x_lo): its value on every low pattern is computed once,
    # each chunk only adds the (exact, Python-int) contribution of its high bits.
    A1, c1, den1 = layers[0]
    X_lo = all_boolean_inputs(lo).astype(dtype)
    P_lo = X_lo @ A1[:, hi:].astype(dtype).T
    idx_lo = np.arange(2**lo, dtype=np.int64)
    for h in range(2**hi):
        x_hi = [(h >> (hi - 1 - k)) & 1 for k in range(hi)]
        z_hi = np.array([sum(int(A1[i, k]) * x_hi[k] for k in range(hi)) + int(c1[i])
                         for i in range(A1.shape[0])], dtype=object).astype(dtype)
        Z1 = P_lo + z_hi[None, :]
        if len(layers) > 1:
            Y, D = _forward(layers, np.maximum(Z1, 0), den1, dtype, start=1)
        else:
            Y, D = (Z1.astype(np.int64) if dtype is not object else Z1), den1
        want = _truth_from_index(function, d, (h << lo) + idx_lo) * D
        bad = np.flatnonzero(Y[:, 0] != want)
        if bad.size and first is None:
            r = (h << lo) + int(bad[0])
            first = tuple((r >> (n - 1 - k)) & 1 for k in range(n))
        errors += int(bad.size)
    return ExhaustiveReport(2**n, errors, first, time.perf_counter() - t0)


_POP16 = np.array([bin(i).count("1") for i in range(2**16)], dtype=np.int64)


def _popcount(r: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # numpy >= 2
        return np.bitwise_count(r).astype(np.int64)
    r = r.astype(np.int64)
    return _POP16[r & 0xFFFF] + _POP16[(r >> 16) & 0xFFFF] + _POP16[(r >> 32) & 0xFFFF]


def _truth_from_index(function: str, d: int, r: np.ndarray) -> np.ndarray:
    """Truth values at the inputs whose MSB-first bits are the binary digits of ``r``."""
    if function in ("ip", "disj"):
        both = (r >> d) & r & ((1 << d) - 1)  # x_i and y_i are d bit positions apart
        if function == "ip":
            return (_popcount(both) & 1).astype(np.int64)
        return (both == 0).astype(np.int64)
    pop = _popcount(r)
    return pop & 1 if function == "parity" else (2 * pop > d).astype(np.int64)


# ---------------------------------------------------------------------- Proposition 17 embedding
def _compose_layers(outer, inner):
    """Layers of ``outer o inner`` (inner's linear output merged into outer's first layer)."""
    Ai, ci = inner[-1]
    Ao, co = outer[0]
    Ai = [[Fraction(v) for v in row] for row in Ai]
    ci = [Fraction(v) for v in ci]
    A = [[sum(Fraction(Ao[r][k]) * Ai[k][j] for k in range(len(Ai))) for j in range(len(Ai[0]))]
         for r in range(len(Ao))]
    c = [Fraction(co[r]) + sum(Fraction(Ao[r][k]) * ci[k] for k in range(len(ci))) for r in range(len(Ao))]
    return list(inner[:-1]) + [(A, c)] + list(outer[1:])


def _raw_layers(net_or_layers):
    if hasattr(net_or_layers, "layers"):
        return [([list(row) for row in A], list(c)) for A, c in net_or_layers.layers]
    return [([list(row) for row in A], list(c)) for A, c in net_or_layers]


def rounding_layers(n: int) -> list:
    """``z_i = [2 x_i - 1/2]_+ - [2 x_i - 3/2]_+``: 0 on [0, 1/4], 1 on [3/4, 1] (2 ReLUs per coordinate)."""
    n = _check_int(n, "n", 1)
    A, c = [], []
    for i in range(n):
        row = [0] * n
        row[i] = 2
        A += [row, list(row)]
        c += [Fraction(-1, 2), Fraction(-3, 2)]
    R = []
    for i in range(n):
        row = [0] * (2 * n)
        row[2 * i], row[2 * i + 1] = 1, -1
        R.append(row)
    return [(A, c), (R, [0] * n)]


@dataclass(frozen=True)
class EmbeddedNetwork:
    """Proposition 17: a network on ``[0,1]^n`` equal to ``g(round(x))`` on ``([0,1/4] u [3/4,1])^n``.

    Attributes
    ----------
    network : relubits.Network
    neurons : int, measured; ``promised_neurons = boolean_neurons + 2 n``
    depth : int
    n_inputs : int
    """

    network: object
    neurons: int
    promised_neurons: int
    depth: int
    n_inputs: int


def embed_boolean(boolean_net, n: int | None = None) -> EmbeddedNetwork:
    """Prepend the per-coordinate rounding gadget to a Boolean network (Proposition 17, part 2).

    The result has ``m + 2 n`` neurons when ``boolean_net`` has ``m`` and its L2(mu) error against the
    4-Lipschitz embedding :func:`embedded_target` is exactly 0 for ``mu`` uniform on
    ``([0,1/4] u [3/4,1])^n``.

    Parameters
    ----------
    boolean_net : BooleanNetwork, Network or raw layers
    n : int, optional
        Input dimension (read from the network when omitted).
    """
    if isinstance(boolean_net, BooleanNetwork):
        boolean_net = boolean_net.network
    inner_layers = _raw_layers(boolean_net)
    n_in = len(inner_layers[0][0][0])
    if n is not None and _check_int(n, "n", 1) != n_in:
        raise ValueError(f"n={n} does not match the network's input dimension {n_in}")
    layers = _compose_layers(inner_layers, rounding_layers(n_in))
    net = _network(layers)
    m = neuron_count(inner_layers)
    return EmbeddedNetwork(net, neuron_count(net), m + 2 * n_in, _depth(net), n_in)


def embedded_target(g: Callable[[np.ndarray], np.ndarray], X) -> np.ndarray:
    """The 4-Lipschitz function of Proposition 17: ``g(z) * max(0, 1 - 4 dist(x, A_z))``, ``z`` the
    nearest corner and ``A_z`` the corner cube of side 1/4 (Euclidean distance; float64).

    Parameters
    ----------
    g : callable, Boolean truth function on (N, n) 0/1 arrays
    X : array_like (N, n) in [0, 1]
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}")
    if X.size and (X.min() < 0 or X.max() > 1):
        raise ValueError("X must lie in [0, 1]^n")
    Z = (X >= 0.5).astype(np.int8)
    excess = np.maximum(np.abs(X - Z) - 0.25, 0.0)
    dist = np.sqrt((excess**2).sum(1))
    return np.asarray(g(Z), dtype=float) * np.maximum(0.0, 1.0 - 4.0 * dist)


def round_output(net_or_layers):
    """Append the rounding gadget ``N' = [3 N - 1]_+ - [3 N - 2]_+`` (2 extra neurons).

    ``N'`` equals ``g`` at every input where ``|N - g| <= 1/3`` and ``g`` is 0 or 1 (Theorems 13, 19).
    Returns the new :class:`relubits.Network`.
    """
    layers = _raw_layers(net_or_layers)
    A, c = layers[-1]
    if len(A) != 1:
        raise ValueError(f"round_output needs a single-output network, got {len(A)} outputs")
    A3 = [Fraction(3) * Fraction(v) for v in A[0]]
    c3 = Fraction(3) * Fraction(c[0])
    new = layers[:-1] + [([A3, list(A3)], [c3 - 1, c3 - 2]), ([[1, -1]], [0])]
    return _network(new)
