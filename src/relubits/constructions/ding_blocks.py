"""Weight sets and the circuit builder behind the quantized constructions of :mod:`relubits.constructions.ding`.

Two pieces:

* :class:`WeightSet` -- the stated set every parameter of a quantized network lies on:
  ``WeightSet.levels(lam, k)`` (nonlinear quantization, ``lam`` distinct non-zero values
  ``{-1, 2^-1, 2^-k, 2^-k^2, ..., 2^-k^(lam-2)}`` -- the codebook is stored and counted)
  or ``WeightSet.bits(lam)`` (linear quantization, the ``lam``-bit fixed-point grid
  ``Grid.fixed(lam, lam - 1)`` = ``{j 2^(1-lam) : -2^(lam-1) <= j < 2^(lam-1)}``, values in
  ``[-1, 1)``).  A zero parameter is an absent connection: it is not stored and not
  counted (the paper counts weights = connections).
* :class:`Circuit` -- a layered ReLU circuit written with *target* coefficients; reading
  a signal from an earlier layer inserts carry neurons automatically.  ``to_network()``
  gives the exact (unquantized) network; ``compile(ws)`` gives an equal network whose
  every parameter lies on ``ws`` ("pair compilation", proof in docs/ding.md §3):

  - every hidden neuron becomes two identical copies, so a target coefficient ``w`` on a
    hidden signal only has to be a sum ``a + b`` of two set values (or 0);
  - the input ``x_k >= 0`` enters through four copies of ``relu(x_k / 2)`` (coefficients
    ``sum_i a_i / 2``); signed inputs also through two copies of ``relu(-x_k)``;
  - a constant pair ``relu(1/2)`` is carried along, so a target bias ``b`` has to be
    ``delta + (a + a') / 2`` with ``delta, a, a'`` set values or 0.

  Constants outside these small sets (integer gains, ``2^-2s``, ``3N``, Taylor
  coefficients) must be synthesised *in the circuit* by fan-in of duplicated neurons and
  by chains of set values (spec §4.2); the constructions do exactly that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any, Iterable

import numpy as np

from relubits.grid import Grid
from relubits.network import Network
from relubits.theory.ding_bounds import check_bits, check_levels

__all__ = ["WeightSet", "Circuit", "Lin", "lin"]

_ZERO = Fraction(0)
_HALF = Fraction(1, 2)
# one (immutable) instance per validated set: the lru caches of the decompositions below are
# keyed on the set, and a hit on an equal but distinct instance compared every field
_SETS: dict = {}


# ------------------------------------------------------------------------------------------------
# weight sets
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WeightSet:
    """The stated set of non-zero parameter values of a quantized construction.

    Attributes
    ----------
    kind : {"levels", "bits"}
        Nonlinear quantization (``lam`` distinct values, codebook stored) or linear
        quantization (``lam``-bit fixed point, step ``2^(1-lam)``).
    lam : int
        Number of values, or the bit width.
    values : tuple of Fraction
        The non-zero values the constructions use (a subset of the grid for ``"bits"``).
    exponents : tuple of int
        The ``e`` with ``2^-e`` in ``values`` (always contains 1): the chain factors.
    grid : Grid
        The grid ``net.on_grid`` checks (contains 0, the absent connection).
    """

    kind: str
    lam: int
    values: tuple
    exponents: tuple
    grid: Grid = field(compare=False)

    @staticmethod
    def levels(lam: int, k: int = 2) -> "WeightSet":
        """``{-1} u {2^-(k^i) : i = 0..lam-2}`` (``lam`` values; ``lam = 2`` gives ``{-1, 1/2}``).

        Parameters
        ----------
        lam : int
            Number of distinct weight values, 2 <= lam <= 64.
        k : int
            Base of the exponents, 2 <= k <= 4096 (the paper's choice is ``~ t^(1/(lam-1))``).

        Examples
        --------
        >>> WeightSet.levels(3, k=4).values
        (Fraction(-1, 1), Fraction(1, 16), Fraction(1, 2))
        """
        lam = check_levels(lam)
        if isinstance(k, bool) or not isinstance(k, int) or not 2 <= k <= 4096:
            raise ValueError(f"k must be an integer in [2, 4096], got {k!r}")
        if k ** (lam - 2) > 1 << 16:
            raise ValueError(f"k**(lam-2) = {k}**{lam - 2} exceeds 2**16 (exponent too large to store); use a smaller k")
        key = ("levels", int(lam), int(k))
        if key not in _SETS:
            exps = tuple(k ** i for i in range(lam - 1))
            vals = tuple(sorted({Fraction(-1)} | {Fraction(1, 2 ** e) for e in exps}))
            _SETS[key] = WeightSet("levels", lam, vals, exps, Grid.levels(vals + (_ZERO,)))
        return _SETS[key]

    @staticmethod
    def bits(bits: int) -> "WeightSet":
        """The ``bits``-bit fixed-point grid ``Grid.fixed(bits, bits - 1)`` (values in ``[-1, 1)``).

        The constructions use ``-1`` and the powers ``2^-1 .. 2^-(bits-1)``.

        Examples
        --------
        >>> WeightSet.bits(2).grid.values()
        [Fraction(-1, 1), Fraction(-1, 2), Fraction(0, 1), Fraction(1, 2)]
        """
        b = check_bits(bits)
        key = ("bits", int(b))
        if key not in _SETS:
            exps = tuple(range(1, b))
            vals = tuple(sorted({Fraction(-1)} | {Fraction(1, 2 ** e) for e in exps}))
            _SETS[key] = WeightSet("bits", b, vals, exps, Grid.fixed(b, b - 1))
        return _SETS[key]

    def __hash__(self) -> int:
        # values follow from (kind, lam, exponents); hashing the tuple of Fractions on every
        # cached pair/bias lookup dominated the block patching
        return hash((self.kind, self.lam, self.exponents))

    # -- storage --------------------------------------------------------------------------------
    @property
    def bits_per_weight(self) -> int:
        """Bits per stored weight: ``ceil(log2 lam)`` (levels) or ``lam`` (bits)."""
        return max(1, (self.lam - 1).bit_length()) if self.kind == "levels" else self.lam

    @property
    def codebook_bits(self) -> int:
        """Bits of the stored codebook (levels only; each value as sign + numerator + denominator)."""
        if self.kind != "levels":
            return 0
        return Grid.levels(self.values).metadata_bits

    def describe(self) -> str:
        """One line naming the set."""
        if self.kind == "levels":
            return f"{self.lam} weight values {{{', '.join(str(v) for v in self.values)}}} (0 = no connection)"
        return f"{self.lam}-bit fixed point Grid.fixed({self.lam}, {self.lam - 1}) (0 = no connection)"

    def check(self, net: Network) -> None:
        """Raise ``ValueError`` if a parameter of ``net`` is not on this set (exact).

        Checks every distinct value of every layer (zeros included) for membership in
        :attr:`grid`; on failure ``net.on_grid`` names the first offending parameter.
        """
        ok = True
        for A, c, den in net.integer_layers:
            vals = set(A.ravel().tolist()) | set(c.ravel().tolist())
            if not all(Fraction(int(v), den) in self.grid for v in vals):
                ok = False
                break
        if not ok:
            chk = net.on_grid(self.grid)
            raise ValueError(f"construction bug: {chk.describe()}")

    def n_weights(self, net: Network) -> int:
        """Stored weights = non-zero parameters (weights and biases)."""
        return net.n_nonzero

    def memory_bits(self, net: Network) -> int:
        """Storage: non-zero parameters x bits per weight + codebook (positions are structure)."""
        self.check(net)
        return net.n_nonzero * self.bits_per_weight + self.codebook_bits

    # -- decompositions used by the compiler ----------------------------------------------------
    def _vals0(self) -> tuple:
        return (_ZERO,) + self.values

    def pair(self, w: Fraction):
        """``(a, b)`` with ``a + b = w`` and ``a, b`` in the set or 0; ``None`` if impossible."""
        return _pair(self, Fraction(w))

    def input_quad(self, w: Fraction):
        """Four values ``a_i`` (set or 0) with ``sum a_i / 2 = w``; ``None`` if impossible."""
        return _quad(self, Fraction(w))

    def bias_triple(self, b: Fraction):
        """``(delta, a, a')`` with ``b = delta + (a + a')/2``; ``None`` if impossible."""
        return _triple(self, Fraction(b))


@lru_cache(maxsize=65536)
def _pair(ws: WeightSet, w: Fraction):
    vals = set(ws._vals0())
    if w in vals:
        return (w, _ZERO)
    for a in ws.values:
        if w - a in vals:
            return (a, w - a)
    return None


@lru_cache(maxsize=4096)
def _quad(ws: WeightSet, w: Fraction):
    small = (_ZERO, Fraction(-1), _HALF) + tuple(v for v in ws.values if v not in (-1, _HALF))
    small = small[:6]
    best = None
    for a in small:
        for b in small:
            for c in small:
                for d in small:
                    if (a + b + c + d) / 2 == w:
                        cand = (a, b, c, d)
                        nz = sum(1 for v in cand if v != 0)
                        if best is None or nz < best[0]:
                            best = (nz, cand)
    return None if best is None else best[1]


@lru_cache(maxsize=65536)
def _triple(ws: WeightSet, b: Fraction):
    for delta in ws._vals0():
        p = _pair(ws, 2 * (b - delta))
        if p is not None:
            return (delta, p[0], p[1])
    return None


# ------------------------------------------------------------------------------------------------
# linear expressions over signals
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lin:
    """An affine expression ``sum coef[s] * signal_s + const`` over circuit signals."""

    terms: tuple  # ((signal, Fraction), ...)
    const: Fraction = _ZERO

    def __add__(self, other: "Lin") -> "Lin":
        return lin(_merge(self.terms, other.terms), self.const + other.const)

    def __sub__(self, other: "Lin") -> "Lin":
        return self + other * -1

    def __mul__(self, c: Any) -> "Lin":
        c = Fraction(c)
        return lin({s: v * c for s, v in self.terms}, self.const * c)

    __rmul__ = __mul__

    def shift(self, c: Any) -> "Lin":
        """``self + c``."""
        return Lin(self.terms, self.const + Fraction(c))


def _merge(t1, t2) -> dict:
    out: dict = {}
    for s, v in list(t1) + list(t2):
        out[s] = out.get(s, _ZERO) + v
    return out


def lin(terms: Any = None, const: Any = 0) -> Lin:
    """Build a :class:`Lin` from ``{signal: coef}`` (zeros dropped) and a constant."""
    if terms is None:
        terms = {}
    if isinstance(terms, int):
        terms = {terms: 1}
    items = terms.items() if isinstance(terms, dict) else terms
    t = tuple(sorted((int(s), Fraction(v)) for s, v in items if Fraction(v) != 0))
    return Lin(t, Fraction(const))


# ------------------------------------------------------------------------------------------------
# circuit
# ------------------------------------------------------------------------------------------------
class Circuit:
    """A layered ReLU circuit built neuron by neuron (target coefficients, exact).

    Signals ``0 .. n_inputs-1`` are the inputs (layer 0); every :meth:`neuron` is
    ``relu(expr)`` placed one layer after its deepest source; shallower sources are
    carried (``relu(1 * s)``, valid because hidden signals are >= 0; input carries need
    ``nonneg_inputs``).

    Examples
    --------
    >>> c = Circuit(1)
    >>> h = c.neuron(lin({0: 1}, -Fraction(1, 2)))
    >>> c.set_outputs([lin({h: 2})])
    >>> c.to_network().exact([Fraction(3, 4)])
    [Fraction(1, 2)]
    """

    def __init__(self, n_inputs: int, signed_inputs: bool = False):
        if isinstance(n_inputs, bool) or not isinstance(n_inputs, int) or n_inputs < 1:
            raise ValueError(f"n_inputs must be a positive integer, got {n_inputs!r}")
        self.n_inputs = n_inputs
        self.signed_inputs = bool(signed_inputs)
        self.layer_of: list[int] = [0] * n_inputs
        self.expr: list[Lin | None] = [None] * n_inputs
        self._carry: dict = {}
        self.outputs: list[Lin] | None = None

    # -- building -------------------------------------------------------------------------------
    def neuron(self, e: Lin, layer: int | None = None) -> int:
        """Add ``relu(e)``; returns its signal id."""
        L = 1 + max((self.layer_of[s] for s, _ in e.terms), default=0)
        if layer is not None:
            if layer < L:
                raise ValueError(f"layer {layer} is before the sources' layer {L}")
            L = layer
        e = self._resolve(e, L - 1)
        sid = len(self.layer_of)
        self.layer_of.append(L)
        self.expr.append(e)
        return sid

    def copies(self, e: Lin, k: int, layer: int | None = None) -> list[int]:
        """``k`` identical neurons ``relu(e)`` (fan-in duplication)."""
        return [self.neuron(e, layer) for _ in range(k)]

    def carry(self, s: int, layer: int) -> int:
        """The signal ``s`` available at ``layer`` (carry neurons ``relu(1 * s)``)."""
        L0 = self.layer_of[s]
        if layer == L0:
            return s
        if layer < L0:
            raise ValueError(f"signal {s} lives at layer {L0}, cannot read it at layer {layer}")
        key = (s, layer)
        if key not in self._carry:
            if s < self.n_inputs and self.signed_inputs:
                raise ValueError("signed inputs cannot be carried through ReLU; read them in layer 1")
            prev = self.carry(s, layer - 1)
            sid = len(self.layer_of)
            self.layer_of.append(layer)
            self.expr.append(Lin(((prev, Fraction(1)),)))
            self._carry[key] = sid
        return self._carry[key]

    def _resolve(self, e: Lin, layer: int) -> Lin:
        return lin({self.carry(s, layer) if self.layer_of[s] < layer else s: v for s, v in e.terms}, e.const) \
            if any(self.layer_of[s] < layer for s, _ in e.terms) else e

    def set_outputs(self, exprs: Iterable[Lin]) -> None:
        """Set the output affine map (placed after the deepest layer)."""
        ex = list(exprs)
        if not ex:
            raise ValueError("need at least one output")
        D = 1 + max(max(self.layer_of), max((self.layer_of[s] for e in ex for s, _ in e.terms), default=0))
        self.outputs = [self._resolve(e, D - 1) for e in ex]
        self._depth = D

    # -- structure ------------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """Number of affine maps of the target network."""
        if self.outputs is None:
            raise ValueError("set_outputs first")
        return self._depth

    def _layers(self) -> list[list[int]]:
        D = self.depth
        layers: list[list[int]] = [[] for _ in range(D)]
        for s in range(self.n_inputs):
            layers[0].append(s)
        for s in range(self.n_inputs, len(self.layer_of)):
            layers[self.layer_of[s]].append(s)
        for l in range(1, D):
            if not layers[l]:
                raise ValueError(f"layer {l} of the circuit is empty")
        return layers

    def positions(self) -> dict:
        """``signal -> (target layer, index within that layer)`` (inputs: layer 0)."""
        out = {}
        for l, sigs in enumerate(self._layers()):
            for i, s in enumerate(sigs):
                out[s] = (l, i)
        return out

    # -- exact target network -------------------------------------------------------------------
    def to_network(self, meta: dict | None = None) -> Network:
        """The exact (unquantized) network of the circuit."""
        layers = self._layers()
        out = []
        for l in range(1, self.depth + 1):
            rows = [self.expr[s] for s in layers[l]] if l < self.depth else self.outputs
            col = {s: i for i, s in enumerate(layers[l - 1])}
            out.append(_dense(rows, col, len(layers[l - 1])))
        return Network.from_integer_layers(out, meta=meta)

    # -- pair compilation -----------------------------------------------------------------------
    def compile(self, ws: WeightSet, meta: dict | None = None) -> Network:
        """An equal network with every parameter on ``ws`` (inputs must be >= 0 unless ``signed_inputs``).

        Raises
        ------
        ValueError
            If a target coefficient or bias is not a pair sum of set values (the
            construction must synthesise it first); the message names the neuron.
        """
        if not isinstance(ws, WeightSet):
            raise TypeError(f"ws must be a WeightSet, got {type(ws).__name__}")
        layers = self._layers()
        d = self.n_inputs
        # compiled layer 1: 4 copies of relu(x/2) per input [, 2 copies of relu(-x)], const pair relu(1/2)
        n_pos = 4 * d
        n_neg = 2 * d if self.signed_inputs else 0
        rows1 = []
        for k in range(d):
            rows1 += [({k: _HALF}, _ZERO)] * 4
        for k in range(n_neg // 2):
            rows1 += [({k: Fraction(-1)}, _ZERO)] * 2
        rows1 += [({}, _HALF)] * 2
        out = [_dense_rows(rows1, d)]
        # column maps of the previous compiled layer
        prev_kind = "input"
        prev_layer = layers[0]
        for l in range(1, self.depth + 1):
            final = l == self.depth
            targets = self.outputs if final else [self.expr[s] for s in layers[l]]
            ncols = (n_pos + n_neg + 2) if prev_kind == "input" else 2 * len(prev_layer) + 2
            kc = ncols - 2  # const pair columns kc, kc+1
            col = {s: i for i, s in enumerate(prev_layer)}
            rows = []
            for ti, e in enumerate(targets):
                r: dict = {}
                for s, w in e.terms:
                    where = f"layer {l} neuron {ti} coefficient {w} on signal {s}"
                    if prev_kind == "input":
                        q = ws.input_quad(w)
                        if q is None:
                            raise ValueError(f"{where}: input coefficient is not a sum of four set values / 2")
                        for i, a in enumerate(q):
                            if a:
                                r[4 * s + i] = r.get(4 * s + i, _ZERO) + a
                        if self.signed_inputs:
                            p = ws.pair(-w)
                            if p is None:
                                raise ValueError(f"{where}: -coefficient is not a pair sum of set values")
                            for i, a in enumerate(p):
                                if a:
                                    r[n_pos + 2 * s + i] = a
                    else:
                        p = ws.pair(w)
                        if p is None:
                            raise ValueError(f"{where}: coefficient is not a pair sum of set values")
                        j = col[s]
                        if p[0]:
                            r[2 * j] = p[0]
                        if p[1]:
                            r[2 * j + 1] = p[1]
                    # (signals are unique per expression, no collisions)
                t = ws.bias_triple(e.const)
                if t is None:
                    raise ValueError(f"layer {l} neuron {ti}: bias {e.const} is not delta + (a + a')/2 over set values")
                delta, a1, a2 = t
                if a1:
                    r[kc] = a1
                if a2:
                    r[kc + 1] = a2
                rows.append((r, delta))
            if final:
                out.append(_dense_rows(rows, ncols))
            else:
                doubled = []
                for r in rows:
                    doubled += [r, r]
                doubled += [({kc: _HALF, kc + 1: _HALF}, _ZERO)] * 2  # carried const pair
                out.append(_dense_rows(doubled, ncols))
            prev_kind = "hidden"
            prev_layer = layers[l] if not final else []
        net = Network.from_integer_layers(out, meta=meta)
        ws.check(net)
        return net


def _dense(rows: list[Lin], col: dict, ncols: int):
    dr = []
    for e in rows:
        dr.append(({col[s]: v for s, v in e.terms}, e.const))
    return _dense_rows(dr, ncols)


def _dense_rows(rows: list, ncols: int):
    """Rows given as ``(dict col -> Fraction, bias)`` -> integer layer ``(A_num, c_num, den)``."""
    rows = [(r, Fraction(b)) for r, b in rows]
    den = math.lcm(1, *{v.denominator for r, _ in rows for v in r.values()}, *{b.denominator for _, b in rows})
    # exact: v = p / q with q | den, so v * den = p * (den // q)
    ents = [(i, j, v.numerator * (den // v.denominator)) for i, (r, _) in enumerate(rows) for j, v in r.items()]
    cv = [b.numerator * (den // b.denominator) for _, b in rows]
    # int64 when every numerator fits (Network.from_integer_layers then skips its per-entry
    # type check of object arrays, a cost in the dense size of every compiled template)
    big = max((abs(v) for *_, v in ents), default=0) >= 2 ** 62 or max(map(abs, cv), default=0) >= 2 ** 62
    dt = object if big else np.int64
    A = np.zeros((len(rows), ncols), dtype=dt)
    c = np.array(cv, dtype=dt) if cv else np.zeros(0, dtype=dt)
    for i, j, v in ents:
        A[i, j] = v
    return A, c, den
