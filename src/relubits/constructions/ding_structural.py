"""Structural (compositional) certificate of a quantized approximant, linear in its size.

The approximant ``f_hat = sum_{m, alpha} block_{m, alpha}`` of :mod:`relubits.constructions.ding`
is certified from what each part of **the built network** computes, not from the
construction's promise (proof: docs/ding.md §11):

1. **Per template** (one per multi-index ``alpha``): the compiled layers are split into
   *families* -- neurons that are 1-D functions of one input coordinate ``x_k`` or of one
   *cut variable* ``z`` (the pre-activation of the neurons reading ``+-(u + v)``,
   ``+-(u - v)`` of a product, and of the coefficient stage).  Every family is analysed with
   exact 1-D pieces (:func:`relubits.pieces`) of a sub-network extracted from the compiled
   weights; constants are evaluated exactly.  From the cut structure the certificate
   recognises the product tree: leaves must equal ``+-hat(N y)`` or ``+-N y`` exactly, each
   product node ``W = L1(A + B) + L2(A - B)`` must satisfy ``L2 = -L1``, ``L1`` even
   (so ``W = 0`` exactly when ``A = 0`` or ``B = 0``) and ``L1(z) - z^2/4 in [e_lo, e_hi]``
   (exact extremes per piece); the coefficient stage must be ``z -> c z`` per output column
   pattern.  Result: ``|P~ - phi_m t^alpha| <= delta_alpha`` on the support, ``P~ = 0`` off it.
2. **Per coordinate shift** ``(k, m_k)`` and **per coefficient code**: the patched entries
   (exactly those :meth:`_BlockTemplate.network` writes) are decoded: the shift rows must be
   the template's rows translated by ``m_k / N``, and the output digits give ``c~`` exactly.
3. **Per block**: ``|c~ - c|`` from the certificate's own derivative estimates (with their
   proved error) and ``|c~| delta_alpha``; summed over the ``2^d`` corners of every cell,
   plus the Taylor remainder ``d^n / (n! N^n)`` (assumption: ``|D^alpha f| <= 1`` for
   ``|alpha| <= n``, i.e. ``f`` in the unit ball of ``W^(n,inf)``).

Anything that does not match raises :class:`StructureError` (the network is not what the
proof needs); a change that keeps the structure is measured (``delta_alpha`` and ``c~`` are
read from the changed weights), so the bound is always about the network that was built.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

import numpy as np

from relubits.network import Network
from relubits.pieces import pieces

__all__ = ["StructuralCertificate", "StructureError", "certify_structural", "template_analysis",
           "sampled_lower_bound", "spot_check"]

METHOD = "structural (proved in docs/ding.md §11)"
#: Random cells the sampled lower bound spreads its points over.
LOWER_BOUND_CELLS = 4
_ZERO = Fraction(0)


class StructureError(ValueError):
    """The built network does not have the structure the structural certificate proves things about."""


@dataclass(frozen=True)
class StructuralCertificate:
    """Result of :func:`certify_structural`.

    Attributes
    ----------
    certified_error : float
        Proved upper bound on ``sup_{[0,1]^d} |f - f_hat|`` (rounded up).
    lower_bound : float
        Rigorous lower bound: the largest ``|f - f_hat|`` at sampled points minus the float
        error bounds of both sides (0 when no points were sampled).
    terms : dict
        ``taylor`` (proved from the assumption), ``coefficients_and_products`` (max over
        cells of the per-cell sum), ``coefficients`` and ``products`` (their separate maxima).
    product_error : dict
        ``alpha -> delta_alpha``: proved bound of ``|P~ - phi t^alpha|`` on the support.
    n_blocks, n_templates, n_pieces_calls : int
    samples : int
        Points behind ``lower_bound`` (the number evaluated, see :func:`sampled_lower_bound`; 0 when none).
    spot_points : int
        Points at which :func:`spot_check` compared materialised blocks with the model (0: no spot check).
    seconds : dict
        Time per stage: ``templates`` (analysis, once per multi-index), ``blocks`` (shift
        and coefficient decoding, per block), ``spot_check``, ``combine``, ``lower_bound``.
    method : str
    """

    certified_error: float
    lower_bound: float
    terms: dict
    product_error: dict
    n_blocks: int
    n_templates: int
    n_pieces_calls: int
    samples: int = 0
    seconds: dict = field(default_factory=dict)
    method: str = METHOD
    spot_points: int = 0


# ------------------------------------------------------------------------------------------------
# exact 1-D piecewise-linear helpers (tuples of breakpoints and values, maximal pieces)
# ------------------------------------------------------------------------------------------------
def _eval(xs: tuple, ys: tuple, x: Fraction) -> Fraction:
    import bisect

    i = bisect.bisect_right(xs, x) - 1
    i = min(max(i, 0), len(xs) - 2)
    return ys[i] + (ys[i + 1] - ys[i]) * (x - xs[i]) / (xs[i + 1] - xs[i])


def _as_ints(vals) -> tuple[int, list]:
    """``(D, [v * D])`` with ``D`` the lcm of the denominators: equal sequences of rationals give equal results."""
    D = math.lcm(1, *{v.denominator for v in vals})
    return D, [v.numerator * (D // v.denominator) for v in vals]


class _IntScale:
    """``v -> v * den`` as an exact integer, memoised per value (raises :class:`StructureError` naming
    ``what`` when ``v`` is not a multiple of ``1 / den``); the memo is keyed on ``(numerator,
    denominator)``: a tuple of ints hashes much faster than a Fraction."""

    __slots__ = ("den", "what", "_memo")

    def __init__(self, den: int, what: str):
        self.den, self.what, self._memo = den, what, {}

    def __call__(self, v) -> int:
        key = (v.numerator, v.denominator)
        iv = self._memo.get(key)
        if iv is None:
            x = Fraction(v) * self.den
            if x.denominator != 1:
                raise StructureError(f"{self.what} {v} is not a multiple of 1/{self.den}")
            iv = self._memo[key] = int(x)
        return iv


def _square_error_range(xs: tuple, ys: tuple, R: Fraction, s: int, lo_z=None) -> tuple[Fraction, Fraction]:
    """Exact ``min, max`` of ``L(z) - s z^2 / 4`` over ``[lo_z, R]`` (default ``lo_z = -R``; ``L`` piecewise linear).

    On a piece ``[u, v]`` with slope ``sl`` the error is a quadratic in ``z``; its extremes are at
    the (clipped) ends and at the vertex ``z = 2 s sl`` when inside.  Pieces lying inside
    ``[lo_z, R]`` are evaluated in integers (breakpoints times ``Dx``, values times ``Dy``; each
    candidate an exact numerator over a per-group denominator), the one or two clipped pieces
    with Fractions; the extremes are compared exactly.
    """
    import bisect

    lo_z = -R if lo_z is None else lo_z
    s = 1 if s > 0 else -1
    n = len(xs)
    cands: list = []  # exact Fractions (clipped pieces, group extremes)

    def frac_piece(i):
        u, v = xs[i], xs[i + 1]
        a, b = max(u, lo_z), min(v, R)
        if a > b:
            return
        sl = (ys[i + 1] - ys[i]) / (v - u)
        pts = [a, b]
        zv = 2 * sl * s  # d/dz (sl z - s z^2/4) = 0
        if a < zv < b:
            pts.append(zv)
        for z in pts:
            cands.append(ys[i] + sl * (z - u) - s * z * z / 4)

    j0 = bisect.bisect_left(xs, lo_z)  # first node >= lo_z
    j1 = bisect.bisect_right(xs, R) - 1  # last node <= R
    if j0 > j1:  # no node in [lo_z, R]: at most one piece, clipped at both ends
        if 0 <= j1 < n - 1:
            frac_piece(j1)
    else:
        if j0 >= 1:
            frac_piece(j0 - 1)  # clipped at lo_z
        if j1 <= n - 2:
            frac_piece(j1)  # clipped at R
    if j1 > j0:  # whole pieces j0 .. j1 - 1: integer route
        Dx, X = _as_ints(xs[j0:j1 + 1])
        Dy, Y = _as_ints(ys[j0:j1 + 1])
        Dx2 = Dx * Dx
        # nodes: e = Y/Dy - s X^2 / (4 Dx^2) = (4 Dx^2 Y - s X^2 Dy) / (4 Dx^2 Dy)
        node = [4 * Dx2 * y - s * x * x * Dy for x, y in zip(X, Y)]
        groups = {4 * Dx2 * Dy: (min(node), max(node))}
        # vertex z = 2 s sl, sl = dY Dx / (dX Dy), inside iff u dX Dy < 2 s dY Dx^2 < v dX Dy;
        # e = Y_u/Dy - sl u/Dx + s sl^2 = (Y_u dX^2 Dy - dY X_u dX Dy + s dY^2 Dx^2) / (dX Dy)^2
        for k in range(len(X) - 1):
            u, v, yu = X[k], X[k + 1], Y[k]
            dX, dY = v - u, Y[k + 1] - yu
            w = 2 * s * dY * Dx2
            g = dX * Dy
            if u * g < w < v * g:
                num = yu * dX * g - dY * u * g + s * dY * dY * Dx2
                den = g * g
                lh = groups.get(den)
                groups[den] = (num, num) if lh is None else (min(lh[0], num), max(lh[1], num))
        for den, (a, b) in groups.items():
            cands += [Fraction(a, den), Fraction(b, den)]
    if not cands:
        raise StructureError("empty range in a product branch")
    return min(cands), max(cands)


# ------------------------------------------------------------------------------------------------
# template analysis
# ------------------------------------------------------------------------------------------------
class _Analysis:
    """Families, constants and sub-networks of one compiled template (see module docstring)."""

    def __init__(self, tmpl, alpha: tuple, N: int, pieces_cache: dict):
        self.t = tmpl
        self.alpha = tuple(alpha)
        self.N = N
        self.d = tmpl.d
        self.cache = pieces_cache
        self.calls = 0
        L = len(tmpl.layers)
        self.L = L
        # positions a block patches: the per-coordinate shift patches plus the output patches (the
        # certificate decodes them separately; a block's patch list, tmpl._patches, is by definition
        # their concatenation, so no further check is needed)
        self.patched_pos = {(l, r, c) for k in range(self.d) for l, r, c, _ in tmpl._patches_k(k, 0)}
        self.patched_pos |= {(l, r, c) for l, r, c, _ in tmpl._patches_out(0)}
        # sparse exact rows (template values; patched positions kept even when the template value is 0)
        self.rows, self.bias = [], []
        for l, (A, cc, den) in enumerate(tmpl.layers):
            A = np.asarray(A)
            rr, cols = np.nonzero(A != 0)
            rows = [{} for _ in range(A.shape[0])]
            fr: dict = {}  # numerator -> Fraction(numerator, den): a layer holds few distinct values
            for r, c, v in zip(rr.tolist(), cols.tolist(), A[rr, cols].tolist()):
                x = fr.get(v)
                if x is None:
                    x = fr[v] = Fraction(int(v), den)
                rows[r][c] = x
            for (pl, r, c) in self.patched_pos:
                if pl == l and c is not None and c not in rows[r]:
                    rows[r][c] = _ZERO
            self.rows.append(rows)
            bias = []
            for v in cc.tolist():
                x = fr.get(v)
                if x is None:
                    x = fr[v] = Fraction(int(v), den)
                bias.append(x)
            self.bias.append(bias)
        self.hints = set(getattr(tmpl, "cut_rows", ()))
        self._classify()

    # -- families -----------------------------------------------------------------------------
    def _classify(self) -> None:
        d, L = self.d, self.L
        self.fam = []  # fid -> dict
        for k in range(d):
            self.fam.append({"type": "x", "k": k, "rows": {}})
        self.kind = []  # per map: list of ("c", value) | ("f", fid) ; last map: None
        self.nc = []  # per map: list of {representative col: merged weight} non-constant part
        self.fb = []  # per map: folded bias
        self.rep = []  # per map: row -> representative row (identical neurons merged)
        for l in range(L):
            kinds, ncs, fbs, reps = [], [], [], []
            last = l == L - 1
            cut_groups: dict = {}
            seen: dict = {}
            for r, row in enumerate(self.rows[l]):
                b = self.bias[l][r]
                nc = {}
                fids = set()
                for c, w in row.items():
                    if l == 0:
                        if c >= d:
                            raise StructureError(f"map 0 row {r} reads column {c} >= d")
                        nc[c] = w
                        fids.add(c)
                        continue
                    # identical neurons (pair copies) are merged into their representative
                    rc = self.rep[l - 1][c]
                    kk = self.kind[l - 1][rc]
                    if kk[0] == "c":
                        if kk[1]:
                            b += w * kk[1]
                    else:
                        nc[rc] = nc[rc] + w if rc in nc else w
                        fids.add(kk[1])
                ncs.append(nc)
                fbs.append(b)
                # (Fractions are normalised: numerator and denominator identify the value; ints hash fast)
                key = (tuple(sorted((c, w.numerator, w.denominator) for c, w in nc.items())), b.numerator, b.denominator)
                reps.append(seen.setdefault(key, r) if fids else r)
                if last:
                    kinds.append(None)
                    continue
                if not fids:
                    kinds.append(("c", max(b, _ZERO)))
                    continue
                if (l, r) in self.hints or len(fids) > 1:
                    items = sorted(nc.items())
                    nzw = [w for _, w in items if w != 0]
                    if not nzw:
                        raise StructureError(f"map {l} row {r}: a cut neuron with all-zero weights")
                    w0 = nzw[0]
                    key = tuple((c, w / w0) for c, w in items)
                    if key not in cut_groups:
                        fid = len(self.fam)
                        self.fam.append({"type": "cut", "layer": l, "z": dict(items), "w0": w0,
                                         "members": {}, "rows": {}})
                        cut_groups[key] = fid
                    fid = cut_groups[key]
                    F = self.fam[fid]
                    F["members"][r] = (w0 / F["w0"], b)
                else:
                    fid = next(iter(fids))
                kinds.append(("f", fid))
                self.fam[fid]["rows"].setdefault(l, []).append(r)
            self.kind.append(kinds)
            self.nc.append(ncs)
            self.fb.append(fbs)
            self.rep.append(reps)

    def fid_of(self, l: int, c: int):
        """Family of column ``c`` of map ``l``'s input (the outputs of map ``l - 1``); None for a constant."""
        if l == 0:
            return c
        kk = self.kind[l - 1][c]
        return None if kk[0] == "c" else kk[1]

    # -- sub-networks and exact pieces -----------------------------------------------------------
    def _pieces(self, layers: list, lo: Fraction, hi: Fraction) -> tuple:
        key = (tuple((tuple(map(tuple, A)), tuple(c)) for A, c in layers), lo, hi)
        if key not in self.cache:
            self.calls += 1
            P = pieces(Network.from_layers(layers), (lo, hi))
            self.cache[key] = (tuple(P.breakpoints), tuple(P.values))  # maximal pieces: canonical already
        return self.cache[key]

    def subnet_pieces(self, entry: tuple, target_map: int, weights: dict, lo, hi, allowed=None) -> tuple:
        """Exact pieces of ``sum_c weights[c] * neuron_c`` (neurons of one family, outputs of map
        ``target_map - 1``) as a function of the family variable on ``[lo, hi]``.

        ``entry = (map, {row: (coef, bias)})``: the first map of the sub-network, where every
        entry neuron is ``relu(coef * var + bias)``.  ``allowed``: rows a needed neuron may be.
        """
        le, ent = entry
        need = {target_map - 1: set(weights)}
        for l in range(target_map - 1, le, -1):
            nxt = set()
            for r in need[l]:
                nxt.update(self.nc[l][r])
            need[l - 1] = nxt
        for l, rs in need.items():
            for r in rs:
                if l == le:
                    if r not in ent:
                        raise StructureError(f"map {l} row {r} is read by a family but is not one of its entry rows")
                elif allowed is not None and (l, r) not in allowed:
                    raise StructureError(f"map {l} row {r} leaves the family being analysed")
        layers = []
        order = {le: sorted(need[le])}
        layers.append(([[ent[r][0]] for r in order[le]], [ent[r][1] for r in order[le]]))
        for l in range(le + 1, target_map):
            order[l] = sorted(need[l])
            idx = {c: i for i, c in enumerate(order[l - 1])}
            A, cvec = [], []
            for r in order[l]:
                row = [_ZERO] * len(idx)
                for c, w in self.nc[l][r].items():
                    if c not in idx:
                        raise StructureError(f"map {l} row {r} reads column {c} outside its family")
                    row[idx[c]] = w
                A.append(row)
                cvec.append(self.fb[l][r])
            layers.append((A, cvec))
        idx = {c: i for i, c in enumerate(order[target_map - 1])}
        row = [_ZERO] * len(idx)
        for c, w in weights.items():
            row[idx[c]] = w
        layers.append(([row], [_ZERO]))
        return self._pieces(layers, Fraction(lo), Fraction(hi))

    def cut_entry(self, fid: int) -> tuple:
        F = self.fam[fid]
        return F["layer"], dict(F["members"])

    def family_rows(self, fid: int) -> set:
        return {(l, r) for l, rs in self.fam[fid]["rows"].items() for r in rs}


# ------------------------------------------------------------------------------------------------
# leaves: translation structure of coordinate k
# ------------------------------------------------------------------------------------------------
class _Leaf:
    """Coordinate ``k`` of a template: upstream carriers of ``x_k``, shift rows, downstream neurons."""

    def __init__(self, an: _Analysis, k: int):
        self.an, self.k = an, k
        tm = an.t
        rows_k = sorted({(l, r) for l, r, c, v in tm._patches_k(k, 0)})
        if not rows_k:
            raise StructureError(f"coordinate {k}: no shift rows")
        maps = {l for l, _ in rows_k}
        if len(maps) != 1:
            raise StructureError(f"coordinate {k}: shift rows in several maps {sorted(maps)}")
        self.lR = lR = maps.pop()
        self.R = [r for _, r in rows_k]
        fams = {an.kind[lR][r][1] if an.kind[lR][r] and an.kind[lR][r][0] == "f" else None for r in self.R}
        if fams != {k}:
            raise StructureError(f"coordinate {k}: shift rows are not functions of x_{k}")
        # downstream: family-k neurons depending on a shift row
        down = {(lR, r) for r in self.R}
        for l in range(lR + 1, an.L - 1):
            for r in an.fam[k]["rows"].get(l, []):
                srcs = an.nc[l][r]
                dn = [c for c in srcs if (l - 1, c) in down]
                if dn:
                    if len(dn) != len(srcs):
                        raise StructureError(f"map {l} row {r} mixes shifted and unshifted neurons of x_{k}")
                    down.add((l, r))
        self.down = down
        for r in an.fam[k]["rows"].get(lR, []):
            if r not in self.R:
                raise StructureError(f"map {lR} row {r} of x_{k} is not a shift row")
        # shift rows: patched entries only on constants / bias; x-part = a_r * x (exact pieces on [0, 1])
        for (l, r, c) in an.patched_pos:
            if l == lR and r in self.R and c is not None and an.fid_of(l, c) is not None:
                raise StructureError(f"shift row {r} has a patched entry on a non-constant column {c}")
        self.a = {}
        entry = _input_entry(an, k)
        allowed = {(l, rr) for l, rs in an.fam[k]["rows"].items() for rr in rs if (l, rr) not in down}
        for r in self.R:
            u = an.nc[lR][r]
            if any((lR - 1, c) in down for c in u):
                raise StructureError(f"shift row {r} reads a shifted neuron")
            xs, ys = an.subnet_pieces(entry, lR, u, 0, 1, allowed) if lR > 0 else ((_ZERO, Fraction(1)), (_ZERO, u[k]))
            if len(xs) != 2 or ys[0] != 0 or ys[1] == 0:
                raise StructureError(f"shift row {r}: the x-part is not a * x on [0, 1]")
            self.a[r] = ys[1]
        self.b0 = {r: an.fb[lR][r] for r in self.R}
        # check_shift in exact integer arithmetic: parameters of map lR are multiples of 1/den, constants of 1/Dk
        self._den = an.t.layers[lR][2]
        consts = [kk[1] for kk in an.kind[lR - 1] if kk[0] == "c"] if lR > 0 else []
        self._Dk = math.lcm(1, *[x.denominator for x in consts])
        self._cint: dict = {}
        self._vint = _IntScale(self._den, "shift patch value")
        self._a_int = {r: (Fraction(a).numerator, Fraction(a).denominator) for r, a in self.a.items()}
        self._shift_ok: set = set()

    def check_shift(self, m: int) -> None:
        """The patched shift rows for ``m_k = m`` are the template's rows translated by ``m / N``."""
        if m in self._shift_ok:
            return
        an = self.an
        lR = self.lR
        den, Dk = self._den, self._Dk
        new = {}
        for l, r, c, v in an.t._patches_k(self.k, m):
            new[(l, r, c)] = v  # later writes win, as in _BlockTemplate.network
        b = {r: 0 for r in self.R}  # change of the folded bias, times den * Dk
        for (l, r, c), v in new.items():
            if l != lR or r not in b:
                raise StructureError(f"coordinate {self.k}, m = {m}: a shift patch outside the shift rows")
            iv = self._vint(v)
            base = self._cint.get((r, c))
            if base is None:  # (template entry * den, constant * Dk) of this position
                if c is None:
                    base = (int(an.bias[l][r] * den), Dk)
                else:
                    kk = an.kind[l - 1][an.rep[l - 1][c]]
                    if kk[0] != "c":
                        raise StructureError(f"coordinate {self.k}, m = {m}: a shift patch on a non-constant column")
                    base = (int(an.rows[l][r].get(c, _ZERO) * den), int(kk[1] * Dk))
                self._cint[(r, c)] = base
            b[r] += (iv - base[0]) * base[1]
        # b_r / (den Dk) == -a_r m / N, in integers (a_r = p / q): b_r N q == -p m den Dk
        for r in self.R:
            p, q = self._a_int[r]
            if b[r] * an.N * q != -p * m * den * Dk:
                raise StructureError(f"coordinate {self.k}, m = {m}: shift row {r} is not translated by {Fraction(m, an.N)}")
        self._shift_ok.add(m)

    def value(self, target_map: int, weights: dict) -> tuple:
        """Pieces of a downstream combination as a function of ``y = x_k - m_k / N`` on ``[-1, 1]``."""
        an = self.an
        entry = (self.lR, {r: (self.a[r], self.b0[r]) for r in self.R})
        for c in weights:
            if (target_map - 1, c) not in self.down:
                raise StructureError(f"a product reads an unshifted neuron of x_{self.k}")
        return an.subnet_pieces(entry, target_map, weights, -1, 1, self.down)


def _input_entry(an: _Analysis, k: int) -> tuple:
    ent = {}
    for r in an.fam[k]["rows"].get(0, []):
        ent[r] = (an.nc[0][r][k], an.fb[0][r])
    return 0, ent


# ------------------------------------------------------------------------------------------------
# product tree
# ------------------------------------------------------------------------------------------------
@dataclass
class _Node:
    leaves: list  # [(kind, k)]
    sign: int
    rfull: Fraction  # |value| <= rfull on the whole cube
    iota: Fraction  # |ideal| <= iota on the support
    delta: Fraction  # |value - ideal| <= delta on the support


def _recognise(an: _Analysis, leaves: dict, lmap: int, weights: dict) -> _Node:
    """The product tree of a value expression ``sum_c weights[c] * neuron_c`` (inputs of map ``lmap``)."""
    groups: dict = {}
    for c, w in weights.items():
        fid = an.fid_of(lmap, c)
        if fid is None:
            raise StructureError(f"map {lmap}: a value expression reads a constant column {c}")
        groups.setdefault(fid, {})[c] = w
    N = an.N
    if len(groups) == 1:
        fid = next(iter(groups))
        if an.fam[fid]["type"] != "x":
            raise StructureError(f"map {lmap}: a value expression reads one cut family only")
        k = an.fam[fid]["k"]
        if k not in leaves:
            leaves[k] = _Leaf(an, k)
        xs, ys = leaves[k].value(lmap, groups[fid])
        for kind, (X, Y) in (("hat", _hat_canon(N)), ("t", ((Fraction(-1), Fraction(1)), (Fraction(-N), Fraction(N))))):
            for s in (1, -1):
                if xs == X and ys == tuple(s * y for y in Y):
                    return _Node([(kind, k)], s, Fraction(1) if kind == "hat" else Fraction(N), Fraction(1), _ZERO)
        raise StructureError(f"coordinate {k}: a leaf is neither +-hat(N y) nor +-N y on [-1, 1]")
    if len(groups) != 2:
        raise StructureError(f"map {lmap}: a value expression reads {len(groups)} families")
    g1, g2 = sorted(groups)
    F1, F2 = an.fam[g1], an.fam[g2]
    if F1["type"] != "cut" or F2["type"] != "cut" or F1["layer"] != F2["layer"]:
        raise StructureError(f"map {lmap}: not a product (two cut families of one layer expected)")
    lz = F1["layer"]
    z1, z2 = F1["z"], F2["z"]
    if set(z1) != set(z2):
        raise StructureError(f"map {lz}: the two branches of a product read different neurons")
    Acols = {c: w for c, w in z1.items() if z2[c] == w}
    Bcols = {c: w for c, w in z1.items() if z2[c] == -w}
    if len(Acols) + len(Bcols) != len(z1) or not Acols or not Bcols:
        raise StructureError(f"map {lz}: the branches are not +-(A + B), +-(A - B)")
    A = _recognise(an, leaves, lz, Acols)
    B = _recognise(an, leaves, lz, Bcols)
    R = A.rfull + B.rfull
    L1 = an.subnet_pieces(an.cut_entry(g1), lmap, groups[g1], -R, R, an.family_rows(g1))
    L2 = an.subnet_pieces(an.cut_entry(g2), lmap, groups[g2], -R, R, an.family_rows(g2))
    xs, ys = L1
    # exact comparisons on integer numerators over the lcm of the denominators (canonical)
    (Dx1, X1), (Dy1, Y1) = _as_ints(xs), _as_ints(ys)
    (Dx2, X2), (Dy2, Y2) = _as_ints(L2[0]), _as_ints(L2[1])
    if (Dx2, X2, Dy2) != (Dx1, X1, Dy1) or Y2 != [-y for y in Y1]:
        raise StructureError(f"map {lz}: product branches are not L and -L")
    if X1 != [-x for x in reversed(X1)] or Y1 != Y1[::-1]:
        raise StructureError(f"map {lz}: product branch is not even (prod(0, y) = 0 not guaranteed)")
    rfull = 2 * Fraction(max(map(abs, Y1)), Dy1)
    sA, sB = A.iota + A.delta, B.iota + B.delta
    Rs = sA + sB
    if Rs > R:
        raise StructureError("support range exceeds the analysed range")
    s = 1 if _eval(xs, ys, Rs) > 0 else -1
    # L1 is even (checked above), so the range over [-Rs, Rs] is the range over [0, Rs]
    lo, hi = _square_error_range(xs, ys, Rs, s, _ZERO)
    # W = L1(A+B) - L1(A-B) = s A B + e,  e = e1(z1) - e1(z2),  e1 = L1 - s z^2/4 in [lo, hi]
    delta = A.delta * sB + A.iota * B.delta + (hi - lo)
    return _Node(A.leaves + B.leaves, A.sign * B.sign * s, rfull, A.iota * B.iota, delta)


def _relu_forms(an: _Analysis, fid: int) -> dict:
    """Neurons of cut family ``fid`` (outputs of map ``L - 2``) that equal ``lam relu(z) + nu relu(-z)``.

    Exact symbolic propagation: a member ``relu(kappa z + 0)`` is ``kappa relu(z)`` or
    ``|kappa| relu(-z)``; a neuron ``relu(sum_i w_i g_i + 0)`` of such ``g_i`` with
    ``sum w_i lam_i >= 0`` and ``sum w_i nu_i >= 0`` is that combination (the argument is already
    ``>= 0``).  Neurons without such a form are left to exact pieces.
    """
    F = an.fam[fid]
    lz = F["layer"]
    cur = {}
    for r, (kap, b) in F["members"].items():
        if b == 0:
            cur[r] = (kap, _ZERO) if kap > 0 else (_ZERO, -kap)
    for l in range(lz + 1, an.L - 1):
        nxt = {}
        for r in F["rows"].get(l, []):
            if an.rep[l][r] != r or an.fb[l][r] != 0:
                continue
            lam = nu = _ZERO
            ok = True
            for c, w in an.nc[l][r].items():
                if c not in cur:
                    ok = False
                    break
                lam += w * cur[c][0]
                nu += w * cur[c][1]
            if ok and lam >= 0 and nu >= 0:
                nxt[r] = (lam, nu)
        cur = nxt
    return cur


def _hat_canon(N: int) -> tuple:
    if N == 1:
        return (Fraction(-1), _ZERO, Fraction(1)), (_ZERO, Fraction(1), _ZERO)
    h = Fraction(1, N)
    return (Fraction(-1), -h, _ZERO, h, Fraction(1)), (_ZERO, _ZERO, Fraction(1), _ZERO, _ZERO)


class _TemplateCert:
    """Everything proved about one template: ``delta_alpha``, shift checks, coefficient decoding."""

    def __init__(self, tmpl, alpha: tuple, N: int, cache: dict):
        an = _Analysis(tmpl, alpha, N, cache)
        self.an = an
        L = an.L
        out_nc = an.nc[L - 1][0]
        if len(an.nc[L - 1]) != 1:
            raise StructureError("a block must have one output")
        fids = {an.fid_of(L - 1, c) for c in out_nc}
        if len(fids) != 1 or None in fids:
            raise StructureError("the output must read exactly one cut family (the coefficient stage)")
        K = fids.pop()
        FK = an.fam[K]
        if FK["type"] != "cut":
            raise StructureError("the output does not read a cut family")
        if an.fb[L - 1][0] != 0:
            raise StructureError("the output has a non-zero constant term")
        self.leaves: dict = {}
        root = _recognise(an, self.leaves, FK["layer"], FK["z"])
        want = sorted([("hat", k) for k in range(an.d)] + [("t", k) for k in range(an.d) for _ in range(alpha[k])])
        if sorted(root.leaves) != want:
            raise StructureError(f"alpha = {alpha}: the product tree multiplies {sorted(root.leaves)}, expected {want}")
        self.root = root
        # coefficient stage: every output column is lambda relu(z) + nu relu(-z) on the range of z
        RK = root.iota + root.delta
        self.lam, self.nu = {}, {}
        forms = _relu_forms(an, K)
        for c in out_nc:
            if c in forms:  # exact symbolic form lam relu(z) + mu relu(-z) (see _relu_forms): slopes lam, -mu
                self.lam[c], self.nu[c] = forms[c][0], -forms[c][1]
                continue
            xs, ys = an.subnet_pieces(an.cut_entry(K), L - 1, {c: Fraction(1)}, -RK, RK, an.family_rows(K))
            if _eval(xs, ys, _ZERO) != 0 or any(x not in (-RK, _ZERO, RK) for x in xs):
                raise StructureError(f"output column {c} is not a multiple of relu(+-z)")
            self.lam[c] = ys[-1] / RK  # slope for z > 0
            self.nu[c] = -ys[0] / RK  # slope for z < 0
        # raw output columns (pair copies separate, as patched) -> representative
        self.out_rep = {c: an.rep[L - 2][c] for c in an.rows[L - 1][0] if an.fid_of(L - 1, c) is not None}
        self.out_w0 = {c: an.rows[L - 1][0][c] for c in self.out_rep}
        self.delta = root.delta
        self._codes: dict = {}
        # coefficient() in exact integer arithmetic: weights * Dw and slopes * Dl are integers
        rp = self.out_rep
        self._Dw = an.t.layers[L - 1][2]
        self._Dl = math.lcm(*[x.denominator for x in list(self.lam.values()) + list(self.nu.values())])
        self._LP = {c: int(self.lam[rp[c]] * self._Dl) for c in rp}
        self._LN = {c: int(self.nu[rp[c]] * self._Dl) for c in rp}
        self._int_weight = _IntScale(self._Dw, "output weight")
        self._w0int = {c: self._int_weight(v) for c, v in self.out_w0.items()}

    def check_shift(self, k: int, m: int) -> None:
        """The shift rows of coordinate ``k`` patched for ``m_k = m`` are translates by ``m / N``."""
        if k not in self.leaves:
            self.leaves[k] = _Leaf(self.an, k)
        self.leaves[k].check_shift(m)

    def coefficient(self, code: int) -> Fraction:
        """``c~`` of the block with this code, read from the patched output weights (exact)."""
        if code in self._codes:
            return self._codes[code]
        an = self.an
        L = an.L
        w = dict(self._w0int)
        for l, r, c, v in an.t._patches_out(code):
            if l != L - 1 or r != 0 or c is None or c not in w:
                raise StructureError(f"code {code}: a patched output entry is not a coefficient column")
            w[c] = self._int_weight(v)
        cp = sum(w[c] * self._LP[c] for c in w)
        cn = sum(w[c] * self._LN[c] for c in w)
        if cp != cn:  # slope of the output for z > 0 and for z < 0
            raise StructureError(f"code {code}: the output is not c * z (slopes {cp} and {cn} / {self._Dw * self._Dl})")
        val = Fraction(cp, self._Dw * self._Dl) * self.root.sign
        self._codes[code] = val
        return val


def template_analysis(A, cache: dict | None = None) -> dict:
    """``alpha -> _TemplateCert`` for every template of an approximant (raises :class:`StructureError`)."""
    cache = {} if cache is None else cache
    return {al: _TemplateCert(t, al, A.N, cache) for al, t in A.templates.items()}


# ------------------------------------------------------------------------------------------------
# the certificate
# ------------------------------------------------------------------------------------------------
def _coef_estimates(f, derivatives, N: int, d: int, alpha: tuple):
    """Estimates of ``c = D^alpha f(m/N) / (alpha! N^|alpha|)`` at every grid point and a proved error bound each."""
    from relubits.constructions.ding import FD_STEP_EXP, fd_derivatives_batch

    cells = list(np.ndindex(*([N + 1] * d)))
    pts = [tuple(mk / N for mk in mm) for mm in cells]
    order = sum(alpha)
    scale = math.prod(math.factorial(a) for a in alpha) * float(N) ** order
    if derivatives is not None:
        est = np.array([float(derivatives(p, alpha)) for p in pts])
        err = np.abs(est) * 2.0 ** -52
    else:
        vals = fd_derivatives_batch(f, pts, alpha, d)
        est = np.array([v for v, _ in vals])
        err = np.array([e for _, e in vals])
        if order > 0:  # float rounding of the difference sum (not in fd_derivative's bound): <= k u sum|w_i f_i|
            h = 2.0 ** -FD_STEP_EXP[min(order, 3)]
            npts = math.prod(a + 1 for a in alpha)
            err = err + npts * 2.0 ** -52 * 2.0 ** order / h ** order
    return cells, est / scale, err / scale * (1 + 2.0 ** -40)


def _exact_sparse(net: Network, pts: list) -> list:
    """Exact outputs of ``net`` at rational points, over the non-zero parameters only.

    Same arithmetic as :meth:`Network.exact_batch` (integer numerators over one running
    denominator, Python integers throughout, common factors divided out per layer) but a layer
    costs its non-zeros, not its dense size: the blocks are wide and sparse.
    ``tests/test_ding_structural.py`` checks it against ``exact_batch``.
    """
    Dn = math.lcm(1, *[Fraction(x).denominator for p in pts for x in p])
    H = np.array([[Fraction(x).numerator * (Dn // Fraction(x).denominator) for x in p] for p in pts], dtype=object)
    layers = net.integer_layers
    last = len(layers) - 1
    for l, (A, c, den) in enumerate(layers):
        out = np.zeros((H.shape[0], A.shape[0]), dtype=object)
        r, k = np.nonzero(A)  # row-major: rows ascending
        if len(r):
            starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
            out[:, r[starts]] = np.add.reduceat(H[:, k] * A[r, k], starts, axis=1)
        out = out + np.asarray(c, dtype=object)[None, :] * Dn
        Dn *= int(den)
        if l < last:
            out = np.where(out > 0, out, 0)
        g = math.gcd(Dn, *out.ravel().tolist())
        if g > 1:
            out = out // g
            Dn //= g
        H = out
    return [[Fraction(int(v), Dn) for v in row] for row in H]


def spot_check(A, tc: dict, blocks: int = 6, seed: int = 0) -> int:
    """Materialise a few blocks as the library builds them and compare them exactly with the model.

    For random blocks ``(m, alpha)`` (``A.block``, i.e. ``_BlockTemplate.network``) and random
    rational points ``x`` in and around the block's support, checks
    ``|block(x) - c~ phi_m(x) t(x)^alpha| <= |c~| delta_alpha`` and ``block(x) = 0`` off the
    support, in exact arithmetic.  A cross-check of the assembly path (not needed by the
    proof, which reads the same layers and patch lists); returns the number of points checked.

    Raises
    ------
    StructureError
        On the first point where a materialised block disagrees with the model.
    """
    rng = np.random.default_rng(seed)
    keys = list(A.codes)
    N = A.N
    checked = 0
    for i in rng.choice(len(keys), size=min(blocks, len(keys)), replace=False):
        mm, al = keys[int(i)]
        T = tc[al]
        ct = T.coefficient(A.codes[(mm, al)])
        net = A.block((mm, al))
        pts = []
        for j in range(4):
            wide = 2 if j == 3 else 1  # the last point may leave the support
            x = [min(max(Fraction(m, N) + Fraction(int(rng.integers(-wide * 2 ** 10, wide * 2 ** 10 + 1)), N * 2 ** 10),
                         Fraction(0)), Fraction(1)) for m in mm]
            pts.append(x)
        for x, val in zip(pts, _exact_sparse(net, pts)):
            ys = [N * xk - m for xk, m in zip(x, mm)]
            ideal = ct
            for y, a in zip(ys, al):
                ideal *= max(1 - abs(y), Fraction(0)) * y ** a
            inside = all(abs(y) < 1 for y in ys)
            if (inside and abs(val[0] - ideal) > abs(ct) * T.delta) or (not inside and val[0] != 0):
                raise StructureError(f"block {mm}, alpha {al}: materialised value {float(val[0]):.6g} at "
                                     f"{[str(v) for v in x]} disagrees with the model {float(ideal):.6g}")
            checked += 1
    return checked


def certify_structural(A, f: Callable | None = None, derivatives: Callable | None = None,
                       samples: int = 256, seed: int = 0, spot_checks: int = 6) -> StructuralCertificate:
    """Structural certificate of ``sup |f - f_hat|`` on ``[0,1]^d`` (docs/ding.md §11).

    Parameters
    ----------
    A : Approximant
        The built approximant (its templates and codes are what is checked).
    f : callable
        The target on (k, d) float arrays; used for the derivative estimates (inward finite
        differences with their proved error) unless ``derivatives`` is given, and for the
        sampled lower bound.
    derivatives : callable, optional
        ``(point, alpha) -> D^alpha f(point)``, taken as exact up to relative ``2^-52``.
    samples : int
        Points requested for the sampled lower bound (0: none); they are spread over
        ``LOWER_BOUND_CELLS`` cells, so ``LOWER_BOUND_CELLS * max(1, samples // LOWER_BOUND_CELLS)``
        are evaluated (the certificate's ``samples``).
    spot_checks : int
        Blocks materialised and compared exactly with the model (:func:`spot_check`; 0: none).

    Returns
    -------
    StructuralCertificate

    Raises
    ------
    StructureError
        The network is not the structure the proof needs (e.g. a changed weight).
    ValueError
        Neither ``f`` nor ``derivatives`` given, or ``f`` not finite at a sampled point.

    Notes
    -----
    Assumption (stated, not checked): ``|D^alpha f| <= 1`` on ``[0,1]^d`` for ``|alpha| <= n``
    (``f`` in the unit ball of ``W^(n,inf)``) and float evaluation of ``f`` with relative
    error ``<= 2^-50``.  Everything else is exact or a proved float error bound.
    """
    if f is None and derivatives is None:
        raise ValueError("certify_structural needs the target f or its derivatives")
    from relubits.constructions.ding import _multi_indices

    t0 = time.perf_counter()
    if set(A.templates) != set(_multi_indices(A.d, A.n)):  # the Taylor bound needs every |alpha| < n
        raise StructureError(f"templates {sorted(A.templates)} are not all multi-indices |alpha| < {A.n} in d = {A.d}")
    cache: dict = {}
    tc = template_analysis(A, cache)
    t1 = time.perf_counter()
    d, N, n = A.d, A.N, A.n
    shape = tuple([N + 1] * d)
    coef_err = np.zeros(shape)
    prod_err = np.zeros(shape)
    for al, T in tc.items():
        for k in range(d):
            for m in range(N + 1):
                T.check_shift(k, m)
        cells, chat, cerr = _coef_estimates(f, derivatives, N, d, al)
        ctil = np.empty(len(cells))
        codes = A.codes
        for i, mm in enumerate(cells):
            ctil[i] = float(T.coefficient(codes[(mm, al)]))  # rounds by <= 2^-53 relative: in the bound below
        # |c~ - c| <= |c~ - c_hat| + err; the float subtraction, the division inside c_hat and the
        # conversion of c~ each round by at most 2^-53 relative
        ce = (np.abs(ctil - chat) * (1 + 2.0 ** -52) + (np.abs(ctil) + np.abs(chat)) * 2.0 ** -52 + cerr).reshape(shape)
        pe = (np.abs(ctil) * float(T.delta) * (1 + 2.0 ** -50)).reshape(shape)
        coef_err += ce
        prod_err += pe
    ts = time.perf_counter()
    spot_points = spot_check(A, tc, spot_checks, seed) if spot_checks else 0
    t2 = time.perf_counter()
    # per cell: max over its 2^d corners of the coefficient error + sum over corners of the product error
    cmax = None
    psum = None
    for corner in np.ndindex(*([2] * d)):
        sl = tuple(slice(c, c + N) for c in corner)
        cmax = coef_err[sl] if cmax is None else np.maximum(cmax, coef_err[sl])
        psum = prod_err[sl] if psum is None else psum + prod_err[sl]
    per_cell = (cmax + psum) * (1 + 2.0 ** -48)
    taylor = Fraction(d ** n, math.factorial(n) * N ** n)
    certified = (float(taylor) * (1 + 2.0 ** -52) + float(per_cell.max())) * (1 + 2.0 ** -50)
    t3 = time.perf_counter()
    sampled = f is not None and samples
    lower = sampled_lower_bound(A, f, samples, seed, LOWER_BOUND_CELLS) if sampled else 0.0
    t4 = time.perf_counter()
    return StructuralCertificate(
        certified_error=certified, lower_bound=lower,
        terms={"taylor": float(taylor), "coefficients_and_products": float(per_cell.max()),
               "coefficients": float(cmax.max()), "products": float(psum.max())},
        product_error={al: float(T.delta) for al, T in tc.items()},
        n_blocks=A.n_blocks, n_templates=len(tc), n_pieces_calls=sum(T.an.calls for T in tc.values()),
        samples=LOWER_BOUND_CELLS * max(1, samples // LOWER_BOUND_CELLS) if sampled else 0, spot_points=spot_points,
        seconds={"templates": t1 - t0, "blocks": ts - t1, "spot_check": t2 - ts, "combine": t3 - t2,
                 "lower_bound": t4 - t3})


def sampled_lower_bound(A, f: Callable, samples: int = 256, seed: int = 0, cells: int = LOWER_BOUND_CELLS) -> float:
    """Rigorous lower bound on ``sup |f - f_hat|``: random dyadic points in a few random cells.

    ``samples`` is split evenly over ``cells`` random cells, ``max(1, samples // cells)`` points
    each, so ``cells * max(1, samples // cells)`` points are evaluated (10 over 4 cells: 8).

    The network is evaluated in float64 with the rigorous forward error bound of the
    templates (parameters exact in float64), ``f`` in float64 with relative error ``2^-50``
    (assumption); the bound is ``max(|f - v| - err_v - err_f, 0)``.

    Raises
    ------
    ValueError
        If ``f`` returns NaN or inf at a sampled point.
    """
    rng = np.random.default_rng(seed)
    d, N = A.d, A.N
    per = max(1, samples // cells)
    best = 0.0
    for _ in range(cells):
        cell = rng.integers(0, N, size=d)
        X = (cell[None, :] + rng.integers(0, 2 ** 20, size=(per, d)) / 2.0 ** 20) / N
        v = np.zeros(per)
        ev = np.zeros(per)
        for corner in np.ndindex(*([2] * d)):
            mm = tuple(int(c + o) for c, o in zip(cell, corner))
            for al, T in A.templates.items():
                code = A.codes[(mm, al)]
                if code == 0:
                    continue
                val, err = T.float_forward(mm, code, X)
                v += val[:, 0]
                ev += err[:, 0]
        fx = np.asarray(f(X if d > 1 else X[:, 0]), dtype=np.float64).reshape(-1)
        if not np.all(np.isfinite(fx)):  # NaN would drop out of the max and leave a lower bound of 0
            bad = int(np.argmax(~np.isfinite(fx)))
            raise ValueError(f"target f is not finite at x = {X[min(bad, per - 1)].tolist()} (f(x) = {fx[bad]})")
        fe = np.abs(fx) * 2.0 ** -50
        best = max(best, float(np.max(np.abs(fx - v) - ev * (1 + 2.0 ** -50) - fe - 4 * np.abs(fx - v) * 2.0 ** -53)))
    return max(best, 0.0)
