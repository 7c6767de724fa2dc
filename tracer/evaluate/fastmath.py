"""The float64 forms of the derived rules, for the fast path's kernels (:mod:`tracer.evaluate.fastpath`).

SymPy derived every activation's f and f′ and every loss term and its ∂/∂a once, in the
registries; here each is compiled with ``lambdify`` to NumPy code that runs at the speed of
plain arithmetic on large arrays, and kept with its SymPy form for the scalar kernel
(:mod:`tracer.evaluate.fastcode`), which prints it as Python.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from tracer.functions import activations, losses

SOFTMAX = "softmax"  # coupled: δ = a ⊙ (g − Σ_k g_k a_k), the Jacobian a_k(δ_kj − a_j) applied to g


class _ArrayPrinter(NumPyPrinter):
    """NumPy code that runs at the speed of plain arithmetic on large arrays.

    ``numpy.where`` and ``numpy.select`` take about 20 times longer than a multiplication
    when the condition changes from element to element (a ReLU layer's signs), so: max and
    min become ``numpy.maximum`` and ``numpy.minimum``; a case split between constants
    (relu′, leaky_relu′) becomes arithmetic on the condition, k₁·c + k₂·¬c, exact for
    finite constants; any other case split a chain of ``numpy.where``, which never
    evaluates a piece where it does not apply into the result (softplus's stable form).
    """

    def _print_erf(self, expr: sp.Expr) -> str:
        return f"_erf({self._print(expr.args[0])})"  # NumPy has no erf: math.erf element by element

    def _print_Max(self, expr: sp.Max) -> str:
        return self._fold("numpy.maximum", expr.args)

    def _print_Min(self, expr: sp.Min) -> str:
        return self._fold("numpy.minimum", expr.args)

    def _fold(self, name: str, args: tuple[sp.Expr, ...]) -> str:
        out = self._print(args[0])
        for arg in args[1:]:
            out = f"{name}({out}, {self._print(arg)})"
        return out

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        pieces = expr.args
        if len(pieces) == 2 and pieces[1].cond == sp.true and all(p.expr.is_Number for p in pieces):
            condition = self._print(pieces[0].cond)
            terms = [
                mask if value == 1 else f"{self._print(value)}*{mask}"
                for value, mask in ((pieces[0].expr, f"({condition})"), (pieces[1].expr, f"(~({condition}))"))
                if value != 0
            ]
            return " + ".join(terms) or "0"
        out = "numpy.nan"
        for piece, condition in reversed(pieces):
            value = self._print(piece)
            out = value if condition == sp.true else f"numpy.where({self._print(condition)}, {value}, {out})"
        return out


_ERF = {"_erf": np.vectorize(math.erf, otypes=[float])}


def _numpy(args: object, expr: sp.Expr) -> Callable:
    return sp.lambdify(args, expr, modules=[_ERF, "numpy"], printer=_ArrayPrinter)


@dataclass(frozen=True)
class LayerMath:
    """One layer's activation, compiled: f(z), its derivative (in a or in z) and their
    SymPy forms (the scalar kernel prints them)."""

    f: sp.Expr | None  # f(z) (its overflow-safe form where the registry has one); None: softmax
    d: sp.Expr | None  # f′, in a when ``uses_a``, else in z; None: softmax
    uses_a: bool
    f_np: Callable
    d_np: Callable | None  # None: the derivative is the constant ``d``
    coupled: bool = False


@cache
def layer_math(act: activations.Activation) -> LayerMath | None:
    """The compiled forms of a layer's bound activation; None when its expression still
    holds a free constant."""
    if act.coupled:
        return LayerMath(None, None, True, _softmax, None, coupled=True) if act.name == SOFTMAX else None
    if act.expr.free_symbols - {activations.Z}:
        return None
    rule = activations.layer_rule(act)
    f = act.stable if act.stable is not None else act.expr
    if rule.da is not None:
        d, uses_a = rule.da, True
    else:
        d = rule.dz if act.derivative_as is None else activations.get(act.derivative_as).expr
        uses_a = False
    constant = not d.free_symbols
    arg = activations.A if uses_a else activations.Z
    f_np = _numpy(activations.Z, _array_form(act, f))
    return LayerMath(f, d, uses_a, f_np, None if constant else _numpy(arg, d))


def _array_form(act: activations.Activation, f: sp.Expr) -> sp.Expr:
    """f for arrays: the registry's max form (relu = max(0, z)) where SymPy proves it equal to
    the case split, one pass of ``numpy.maximum`` instead of a ``where``."""
    shown = act.display
    if shown is not None and shown.has(sp.Max, sp.Min) and sp.simplify(shown.rewrite(sp.Piecewise) - f) == 0:
        return shown
    return f


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))  # the largest exponent is 0: no overflow
    return e / e.sum(axis=1, keepdims=True)


@cache
def loss_functions(name: str) -> tuple[Callable, Callable]:
    """The loss term and its ∂/∂a, of targets and outputs, compiled to NumPy."""
    rule = losses.rule(name)
    return _numpy((losses.Y, losses.A), rule.loss.term), _numpy((losses.Y, losses.A), rule.da)
