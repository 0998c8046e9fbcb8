"""Representability conditions for fixed-point networks, checked with witnesses.

relubits' own conditions (the paper's could not be read; proofs in ``docs/fixed_point.md``).
Let ``G`` be the values of the format, ``delta`` its step, ``sigma_Q = round o sigma`` on ``G``
and ``N(sigma, fmt, semantics)`` the networks of any depth and width with parameters in ``G``
(``weights="binary"``: nonzero weights in {-1, +1}).  "Represents all functions" means: every
``f: G^d -> G`` equals some network of the class at every point of ``G^d``.

**Necessary (N)** (``|G| >= 4``): every pair of neighbouring grid points ``c, c + delta`` is
separated by one neuron on one input: some ``w, b`` in ``G`` (``w = +-1`` for binary weights) with
``sigma_Q(w c + b) != sigma_Q(w (c + delta) + b)`` (affine map under the semantics).  If a pair is
not separated, every network of depth >= 2 gives the same output at ``(c, 0, ..)`` and
``(c + delta, 0, ..)``, and depth-1 networks are too few (counting); witness: the pair.

**Sufficient (S)** (``overflow='saturate'``, signed, ``1`` in ``G``):

* ReLU: for every ``a`` in ``G`` a neuron ``relu(w x + b)`` is 0 exactly for ``x <= a`` and one is
  0 exactly for ``x >= a`` (always true with ``w = +-1`` in symmetric formats);
* any other activation, the *sign edge*: a grid point ``e`` with ``sigma_Q <= 0`` on ``G`` below ``e``
  and ``sigma_Q > 0`` from ``e`` on; every threshold is realisable by a neuron ``w x + b``; and a
  selector ``(omega, beta)`` maps the step patterns of a point to ``sigma_Q`` values exactly 1 (hit)
  and 0 (miss).  Witness: ``e``, the two step values, copies, pushes and the selector.

Both are finite checks on ``(activation, fmt, semantics, bias)``; the ``S`` verdict is backed by
:func:`~relubits.fixedpoint.memorize.memorize` (built from the same witness and verified
exhaustively in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from relubits.fixedpoint.activations import ACTIVATIONS, rounded_activation
from relubits.fixedpoint.formats import FixedFormat
from relubits.fixedpoint.simulator import SEMANTICS

__all__ = ["Verdict", "check", "sign_edge_plan", "verdict_table", "plot_verdict_table"]

BRUTE_FORCE_MAX = 4096  # |G| up to which (w, b) in G x G is searched exhaustively


def _v(fmt: FixedFormat, k: int) -> str:
    return str(Fraction(int(k), fmt.scale))


class _Pre:
    """Pre-activation of one-input neurons (w, b) at inputs x, vectorised by broadcasting."""

    def __init__(self, fmt: FixedFormat, semantics: str, bias: str):
        from relubits.fixedpoint.memorize import _Arith

        self.ar = _Arith(fmt, semantics, bias)

    def __call__(self, w: Any, b: Any, x: Any) -> np.ndarray:
        return np.asarray(self.ar.affine([w], [x], b))


def _sigma(activation: str, fmt: FixedFormat) -> np.ndarray:
    return rounded_activation(activation, fmt).codes


# ----------------------------------------------------------------------------- necessary
def _necessary(activation: str, fmt: FixedFormat, semantics: str, bias: str, weights: str) -> tuple[bool | None, dict]:
    if fmt.size < 4:
        return None, {"reason": f"|G| = {fmt.size} < 4: the counting argument needs at least 4 values"}
    sig = _sigma(activation, fmt)
    k0 = fmt.k_min
    one = fmt.scale
    if weights == "binary" and not (fmt.contains_code(one) and fmt.contains_code(-one)):
        return False, {"reason": "+-1 is not representable: binary networks have no nonzero weight",
                       "pair": [_v(fmt, k0), _v(fmt, k0 + 1)]}
    edges = np.flatnonzero(sig[:-1] != sig[1:]) + k0  # codes y with sigma(y) != sigma(y + 1)
    if edges.size == 0:
        return False, {"reason": f"sigma_Q is constant ({_v(fmt, sig[0])}) on the grid",
                       "pair": [_v(fmt, k0), _v(fmt, k0 + 1)]}
    cs = np.arange(fmt.k_min, fmt.k_max)  # pairs (c, c + 1)
    covered = np.zeros(cs.size, dtype=bool)
    how = np.full(cs.size, "", dtype=object)

    def any_edge_in(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        i = np.searchsorted(edges, lo, side="left")
        return (i < edges.size) & (edges[np.minimum(i, edges.size - 1)] <= hi)

    if fmt.contains_code(one):  # w = 1, b = y - c: the pair maps to the edge (y, y + 1)
        ok = any_edge_in(cs + fmt.k_min, cs + fmt.k_max)
        how[ok & ~covered] = "w=1"
        covered |= ok
    if fmt.contains_code(-one):  # w = -1: (-c - 1, -c) shifted onto an edge, when -c is exact
        exact = (-cs <= fmt.k_max)
        ok = exact & any_edge_in(-cs - 1 + fmt.k_min, -cs - 1 + fmt.k_max)
        how[ok & ~covered] = "w=-1"
        covered |= ok
    pre = _Pre(fmt, semantics, bias)
    left = cs[~covered]
    unresolved = []
    if weights == "binary":
        all_w = np.array([w for w in (one, -one) if fmt.contains_code(w)])
    else:
        all_w = fmt.codes()[fmt.codes() != 0]
    bs = fmt.codes()
    for c in left:
        found = _separate_by_candidates(pre, fmt, sig, edges, all_w, int(c))
        if found is None and fmt.size <= BRUTE_FORCE_MAX:
            z0 = pre(all_w[:, None], bs[None, :], c)
            z1 = pre(all_w[:, None], bs[None, :], c + 1)
            sep = sig[z0 - k0] != sig[z1 - k0]
            if sep.any():
                i, j = np.argwhere(sep)[0]
                found = (int(all_w[i]), int(bs[j]))
            else:
                return False, {"reason": "no neuron separates these neighbours, so no network does",
                               "pair": [_v(fmt, c), _v(fmt, c + 1)]}
        if found is None:
            unresolved.append(int(c))
            continue
        covered[c - fmt.k_min] = True
        how[c - fmt.k_min] = f"w={_v(fmt, found[0])},b={_v(fmt, found[1])}"
    if unresolved:
        return None, {"reason": f"{len(unresolved)} pairs need a search over G x G (|G| = {fmt.size} too large)",
                      "pair": [_v(fmt, unresolved[0]), _v(fmt, unresolved[0] + 1)]}
    e = int(edges[0])
    return True, {"edge": [_v(fmt, e), _v(fmt, e + 1)],
                  "separators": {"w=1": int((how == "w=1").sum()), "w=-1": int((how == "w=-1").sum()),
                                 "searched": int(sum(1 for h in how if h.startswith("w=") and "," in h))}}


def _separate_by_candidates(pre: _Pre, fmt: FixedFormat, sig: np.ndarray, edges: np.ndarray,
                            ws: np.ndarray, c: int) -> tuple[int, int] | None:
    """Candidate neurons for the pair (c, c+1): for every w, the shift b that moves the pair of
    rounded products (w c, w (c+1)), when they are neighbours, onto an edge of sigma_Q; each
    candidate is then checked with the exact semantics."""
    k0 = fmt.k_min
    u0 = np.asarray(pre.ar.prod(ws, c))
    u1 = np.asarray(pre.ar.prod(ws, c + 1))
    lo = np.minimum(u0, u1)
    nb = np.abs(u1 - u0) == 1
    if not nb.any() or edges.size == 0:
        return None
    i = np.searchsorted(edges, lo + fmt.k_min, side="left")
    y = edges[np.minimum(i, edges.size - 1)]
    b = y - lo
    ok = nb & (i < edges.size) & (b >= fmt.k_min) & (b <= fmt.k_max)
    if not ok.any():
        return None
    w_c, b_c = ws[ok], b[ok]
    z0 = pre(w_c, b_c, c)
    z1 = pre(w_c, b_c, c + 1)
    sep = sig[z0 - k0] != sig[z1 - k0]
    if sep.any():
        j = int(np.argmax(sep))
        return int(w_c[j]), int(b_c[j])
    return None


def find_side_neuron(pre: _Pre, fmt: FixedFormat, a: int, upper: bool, binary: bool) -> tuple[int, int] | None:
    """(w, b) with relu(w x + b) == 0 exactly for x <= a and > 0 for x > a (``upper``), or == 0
    exactly for x >= a and > 0 for x < a.  w > 0 (resp. < 0) makes the pre-activation monotone,
    so two points decide: z(a) <= 0 and z(a +- delta) >= delta."""
    g = fmt.codes()
    one = fmt.scale
    step = 1 if upper else -1
    if binary:
        ws = np.array([one if upper else -one])
    else:
        ws = g[g > 0] if upper else g[g < 0]
    # candidates: b = -(w (x) a), so that z(a) = 0
    u0 = np.asarray(pre.ar.prod(ws, a))
    b = -u0
    okb = (b >= fmt.k_min) & (b <= fmt.k_max)
    for wc, bc in ((ws[okb], b[okb]), (ws[okb], b[okb] - 1)):
        bc = np.clip(bc, fmt.k_min, fmt.k_max)
        good = (pre(wc, bc, a) <= 0) & (pre(wc, bc, a + step) >= 1)
        if good.any():
            j = int(np.argmax(good))
            return int(wc[j]), int(bc[j])
    if fmt.size > BRUTE_FORCE_MAX and not binary:
        return None
    good = (pre(ws[:, None], g[None, :], a) <= 0) & (pre(ws[:, None], g[None, :], a + step) >= 1)
    if good.any():
        i, j = np.argwhere(good)[0]
        return int(ws[i]), int(g[j])
    return None


# ----------------------------------------------------------------------------- sufficient
def _structural(fmt: FixedFormat) -> str | None:
    if fmt.overflow != "saturate":
        return f"overflow={fmt.overflow!r} (the constructions need 'saturate')"
    if not fmt.signed:
        return "unsigned format"
    if fmt.k_max < fmt.scale:
        return f"1 is not representable (max {fmt.max})"
    return None


def _relu_sides(fmt: FixedFormat, semantics: str, bias: str, binary: bool) -> tuple[bool | None, dict]:
    """Every a has an 'upper' and a 'lower' ReLU side neuron (monotone two-point checks)."""
    pre = _Pre(fmt, semantics, bias)
    one = fmt.scale
    g = fmt.codes()
    bad = []
    nonstandard = 0
    for upper in (True, False):
        a = g[:-1] if upper else g[1:]
        w0 = one if upper else -one
        b0 = -a if upper else a
        okb = (b0 >= fmt.k_min) & (b0 <= fmt.k_max)
        b0c = np.clip(b0, fmt.k_min, fmt.k_max)
        z_in = pre(w0, b0c, a)  # at x = a: must be <= 0
        z_out = pre(w0, b0c, a + (1 if upper else -1))  # just outside: must be >= 1
        ok = okb & (z_in <= 0) & (z_out >= 1)
        for aa in a[~ok]:
            if find_side_neuron(pre, fmt, int(aa), upper, binary) is None:
                bad.append((bool(upper), int(aa)))
                break
            nonstandard += 1
        if bad:
            break
    if bad:
        upper, aa = bad[0]
        side = "x <= a" if upper else "x >= a"
        return False, {"reason": f"no {'binary ' if binary else ''}ReLU neuron is 0 exactly on {side}",
                       "a": _v(fmt, aa)}
    return True, {"side_neurons": "relu(x - a), relu(a - x)", "nonstandard_side_neurons": nonstandard}


def sign_edge_plan(activation: str, fmt: FixedFormat, semantics: str = "per-op", bias: str = "last",
                   d: int = 1) -> tuple[dict | None, str]:
    """The parameters of the sign-edge construction, or (None, reason) when the condition fails."""
    reason = _structural(fmt)
    if reason:
        return None, reason
    sig = _sigma(activation, fmt)
    k0, one = fmt.k_min, fmt.scale
    pos = sig > 0
    if not pos.any():
        return None, "sigma_Q is never positive"
    e_idx = int(np.argmax(pos))
    if e_idx == 0 or not pos[e_idx:].all():
        return None, "no sign edge: sigma_Q is not (<= 0 below e, > 0 from e on) for any grid point e"
    e = e_idx + k0
    H, L = int(sig[-1]), int(sig[0])
    Q = int(sig[e_idx:].min())
    pre = _Pre(fmt, semantics, bias)
    g = fmt.codes()
    # thresholds a in (min, max]: z(a - 1) <= e - 1 and z(a) >= e, z non-decreasing (w > 0)
    thresholds: dict[int, tuple[int, int]] = {}
    T = g[1:]
    b0 = e - T
    okb = (b0 >= fmt.k_min) & (b0 <= fmt.k_max)
    b0c = np.clip(b0, fmt.k_min, fmt.k_max)
    ok = okb & (pre(one, b0c, T - 1) <= e - 1) & (pre(one, b0c, T) >= e)
    for a, b in zip(T[ok], b0c[ok]):
        thresholds[int(a)] = (one, int(b))
    searched = 0
    ws_all = g[g > 0]
    for a in T[~ok]:
        a = int(a)
        u0 = np.asarray(pre.ar.prod(ws_all, a))
        found = None
        for shift in (0, 1, -1):
            bc = e - u0 + shift
            m_ok = (bc >= fmt.k_min) & (bc <= fmt.k_max)
            wc, bc = ws_all[m_ok], bc[m_ok]
            good = (pre(wc, bc, a - 1) <= e - 1) & (pre(wc, bc, a) >= e)
            if good.any():
                j = int(np.argmax(good))
                found = (int(wc[j]), int(bc[j]))
                break
        if found is None and fmt.size <= 1024:
            good = (pre(ws_all[:, None], g[None, :], a - 1) <= e - 1) & (pre(ws_all[:, None], g[None, :], a) >= e)
            if good.any():
                i, j = np.argwhere(good)[0]
                found = (int(ws_all[i]), int(g[j]))
        if found is None:
            # reversed orientation: w < 0, z(a - 1) >= e and z(a) <= e - 1 (z non-increasing); the
            # step then pushes up to max and adds copies with weight -v (see docs, Theorem 3)
            ws_neg = g[g < 0]
            u0 = np.asarray(pre.ar.prod(ws_neg, a - 1))
            for shift in (0, 1, -1):
                bc = e - u0 + shift
                m_ok = (bc >= fmt.k_min) & (bc <= fmt.k_max)
                wc, bc = ws_neg[m_ok], bc[m_ok]
                good = (pre(wc, bc, a - 1) >= e) & (pre(wc, bc, a) <= e - 1)
                if good.any():
                    j = int(np.argmax(good))
                    found = (int(wc[j]), int(bc[j]))
                    break
        if found is None:
            return None, f"no neuron w x + b puts the threshold at {_v(fmt, a)} onto the edge {_v(fmt, e)}"
        thresholds[a] = found
        searched += 1
    # pushes and copies
    K = -(-(-fmt.k_min) // H) + 1
    v = 2 ** (fmt.int_bits - 1) * one
    gain = 2 ** (fmt.int_bits - 1) * Q  # each copy adds at least this many codes (exact product)
    need = (fmt.k_max - fmt.k_min) if semantics == "per-op" else (K * H + fmt.k_max - fmt.k_min)
    m = -(-need // gain) + 1
    # selector: patterns (U_j, V_j) in {(L, L), (H, L), (H, H)}; hit = all (H, L)
    pats = list(__import__("itertools").product([(L, L), (H, L), (H, H)], repeat=d))
    hit = tuple([(H, L)] * d)
    if fmt.size <= 1024:
        om = g[(g != 0) & (-g >= fmt.k_min) & (-g <= fmt.k_max)]
    else:
        om = np.array(sorted({sg * ((1 << k) + t) for k in range(fmt.bits) for sg in (1, -1) for t in (-1, 0, 1)
                              if (1 << k) + t > 0 and fmt.contains_code(sg * ((1 << k) + t))
                              and fmt.contains_code(-sg * ((1 << k) + t))}))
    from relubits.fixedpoint.memorize import _Arith

    ar = _Arith(fmt, semantics, bias)
    ones_at = np.flatnonzero(sig == one)
    z_one = int(ones_at[0] + k0) if ones_at.size else None  # a constant neuron sigma_Q(z_one) = 1

    def find_selector(r: int, front: bool = False) -> tuple | None:
        """(omega, beta) and optionally a second stage, with r copies of every (U_j, V_j) pair.
        ``front``: beta enters as the first term ``beta (x) 1`` (a constant neuron of value 1)
        instead of the bias, so that it is added before the pattern terms in per-op sums."""
        vals = []
        for pat in pats:
            ws, hs = ([g[None, :]], [one]) if front else ([], [])
            for (u, vv) in pat:
                for _ in range(r):
                    ws += [om[:, None], -om[:, None]]
                    hs += [u, vv]
            z = np.asarray(ar.affine(ws, hs, 0 if front else g[None, :]))
            vals.append(np.broadcast_to(sig[z - k0], (om.size, g.size)))
        vals = np.stack(vals)  # (patterns, |om|, |G|)
        hit_i = pats.index(hit)
        miss = np.delete(vals, hit_i, axis=0)
        good = (vals[hit_i] == one) & (miss == 0).all(axis=0)
        if good.any():
            i, j = np.argwhere(good)[0]
            return (int(om[i]), int(g[j])), None
        # two stages: (omega1, beta1) separates the hit value from every miss value, then one
        # neuron sigma_Q(omega2 u + beta2) sends the hit value to 1 and every miss value to 0
        sep = (miss != vals[hit_i][None]).all(axis=0)
        max_states = 2000 if fmt.size <= 256 else (48 if fmt.size <= 4096 else 6)
        seen = set()
        for i, j in np.argwhere(sep):
            state = (int(vals[hit_i][i, j]), tuple(sorted(set(int(x) for x in miss[:, i, j]))))
            if state in seen:
                continue
            seen.add(state)
            h1, ms = state
            ok2 = sig[np.asarray(ar.affine([om[:, None]], [h1], g[None, :])) - k0] == one
            for mv in ms:
                if not ok2.any():
                    break
                ok2 &= sig[np.asarray(ar.affine([om[:, None]], [mv], g[None, :])) - k0] == 0
            if ok2.any():
                i2, j2 = np.argwhere(ok2)[0]
                return (int(om[i]), int(g[j])), (int(om[i2]), int(g[j2]))
            if len(seen) > max_states:
                break
        return None

    found = None
    front = False
    options = [(r, False) for r in ((1, 2, 4) if fmt.size <= 1024 else (1, 2))]
    if z_one is not None and semantics == "per-op" and bias == "last":
        options += [(r, True) for r in ((1, 2, 4) if fmt.size <= 1024 else (1, 2))]
    for r, front in options:
        found = find_selector(r, front)
        if found is not None:
            break
    if found is None:
        return None, ("no selector (omega, beta), in one or two stages, with 1, 2 or 4 copies, maps the step "
                      "patterns to exactly 1 (hit) and 0 (miss)" if 0 in sig and one in sig else
                      "sigma_Q never takes the value 0 or never 1")
    sel, stage2 = found
    plan = {"edge": e, "edge_value": _v(fmt, e), "L": _v(fmt, L), "H": _v(fmt, H), "Q": _v(fmt, Q),
            "v": int(v), "copies": int(m), "pushes": int(K), "push_bias": int(fmt.k_max),
            "selector": sel, "selector_values": [_v(fmt, sel[0]), _v(fmt, sel[1])],
            "selector2": stage2, "selector_copies": r,
            "selector_front": (int(z_one) if front else None),
            "searched_thresholds": searched,
            "reversed_thresholds": sum(1 for w, _ in thresholds.values() if w < 0), "thresholds": thresholds}
    return plan, ""


# ----------------------------------------------------------------------------- verdicts
@dataclass(frozen=True)
class Verdict:
    """Result of :func:`check`.

    ``necessary``: True (holds, witness = a separating edge), False (fails: no network represents
    every function; witness = the unseparated pair), None (undecided: search too large).
    ``sufficient``: True (holds: the memorizer exists; witness = its parameters) or False (the
    condition fails; nothing is claimed about representability).
    """

    activation: str
    format: str
    semantics: str
    bias: str
    weights: str
    d: int
    necessary: bool | None
    sufficient: bool
    witness: dict = field(default_factory=dict)
    zero_somewhere: bool = False

    def as_dict(self) -> dict:
        return {"activation": self.activation, "format": self.format, "semantics": self.semantics,
                "bias": self.bias, "weights": self.weights, "d": self.d, "necessary": self.necessary,
                "sufficient": self.sufficient, "witness": self.witness, "zero_somewhere": self.zero_somewhere}


def check(activation: str, fmt: FixedFormat, semantics: str = "per-op", bias: str = "last",
          weights: str = "any", d: int = 1) -> Verdict:
    """Check the necessary and the sufficient condition for (activation, format, semantics).

    Parameters
    ----------
    activation : str
    fmt : FixedFormat
    semantics : {"per-op", "fused"}
    bias : {"last", "first"}
    weights : {"any", "binary"}
    d : {1, 2}
        Input dimension (the sufficient condition's selector depends on it).

    Returns
    -------
    Verdict

    Examples
    --------
    >>> from relubits.fixedpoint import FixedFormat
    >>> v = check("sigmoid", FixedFormat(1, 2, symmetric=True))
    >>> v.necessary, v.sufficient
    (True, False)
    """
    if not isinstance(activation, str) or activation.lower() not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(ACTIVATIONS)}, got {activation!r}")
    activation = activation.lower()
    if not isinstance(fmt, FixedFormat):
        raise TypeError(f"fmt must be a FixedFormat, got {type(fmt).__name__}")
    if semantics not in SEMANTICS:
        raise ValueError(f"semantics must be one of {list(SEMANTICS)}, got {semantics!r}")
    if bias not in ("last", "first"):
        raise ValueError(f"bias must be 'last' or 'first', got {bias!r}")
    if weights not in ("any", "binary"):
        raise ValueError(f"weights must be 'any' or 'binary', got {weights!r}")
    if d not in (1, 2):
        raise ValueError(f"d must be 1 or 2, got {d}")
    nec, nw = _necessary(activation, fmt, semantics, bias, weights)
    reason = _structural(fmt)
    if reason:
        suf, sw = False, {"reason": reason}
    elif activation == "relu":
        ok, sw = _relu_sides(fmt, semantics, bias, weights == "binary")
        suf = bool(ok)
        sw["construction"] = "relu-indicator" + ("-binary" if weights == "binary" else "")
    elif weights == "binary":
        suf, sw = False, {"reason": "no binary-weight construction for this activation (ReLU only)"}
    else:
        plan, why = sign_edge_plan(activation, fmt, semantics, bias, d)
        suf = plan is not None
        sw = {"reason": why} if plan is None else {k: v for k, v in plan.items() if k != "thresholds"}
        if plan is not None:
            sw["construction"] = "sign-edge"
            sw["selector"] = list(sw["selector"])
            if sw.get("selector2") is not None:
                sw["selector2"] = [_v(fmt, sw["selector2"][0]), _v(fmt, sw["selector2"][1])]
    zero = bool((_sigma(activation, fmt) == 0).any())
    return Verdict(activation, fmt.name, semantics, bias, weights, d, nec, bool(suf),
                   {"necessary": nw, "sufficient": sw}, zero)


def verdict_table(formats: list[FixedFormat], activations: tuple[str, ...] = ACTIVATIONS,
                  semantics: str = "per-op", bias: str = "last", d: int = 1) -> list[dict]:
    """One row per (format, activation): necessary, sufficient, coincide, zero_somewhere."""
    rows = []
    for fmt in formats:
        for act in activations:
            v = check(act, fmt, semantics, bias, "any", d)
            rows.append({"format": fmt.name, "bits": fmt.bits, "activation": act,
                         "necessary": v.necessary, "sufficient": v.sufficient,
                         "coincide": v.necessary is not None and v.necessary == v.sufficient,
                         "zero_somewhere": v.zero_somewhere})
    return rows


def plot_verdict_table(rows: list[dict], path: str) -> None:
    """Draw the verdict table (formats x activations) to ``path`` (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fmts = list(dict.fromkeys(r["format"] for r in rows))
    acts = list(dict.fromkeys(r["activation"] for r in rows))
    code = {(True, True): 3, (True, False): 2, (None, False): 1, (False, False): 0, (None, True): 3}
    M = np.zeros((len(fmts), len(acts)))
    for r in rows:
        M[fmts.index(r["format"]), acts.index(r["activation"])] = code[(r["necessary"], r["sufficient"])]
    fig, ax = plt.subplots(figsize=(1.0 + 0.9 * len(acts), 0.8 + 0.28 * len(fmts)))
    from matplotlib.colors import ListedColormap

    ax.imshow(M, cmap=ListedColormap(["#d73027", "#bbbbbb", "#fee08b", "#1a9850"]), vmin=0, vmax=3, aspect="auto")
    ax.set_xticks(range(len(acts)), acts, rotation=45, ha="right")
    ax.set_yticks(range(len(fmts)), fmts, fontsize=7)
    ax.set_title("red: N fails (not universal); yellow: N holds, S fails (open); green: S holds; grey: undecided",
                 fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
