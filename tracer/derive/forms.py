"""Sums and products kept as written, and forms filled in from a template.

SymPy evaluates ``Mul(a, b)`` as it builds it (sorting, collecting); a derivation shows the
chain rule in its own order, so its sums and products are built unevaluated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import sympy as sp

from tracer.notation import symbol

#: Placeholders in the forms a step shares with others of its kind (:class:`tracer.derive.steps.Template`):
#: each prints as its own marker, which :mod:`tracer.report.blocks` replaces by the step's own symbol or
#: number. A marker is a command name no LaTeX uses, so it cannot occur anywhere else.
SLOTS = tuple(sp.Symbol(f"slot{k}", real=True) for k in range(4))


def unevaluated(cls: type[sp.Mul] | type[sp.Add], args: tuple[object, ...]) -> sp.Expr:
    """``cls(*args, evaluate=False)``, built directly: the same object without the constructor's
    checks, which took most of the time of a large derivation (every symbol here commutes)."""
    return cls._from_args(tuple(a if isinstance(a, sp.Basic) else sp.sympify(a) for a in args), True)


def mul(*factors: sp.Expr) -> sp.Expr:
    return unevaluated(sp.Mul, factors)


def add(*terms: sp.Expr) -> sp.Expr:
    return unevaluated(sp.Add, terms) if len(terms) > 1 else terms[0]


class Filled(Sequence[sp.Expr]):
    """The forms of a step made from a template: the template with this step's symbols put in,
    built when first asked for (the report prints the template and fills in the text)."""

    def __init__(self, template: tuple[sp.Expr, ...], fill: tuple[tuple[sp.Symbol, str], ...]) -> None:
        self._template, self._fill = template, fill
        self._forms: tuple[sp.Expr, ...] | None = None

    def _get(self) -> tuple[sp.Expr, ...]:
        if self._forms is None:
            mapping = {slot: symbol(key) for slot, key in self._fill}
            self._forms = tuple(fill_in(form, mapping) for form in self._template)
        return self._forms

    @overload
    def __getitem__(self, i: int) -> sp.Expr: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[sp.Expr, ...]: ...

    def __getitem__(self, i: int | slice) -> sp.Expr | tuple[sp.Expr, ...]:
        return self._get()[i]

    def __len__(self) -> int:
        return len(self._template)


def fill_in(expr: sp.Expr, mapping: dict[sp.Symbol, sp.Symbol]) -> sp.Expr:
    """``expr`` with symbols replaced, every sum and product kept as written (``xreplace``
    would evaluate them again)."""
    if expr in mapping:
        return mapping[expr]
    if not expr.args or not expr.has(*mapping):
        return expr
    args = tuple(fill_in(a, mapping) for a in expr.args)
    if isinstance(expr, (sp.Mul, sp.Add)):
        return unevaluated(type(expr), args)
    return expr.func(*args)  # pragma: no cover - templates put slots in sums and products only
