"""The one network type of relubits: a feed-forward ReLU network with exact parameters.

A :class:`Network` computes

    x  ->  A_L relu( ... relu(A_2 relu(A_1 x + c_1) + c_2) ... ) + c_L

Conventions (used everywhere in relubits):

* **depth** ``L`` = number of affine maps (a depth-1 network is affine, no ReLU);
* **width** ``W`` = the largest hidden layer (0 for a depth-1 network);
* **parameters** = all weights plus all biases, zeros included (``n_params``);
  ``n_nonzero`` counts the non-zero ones;
* **memory** of a network on a grid = parameters x ``grid.bits_per_param``
  + ``grid.metadata_bits`` (a codebook, if the grid stores one); see :meth:`Network.memory_bits`.

Parameters are stored exactly, per layer, as integer numerators with one
positive common denominator (``A = A_num / den``, ``c = c_num / den``); the
denominator is a power of two whenever the layer is dyadic.  Float evaluation
(:meth:`Network.__call__`) is a fast path with a computable error bound
(:meth:`Network.float_error_bound`); exact evaluation (:meth:`Network.exact`,
:meth:`Network.exact_batch`) uses integer matrix products, in int64 only when a
static magnitude bound proves that no intermediate can overflow, otherwise with
Python integers.  Overflow is never silent.
"""

from __future__ import annotations

import json
import math
import os
from fractions import Fraction
from typing import Any, Iterable, Sequence

import numpy as np

from relubits.files import atomic_write
from relubits.exact import INT64_SAFE, array_gcd, as_fraction, as_int, dyadic_arrays, int_matmul, lcm_all, max_abs_int, object_array
from relubits.grid import FixedGrid, Grid, _check_mode

__all__ = ["Network", "GridCheck", "compose", "parallel", "add", "scale", "identity", "load", "FORMAT_NAME", "FORMAT_VERSION"]

FORMAT_NAME = "relubits.network"
FORMAT_VERSION = 1


# ----------------------------------------------------------------------------------------------
# helpers on exact integer layers
# ----------------------------------------------------------------------------------------------
def _reduce_layer(A: np.ndarray, c: np.ndarray, den: int) -> tuple[np.ndarray, np.ndarray, int]:
    g = den
    if g > 1:
        if max(max_abs_int(A), max_abs_int(c)) < 2**62:  # the usual case: one vectorised gcd in int64
            g = math.gcd(g, int(np.gcd.reduce(A.astype(np.int64).ravel())), int(np.gcd.reduce(c.astype(np.int64))))
        else:
            for v in (*A.ravel(), *c.ravel()):
                if g == 1:
                    break
                g = math.gcd(g, int(v))
    if g > 1:
        A = A // g
        c = c // g
        den //= g
    return A, c, den


def _to_int_object(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "iu":
        return a.astype(object)  # numpy integers become Python ints
    out = np.empty(a.shape, dtype=object)
    out[...] = a.astype(object) if a.dtype != object else a
    return np.vectorize(int, otypes=[object])(out) if out.size else out


def _exact_matrix(x: Any, name: str, ndim: int) -> tuple[np.ndarray, int]:
    """Convert an array-like of numbers to (integer numerator object array, common denominator)."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        arr = x
    elif isinstance(x, np.ndarray) and x.dtype.kind in "iu":
        if x.ndim != ndim:
            raise ValueError(f"{name} must be a {ndim}-D array, got {x.ndim}-D")
        return _to_int_object(x), 1
    elif isinstance(x, np.ndarray) and x.dtype.kind == "b":
        raise TypeError(f"{name} must hold numbers, got booleans")
    else:
        try:
            arr = np.array(x, dtype=object)
        except ValueError:
            raise ValueError(f"{name} must be a rectangular {ndim}-D array") from None
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        return dyadic_arrays(arr, name)
    fr = []
    for idx, v in np.ndenumerate(arr):
        if isinstance(v, (list, tuple, np.ndarray)):
            raise ValueError(f"{name} must be a rectangular {ndim}-D array")
        fr.append(as_fraction(v, f"{name}[{', '.join(map(str, idx))}]"))
    den = lcm_all(f.denominator for f in fr)
    nums = [f.numerator * (den // f.denominator) for f in fr]
    return object_array(nums, arr.shape), den


def _rows_of_fractions(x: Any, name: str, dim: int) -> tuple[np.ndarray, int]:
    """Input batch (n, dim) to integer numerators with one common denominator."""
    if isinstance(x, np.ndarray) and x.ndim == 1 and dim == 1:
        x = x.reshape(-1, 1)
    elif not isinstance(x, np.ndarray):
        arr = np.array(x, dtype=object)
        if arr.ndim == 1 and dim == 1:
            x = arr.reshape(-1, 1)
        else:
            x = arr
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        if x.ndim != 2:
            raise ValueError(f"{name} must be a 2-D array, got shape {x.shape}")
        num, den = dyadic_arrays(x, name)
    else:
        num, den = _exact_matrix(x, name, 2)
    if num.shape[1] != dim:
        raise ValueError(f"{name} must have {dim} columns (the network's input dimension), got {num.shape[1]}")
    return num, den


class _NotExact(Exception):
    """Raised by :func:`_blocked_forward` when its exactness guard fails."""


def _augment(mats: list, dt: type) -> list[np.ndarray]:
    """``[[A^T], [c]]`` per layer: the bias as an extra input row fed by a column of ones."""
    aug = []
    for AT, c in mats:
        M = np.empty((AT.shape[0] + 1, AT.shape[1]), dtype=dt)
        M[:-1] = AT
        M[-1] = c
        aug.append(M)
    return aug


def _blocked_forward(X: np.ndarray, aug: list, dt: type, guard: bool = False) -> np.ndarray:
    """``A_L relu(... relu(X A_1 + c_1) ...) + c_L`` in ``dt``, one GEMM and one ReLU pass per layer.

    ``aug`` holds each layer as :func:`_augment` writes it, ``[[A^T], [c]]`` of shape (in + 1, out):
    biases ride in the GEMM, every activation block carrying a trailing column of ones.  The GEMM
    writes the first ``out`` columns of the next block, whose ones column is set once (ReLU keeps
    1 = 1).  The batch is processed in row blocks of about 2**19 activations so that they stay in
    cache.  Every operation is an ordinary float product or sum, so exactness arguments about
    partial sums (see ``Network._exact_batch_float``) carry over unchanged.

    With ``guard=True`` (float64 integer arithmetic), each layer of each block first bounds every
    partial sum by ``max_r sum_j |M_rj| colmax_j`` (bias row included through the ones column),
    inflated by the relative rounding error ``(k + 2) 2**-52`` of that nonnegative dot product,
    and raises :class:`_NotExact` unless the bound is below ``2**53``.
    """
    last = len(aug) - 1
    n, d = X.shape
    out = np.empty((n, aug[-1].shape[1]), dtype=dt)
    if n == 0:
        return out
    absaug = [np.abs(M) for M in aug] if guard else None
    rows = min(n, max(256, (1 << 19) // (max(M.shape[1] for M in aug) + 1)))
    x_buf = np.ones((rows, d + 1), dtype=dt)
    bufs = [np.ones((rows, M.shape[1] + 1), dtype=dt) for M in aug[:-1]]  # last column stays 1
    # ReLU against a same-shape zeros array: NumPy's maximum with a broadcast scalar 0 runs about
    # 3x slower (measured, NumPy 2.4); NaN still propagates as with the scalar
    zeros = {w: np.zeros((rows, w), dtype=dt) for w in {b.shape[1] for b in bufs}}
    for s in range(0, n, rows):
        m = min(rows, n - s)
        h = x_buf[:m]
        h[:, :-1] = X[s:s + m]
        for i, M in enumerate(aug):
            if guard:
                colmax = (np.abs(h) if i == 0 else h).max(axis=0)  # hidden blocks are >= 0
                need = float((colmax @ absaug[i]).max(initial=0.0))
                if need * (1 + (M.shape[0] + 2) * 2.0**-52) >= 2.0**53:
                    raise _NotExact
            if i < last:
                b = bufs[i][:m]
                np.matmul(h, M, out=b[:, :-1])
                np.maximum(b, zeros[b.shape[1]][:m], out=b)
                h = b
            else:
                np.matmul(h, M, out=out[s:s + m])
    return out



def _limb_matrices(layers: list, D: int, shift: int) -> list | None:
    """Per layer ``(Mh, Ml, |Mh|, rowsum)`` for :func:`_blocked_forward_limbs`, or ``None``.

    ``layers`` holds ``(AT, c_num, den)`` (``AT`` float64 (in, out) integer-valued, ``c_num``
    Python-int biases); ``D`` is the input denominator.  The bias term ``c D_i`` of layer ``i`` is
    split as ``c_hi 2**shift + c_lo`` with ``0 <= c_lo < 2**shift``; ``None`` if some ``c_hi`` is
    not a float64 integer.
    """
    S = 1 << shift
    mats = []
    for AT, c, d in layers:
        cD = c.astype(object) * D
        c_hi = np.array([int(v) >> shift for v in cD], dtype=object)
        if c_hi.size and max_abs_int(c_hi) >= 2**52:
            return None
        c_lo = cD - c_hi * S
        Mh = np.vstack([AT, c_hi.astype(np.float64)[None, :]])
        Ml = np.vstack([AT, c_lo.astype(np.float64)[None, :]])
        mats.append((Mh, Ml, np.abs(Mh), float(np.abs(AT).sum(axis=0).max(initial=0.0))))
        D *= d
    return mats


def _blocked_forward_limbs(H: np.ndarray, mats: list, shift: int) -> np.ndarray | None:
    """Exact forward pass with every integer activation held as two float64 limbs ``hi * 2**shift + lo``.

    ``mats`` comes from :func:`_limb_matrices`.  Invariant: ``0 <= lo < S = 2**shift``.  Per layer,
    ``P = A hi + c_hi`` and ``Q = A lo + c_lo`` are exact float64 GEMMs when
    ``(rowsum + 1) S <= 2**53`` (chosen by the caller) and the per-block guard on ``P`` holds; then
    ``carry = floor(Q / S)``, ``lo' = Q - carry S`` and ``hi' = P + carry`` renormalise exactly, and
    ``hi' * S + lo' < 0`` iff ``hi' < 0``, so ReLU zeroes both limbs where ``hi' < 0``.
    Returns exact integer numerators (object array) or ``None`` if a guard fails.
    """
    S = 1 << shift
    inv = 2.0**-shift
    last = len(mats) - 1
    n, dim = H.shape
    H64 = H.astype(np.int64)
    hi_all = (H64 >> shift).astype(np.float64)
    lo_all = (H64 - ((H64 >> shift) << shift)).astype(np.float64)
    out_hi = np.empty((n, mats[-1][0].shape[1]))
    out_lo = np.empty_like(out_hi)
    if n == 0:
        return out_hi.astype(object)
    rows = min(n, max(256, (1 << 18) // (max(M.shape[1] for M, *_ in mats) + 1)))
    xh, xl = np.ones((rows, dim + 1)), np.ones((rows, dim + 1))
    bufs = [(np.ones((rows, M.shape[1] + 1)), np.ones((rows, M.shape[1] + 1)), np.empty((rows, M.shape[1] + 1)),
             np.zeros((rows, M.shape[1] + 1)), np.empty((rows, M.shape[1] + 1), dtype=bool)) for M, *_ in mats[:-1]]
    for s0 in range(0, n, rows):
        m = min(rows, n - s0)
        h, l = xh[:m], xl[:m]
        h[:, :-1] = hi_all[s0:s0 + m]
        l[:, :-1] = lo_all[s0:s0 + m]
        for i, (Mh, Ml, absMh, rowsum) in enumerate(mats):
            colmax = (np.abs(h) if i == 0 else h).max(axis=0)
            need = float((colmax @ absMh).max(initial=0.0)) * (1 + (Mh.shape[0] + 2) * 2.0**-52)
            if need + rowsum + 2 >= 2.0**53:  # |P| + |carry| (carry <= rowsum + 1) must stay exact
                return None
            if i == last:
                np.matmul(h, Mh, out=out_hi[s0:s0 + m])
                np.matmul(l, Ml, out=out_lo[s0:s0 + m])
                break
            bh, bl, carry, zeros, keep = (b[:m] for b in bufs[i])
            P, Q = bh[:, :-1], bl[:, :-1]
            np.matmul(h, Mh, out=P)
            np.matmul(l, Ml, out=Q)
            # elementwise passes run on the whole contiguous blocks (strided views are several
            # times slower); the ones columns are left unchanged: floor(2**-shift) = 0, 1 >= 0
            np.multiply(bl, inv, out=carry)
            np.floor(carry, out=carry)
            np.add(bh, carry, out=bh)
            np.multiply(carry, S, out=carry)
            np.subtract(bl, carry, out=bl)  # now 0 <= lo < S
            np.greater_equal(bh, zeros, out=keep)
            np.multiply(bl, keep, out=bl)  # (np.copyto with where= is ~20x slower here)
            np.maximum(bh, zeros, out=bh)
            h, l = bh, bl
    hi, lo = out_hi.astype(np.int64), out_lo.astype(np.int64)
    if max_abs_int(hi) < 2**(61 - shift):  # hi * S + lo fits in int64 (|lo| < 2**53 <= 2**61)
        return ((hi << shift) + lo).astype(object)
    return hi.astype(object) * S + lo

class GridCheck:
    """Result of :meth:`Network.on_grid`: truthy when every parameter is on the grid.

    Attributes
    ----------
    ok : bool
    offending : dict or None
        ``{"layer": i, "kind": "weight" | "bias", "index": (r, c) or (r,), "value": Fraction}``
        for the first off-grid parameter.
    """

    __slots__ = ("ok", "offending", "grid")

    def __init__(self, ok: bool, offending: dict | None, grid: Grid) -> None:
        self.ok = ok
        self.offending = offending
        self.grid = grid

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"GridCheck(ok={self.ok}, offending={self.offending!r})"

    def describe(self) -> str:
        """One line saying which parameter is off the grid (or that none is)."""
        if self.ok:
            return f"every parameter lies on {self.grid!r}"
        o = self.offending
        return f"layer {o['layer']} {o['kind']}{list(o['index'])} = {o['value']} is not on {self.grid!r}"


class Network:
    """Feed-forward ReLU network with exact rational parameters.

    Build with :meth:`from_layers` (numbers of any exact kind), :meth:`from_integer_layers`
    (integer arrays plus denominators, the fast path for constructions) or
    :meth:`from_float` (floats rounded to a grid with a named mode).

    Examples
    --------
    >>> net = Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])  # |x|
    >>> net.depth, net.width, net.n_params
    (2, 2, 7)
    >>> net.exact([Fraction(-3, 4)])
    [Fraction(3, 4)]
    >>> float(net([[-0.5], [2.0]])[1, 0])
    2.0
    """

    __slots__ = ("_A", "_c", "_den", "meta", "_cache")

    def __init__(self, layers: Sequence[tuple[np.ndarray, np.ndarray, int]], meta: dict | None = None, *, _checked: bool = False):
        if not _checked:
            raise TypeError("use Network.from_layers, Network.from_integer_layers or Network.from_float")
        self._A = tuple(l[0] for l in layers)
        self._c = tuple(l[1] for l in layers)
        self._den = tuple(int(l[2]) for l in layers)
        self.meta = dict(meta or {})
        self._cache: dict = {}

    # ------------------------------------------------------------------------------------------
    # construction
    # ------------------------------------------------------------------------------------------
    @classmethod
    def from_layers(cls, layers: Iterable[tuple[Any, Any]], meta: dict | None = None) -> "Network":
        """Build a network from ``[(A1, c1), (A2, c2), ...]``.

        Parameters
        ----------
        layers : sequence of (A, c)
            ``A`` has shape ``(out, in)``; ``c`` has length ``out``; entries are ints,
            Fractions, floats (read exactly as binary numbers) or numeric strings.
        meta : dict, optional
            Free-form provenance (JSON-serialisable), kept in saved files.

        Raises
        ------
        ValueError
            Empty layers, mismatched shapes, NaN/inf entries.
        TypeError
            Entries that are not numbers.
        """
        if isinstance(layers, (str, bytes, dict)):
            raise TypeError("layers must be a sequence of (A, c) pairs")
        try:
            layer_list = list(layers)
        except TypeError:
            raise TypeError("layers must be a sequence of (A, c) pairs") from None
        out = []
        for i, pair in enumerate(layer_list):
            try:
                A, c = pair
            except (TypeError, ValueError):
                raise ValueError(f"layers[{i}] must be a pair (A, c)") from None
            An, Ad = _exact_matrix(A, f"layers[{i}].A", 2)
            cn, cd = _exact_matrix(c, f"layers[{i}].c", 1)
            den = Ad * cd // math.gcd(Ad, cd)
            # Python ints: the numerators may be int64 (dyadic_arrays) and the scale factor large
            out.append((An.astype(object) * (den // Ad), cn.astype(object) * (den // cd), den))
        return cls.from_integer_layers(out, meta=meta)

    @classmethod
    def from_integer_layers(cls, layers: Iterable[tuple[Any, Any, int]], meta: dict | None = None) -> "Network":
        """Build from ``[(A_num, c_num, den), ...]`` with integer arrays: ``A = A_num / den``.

        The fast path for constructions: no per-entry conversion beyond integer checks.

        Raises
        ------
        ValueError
            Empty layers, mismatched shapes, non-positive denominators.
        """
        checked = []
        prev_out = None
        for i, trip in enumerate(layers):
            try:
                A, c, den = trip
            except (TypeError, ValueError):
                raise ValueError(f"layers[{i}] must be a triple (A_num, c_num, den)") from None
            den = as_int(den, f"layers[{i}].den", 1)
            A = np.asarray(A)
            c = np.asarray(c)
            if A.ndim != 2:
                raise ValueError(f"layers[{i}].A must be 2-D (out, in), got shape {A.shape}")
            if c.ndim != 1:
                raise ValueError(f"layers[{i}].c must be 1-D, got shape {c.shape}")
            if A.shape[0] == 0 or A.shape[1] == 0:
                raise ValueError(f"layers[{i}].A must be non-empty, got shape {A.shape}")
            if c.shape[0] != A.shape[0]:
                raise ValueError(f"layers[{i}].c has length {c.shape[0]} but A has {A.shape[0]} rows")
            if prev_out is not None and A.shape[1] != prev_out:
                raise ValueError(f"layers[{i}].A has {A.shape[1]} columns but layer {i - 1} has {prev_out} outputs")
            for nm, arr in (("A", A), ("c", c)):
                if arr.dtype.kind not in "iuO":
                    raise TypeError(f"layers[{i}].{nm} must hold integers, got dtype {arr.dtype}")
                if arr.dtype == object:
                    for idx, v in np.ndenumerate(arr):
                        if not isinstance(v, (int, np.integer)) or isinstance(v, (bool, np.bool_)):
                            raise TypeError(f"layers[{i}].{nm}[{', '.join(map(str, idx))}] must be an integer, got {type(v).__name__}")
            An, cn, den = _reduce_layer(_to_int_object(A), _to_int_object(c), den)
            checked.append((An, cn, den))
            prev_out = A.shape[0]
        if not checked:
            raise ValueError("layers must hold at least one affine map")
        return cls(checked, meta=meta, _checked=True)

    @classmethod
    def from_float(cls, layers: Iterable[tuple[Any, Any]], grid: Grid, mode: str = "nearest-even",
                   overflow: str = "error", meta: dict | None = None) -> "Network":
        """Round float weights and biases to ``grid`` (named rounding mode) and build the network.

        Parameters
        ----------
        layers : sequence of (A, c) float arrays
        grid : Grid
            Every parameter is rounded to this grid.
        mode : str
            Rounding mode, one of :data:`relubits.grid.ROUNDING_MODES`.
        overflow : {"error", "saturate"}
            Values outside the grid's range raise (default) or are clipped explicitly.

        Examples
        --------
        >>> net = Network.from_float([([[0.3]], [0.1])], Grid.fixed(8, 4))
        >>> net.layers[0][0][0, 0], net.layers[0][1][0]
        (Fraction(5, 16), Fraction(1, 8))
        """
        if not isinstance(grid, Grid):
            raise TypeError(f"grid must be a relubits Grid, got {type(grid).__name__}")
        _check_mode(mode, overflow)
        out = []
        for i, (A, c) in enumerate(layers):
            if isinstance(grid, FixedGrid):
                Ak = grid.round_codes(A, mode, overflow, name=f"layers[{i}].A")
                ck = grid.round_codes(c, mode, overflow, name=f"layers[{i}].c")
                if grid.frac_bits >= 0:
                    out.append((Ak, ck, 1 << grid.frac_bits))
                else:
                    m = 1 << (-grid.frac_bits)
                    out.append((_to_int_object(Ak) * m, _to_int_object(ck) * m, 1))
            else:
                out.append((grid.round_array(np.asarray(A, dtype=np.float64), mode, overflow, name=f"layers[{i}].A"),
                            grid.round_array(np.asarray(c, dtype=np.float64), mode, overflow, name=f"layers[{i}].c")))
        if isinstance(grid, FixedGrid):
            net = cls.from_integer_layers(out, meta=meta)
        else:
            net = cls.from_layers(out, meta=meta)
        return net

    # ------------------------------------------------------------------------------------------
    # structure
    # ------------------------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """Number of affine maps ``L``."""
        return len(self._A)

    @property
    def widths(self) -> tuple[int, ...]:
        """``(input_dim, hidden sizes ..., output_dim)``."""
        return (self._A[0].shape[1],) + tuple(A.shape[0] for A in self._A)

    @property
    def width(self) -> int:
        """Largest hidden layer (0 for a depth-1, purely affine network)."""
        hidden = self.widths[1:-1]
        return max(hidden) if hidden else 0

    @property
    def input_dim(self) -> int:
        return self._A[0].shape[1]

    @property
    def output_dim(self) -> int:
        return self._A[-1].shape[0]

    @property
    def n_params(self) -> int:
        """All weights plus all biases (zeros included)."""
        return sum(A.size + c.size for A, c in zip(self._A, self._c))

    @property
    def n_nonzero(self) -> int:
        """Number of non-zero weights and biases."""
        return sum(int(np.count_nonzero(A != 0)) + int(np.count_nonzero(c != 0)) for A, c in zip(self._A, self._c))

    @property
    def n_neurons(self) -> int:
        """Number of hidden ReLU units."""
        return sum(self.widths[1:-1])

    @property
    def integer_layers(self) -> list[tuple[np.ndarray, np.ndarray, int]]:
        """``[(A_num, c_num, den), ...]`` with ``A = A_num / den``: object arrays of Python ints (copies)."""
        return [(A.copy(), c.copy(), d) for A, c, d in zip(self._A, self._c, self._den)]

    @property
    def layers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(A, c), ...]`` as NumPy object arrays of :class:`~fractions.Fraction` (copies)."""
        if "layers" not in self._cache:
            res = []
            for A, c, d in zip(self._A, self._c, self._den):
                fA = object_array([Fraction(int(v), d) for v in A.ravel()], A.shape)
                fc = object_array([Fraction(int(v), d) for v in c.ravel()], c.shape)
                res.append((fA, fc))
            self._cache["layers"] = res
        return [(A.copy(), c.copy()) for A, c in self._cache["layers"]]

    def to_float(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(A, c), ...]`` as float64 arrays (each entry correctly rounded)."""
        if "float" not in self._cache:
            res = []
            for A, c, d in zip(self._A, self._c, self._den):
                res.append((_int_over_den_to_float(A, d), _int_over_den_to_float(c, d)))
            self._cache["float"] = res
        return [(A.copy(), c.copy()) for A, c in self._cache["float"]]

    def __repr__(self) -> str:
        return f"<Network widths={self.widths} depth={self.depth} width={self.width} n_params={self.n_params}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Network):
            return NotImplemented
        return (self.widths == other.widths and self._den == other._den
                and all(np.array_equal(a, b) for a, b in zip(self._A, other._A))
                and all(np.array_equal(a, b) for a, b in zip(self._c, other._c)))

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------------------------------
    # grids and memory
    # ------------------------------------------------------------------------------------------
    def on_grid(self, grid: Grid) -> GridCheck:
        """Exact check that every weight and bias lies on ``grid``.

        Returns
        -------
        GridCheck
            Truthy if all parameters are on the grid; otherwise ``.offending`` names the first one.
        """
        if not isinstance(grid, Grid):
            raise TypeError(f"grid must be a relubits Grid, got {type(grid).__name__}")
        for li, (A, c, d) in enumerate(zip(self._A, self._c, self._den)):
            for kind, arr in (("weight", A), ("bias", c)):
                bad = _first_off_grid(arr, d, grid)
                if bad is not None:
                    return GridCheck(False, {"layer": li, "kind": kind, "index": tuple(int(i) for i in bad),
                                             "value": Fraction(int(arr[bad]), d)}, grid)
        return GridCheck(True, None, grid)

    def memory_bits(self, grid: Grid, nonzero_only: bool = False) -> int:
        """Storage in bits: parameters x ``grid.bits_per_param`` + ``grid.metadata_bits``.

        Parameters
        ----------
        grid : Grid
            The grid every parameter lies on (checked exactly).
        nonzero_only : bool
            Count only non-zero parameters (a sparse format that stores positions
            for free; default counts every parameter).

        Raises
        ------
        ValueError
            If a parameter is not on ``grid`` (the count would be meaningless).
        """
        chk = self.on_grid(grid)
        if not chk:
            raise ValueError(f"memory_bits: {chk.describe()}")
        n = self.n_nonzero if nonzero_only else self.n_params
        return n * grid.bits_per_param + grid.metadata_bits

    # ------------------------------------------------------------------------------------------
    # evaluation
    # ------------------------------------------------------------------------------------------
    def _float_input(self, X: Any) -> tuple[np.ndarray, bool]:
        x = np.asarray(X, dtype=np.float64)
        squeeze = False
        if x.ndim == 1:
            if self.input_dim == 1:
                x = x.reshape(-1, 1)
            elif x.shape[0] == self.input_dim:
                x = x.reshape(1, -1)
                squeeze = True
            else:
                raise ValueError(f"X must have shape (n, {self.input_dim}), got {x.shape}")
        elif x.ndim == 0 and self.input_dim == 1:
            x = x.reshape(1, 1)
            squeeze = True
        if x.ndim != 2 or x.shape[1] != self.input_dim:
            raise ValueError(f"X must have shape (n, {self.input_dim}), got {np.shape(X)}")
        return x, squeeze

    def __call__(self, X: Any) -> np.ndarray:
        """Float64 batch evaluation (fast path; see :meth:`float_error_bound`).

        Parameters
        ----------
        X : array_like, shape (n, input_dim)
            Rows are inputs; a 1-D array is read as n scalar inputs when ``input_dim == 1``.

        Returns
        -------
        ndarray, shape (n, output_dim)
        """
        h, squeeze = self._float_input(X)
        if "aug_float" not in self._cache:
            self._cache["aug_float"] = _augment([(A.T, c) for A, c in self.to_float()], np.float64)
        h = _blocked_forward(h, self._cache["aug_float"], np.float64)
        return h[0] if squeeze else h

    def float_error_bound(self, X: Any) -> np.ndarray:
        """Rigorous bound on ``|net(X) - exact(X)|`` per output, for the float64 fast path.

        Standard forward error analysis: each entry of ``A`` and ``c`` is stored with
        relative error ``u = 2**-53``; a dot product of length ``n`` plus a bias has error
        at most ``gamma_{n+1} (|A||h| + |c|)``; ReLU is 1-Lipschitz and exact.  The
        bound is computed in float64 and inflated by a safety factor ``(1 + 2**-40)``
        that dominates the rounding of the bound itself.

        Returns
        -------
        ndarray, shape (n, output_dim)
        """
        h, squeeze = self._float_input(X)
        u = 2.0**-53
        err = np.zeros_like(h)
        fl = self.to_float()
        last = len(fl) - 1
        for i, (A, c) in enumerate(fl):
            n = A.shape[1]
            gamma = (n + 2) * u / (1 - (n + 2) * u)
            aA, ac = np.abs(A), np.abs(c)
            mag = np.abs(h) @ aA.T + ac + err @ aA.T
            err = err @ aA.T * (1 + gamma) + gamma * mag + u * (np.abs(h) @ aA.T + ac)
            h = h @ A.T + c
            if i < last:
                np.maximum(h, 0.0, out=h)
        bound = err * (1 + 2.0**-40) + np.finfo(np.float64).tiny * (self.depth + 1)
        return bound[0] if squeeze else bound

    def exact_batch(self, X: Any, raw: bool = False):
        """Exact evaluation of a batch of rational inputs.

        Parameters
        ----------
        X : array_like, shape (n, input_dim)
            Ints, Fractions, floats (read exactly) or numeric strings.
        raw : bool
            Return ``(numerators, den)`` -- an object array of Python ints of shape
            ``(n, output_dim)`` and one positive int -- instead of Fractions.

        Returns
        -------
        list of list of Fraction, or (ndarray, int) if ``raw``

        Notes
        -----
        Per layer the numerators are updated with one integer matrix product.  The
        product runs in int64 only when ``max|A_num| * in_dim * max|h| + max|c_num| * D``
        is below ``2**62``; otherwise with Python integers.  No wrap-around is possible.
        """
        H, D = _rows_of_fractions(X, "X", self.input_dim)
        fast = self._exact_batch_float(H, D)
        if fast is not None:
            H, D = fast
            if raw:
                return H.astype(object), D
            return [[Fraction(int(v), D) for v in row] for row in H]
        last = self.depth - 1
        for i, d in enumerate(self._den):
            A, c, _, cmax = self._int_params(i)
            H = _int_affine(H, D, A, c, cmax)
            D *= d
            if i < last:
                H = np.where(H > 0, H, 0) if H.dtype != object else _relu_object(H)
            # keep numbers small: divide out common factors of the batch
            g = array_gcd(H, D)
            if g > 1:
                H = H // g
                D //= g
        if raw:
            return (H.astype(object) if H.dtype != object else H), D
        return [[Fraction(int(v), D) for v in row] for row in H]

    def _exact_batch_float(self, H: np.ndarray, D: int):
        """All layers in float32/float64 BLAS when a bound proves every value an exact integer.

        Static route: with ``B_0 = max|H|`` and ``B_{i+1} = rowsum_i * B_i + max|c_i| * D_i``
        (``D_i`` the running denominator), every partial sum of every layer is an integer of
        magnitude at most ``B_{i+1}``, whatever the summation order.  Below ``2**24`` (float32) or
        ``2**53`` (float64) the floating-point computation is therefore exact.

        Guarded route (when the static bound fails): float64, and before each layer of each row
        block the bound ``max_r sum_j |A_rj| colmax_j + |c_r| D_i`` (``colmax_j`` the largest
        ``|h_j|`` in the block, itself exact) is computed and inflated by its own rounding error;
        below ``2**53`` every partial sum of that block is exact.  Actual activations are usually
        far below the static worst case, so this route covers much deeper/higher-precision nets.

        Returns ``None`` when neither route proves exactness (the caller then uses exact integer
        products).
        """
        B0 = B = max_abs_int(H)
        if B >= 2**53:
            return self._exact_batch_limbs(H, D, B0)
        Dr = D
        top = B  # largest magnitude any input, weight, bias term or partial sum can take
        for i, d in enumerate(self._den):
            _, _, rowsum, cmax = self._int_params(i)
            B = rowsum * B + cmax * Dr
            top = max(top, B, rowsum, cmax, Dr)
            if cmax * Dr >= 2**53 or rowsum >= 2**53:
                return self._exact_batch_limbs(H, D, B0)  # a weight or bias term is not a float64 integer
            Dr *= d
        dt = np.float32 if top < 2**24 else np.float64
        try:
            out = _blocked_forward(H, self._augmented_exact(dt, D), dt, guard=top >= 2**53)
        except _NotExact:
            return self._exact_batch_limbs(H, D, B0)
        return out.astype(np.int64), Dr

    def _float_int_layers(self, dt: type) -> list:
        """``(A^T, c)`` numerators of every layer as integer-valued ``dt`` arrays (cached)."""
        key = ("float_int", dt)
        if key not in self._cache:
            self._cache[key] = [(np.ascontiguousarray(A.astype(np.int64).astype(dt).T), c.astype(np.int64).astype(dt))
                                for A, c in zip(self._A, self._c)]
        return self._cache[key]

    def _augmented_exact(self, dt: type, D: int) -> list:
        """:func:`_augment` matrices with the bias terms ``c_i D_i`` for input denominator ``D``.

        Cached for the last ``D`` (batches of one kind of input share it).  The caller has checked
        that every ``|c_i| D_i`` is an integer below ``2**53`` (or ``c_i = 0``), so they are exact.
        """
        key = ("aug_exact", dt)
        hit = self._cache.get(key)
        if hit is None or hit[0] != D:
            mats, Dr = [], D
            for (AT, c), d in zip(self._float_int_layers(dt), self._den):
                mats.append((AT, c * dt(Dr) if c.any() else np.zeros_like(c)))
                Dr *= d
            hit = self._cache[key] = (D, _augment(mats, dt))
        return hit[1]

    def _exact_batch_limbs(self, H: np.ndarray, D: int, hmax: int | None = None):
        """Two-limb float64 route (:func:`_blocked_forward_limbs`); ``None`` when it cannot prove exactness.

        ``hmax = max|H|`` (computed if not given).  Needs every row sum of ``|A|`` below ``2**45`` (so the limb width is at
        least 8 bits) and ``max|H| / 2**shift`` a float64 integer.
        """
        hmax = max_abs_int(H) if hmax is None else hmax
        params = [self._int_params(i) for i in range(self.depth)]
        rowsum = max(p[2] for p in params)
        if hmax >= 2**62 or max(p[3] for p in params) >= 2**62:
            return None
        shift = 53 - (rowsum + 1).bit_length()  # (rowsum + 1) * 2**shift <= 2**53
        if shift < 8 or hmax >> shift >= 2**52:
            return None
        key = ("limbs", D, shift)
        if key not in self._cache:
            for k in [k for k in self._cache if isinstance(k, tuple) and k[0] == "limbs"]:
                del self._cache[k]  # keep the matrices of one input denominator only
            layers = [(AT, c, d) for (AT, _), c, d in zip(self._float_int_layers(np.float64), self._c, self._den)]
            self._cache[key] = _limb_matrices(layers, D, shift)
        mats = self._cache[key]
        out = None if mats is None else _blocked_forward_limbs(H, mats, shift)
        if out is None:
            return None
        for d in self._den:
            D *= d
        return out, D

    def exact(self, x: Any) -> list[Fraction]:
        """Exact output for one input vector of rationals.

        Examples
        --------
        >>> Network.from_layers([([[Fraction(1, 3)]], [1])]).exact([3])
        [Fraction(2, 1)]
        """
        if isinstance(x, (int, float, Fraction, str)) and self.input_dim == 1:
            x = [x]
        return self.exact_batch([list(x)])[0]

    def _int_params(self, i: int) -> tuple:
        """Layer ``i`` for integer evaluation: (A, c, max row sum of |A|, max |c|), int64 arrays when they fit."""
        key = ("int", i)
        if key not in self._cache:
            A, c = self._A[i], self._c[i]
            rowsum = max((sum(abs(int(v)) for v in row) for row in A), default=0)
            cmax = max_abs_int(c)
            if max(rowsum, cmax) < INT64_SAFE:
                A, c = A.astype(np.int64), c.astype(np.int64)
            self._cache[key] = (A, c, rowsum, cmax)
        return self._cache[key]

    # ------------------------------------------------------------------------------------------
    # calculus (all exact; each returns a new Network)
    # ------------------------------------------------------------------------------------------
    def deepen(self, depth: int) -> "Network":
        """Same function with ``depth`` affine maps, via identity channels ``relu(y) - relu(-y)``.

        Adds ``depth - self.depth`` layers after the current last hidden layer; the
        extra hidden layers have width ``2 * output_dim``.
        """
        depth = as_int(depth, "depth", self.depth)
        extra = depth - self.depth
        if extra == 0:
            return self
        return compose(identity(self.output_dim, extra + 1), self, merge=True)

    def widen(self, width: int) -> "Network":
        """Same function with every hidden layer padded by zero neurons to ``width``."""
        width = as_int(width, "width", max(self.width, 1))
        layers = self.integer_layers
        for i in range(len(layers) - 1):
            A, c, d = layers[i]
            pad = width - A.shape[0]
            if pad <= 0:
                continue
            layers[i] = (np.vstack([A, _zeros((pad, A.shape[1]))]), np.concatenate([c, _zeros((pad,))]), d)
            A2, c2, d2 = layers[i + 1]
            layers[i + 1] = (np.hstack([A2, _zeros((A2.shape[0], pad))]), c2, d2)
        return Network.from_integer_layers(layers, meta=self.meta)

    # ------------------------------------------------------------------------------------------
    # JSON
    # ------------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready document (exact integers; beyond 2**53 they are written as strings)."""
        def enc(v: int):
            v = int(v)
            return v if abs(v) <= 2**53 else str(v)

        doc = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "widths": list(self.widths),
            "layers": [
                {"den": enc(d), "A": [[enc(v) for v in row] for row in A], "c": [enc(v) for v in c]}
                for A, c, d in zip(self._A, self._c, self._den)
            ],
            "meta": _json_safe_meta(self.meta),
        }
        return doc

    def save(self, path: str | os.PathLike) -> None:
        """Write the network as versioned JSON, atomically (nothing is left half-written)."""
        text = json.dumps(self.to_dict())
        atomic_write(path, text)

    @classmethod
    def from_dict(cls, doc: Any) -> "Network":
        """Validate and load a document written by :meth:`to_dict`."""
        if not isinstance(doc, dict):
            raise ValueError("network file must hold a JSON object")
        if doc.get("format") != FORMAT_NAME:
            raise ValueError(f"network file: 'format' must be {FORMAT_NAME!r}, got {doc.get('format')!r}")
        ver = doc.get("version")
        if ver != FORMAT_VERSION:
            raise ValueError(f"network file: 'version' must be {FORMAT_VERSION}, got {ver!r}")
        layers = doc.get("layers")
        if not isinstance(layers, list) or not layers:
            raise ValueError("network file: 'layers' must be a non-empty list")

        def dec(v: Any, where: str) -> int:
            if isinstance(v, bool):
                raise ValueError(f"network file: {where} must be an integer, got a boolean")
            if isinstance(v, int):
                return v
            if isinstance(v, str):
                try:
                    return int(v)
                except ValueError:
                    pass
            raise ValueError(f"network file: {where} must be an integer (or a decimal string), got {v!r}")

        out = []
        for i, L in enumerate(layers):
            if not isinstance(L, dict) or not {"den", "A", "c"} <= set(L):
                raise ValueError(f"network file: layers[{i}] must be an object with keys den, A, c")
            A, c = L["A"], L["c"]
            if not isinstance(A, list) or not all(isinstance(r, list) for r in A):
                raise ValueError(f"network file: layers[{i}].A must be a list of rows")
            if not isinstance(c, list):
                raise ValueError(f"network file: layers[{i}].c must be a list")
            if A and len({len(r) for r in A}) != 1:
                raise ValueError(f"network file: layers[{i}].A rows have different lengths")
            den = dec(L["den"], f"layers[{i}].den")
            if den < 1:
                raise ValueError(f"network file: layers[{i}].den must be >= 1, got {den}")
            An = [[dec(v, f"layers[{i}].A[{r}][{k}]") for k, v in enumerate(row)] for r, row in enumerate(A)]
            cn = [dec(v, f"layers[{i}].c[{r}]") for r, v in enumerate(c)]
            shape = (len(An), len(An[0]) if An else 0)
            out.append((object_array([v for row in An for v in row], shape), object_array(cn, (len(cn),)), den))
        try:
            net = cls.from_integer_layers(out, meta=doc.get("meta") if isinstance(doc.get("meta"), dict) else None)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"network file: {exc}") from None
        widths = doc.get("widths")
        if widths is not None and list(widths) != list(net.widths):
            raise ValueError(f"network file: 'widths' {widths} disagrees with the layers {list(net.widths)}")
        return net


# ----------------------------------------------------------------------------------------------
# module-level functions
# ----------------------------------------------------------------------------------------------
def load(path: str | os.PathLike) -> Network:
    """Load a network saved with :meth:`Network.save`.

    Raises
    ------
    ValueError
        Malformed, truncated or inconsistent file (the message says what is wrong).
    OSError
        The file cannot be read.
    """
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"network file {os.fspath(path)!r} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"network file {os.fspath(path)!r} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise ValueError(f"network file {os.fspath(path)!r} is nested too deeply to be a network file") from None
    return Network.from_dict(doc)


def compose(outer: Network, inner: Network, merge: bool = True) -> Network:
    """The network computing ``outer(inner(x))``.

    Parameters
    ----------
    outer, inner : Network
    merge : bool
        ``True`` (default): multiply the last affine map of ``inner`` into the first of
        ``outer`` (depth ``L1 + L2 - 1``; new weights are products of old ones).
        ``False``: pass the intermediate value through identity channels
        ``relu(y) - relu(-y)`` (depth ``L1 + L2``; every weight stays one of the old
        weights or its negative, so the result stays on a sign-symmetric grid).

    Examples
    --------
    >>> relu = Network.from_layers([([[1]], [0]), ([[1]], [0])])
    >>> shift = Network.from_layers([([[1]], [-1])])
    >>> compose(relu, shift).exact([Fraction(1, 2)])
    [Fraction(0, 1)]
    """
    _check_net(outer, "outer")
    _check_net(inner, "inner")
    if outer.input_dim != inner.output_dim:
        raise ValueError(f"outer takes {outer.input_dim} inputs but inner gives {inner.output_dim} outputs")
    il, ol = inner.integer_layers, outer.integer_layers
    Ai, ci, di = il[-1]
    Ao, co, do = ol[0]
    if merge:
        A = Ao.dot(Ai)
        c = Ao.dot(ci) + co * di
        mid = [(A, c, di * do)]
    else:
        mid = [(np.vstack([Ai, -Ai]), np.concatenate([ci, -ci]), di), (np.hstack([Ao, -Ao]), co, do)]
    return Network.from_integer_layers(il[:-1] + mid + ol[1:])


def identity(dim: int, depth: int) -> Network:
    """The identity map on R^dim as a network of the given depth.

    Depth 1 is the affine identity; depth >= 2 uses ``2 * dim`` channels
    ``relu(x)``, ``relu(-x)`` carried through ``depth - 1`` ReLU layers.
    """
    dim = as_int(dim, "dim", 1)
    depth = as_int(depth, "depth", 1)
    I = _eye(dim)
    if depth == 1:
        return Network.from_integer_layers([(I, _zeros((dim,)), 1)])
    first = (np.vstack([I, -I]), _zeros((2 * dim,)), 1)
    mid = [(_eye(2 * dim), _zeros((2 * dim,)), 1) for _ in range(depth - 2)]
    last = (np.hstack([I, -I]), _zeros((dim,)), 1)
    return Network.from_integer_layers([first] + mid + [last])


def parallel(*nets: Network) -> Network:
    """Stack networks side by side: inputs and outputs are concatenated.

    Shallower networks are deepened with identity channels first, so the result has
    depth ``max(depths)``.
    """
    if not nets:
        raise ValueError("parallel needs at least one network")
    for i, n in enumerate(nets):
        _check_net(n, f"nets[{i}]")
    L = max(n.depth for n in nets)
    parts = [n.deepen(L).integer_layers for n in nets]
    layers = []
    for li in range(L):
        dens = [p[li][2] for p in parts]
        D = lcm_all(dens)
        blocks = [(p[li][0] * (D // p[li][2]), p[li][1] * (D // p[li][2])) for p in parts]
        layers.append((_block_diag([b[0] for b in blocks]), np.concatenate([b[1] for b in blocks]), D))
    return Network.from_integer_layers(layers)


def add(first: Network, second: Network) -> Network:
    """The network computing ``first(x) + second(x)`` (same input and output dimensions)."""
    _check_net(first, "first")
    _check_net(second, "second")
    if first.input_dim != second.input_dim or first.output_dim != second.output_dim:
        raise ValueError(f"add needs equal input and output dimensions, got {first.widths} and {second.widths}")
    p = parallel(first, second).integer_layers
    d_in = first.input_dim
    A0, c0, den0 = p[0]
    # both halves read the same input: fold the duplicated input columns
    p[0] = (A0[:, :d_in] + A0[:, d_in:], c0, den0)
    AL, cL, denL = p[-1]
    m = first.output_dim
    if len(p) == 1:
        p[0] = (p[0][0][:m] + p[0][0][m:], c0[:m] + c0[m:], den0)
    else:
        p[-1] = (AL[:m] + AL[m:], cL[:m] + cL[m:], denL)
    return Network.from_integer_layers(p)


def scale(net: Network, factor: Any) -> Network:
    """The network computing ``factor * net(x)`` (exact rational factor)."""
    _check_net(net, "net")
    f = as_fraction(factor, "factor")
    layers = net.integer_layers
    A, c, d = layers[-1]
    layers[-1] = (A * f.numerator, c * f.numerator, d * f.denominator)
    return Network.from_integer_layers(layers, meta=net.meta)


# ----------------------------------------------------------------------------------------------
# private helpers
# ----------------------------------------------------------------------------------------------
def _check_net(n: Any, name: str) -> None:
    if not isinstance(n, Network):
        raise TypeError(f"{name} must be a relubits Network, got {type(n).__name__}")


def _zeros(shape) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    out[...] = 0
    return out


def _eye(n: int) -> np.ndarray:
    out = _zeros((n, n))
    for i in range(n):
        out[i, i] = 1
    return out


def _block_diag(blocks: list[np.ndarray]) -> np.ndarray:
    rows = sum(b.shape[0] for b in blocks)
    cols = sum(b.shape[1] for b in blocks)
    out = _zeros((rows, cols))
    r = k = 0
    for b in blocks:
        out[r:r + b.shape[0], k:k + b.shape[1]] = b
        r += b.shape[0]
        k += b.shape[1]
    return out


def _int_over_den_to_float(a: np.ndarray, d: int) -> np.ndarray:
    if a.size == 0:
        return np.zeros(a.shape)
    m = max_abs_int(a)
    if m < 2**53 and d < 2**53:
        return a.astype(np.float64) / float(d)  # both exact; one correctly rounded division
    return np.array([float(Fraction(int(v), d)) for v in a.ravel()], dtype=np.float64).reshape(a.shape)


def _int_affine(H: np.ndarray, D: int, A: np.ndarray, c: np.ndarray, cmax: int) -> np.ndarray:
    """Numerators of ``A h + c`` for ``h = H / D`` (over the denominator ``D * den``).

    Exact: :func:`relubits.exact.int_matmul` runs in float64 or int64 only when a bound
    proves the result exact, otherwise with Python integers.
    """
    if c.dtype != object and D < INT64_SAFE and cmax * D < INT64_SAFE:
        cD = c * np.int64(D)
    else:
        cD = c.astype(object) * D
    return int_matmul(H, A.T, add=cD[None, :])


def _relu_object(H: np.ndarray) -> np.ndarray:
    out = H.copy()
    out[H < 0] = 0
    return out


def _first_off_grid(arr: np.ndarray, d: int, grid: Grid):
    """Index of the first entry ``arr[idx] / d`` not on ``grid`` (``None`` if all are), vectorised."""
    if arr.size == 0:
        return None
    if isinstance(grid, FixedGrid):
        f = grid.frac_bits
        # value v/d = k 2^-f  <=>  v 2^f / d is an integer k in [kmin, kmax]
        scale, div = (1 << f, d) if f >= 0 else (1, d * (1 << (-f)))
        small = max_abs_int(arr) * scale < INT64_SAFE and div < INT64_SAFE
        a = arr.astype(np.int64) if small else arr.astype(object)
        scaled = a * scale
        q, r = scaled // div, scaled % div
        bad = (r != 0) | (q < grid.kmin) | (q > grid.kmax)
    else:
        levels = grid.values()
        if len(levels) <= 4096:
            num = {v.numerator * (d // v.denominator) for v in levels if d % v.denominator == 0}
            bad = np.frompyfunc(lambda v: int(v) not in num, 1, 1)(arr).astype(bool)
        else:
            bad = np.frompyfunc(lambda v: not grid.contains(Fraction(int(v), d)), 1, 1)(arr).astype(bool)
    if not np.any(bad):
        return None
    return tuple(int(i) for i in np.argwhere(bad)[0])


def _json_safe_meta(meta: dict) -> dict:
    try:
        json.dumps(meta)
        return meta
    except (TypeError, ValueError):
        return {str(k): str(v) for k, v in meta.items()}
