"""Structural certificate of the Ding approximant (docs/ding.md §11): sound, about the built network."""

import json
import time
from fractions import Fraction

import numpy as np
import pytest

from relubits.constructions import ding as D
from relubits.constructions.ding_certify import certify_approximant_1d
from relubits.constructions.ding_structural import (
    StructureError,
    _Analysis,
    certify_structural,
)
from relubits.expr import parse_expr

TARGETS = {1: "0.1*sin(2*x)", 2: "0.2*x*y + 0.1*sin(x - y)", 3: "0.1*x*y*z + 0.1*cos(x + y - z)"}


def _f(d):
    return parse_expr(TARGETS[d], dim=d)


def _exact_errors(A, f, X):
    """``|f(x) - f_hat(x)|`` with f_hat summed exactly over *all* blocks (materialised), f in float."""
    pts = [[Fraction(float(v)) for v in row] for row in X]
    tot = [Fraction(0)] * len(pts)
    for key in A.codes:
        vals = A.block(key).exact_batch(pts)
        tot = [a + v[0] for a, v in zip(tot, vals)]
    fx = np.asarray(f(X if A.d > 1 else X[:, 0]), dtype=np.float64).reshape(-1)
    return np.array([abs(float(Fraction(float(a)) - t)) for a, t in zip(fx, tot)]) - np.abs(fx) * 2.0 ** -50


@pytest.mark.parametrize("d,n,eps,kw", [(1, 2, 0.05, {"levels": 2}), (2, 1, 0.3, {"bits": 3}),
                                        (2, 2, 0.2, {"levels": 2}), (3, 1, 0.9, {"levels": 3})])
def test_structural_bound_is_above_the_exact_error(d, n, eps, kw):
    f = _f(d)
    A = D.approximant(f, d=d, n=n, eps=eps, **kw)
    C = certify_structural(A, f, samples=64)
    assert 0 <= C.lower_bound <= C.certified_error <= A.promised_error <= eps
    rng = np.random.default_rng(d * 10 + n)
    X = rng.integers(0, 2 ** 12, (6, d)) / 2 ** 12  # short dyadics, exact in float64
    X[0] = 0.5 / A.N  # a cell centre line and the corner of the cube
    X[1] = 1.0
    err = _exact_errors(A, f, X)
    assert np.all(err <= C.certified_error)


@pytest.mark.parametrize("n,eps", [(1, 0.1), (2, 0.02), (3, 0.05)])
def test_structural_d1_is_above_the_exact_1d_certificate(n, eps):
    f = _f(1)
    A = D.approximant(f, d=1, n=n, eps=eps, levels=2)
    exact, _ = certify_approximant_1d(A, f, curvature=1 if n >= 2 else None)
    C = certify_structural(A, f, samples=64)
    # exact.lower_bound <= true sup error <= both certificates
    assert exact.lower_bound <= C.certified_error <= A.promised_error
    assert C.lower_bound <= exact.certified_error
    print(f"n={n} eps={eps}: exact 1-D [{exact.lower_bound:.3g}, {exact.certified_error:.3g}], "
          f"structural {C.certified_error:.3g}, promise {A.promised_error:.3g}")


def _small_2d():
    f = _f(2)
    return f, D.approximant(f, d=2, n=2, eps=0.2, levels=2)


def test_corrupted_branch_weight_is_detected():
    f, A = _small_2d()
    al = (0, 0)
    tm = A.templates[al]
    an = _Analysis(tm, al, A.N, {})
    G = next(F for F in an.fam if F["type"] == "cut")  # plus branch of the first product
    l = G["layer"] + 3
    r = G["rows"][l][0]
    c = next(c for c, w in an.rows[l][r].items() if w != 0)
    key = next(k for k, code in A.codes.items() if k[1] == al and code != 0)
    x = [Fraction(k, A.N) + Fraction(1, 7 * A.N) for k in key[0]]
    before = A.block(key).exact(x)[0]
    Am, _, den = tm.layers[l]
    Am[r, c] += den  # one weight changed by +1
    A._cache.clear()
    assert A.block(key).exact(x)[0] != before  # the network really changed
    with pytest.raises(StructureError):
        certify_structural(A, f)


def test_corrupted_shift_patch_is_detected(monkeypatch):
    f, A = _small_2d()
    tm = A.templates[(0, 1)]
    orig = tm._patches_k

    def bad(k, mk):
        for l, r, c, v in orig(k, mk):
            if k == 1 and mk == 3 and c is None and r == tm.shift_rows[1][0][1] * 2:
                v = v + Fraction(1, 2)  # one bias of one shift row of one cell
            yield l, r, c, v

    monkeypatch.setattr(tm, "_patches_k", bad)
    with pytest.raises(StructureError, match="not translated"):
        certify_structural(A, f)


def test_corrupted_coefficient_is_not_certified_and_bound_still_holds():
    f, A = _small_2d()
    mm = (A.N // 2, A.N // 2)
    key = (mm, (0, 0))
    A.codes[key] += 2 ** (A.coef_bits - 2)  # c~ off by 1/4 in one block
    A._cache.clear()
    C = certify_structural(A, f, samples=0)
    assert C.certified_error > 0.2  # not within eps
    X = np.array([[m / A.N for m in mm]])  # the block's centre: phi = 1, t = 0
    err = _exact_errors(A, f, X)
    assert 0.2 < err[0] <= C.certified_error


def test_cli_ding_2d_structural_json(capsys):
    from relubits.cli import main

    rc = main(["ding", "--target", "0.1*sin(2*x)*cos(y)", "--dim", "2", "--smoothness", "2", "--eps", "0.05",
               "--levels", "2", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    for k in ("certified_error", "n_weights", "memory_bits", "depth", "levels_or_bits", "bound_weights",
              "bound_memory", "certified_within_eps", "lower_bound", "method"):
        assert k in out
    assert out["method"].startswith("structural")
    assert out["lower_bound"] <= out["certified_error"] <= out["promised_error"] <= 0.05
    assert out["certified_within_eps"] is True


def test_cli_ding_certify_exact_needs_d1(capsys):
    from relubits.cli import main

    assert main(["ding", "--target", "0.1*x*y", "--dim", "2", "--eps", "0.3", "--levels", "2",
                 "--certify", "exact"]) == 2
    assert "--certify exact" in capsys.readouterr().err


def test_headline_d2_n2_eps_1e3_certified_in_seconds():
    """Issue 5: d = 2, n = 2, eps = 1e-3 built and certified in seconds (56 M weights)."""
    f = parse_expr("0.1*sin(2*x)*cos(y)", dim=2)
    t0 = time.perf_counter()
    A = D.approximant(f, d=2, n=2, eps=1e-3, levels=2)
    C = certify_structural(A, f, samples=32)
    dt = time.perf_counter() - t0
    assert C.lower_bound <= C.certified_error <= 1e-3
    assert A.n_weights > 5 * 10 ** 7
    assert dt < 60  # seconds, not minutes (about 3 s unloaded)


def test_d3_n2_certified():
    f = _f(3)
    A = D.approximant(f, d=3, n=2, eps=0.05, levels=2)
    C = certify_structural(A, f, samples=32)
    assert C.lower_bound <= C.certified_error <= 0.05


def test_structural_with_exact_polynomial_derivatives():
    coefs = {(2, 0): Fraction(1, 4), (1, 1): Fraction(-1, 8), (0, 1): Fraction(1, 4)}
    Dp = D.polynomial_derivatives(coefs, 2)

    def f(X):
        X = np.asarray(X, dtype=np.float64)
        return 0.25 * X[:, 0] ** 2 - 0.125 * X[:, 0] * X[:, 1] + 0.25 * X[:, 1]

    A = D.approximant(None, d=2, n=2, eps=0.1, levels=2, derivatives=Dp)
    C = certify_structural(A, derivatives=Dp, samples=0)
    assert C.certified_error <= A.promised_error <= 0.1
    X = np.array([[0.3125, 0.6875], [1.0, 0.0]])
    assert np.all(_exact_errors(A, f, X) <= C.certified_error)
    with pytest.raises(ValueError, match="needs the target"):
        certify_structural(A)


def test_spot_check_catches_a_block_assembled_differently(monkeypatch):
    from relubits.network import scale

    f = _f(1)
    A = D.approximant(f, d=1, n=2, eps=0.05, levels=2)
    assert certify_structural(A, f, samples=0, spot_checks=100).certified_error <= 0.05
    tm = A.templates[(0,)]
    orig = tm.network
    monkeypatch.setattr(tm, "network", lambda mm, code: scale(orig(mm, code), Fraction(9, 8)))
    A._cache.clear()
    with pytest.raises(StructureError, match="disagrees with the model"):
        certify_structural(A, f, samples=0, spot_checks=100)


def test_reported_counts_are_the_points_evaluated(monkeypatch):
    from relubits.constructions import ding_structural as S

    f = _f(1)
    A = D.approximant(f, d=1, n=2, eps=0.05, levels=2)
    calls = []
    real = S.spot_check
    monkeypatch.setattr(S, "spot_check", lambda *a, **k: calls.append(real(*a, **k)) or calls[-1])
    evaluated = []

    def g(x):
        evaluated.append(len(x))
        return f(x)

    C = certify_structural(A, g, derivatives=lambda p, al: 0.0, samples=10, spot_checks=3)
    assert C.samples == sum(evaluated) == 8 and C.spot_points == calls[0] == 12  # 4 cells x 2; 3 blocks x 4
    C0 = certify_structural(A, f, samples=0, spot_checks=0)
    assert C0.samples == 0 and C0.spot_points == 0


def test_sampled_lower_bound_rejects_a_non_finite_target():
    f = _f(1)
    A = D.approximant(f, d=1, n=2, eps=0.05, levels=2)
    with pytest.raises(ValueError, match="not finite"):
        certify_structural(A, lambda x: np.full(np.shape(x)[0], np.nan), derivatives=lambda p, al: 0.0, samples=8)


def _square_error_range_ref(xs, ys, R, s, lo_z):
    """Reference: min/max of ``L(z) - s z^2/4`` over ``[lo_z, R]`` clipped to the pieces, in Fractions."""
    cands = []
    for i in range(len(xs) - 1):
        u, v = xs[i], xs[i + 1]
        a, b = max(u, lo_z), min(v, R)
        if a > b:
            continue
        sl = (ys[i + 1] - ys[i]) / (v - u)
        pts = [a, b] + ([2 * sl * s] if a < 2 * sl * s < b else [])
        cands += [ys[i] + sl * (z - u) - s * z * z / 4 for z in pts]
    return (min(cands), max(cands)) if cands else None


def test_square_error_range_integer_route_matches_fractions():
    from relubits.constructions.ding_structural import _square_error_range

    rng = np.random.default_rng(5)
    for _ in range(3000):
        xs = sorted({Fraction(int(rng.integers(-40, 41)), int(rng.choice([1, 2, 4, 3]))) for _ in range(int(rng.integers(2, 9)))})
        if len(xs) < 2:
            continue
        ys = [Fraction(int(rng.integers(-40, 41)), int(rng.choice([1, 2, 16, 5]))) for _ in xs]
        R = Fraction(int(rng.integers(-45, 46)), int(rng.choice([1, 2, 4, 7])))
        lo = Fraction(int(rng.integers(-45, 46)), int(rng.choice([1, 2, 4, 7])))
        s = int(rng.choice([1, -1]))
        ref = _square_error_range_ref(xs, ys, R, s, lo)
        if ref is None:
            with pytest.raises(StructureError):
                _square_error_range(tuple(xs), tuple(ys), R, s, lo)
        else:
            assert _square_error_range(tuple(xs), tuple(ys), R, s, lo) == ref


def test_sparse_exact_evaluation_equals_exact_batch():
    from relubits.constructions.ding_structural import _exact_sparse

    for d, eps in ((1, 0.05), (2, 0.2)):
        A = D.approximant(_f(d), d=d, n=2, eps=eps, levels=2)
        rng = np.random.default_rng(d)
        keys = list(A.codes)
        for i in rng.choice(len(keys), size=4, replace=False):
            net = A.block(keys[int(i)])
            pts = [[Fraction(int(rng.integers(0, 2 ** 12 + 1)), 2 ** 12) for _ in range(d)] for _ in range(5)]
            assert _exact_sparse(net, pts) == net.exact_batch(pts)
