"""A user's formula in z (a custom activation) parsed safely into a SymPy expression.

The text is parsed by Python's own parser into a syntax tree, and only a whitelist of
nodes is turned into SymPy objects: numbers (read exactly), the variable ``z``, the
constants ``e`` and ``pi``, + − × ÷ and powers, and calls of a fixed list of functions.
Nothing is ever evaluated as Python: no ``eval``, no ``sympify`` of the text, so attribute
access, imports, lambdas, subscripts, keywords and dunder names cannot do anything; they
are refused with a message naming what was found.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

import sympy as sp

from tracer.errors import TracerError
from tracer.functions.activations import ACTIVATIONS, custom
from tracer.spec.limits import MAX_EXPONENT as NUMBER_EXPONENT
from tracer.spec.limits import MAX_NUMBER_CHARS
from tracer.spec.reading import kind
from tracer.spec.source import quoted, shown_path

if TYPE_CHECKING:
    from tracer.functions.activations import Activation
    from tracer.spec.reading import Reader

_NAME = re.compile(r"[a-z][a-z0-9_]{0,19}")

Z = sp.Symbol("z", real=True)
MAX_CHARS = 200
MAX_NODES = 200
MAX_EXPONENT = 100  # a constant exponent larger than this could build an enormous number
LARGEST = sp.Integer(10) ** NUMBER_EXPONENT  # a constant beyond a double's range cannot be computed with

FUNCTIONS: dict[str, object] = {
    "exp": sp.exp,
    "log": sp.log,
    "ln": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "sin": sp.sin,
    "cos": sp.cos,
    "atan": sp.atan,
    "erf": sp.erf,
    "max": sp.Max,
    "min": sp.Min,
}
CONSTANTS = {"z": Z, "e": sp.E, "pi": sp.pi}
_BINARY = {ast.Add: sp.Add, ast.Sub: None, ast.Mult: sp.Mul, ast.Div: None, ast.Pow: sp.Pow}


def read_customs(r: Reader, value: object) -> dict[str, Activation]:
    """The spec's ``activations:`` mapping, name → formula in z, as registry-like entries."""
    if not isinstance(value, dict) or not value:
        raise r.fail(("activations",), f"expected a mapping of names to formulas in z, got {kind(value)}")
    out: dict[str, Activation] = {}
    for name, text in value.items():
        path = ("activations", name)
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise r.fail(
                path, "an activation name is 1 to 20 lower-case letters, digits or _, starting with a letter"
            )
        if name in ACTIVATIONS:
            raise r.fail(path, f"{name} is a built-in activation; choose another name for your formula")
        try:
            expr = parse(text, shown_path(path))
        except TracerError as err:
            raise TracerError(err.problem, err.where, r.doc.line(path)) from None
        out[name] = custom(name, expr, str(text))
    return out


def parse(text: object, where: str = "activation") -> sp.Expr:
    """The SymPy expression of a formula in ``z``; a TracerError says what is not allowed."""
    if not isinstance(text, str):
        raise TracerError('expected a formula in z as text, e.g. "z / (1 + abs(z))"', where)
    if len(text) > MAX_CHARS:
        raise TracerError(f"formula longer than {MAX_CHARS} characters", where)
    for char in text:  # Python's parser fails on these with an error of its own (not a SyntaxError)
        if unicodedata.category(char) == "Cs":
            raise TracerError(f"formula contains U+{ord(char):04X}, half of a surrogate pair", where)
        if char == "\0":
            raise TracerError("formula contains the control character U+0000", where)
    source = text.replace("^", "**")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as err:
        raise TracerError(f"not a formula: {err.msg} at character {err.offset or 0}", where) from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_NODES:
        raise TracerError(f"formula with more than {MAX_NODES} parts", where)
    expr = _Builder(where, source).build(tree.body)
    if not expr.has(Z):
        raise TracerError("the formula does not use z", where)
    for part in _constants(expr):
        _check_constant(part, where)
    return expr


def _constants(expr: sp.Expr) -> Iterator[sp.Expr]:
    """The largest parts of ``expr`` that do not involve z (``log(-1)``, ``1e200*1e200``)."""
    if not expr.has(Z):
        yield expr
        return
    if isinstance(expr, (sp.Add, sp.Mul)):  # SymPy keeps the constant terms or factors together
        constant, rest = expr.as_independent(Z, as_Add=isinstance(expr, sp.Add))
        if constant not in (sp.Integer(0), sp.Integer(1)):
            yield constant
        for arg in rest.args if rest.func is expr.func else (rest,):
            yield from _constants(arg)
        return
    for arg in expr.args:
        yield from _constants(arg)


def _check_constant(part: sp.Expr, where: str) -> None:
    """A constant must be a real number within a double's range: it is computed in float64 too."""
    value = sp.N(part, 20)
    text = str(part)
    shown = quoted(str(sp.N(part, 3)) if part.is_Number and len(text) > 40 else text)  # not 400 digits
    if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan) or not value.is_number:
        raise TracerError(f"the constant {shown} in the formula is not a finite number", where)
    if value.is_real is not True:
        raise TracerError(f"the constant {shown} in the formula is not a real number", where)
    if abs(value) > LARGEST:
        problem = f"the constant {shown} in the formula is out of range (at most 1e{NUMBER_EXPONENT})"
        raise TracerError(problem, where)


class _Builder:
    def __init__(self, where: str, source: str) -> None:
        self.where = where
        self.source = source

    def fail(self, problem: str) -> TracerError:
        allowed = "numbers, z, e, pi, + - * / ** and " + ", ".join(sorted(set(FUNCTIONS)))
        return TracerError(f"{problem} is not allowed in a formula (allowed: {allowed})", self.where)

    def build(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            if node.id not in CONSTANTS:
                raise self.fail(f"the name {node.id!r}")
            return CONSTANTS[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.build(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.fail(_describe(node))

    def number(self, node: ast.Constant) -> sp.Expr:
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise self.fail(f"the constant {node.value!r}")
        written = ast.get_source_segment(self.source, node) or repr(node.value)
        if len(written) > MAX_NUMBER_CHARS:  # the same bounds as a number of the spec (tracer.spec.reading)
            raise TracerError(f"number written with more than {MAX_NUMBER_CHARS} characters", self.where)
        exponent = written.lower().replace("_", "").partition("e")[2] if isinstance(node.value, float) else ""
        if exponent.lstrip("+-").isdigit() and abs(int(exponent)) > NUMBER_EXPONENT:
            raise TracerError(
                f"exponent of {written!r} is out of range (|e| <= {NUMBER_EXPONENT})", self.where
            )
        try:
            return sp.Rational(written.replace("_", ""))
        except (TypeError, ValueError):  # pragma: no cover - Python accepted it as a number
            raise self.fail(f"the number {written!r}") from None

    def binary(self, node: ast.BinOp) -> sp.Expr:
        left, right = self.build(node.left), self.build(node.right)
        op = type(node.op)
        if op is ast.Pow:
            if right.is_Number and abs(right) > MAX_EXPONENT:
                raise TracerError(f"an exponent larger than {MAX_EXPONENT} in a formula", self.where)
            if left.is_Number and not right.has(Z):
                raise TracerError("a power of two constants in a formula: write its value", self.where)
            return sp.Pow(left, right)
        if op is ast.Add:
            return left + right
        if op is ast.Sub:
            return left - right
        if op is ast.Mult:
            return left * right
        if right.is_zero:
            raise TracerError("division by zero in a formula", self.where)
        return left / right

    def call(self, node: ast.Call) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            raise self.fail(_describe(node.func))
        name = node.func.id
        if name not in FUNCTIONS:
            raise self.fail(f"the function {name!r}")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail("a keyword or starred argument")
        args = [self.build(a) for a in node.args]
        wanted = 2 if name in ("max", "min") else 1
        if len(args) != wanted:
            raise TracerError(f"{name}() takes {wanted} argument{'s' if wanted > 1 else ''}", self.where)
        return FUNCTIONS[name](*args)  # type: ignore[operator]


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"attribute access (.{node.attr})"
    if isinstance(node, ast.Lambda):
        return "a lambda"
    if isinstance(node, ast.Subscript):
        return "indexing ([...])"
    if isinstance(node, ast.BinOp):
        return f"the operator {type(node.op).__name__}"
    if isinstance(node, (ast.Compare, ast.BoolOp)):
        return "a comparison or logical operator"
    return f"{type(node).__name__}"
