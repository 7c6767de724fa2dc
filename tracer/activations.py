"""Activation functions: name → SymPy expression in ``z``. Adding one is one entry.

Derivatives are never typed in: :func:`rule` differentiates the expression with
``sympy.diff`` once per activation and, where the entry gives the inverse function,
rewrites the result in terms of the unit's own output ``a`` (σ′ = a(1 − a)), checking
symbolically that both forms agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sympy as sp

from tracer.algebra import compile_exact, tidy
from tracer.errors import lookup

Z = sp.Symbol("z", real=True)
A = sp.Symbol("a", real=True)


@dataclass(frozen=True)
class Activation:
    name: str
    latex: str  # how the function is written in formulas, e.g. r"\sigma"
    expr: sp.Expr  # f(z)
    description: str
    exact: bool = False  # True when f maps rationals to rationals (kept exact)
    inverse: sp.Expr | None = None  # z as a function of a, to write f'(z) in terms of a
    output_range: tuple[object, object] | None = None  # open interval of f, if bounded
    display: sp.Expr | None = None  # a shorter way to write f(z) than expr, e.g. max(0, z)
    kinks: tuple[int, ...] = ()  # values of z where f is not differentiable (a convention applies)

    def shown(self, z: sp.Expr) -> sp.Expr:
        """f applied to ``z`` as a formula a reader recognises."""
        return (self.display if self.display is not None else self.expr).xreplace({Z: z})


_ENTRIES = (
    Activation(
        "sigmoid",
        r"\sigma",
        1 / (1 + sp.exp(-Z)),
        "logistic sigmoid 1/(1+e^(-z))",
        inverse=sp.log(A / (1 - A)),
        output_range=(0, 1),
    ),
    Activation("tanh", r"\tanh", sp.tanh(Z), "hyperbolic tangent", output_range=(-1, 1)),
    Activation(
        "relu",
        r"\operatorname{ReLU}",
        sp.Piecewise((0, Z <= 0), (Z, True)),
        "rectified linear unit max(0, z); its derivative at z = 0 is taken as 0",
        exact=True,
        display=sp.Max(0, Z),
        kinks=(0,),
    ),
    Activation("linear", r"\operatorname{id}", Z, "identity (no activation)", exact=True),
)

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in _ENTRIES}


def get(name: str, where: str = "activation") -> Activation:
    """The registry entry, or a TracerError listing the allowed names."""
    return lookup(ACTIVATIONS, name, "activation", where)


def branch(expr: sp.Expr, z: sp.Expr) -> sp.Expr:
    """The piece of a piecewise ``expr`` (in Z) that applies at the number ``z``; else ``expr``."""
    if not isinstance(expr, sp.Piecewise):
        return expr
    for piece, condition in expr.args:
        if bool(condition.xreplace({Z: z})):
            return piece
    raise AssertionError(f"no piece of {expr} applies at z = {z}")  # pragma: no cover


@dataclass(frozen=True)
class Rule:
    """The local derivative of one activation, derived by SymPy."""

    activation: Activation
    dz: sp.Expr  # f'(z) exactly as sympy.diff returns it
    da: sp.Expr | None  # the same derivative written in terms of a = f(z), when possible
    f: Callable  # numeric f(z) on SymPy numbers
    df: Callable  # numeric f'(z, a) on SymPy numbers (uses the a-form when there is one)

    @property
    def in_terms_of_a(self) -> bool:
        return self.da is not None


@cache
def rule(name: str) -> Rule:
    """Differentiate activation ``name`` once and compile its numeric forms."""
    act = get(name)
    dz = sp.diff(act.expr, Z)
    da = _in_terms_of_a(act, dz)
    f = compile_exact(Z, act.expr)
    if da is not None:
        g = compile_exact(A, da)

        def df(z: sp.Expr, a: sp.Expr) -> sp.Expr:
            return g(a)
    else:
        h = compile_exact(Z, dz)

        def df(z: sp.Expr, a: sp.Expr) -> sp.Expr:
            return h(z)

    return Rule(act, dz, da, f, df)


def _in_terms_of_a(act: Activation, dz: sp.Expr) -> sp.Expr | None:
    if not dz.has(Z):
        return None  # a constant derivative needs no rewriting
    direct = dz.subs(act.expr, A)
    candidate = direct if not direct.has(Z) else None
    if candidate is None and act.inverse is not None:
        candidate = sp.simplify(dz.subs(Z, act.inverse))
        if candidate.has(Z):
            candidate = None
    if candidate is None:
        return None
    # Proof obligation: substituting a = f(z) back must give sympy's own derivative.
    if sp.simplify(candidate.subs(A, act.expr) - dz) != 0:
        return None
    return tidy(candidate)
