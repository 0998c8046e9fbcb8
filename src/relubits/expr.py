"""Safe formulas for targets on the command line: ``"sin(3*x)/3"``, ``"abs(x - 0.5)"``.

:func:`parse_expr` parses a formula with Python's :mod:`ast` and accepts only a
whitelist: numbers, the variables (``x`` for one input; ``x1 .. xd`` -- or ``x, y, z``
-- for several), the constants ``pi`` and ``e``, the operators ``+ - * / **`` and
unary minus, and the NumPy functions listed in :data:`FUNCTIONS`.  Nothing is ever
passed to ``eval``; the result is a closure tree evaluated with NumPy.  Formulas are
limited to 2000 characters and nesting depth 60.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["parse_expr", "Expr", "FUNCTIONS"]

#: Whitelisted functions (name -> number of arguments, NumPy implementation).
FUNCTIONS: dict[str, tuple[int, Callable]] = {
    "sin": (1, np.sin), "cos": (1, np.cos), "tan": (1, np.tan),
    "arcsin": (1, np.arcsin), "arccos": (1, np.arccos), "arctan": (1, np.arctan),
    "asin": (1, np.arcsin), "acos": (1, np.arccos), "atan": (1, np.arctan),
    "sinh": (1, np.sinh), "cosh": (1, np.cosh), "tanh": (1, np.tanh),
    "exp": (1, np.exp), "log": (1, np.log), "log2": (1, np.log2), "log10": (1, np.log10),
    "log1p": (1, np.log1p), "expm1": (1, np.expm1),
    "sqrt": (1, np.sqrt), "cbrt": (1, np.cbrt), "abs": (1, np.abs), "sign": (1, np.sign),
    "floor": (1, np.floor), "ceil": (1, np.ceil),
    "relu": (1, lambda a: np.maximum(a, 0.0)),
    "min": (2, np.minimum), "max": (2, np.maximum), "minimum": (2, np.minimum), "maximum": (2, np.maximum),
    "arctan2": (2, np.arctan2), "hypot": (2, np.hypot),
}
CONSTANTS = {"pi": np.pi, "e": np.e}
MAX_LENGTH = 2000
MAX_DEPTH = 60

_BINOPS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide, ast.Pow: np.power}


@dataclass(frozen=True)
class Expr:
    """A parsed formula: call it with one array per variable (or one (n, d) array).

    Attributes
    ----------
    text : str
        The formula as given.
    variables : tuple of str
        Variable names in argument order.
    """

    text: str
    variables: tuple
    _fn: Callable

    def __call__(self, *args):
        if len(args) == 1 and len(self.variables) > 1:
            X = np.asarray(args[0], dtype=np.float64)
            if X.ndim != 2 or X.shape[1] != len(self.variables):
                raise ValueError(f"expression in {', '.join(self.variables)} needs an array of shape (n, {len(self.variables)})")
            args = tuple(X[:, i] for i in range(X.shape[1]))
        if len(args) != len(self.variables):
            raise ValueError(f"expression takes {len(self.variables)} variables ({', '.join(self.variables)}), got {len(args)}")
        env = {name: np.asarray(a, dtype=np.float64) for name, a in zip(self.variables, args)}
        with np.errstate(all="ignore"):
            out = self._fn(env)
        shape = np.broadcast(*env.values()).shape if env else ()
        return np.broadcast_to(np.asarray(out, dtype=np.float64), shape).copy()


def _variables(dim: int) -> tuple[str, ...]:
    if dim == 1:
        return ("x",)
    return tuple(f"x{i + 1}" for i in range(dim))


def parse_expr(text: str, dim: int = 1, name: str = "target") -> Expr:
    """Parse a whitelisted formula into a vectorised NumPy function.

    Parameters
    ----------
    text : str
        The formula, e.g. ``"sin(2*pi*x)/(2*pi)"``.
    dim : int
        Number of variables: ``x`` when 1; ``x1 .. xd`` (aliases ``x, y, z`` for d <= 3) otherwise.
    name : str
        Parameter name for error messages (e.g. the CLI option).

    Returns
    -------
    Expr

    Raises
    ------
    ValueError
        Syntax errors, names outside the whitelist, wrong argument counts, formulas
        too long or too deeply nested.

    Examples
    --------
    >>> f = parse_expr("abs(x - 0.5)")
    >>> f(np.array([0.0, 1.0])).tolist()
    [0.5, 0.5]
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a string formula")
    if not text.strip():
        raise ValueError(f"{name} must be a non-empty formula in {', '.join(_variables(dim))}")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"{name} is too long ({len(text)} characters; at most {MAX_LENGTH})")
    if not isinstance(dim, int) or isinstance(dim, bool) or not 1 <= dim <= 64:
        raise ValueError(f"dim must be an integer in [1, 64], got {dim!r}")
    variables = _variables(dim)
    aliases = {}
    if 2 <= dim <= 3:
        aliases = dict(zip(("x", "y", "z"), variables))
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"{name} is not a valid formula: {exc.msg}") from None
    except (ValueError, MemoryError, RecursionError):
        raise ValueError(f"{name} is not a valid formula") from None

    def build(node: ast.AST, depth: int) -> Callable:
        if depth > MAX_DEPTH:
            raise ValueError(f"{name} is nested too deeply (more than {MAX_DEPTH} levels)")
        if isinstance(node, ast.Expression):
            return build(node.body, depth + 1)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ValueError(f"{name}: only numeric constants are allowed, got {node.value!r}")
            val = float(node.value)
            return lambda env: val
        if isinstance(node, ast.Name):
            ident = aliases.get(node.id, node.id)
            if ident in variables:
                return lambda env: env[ident]
            if node.id in CONSTANTS:
                val = CONSTANTS[node.id]
                return lambda env: val
            allowed = ", ".join(variables + tuple(aliases) + tuple(CONSTANTS))
            raise ValueError(f"{name}: unknown name {node.id!r} (allowed variables and constants: {allowed})")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            op = _BINOPS[type(node.op)]
            lhs, rhs = build(node.left, depth + 1), build(node.right, depth + 1)
            return lambda env: op(lhs(env), rhs(env))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = build(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return lambda env: np.negative(inner(env))
            return inner
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                fname = node.func.id if isinstance(node.func, ast.Name) else ast.dump(node.func)[:40]
                raise ValueError(f"{name}: function {fname!r} is not allowed (allowed: {', '.join(sorted(FUNCTIONS))})")
            if node.keywords:
                raise ValueError(f"{name}: keyword arguments are not allowed")
            nargs, fn = FUNCTIONS[node.func.id]
            if len(node.args) != nargs:
                raise ValueError(f"{name}: {node.func.id} takes {nargs} argument(s), got {len(node.args)}")
            args = [build(a, depth + 1) for a in node.args]
            if nargs == 1:
                a0 = args[0]
                return lambda env: fn(a0(env))
            a0, a1 = args
            return lambda env: fn(a0(env), a1(env))
        raise ValueError(f"{name}: {type(node).__name__} is not allowed in a formula (use numbers, "
                         f"{', '.join(variables)}, + - * / ** and whitelisted functions)")

    fn = build(tree, 0)
    return Expr(text=text, variables=variables, _fn=fn)
