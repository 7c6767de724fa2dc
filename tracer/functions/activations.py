"""Activation functions: name → SymPy expression in ``z``. Adding one is one entry.

Derivatives are never typed in: :func:`rule` differentiates the expression with
``sympy.diff`` once per activation and, where the entry gives the inverse function,
rewrites the result in terms of the unit's own output ``a`` (σ′ = a(1 − a)), checking
symbolically that both forms agree.

Conventions at a kink (where f is not differentiable), the left piece's slope: relu′(0) = 0,
leaky_relu′(0) = α (its slope). softmax couples the units of its layer: its entry writes one
unit, e^z/(e^z + R) with R the sum over the layer's other units; :mod:`tracer.functions.softmax`
derives the whole Jacobian from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import mpmath
import sympy as sp
from sympy.codegen.cfunctions import log1p

from tracer.errors import lookup
from tracer.functions.algebra import compile_exact, tidy

Z = sp.Symbol("z", real=True)
A = sp.Symbol("a", real=True)
SLOPE = sp.Symbol("alpha", positive=True)  # leaky_relu's slope, a constant set per layer
REST = sp.Symbol("R", positive=True)  # softmax: Σ e^{z_i} over the other units of the layer


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
    parameter: sp.Symbol | None = None  # a per-layer constant in expr (leaky_relu's slope) ...
    default: sp.Rational | None = None  # ... its value when the spec gives none
    setting: sp.Rational | None = None  # the value it was bound to (see bind)
    derivative_as: str | None = None  # f′ is this registry activation of z (softplus′ = σ)
    stable: sp.Expr | None = None  # an equal expression that keeps its digits for large |z|
    coupled: bool = False  # a unit's output depends on the whole layer (softmax)

    def shown(self, z: sp.Expr) -> sp.Expr:
        """f applied to ``z`` as a formula a reader recognises."""
        return (self.display if self.display is not None else self.expr).xreplace({Z: z})

    def bind(self, value: sp.Rational | None = None) -> Activation:
        """The entry with its per-layer constant set (``value``, or the default)."""
        if self.parameter is None:
            return self
        value = self.default if value is None else sp.Rational(value)
        sub = {self.parameter: value}
        return replace(
            self,
            expr=self.expr.xreplace(sub),
            display=None if self.display is None else self.display.xreplace(sub),
            stable=None if self.stable is None else self.stable.xreplace(sub),
            parameter=None,
            setting=value,
        )


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
    Activation(
        "leaky_relu",
        r"\operatorname{LeakyReLU}",
        sp.Piecewise((SLOPE * Z, Z <= 0), (Z, True)),
        "leaky ReLU max(αz, z) with slope α (0 < α < 1, default 0.01); its derivative at z = 0 "
        "is taken as α (the left piece, as for ReLU)",
        exact=True,
        display=sp.Max(SLOPE * Z, Z),
        kinks=(0,),
        parameter=SLOPE,
        default=sp.Rational(1, 100),
    ),
    Activation(
        "softplus",
        r"\operatorname{softplus}",
        sp.log(1 + sp.exp(Z)),
        "softplus ln(1 + e^z), a smooth ReLU; its derivative is the sigmoid σ(z)",
        derivative_as="sigmoid",
        # ln(1 + e^z) = z + ln(1 + e^(-z)): no digit is lost to 1 + e^(±800) rounding to e^800 or 1
        stable=sp.Piecewise((log1p(sp.exp(Z)), Z <= 0), (Z + log1p(sp.exp(-Z)), True)),
    ),
    Activation("linear", r"\operatorname{id}", Z, "identity (no activation)", exact=True),
    Activation(
        "softmax",
        r"\operatorname{softmax}",
        sp.exp(Z) / (sp.exp(Z) + REST),
        "normalised exponentials e^(z_k) / Σ_i e^(z_i) over the layer (output layer only)",
        inverse=sp.log(A * REST / (1 - A)),
        output_range=(0, 1),
        coupled=True,
    ),
)

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in _ENTRIES}


def get(name: str, where: str = "activation") -> Activation:
    """The registry entry, or a TracerError listing the allowed names."""
    return lookup(ACTIVATIONS, name, "activation", where)


#: Ends of what a unit's output can reach (None: unbounded), for those not bounded on both sides.
_HALF_BOUNDED = {"relu": (0, None), "softplus": (0, None)}


def reach(act: Activation) -> tuple[object, object]:
    """(lowest, highest) value the output of ``act`` can take or approach; None where unbounded
    or unknown (a custom formula)."""
    if act.output_range is not None:
        return act.output_range
    return _HALF_BOUNDED.get(act.name, (None, None))


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
    """The local derivative of one activation, derived by SymPy.

    For softmax this is ∂a_k/∂z_k alone (the other units' R held fixed): the diagonal of
    its Jacobian, which :mod:`tracer.functions.softmax` derives whole.
    """

    activation: Activation
    dz: sp.Expr  # f'(z) exactly as sympy.diff returns it
    da: sp.Expr | None  # the same derivative written in terms of a = f(z), when possible
    f: Callable  # numeric f(z) on SymPy numbers
    df: Callable  # numeric f'(z, a) on SymPy numbers (uses the a-form when there is one)
    named: sp.Expr | None = None  # f'(z) as another activation of z, e.g. σ(z), when equal

    @property
    def in_terms_of_a(self) -> bool:
        return self.da is not None


def rule(which: str | Activation) -> Rule:
    """The derivative of an activation: a registry name, or an entry from
    :meth:`Activation.bind` (a layer's). By name, a per-layer constant such as leaky_relu's
    slope stays a symbol: the derivative is exact, its numeric forms need a bound entry."""
    return _rule(get(which) if isinstance(which, str) else which)


def layer_rule(act: Activation) -> Rule:
    """The rule of a layer's activation: by name unless a constant was set (one per name) or
    the activation is the spec's own (a custom formula)."""
    return rule(act.name if act.setting is None and act.name in ACTIVATIONS else act)


def custom(name: str, expr: sp.Expr, text: str) -> Activation:
    """An activation defined by a spec's formula in z (parsed safely by :mod:`tracer.spec.formula`)."""
    return Activation(name, latex_name(name), expr, text)  # the description is the formula as written


def latex_name(name: str) -> str:
    """How an activation is written in formulas: the registry's symbol, else its name upright."""
    if name in ACTIVATIONS:
        return ACTIVATIONS[name].latex
    return r"\operatorname{" + name.replace("_", r"\_") + "}"


@cache
def _rule(act: Activation) -> Rule:
    """Differentiate ``act`` once and compile its numeric forms."""
    dz = sp.diff(act.expr, Z)
    da = _in_terms_of_a(act, dz)
    f = compile_exact(Z, act.expr) if act.stable is None else _stable(act.stable)
    if not act.exact:
        f = _numeric(f)
    named = _named(act, dz)
    if da is not None:
        g = compile_exact(A, da) if act.exact else _numeric(compile_exact(A, da))

        def df(z: sp.Expr, a: sp.Expr) -> sp.Expr:
            return g(a)
    else:
        h = compile_exact(Z, dz if named is None else get(act.derivative_as).expr)
        h = h if act.exact else _numeric(h)

        def df(z: sp.Expr, a: sp.Expr) -> sp.Expr:
            return h(z)

    return Rule(act, dz, da, f, df, named)


def _numeric(g: Callable) -> Callable:
    """``g`` with its value evaluated to a number, at the precision of its Float argument.

    SymPy turns 2·0.0 + 2 into the exact 2, so a formula of a 50-digit zero could come out as
    tanh(2), and pi stays a symbol: left so, the value reached code that expects a number.
    """

    def evaluated(x: sp.Expr) -> sp.Expr:
        value = sp.sympify(g(x))
        if value.is_Number:
            return value
        digits = mpmath.libmp.prec_to_dps(x._prec) if isinstance(x, sp.Float) else 50
        return value.evalf(digits)

    return evaluated


def _stable(expr: sp.Expr) -> Callable:
    """f on a SymPy Float, computed by mpmath at the Float's own precision."""
    g = sp.lambdify(Z, expr, modules="mpmath")

    def f(z: sp.Expr) -> sp.Expr:
        z = z if z.is_Float else sp.Float(z, 50)
        with mpmath.workprec(z._prec):
            return sp.Float(g(mpmath.mpf(z._mpf_)), precision=z._prec)

    return f


def _named(act: Activation, dz: sp.Expr) -> sp.Expr | None:
    """σ(z) for softplus′: the derivative as another activation, the equality proved by SymPy."""
    if act.derivative_as is None:
        return None
    other = get(act.derivative_as)
    if sp.simplify(dz - other.expr) != 0:  # pragma: no cover - a bug guard
        raise AssertionError(f"the derivative of {act.name} is not {other.name}")
    return sp.Function(f"act_{other.name}")(Z)


def _in_terms_of_a(act: Activation, dz: sp.Expr) -> sp.Expr | None:
    if not dz.has(Z) or act.derivative_as is not None:
        return None  # a constant derivative needs no rewriting; a named one is shown as named
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
