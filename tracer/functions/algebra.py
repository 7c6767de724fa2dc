"""Small symbolic helpers: choose the most readable of several equal forms."""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp
from sympy.printing.pycode import SymPyPrinter


def tidy(expr: sp.Expr) -> sp.Expr:
    """An equal expression that reads like a textbook: factored, with few minus signs.

    ``-2*(-a + y)`` becomes ``2*(a - y)`` and ``(y - a)/(a*(a - 1))`` becomes
    ``(a - y)/(a*(1 - a))``. The result is checked to equal ``expr``.
    """
    factored = sp.factor(expr)
    candidates = [_absorb_signs(factored), expr, sp.simplify(expr), factored]
    best = min(candidates, key=_reading_cost)
    if sp.simplify(best.doit() - expr) != 0:  # pragma: no cover - a bug guard
        return expr
    return best


def _reading_cost(expr: sp.Expr) -> tuple[int, int, int]:
    text = sp.latex(expr, order="none")
    minus = text.count("-") + text.count("(-") + text.count("{-")
    return minus, len(sp.Add.make_args(expr)), len(text)


def _absorb_signs(expr: sp.Expr) -> sp.Expr:
    """Flip factors such as ``(-a + y)`` to ``(a - y)`` and fold the signs together."""
    sign = 1
    num: list[sp.Expr] = []
    den: list[sp.Expr] = []
    for factor in sp.Mul.make_args(expr):
        if factor.is_Number and factor.is_negative:
            sign, factor = -sign, -factor
        base, exp = factor.as_base_exp()
        if isinstance(base, sp.Add) and exp.is_integer and _leads_negative(base):
            base = sp.expand(-base)
            sign *= (-1) ** int(exp)
        if exp.is_negative:
            den.append(base if exp == -1 else sp.Pow(base, -exp, evaluate=False))
        elif factor.is_Number:
            num.append(factor)
        else:
            num.append(base if exp == 1 else sp.Pow(base, exp, evaluate=False))
    if sign < 0:  # absorb a leftover minus by turning one (a - 1) into (1 - a)
        for side in (den, num):
            for i, factor in enumerate(side):
                if isinstance(factor, sp.Add):
                    side[i] = sp.expand(-factor)
                    sign = 1
                    break
            if sign > 0:
                break
    top = sp.Mul(*num, evaluate=False) if len(num) > 1 else (num[0] if num else sp.Integer(1))
    if den:
        bottom = sp.Mul(*den, evaluate=False) if len(den) > 1 else den[0]
        top = sp.Mul(top, sp.Pow(bottom, -1, evaluate=False), evaluate=False)
    return top if sign > 0 else sp.Mul(-1, top, evaluate=False)


def _leads_negative(expr: sp.Add) -> bool:
    """True when most terms carry a minus sign, or half do and the first symbol's does.

    ``-a - 1`` and ``-a + y`` lead negative (they read better as ``a + 1``, ``a - y``);
    ``a - 1`` and ``y - a`` do not... except that ``y - a`` is ``-(a - y)``: ties are
    settled by the alphabetically first symbol, so ``a`` keeps a plus sign.
    """
    negative = sum(1 for t in expr.args if t.could_extract_minus_sign())
    if negative * 2 != len(expr.args):
        return negative * 2 > len(expr.args)
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    if not symbols:
        return False
    first = symbols[0]
    return any(t.has(first) and t.could_extract_minus_sign() for t in expr.args)


class _ExactPrinter(SymPyPrinter):
    """Python code that keeps rationals exact: ½ becomes Rational(1, 2), never 1/2 == 0.5."""

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"Rational({expr.p}, {expr.q})"

    def _print_Half(self, expr: sp.Rational) -> str:
        return "Rational(1, 2)"

    def _print_NumberSymbol(self, expr: sp.NumberSymbol) -> str:
        # the base printer writes pi and e as 17-digit floats: 50-digit values lost digits past the 17th
        return f"sympy.S.{type(expr).__name__}"

    _print_Pi = _print_Exp1 = _print_NumberSymbol


def compile_exact(args: tuple[sp.Symbol, ...] | sp.Symbol, expr: sp.Expr) -> Callable:
    """A function evaluating ``expr`` on SymPy numbers with no float anywhere in between."""
    return sp.lambdify(
        args, expr, modules=[{"Rational": sp.Rational, "sympy": sp}, "sympy"], printer=_ExactPrinter
    )
