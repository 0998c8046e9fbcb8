"""Quantized constructions after Ding et al.: exact checks that can fail."""

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from relubits.constructions import ding as D
from relubits.constructions.ding_blocks import Circuit, WeightSet, lin
from relubits.constructions.ding_certify import certify_approximant_1d, certify_grid, product_lipschitz
from relubits.expr import parse_expr
from relubits.theory import ding_bounds as B

WEIGHT_SETS = [WeightSet.levels(2), WeightSet.levels(3), WeightSet.levels(5, k=3), WeightSet.bits(2),
               WeightSet.bits(3), WeightSet.bits(8)]


# ------------------------------------------------------------------------------------------------
# weight sets
# ------------------------------------------------------------------------------------------------
def test_weight_sets_are_as_stated():
    ws = WeightSet.levels(2)
    assert ws.values == (Fraction(-1), Fraction(1, 2)) and ws.bits_per_weight == 1
    ws = WeightSet.levels(4, k=3)
    assert len(set(ws.values)) == 4 and Fraction(1, 2 ** 9) in ws.values and ws.bits_per_weight == 2
    wb = WeightSet.bits(3)
    assert wb.grid.values() == [Fraction(k, 4) for k in range(-4, 4)]
    assert set(wb.values) <= set(wb.grid.values())
    with pytest.raises(ValueError, match="levels"):
        WeightSet.levels(1)
    with pytest.raises(ValueError, match="bits"):
        WeightSet.bits(1)


def test_compile_rejects_unsynthesised_constants():
    c = Circuit(1)
    h = c.neuron(lin({0: 1}))
    c.set_outputs([lin({h: 3})])  # 3 is not a pair sum of {-1, 1/2}
    with pytest.raises(ValueError, match="coefficient"):
        c.compile(WeightSet.levels(2))
    c2 = Circuit(1)
    h = c2.neuron(lin({0: 1}, Fraction(-1, 8)))  # bias -1/8 is not delta + (a + a')/2 over {-1, 1/2}
    c2.set_outputs([lin({h: 1})])
    with pytest.raises(ValueError, match="bias"):
        c2.compile(WeightSet.levels(2))


# ------------------------------------------------------------------------------------------------
# square
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sharing", ["shared", "paper"])
@pytest.mark.parametrize("ws", WEIGHT_SETS, ids=lambda w: f"{w.kind}{w.lam}")
def test_square_error_is_exactly_the_promise(ws, sharing):
    for m in (1, 2, 4):
        r = D.square_net(m, ws=ws, sharing=sharing)
        assert r.network.on_grid(ws.grid), r.network.on_grid(ws.grid).describe()
        assert D.square_error_exact(r.network) == r.promised_error == Fraction(1, 2 ** (2 * m + 2))
        # the quantized network equals the unquantized circuit exactly, and x^2 at the nodes
        for k in range(0, 2 ** m + 1):
            x = Fraction(k, 2 ** m)
            assert r.network.exact([x]) == r.target.exact([x]) == [x * x]
        assert r.memory_bits == r.n_weights * ws.bits_per_weight + ws.codebook_bits


def test_square_paper_levels_use_base_k():
    r = D.square_net(6, levels=3, sharing="paper")
    assert r.weight_set.exponents == (1, B.level_base(12, 3))
    assert D.square_error_exact(r.network) == Fraction(1, 2 ** 14)


def test_sharing_beats_per_stage_chains():
    for lam in (2, 3):
        a = D.square_net(8, levels=lam, sharing="shared").n_weights
        b = D.square_net(8, levels=lam, sharing="paper").n_weights
        assert a < b


@pytest.mark.parametrize("sharing", ["paper", "shared"])
def test_square_weights_over_bound_stay_bounded(sharing):
    # measured / [R] per-multiplication factor for eps = 1e-1 .. 1e-6 (printed; must stay bounded)
    for model, lams in (("levels", (2, 3, 8)), ("bits", (2, 8, 16))):
        for lam in lams:
            ratios = []
            for k in range(1, 7):
                m = B.square_stages(10.0 ** -k)
                r = D.square_net(m, sharing=sharing, **{model: lam})
                ratios.append(r.n_weights / r.bound_weights)
            print(sharing, model, lam, [round(x, 2) for x in ratios])
            assert max(ratios) < 40
            assert max(ratios[3:]) <= 1.25 * max(ratios[:3])  # no growth as eps shrinks


# ------------------------------------------------------------------------------------------------
# product and hats
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("M", [1, 2, 4])
def test_product_error_zero_property_and_grid(M):
    r = D.product_net(3, M=M, levels=2)
    assert r.network.on_grid(r.weight_set.grid)
    pts = [(Fraction(i, 8) * M, Fraction(j, 8) * M) for i in range(-8, 9, 3) for j in range(-8, 9, 2)]
    vals = r.network.exact_batch([list(p) for p in pts])
    for (x, y), v in zip(pts, vals):
        assert abs(v[0] - x * y) <= r.promised_error
    for j in range(-8, 9):
        y = Fraction(j, 8) * M
        assert r.network.exact([0, y]) == [0] and r.network.exact([y, 0]) == [0]


def test_product_grid_certificate_brackets_the_error():
    r = D.product_net(3, M=1, bits=4)
    ev = lambda X: (r.network(X)[:, 0], r.network.float_error_bound(X)[:, 0])
    c = certify_grid(ev, lambda X: X[:, 0] * X[:, 1], [(-1, 1), (-1, 1)], 2 * (1 + product_lipschitz(1, 3)), 6)
    assert c.lower_bound <= float(r.promised_error) <= c.certified_error
    assert c.certified_error <= float(r.promised_error) + c.lipschitz_slack + 1e-12


@pytest.mark.parametrize("alpha", [(1,), (2,), (1, 1), (2, 1), (1, 1, 1), (3,)])
def test_monomial_within_promise(alpha):
    r = D.monomial_net(alpha, 3, bits=3)
    assert r.network.on_grid(r.weight_set.grid)
    d = len(alpha)
    rng = np.random.default_rng(sum(alpha) * 7 + d)
    pts = [[Fraction(int(v), 1024) for v in row] for row in rng.integers(-1024, 1025, (80, d))]
    worst = max(abs(v[0] - np.prod([p ** a for p, a in zip(pt, alpha)]))
                for pt, v in zip(pts, r.network.exact_batch(pts)))
    assert worst <= r.promised_error
    assert (worst > 0) == (sum(alpha) > 1)


def test_polynomial_derivatives_drive_the_approximant():
    coefs = {(2, 0): Fraction(1, 4), (1, 1): Fraction(-1, 8), (0, 0): Fraction(1, 16)}
    Dp = D.polynomial_derivatives(coefs, 2)
    assert Dp((0.5, 0.5), (1, 0)) == 0.25 - 0.0625 and Dp((0.0, 0.0), (1, 1)) == -0.125
    f = lambda X: 0.25 * X[:, 0] ** 2 - 0.125 * X[:, 0] * X[:, 1] + 1 / 16
    A = D.approximant(f, d=2, n=2, eps=0.2, levels=2, derivatives=Dp)
    assert A.error_budget["derivatives"] == 0
    X = np.round(np.random.default_rng(3).uniform(0, 1, (300, 2)) * 512) / 512
    v, e = A.evaluate(X)
    assert np.max(np.abs(v - f(X)) + e) <= A.promised_error


@settings(max_examples=15)
@given(st.sampled_from([1, 2, 4, 8]), st.data())
def test_hat_is_exact(N, data):
    m = data.draw(st.integers(0, N))
    r = D.hat_net(N, m, levels=2)
    assert r.network.on_grid(r.weight_set.grid)
    xs = [Fraction(k, 4 * N) for k in range(4 * N + 1)]
    for x, v in zip(xs, r.network.exact_batch([[x] for x in xs])):
        assert v[0] == max(0, 1 - abs(N * x - m))


def test_template_patch_equals_direct_build():
    for ws in (WeightSet.levels(2), WeightSet.bits(3)):
        for d, alpha in ((1, (2,)), (2, (1, 0))):
            T = D._BlockTemplate(ws, d, 2, alpha, 4, 2, "shared")
            for mm in [(0,) * d, (4,) * d, (1, 3)[:d]]:
                for code in (0, 16, -7, 31):
                    a = T.network(mm, code)
                    b = D._block(ws, d, 2, mm, alpha, code, 4, 2, "shared")
                    assert a == b
                    assert T.nnz(mm, code) == b.n_nonzero


# ------------------------------------------------------------------------------------------------
# the approximant
# ------------------------------------------------------------------------------------------------
F1 = parse_expr("0.1*sin(2*x) + 0.2*x")


@pytest.mark.parametrize("n,eps,kw", [(1, 0.2, dict(levels=2)), (2, 0.02, dict(bits=4)), (3, 0.05, dict(levels=3))])
def test_approximant_1d_certified_below_promise(n, eps, kw):
    A = D.approximant(F1, d=1, n=n, eps=eps, **kw)
    assert A.promised_error <= eps
    for net in A.blocks.values():
        assert net.on_grid(A.weight_set.grid)
    assert A.n_weights == sum(b.n_nonzero for b in A.blocks.values())
    cert, _ = certify_approximant_1d(A, F1, curvature=1 if n >= 2 else None)
    assert cert.lower_bound <= cert.certified_error <= A.promised_error


@pytest.mark.parametrize("d,n,eps", [(2, 1, 0.3), (2, 2, 0.2), (3, 1, 0.9)])
def test_approximant_multid_error_on_samples(d, n, eps):
    f = parse_expr({2: "0.2*x*y + 0.1*sin(x - y)", 3: "0.1*x*y*z + 0.1*cos(x + y - z)"}[d], dim=d)
    A = D.approximant(f, d=d, n=n, eps=eps, bits=3)
    X = np.round(np.random.default_rng(d * 10 + n).uniform(0, 1, (400, d)) * 1024) / 1024  # short dyadics
    v, e = A.evaluate(X)
    assert np.max(np.abs(v - f(X)) + e) <= A.promised_error <= eps
    # the block evaluation agrees with a materialised block
    key = next(k for k, c in A.codes.items() if c != 0)
    mask = np.all(np.abs(X * A.N - np.array(key[0])) < 1, axis=1)
    if mask.any():
        vb, eb = A.templates[key[1]].float_forward(key[0], A.codes[key], X[mask])
        net = A.block(key)
        Xd = X[mask][:25]  # (exact evaluation on the same float inputs)
        vb, eb = vb[:25], eb[:25]
        exact = np.array([float(r[0]) for r in net.exact_batch([[Fraction(float(v)) for v in row] for row in Xd])])
        assert np.all(np.abs(vb[:, 0] - exact) <= eb[:, 0] * (1 + 1e-9))


def test_error_lipschitz_bound_holds_and_certifies_2d():
    from relubits.constructions.ding_certify import error_lipschitz

    f = parse_expr("0.2*x*y + 0.1*sin(x - y)", dim=2)
    A = D.approximant(f, d=2, n=1, eps=0.3, bits=4)
    L = error_lipschitz(A)
    rng = np.random.default_rng(5)
    X = rng.uniform(0, 1, (3000, 2))
    Y = np.clip(X + rng.uniform(-1e-3, 1e-3, X.shape), 0, 1)
    vx, ex = A.evaluate(X)
    vy, ey = A.evaluate(Y)
    lhs = np.abs((f(X) - vx) - (f(Y) - vy)) - ex - ey
    assert np.all(lhs <= L * np.abs(X - Y).sum(axis=1) + 1e-12)
    c = certify_grid(A.evaluate, f, [(0, 1), (0, 1)], 2 * L, 8)
    assert c.lower_bound <= c.certified_error <= A.promised_error <= 0.3


def test_approximant_weights_over_bound_bounded():
    ratios = []
    for k in range(1, 5):
        A = D.approximant(F1, d=1, n=2, eps=10.0 ** -k, levels=2)
        ratios.append(A.n_weights / B.nonlinear_weights_bound(10.0 ** -k, 1, 2, 2))
    print("approximant d=1 n=2 levels=2 measured/bound:", [round(r, 2) for r in ratios])
    assert max(ratios) <= ratios[0] * 1.01


@pytest.mark.parametrize("kw,msg", [
    (dict(eps=0.0), "eps"), (dict(eps=1.0), "eps"), (dict(d=4), "d must"), (dict(n=0), "n must"),
    (dict(levels=1), "levels"), (dict(bits=1), "bits"), (dict(sharing="x"), "sharing"),
])
def test_approximant_bad_arguments(kw, msg):
    args = dict(f=F1, d=1, n=1, eps=0.2, levels=2)
    if "bits" in kw:
        args.pop("levels")
    args.update(kw)
    with pytest.raises(ValueError, match=msg):
        D.approximant(**args)


def test_target_outside_unit_ball_is_rejected():
    with pytest.raises(ValueError, match="unit ball"):
        D.check_unit_ball(parse_expr("sin(3*x)"), 1, 2)
    with pytest.raises(ValueError, match="unit ball"):
        D.approximant(parse_expr("2*x"), d=1, n=1, eps=0.2, levels=2)
    assert D.check_unit_ball(F1, 1, 3) <= 1


def test_fd_derivative_error_bound_holds():
    f = parse_expr("0.3*sin(x1) * cos(x2)", dim=2)
    for pt in ((0.0, 0.0), (0.5, 1.0), (1.0, 0.25)):
        for alpha, exact in (((1, 0), 0.3 * np.cos(pt[0]) * np.cos(pt[1])),
                             ((1, 1), -0.3 * np.cos(pt[0]) * np.sin(pt[1])),
                             ((0, 2), -0.3 * np.sin(pt[0]) * np.cos(pt[1]))):
            v, err = D.fd_derivative(f, pt, alpha, 2)
            assert abs(v - exact) <= err


# ------------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------------
def test_cli_ding_json(capsys):
    from relubits.cli import main

    rc = main(["ding", "--target", "0.1*sin(2*x)", "--dim", "1", "--smoothness", "2", "--eps", "0.01",
               "--levels", "2", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    for k in ("certified_error", "n_weights", "memory_bits", "depth", "levels_or_bits", "bound_weights", "bound_memory"):
        assert k in out
    assert out["certified_error"] <= out["promised_error"] <= 0.01 and out["certified_within_eps"] is True
    assert out["memory_bits"] == out["n_weights"] * 1 + WeightSet.levels(2).codebook_bits


@pytest.mark.parametrize("argv,msg", [
    (["--eps", "0", "--levels", "2"], "--eps"),
    (["--eps", "0.1", "--levels", "1"], "--levels"),
    (["--eps", "0.1", "--bits", "70"], "--bits"),
    (["--eps", "0.1", "--levels", "2", "--dim", "5"], "--dim"),
    (["--eps", "0.1", "--levels", "2", "--smoothness", "4"], "--smoothness"),
    (["--eps", "0.1", "--levels", "2", "--grid-exp", "5"], "--grid-exp applies only to --certify grid"),
    (["--eps", "0.1", "--levels", "2", "--grid-exp", "5", "--certify", "structural"], "--grid-exp"),
])
def test_cli_ding_errors(capsys, argv, msg):
    from relubits.cli import main

    rc = main(["ding", "--target", "0.1*x"] + argv)
    assert rc == 2
    assert msg in capsys.readouterr().err


def test_cli_ding_grid_exp_with_grid_certificate(capsys):
    import json

    from relubits.cli import main

    assert main(["ding", "--target", "0.1*x", "--eps", "0.1", "--levels", "2", "--certify", "grid", "--grid-exp", "5",
                 "--json"]) in (0, None)
    out = json.loads(capsys.readouterr().out)
    assert out["grid_points"] == 2**5 + 1 and out["method"] == out["certification"] and out["method"].startswith("grid 2^-5")


def test_cli_ding_rejects_rough_target(capsys):
    from relubits.cli import main

    assert main(["ding", "--target", "sin(5*x)", "--eps", "0.1", "--levels", "2"]) == 2
    assert "unit ball" in capsys.readouterr().err


def test_sweep_functions_small():
    from relubits.experiments import ding_sweep as S

    rows = S.approximant_rows(eps_list=(0.1, 0.01), levels=(2,), bits=(4,))
    assert len(rows) == 4 and all(r["n_weights"] > 0 and r["memory_bits"] >= r["n_weights"] for r in rows)
    wc = S.memory_vs_width(eps=0.05, lam_max=4, sharing="shared")
    assert wc["measured_optimal_levels"] in (2, 3, 4) and wc["bound_optimal_levels"] in (2, 3, 4)


@pytest.mark.slow
def test_cli_ding_sweep_quick(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from relubits.cli import main

    out = tmp_path / "sweep.png"
    rc = main(["ding-sweep", "--quick", "--out", str(out), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and out.stat().st_size > 1000
    assert data["bound_optimal_levels"] >= 2 and data["measured_optimal_levels"] >= 2
    assert all(r["ratio"] > 0 for r in data["rows"])
