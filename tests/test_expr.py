import numpy as np
import pytest

from relubits.expr import parse_expr


def test_formulas_evaluate_like_numpy():
    x = np.linspace(-1, 1, 11)
    assert np.allclose(parse_expr("sin(3*x)/3 + abs(x)**2 - max(x, 0.5)")(x), np.sin(3 * x) / 3 + np.abs(x) ** 2 - np.maximum(x, 0.5))
    assert np.allclose(parse_expr("-x + pi*e")(x), -x + np.pi * np.e)
    f2 = parse_expr("x*y + x2", dim=2)
    X = np.random.default_rng(0).random((5, 2))
    assert np.allclose(f2(X), X[:, 0] * X[:, 1] + X[:, 1])
    assert parse_expr("1")(x).shape == x.shape


@pytest.mark.parametrize("text,word", [
    ("__import__('os').system('true')", "not allowed"),
    ("x.real", "Attribute"),
    ("open('f')", "not allowed"),
    ("y", "unknown name"),
    ("lambda: 1", "Lambda"),
    ("[x]", "List"),
    ("sin(x, x)", "argument"),
    ("'a'", "numeric"),
    ("x if x else 1", "IfExp"),
    ("x +", "valid formula"),
    ("", "non-empty"),
    ("sin(" * 100 + "x" + ")" * 100, "nested"),
    ("x" + "+x" * 1500, "too long"),
    ("sin(x=1)", "keyword"),
    ("True", "numeric"),
])
def test_disallowed_formulas(text, word):
    with pytest.raises(ValueError, match=word):
        parse_expr(text)


def test_deep_unary_nesting_is_bounded():
    with pytest.raises(ValueError):
        parse_expr("-" * 500 + "x")
