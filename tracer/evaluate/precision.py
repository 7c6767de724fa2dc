"""How numbers are carried from step to step: exactly, or rounded the way a student would.

The derivation's own values (:mod:`tracer.evaluate.exact`) are exact rationals or 50-digit
floats. Two other views of the first iteration are built here from the same steps:

- :func:`exact_values`: every value as an exact SymPy expression (``1/(1 + e^{-101/200})``)
  while it stays small, for ``--exact``;
- :func:`carried_values`: every value recomputed from the *rounded* values of the steps
  before it, then rounded itself, for ``--carry-rounded`` (how textbooks compute).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from tracer.derive.steps import Step
from tracer.evaluate.exact import DPS
from tracer.numbers import rounded

MAX_OPS = 40  # an exact value with more operations than this is not carried on


def _given(values: dict[str, sp.Expr], steps: Iterable[Step]) -> dict[str, sp.Expr]:
    """The values no step computes: parameters, inputs, targets, the learning rate."""
    computed = {s.key for s in steps}
    return {k: v for k, v in values.items() if k not in computed and "/" not in k and not k.endswith("+")}


def _substitute(form: sp.Expr, values: dict[str, sp.Expr]) -> sp.Expr | None:
    mapping = {}
    for sym in form.free_symbols:
        if sym.name not in values or values[sym.name] is None:
            return None
        mapping[sym] = values[sym.name]
    return sp.sympify(form.xreplace(mapping).doit())


def exact_values(steps: tuple[Step, ...], values: dict[str, sp.Expr]) -> dict[str, sp.Expr | None]:
    """Each step's value as an exact expression, or None once it grows past :data:`MAX_OPS`."""
    out: dict[str, sp.Expr | None] = dict(_given(values, steps))
    for s in steps:
        value = _substitute(s.forms[-1], out)
        if value is not None and (sp.count_ops(value) > MAX_OPS or not value.is_finite):
            value = None
        out[s.key] = value
    return out


@dataclass(frozen=True)
class Carried:
    values: dict[str, sp.Expr]  # every value as written down: rounded to the displayed digits
    approximate: frozenset[str]  # keys whose value had to be rounded
    full: dict[str, sp.Expr]  # the full-precision value where the written-down one differs


def written_down(value: sp.Expr, digits: int) -> sp.Rational:
    """``value`` as a student writes it: rounded to ``digits`` significant digits, then exact."""
    fraction = Fraction(rounded(value, digits)[0])
    return sp.Rational(fraction.numerator, fraction.denominator)


def carried_values(steps: tuple[Step, ...], values: dict[str, sp.Expr], digits: int) -> Carried:
    """Recompute every step from the rounded values before it, rounding each result."""
    out: dict[str, sp.Expr] = dict(_given(values, steps))
    approximate: set[str] = set()
    full: dict[str, sp.Expr] = {}
    for s in steps:
        value = _substitute(s.forms[-1], out)
        assert value is not None, s.key  # every step uses only given or earlier values
        if not value.is_Rational:
            value = value.evalf(DPS)
        shown, exact = rounded(value, digits)
        written = written_down(value, digits)
        if not exact:
            approximate.add(s.key)
        out[s.key] = written
        if rounded(values[s.key], digits)[0] != shown:
            full[s.key] = values[s.key]
    return Carried(out, frozenset(approximate), full)
