"""All math text comes from here: one LatexPrinter subclass (numbers are written by :mod:`tracer.numbers`).

The printer writes a SymPy expression either with symbols (named through
:mod:`tracer.notation`) or, given a value map, with every symbol replaced by its number,
negative numbers in brackets: ``W·(−0.3)``, never ``W·-0.3``.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter

from tracer import notation
from tracer.derive.forms import SLOTS
from tracer.functions import activations
from tracer.numbers import DEFAULT_DIGITS, exact_decimal, number_latex, rounded

SLOT_MARKS = {slot: rf"\tracerslot{chr(ord('a') + k)}" for k, slot in enumerate(SLOTS)}


class TracerPrinter(LatexPrinter):
    """LaTeX in a notation, optionally with numbers substituted for symbols."""

    _tracer_settings = {
        "notation": notation.LAYER,
        "values": None,  # symbol (or its name) → number: print the numbers instead
        "digits": DEFAULT_DIGITS,
        "fractions": False,  # print rationals as exact fractions (--exact), not decimals
    }

    def __init__(self, **settings: object) -> None:
        own = {k: settings.pop(k) for k in list(settings) if k in self._tracer_settings}
        unknown = set(own) - set(self._tracer_settings)
        if unknown:  # pragma: no cover - guarded by the comprehension above
            raise TypeError(f"unknown printer settings: {sorted(unknown)}")
        merged = {**self._tracer_settings, **own}
        if not isinstance(merged["notation"], notation.Notation):
            raise ValueError(f"notation must be a tracer.notation.Notation, not {merged['notation']!r}")
        digits = merged["digits"]
        if not isinstance(digits, int) or not 1 <= digits <= 50:
            raise ValueError(f"digits must be an integer from 1 to 50, not {digits!r}")
        settings.setdefault("order", "none")
        settings.setdefault("mul_symbol", "dot")
        super().__init__(settings)
        self.notation: notation.Notation = merged["notation"]
        values = merged["values"]
        # By name: a report's values come keyed by canonical key, tens of thousands of them.
        self.values: dict | None = None if values is None else {_name(k): v for k, v in values.items()}
        self.digits: int = digits
        self.fractions: bool = bool(merged["fractions"])
        self.rounded = False  # set when a number had to be rounded for display
        # Each expression's LaTeX and whether a number in it was rounded. A report prints the
        # same sums again and again (a hidden unit's Σ_k δ_k W_kj in every weight's step).
        self._memo: dict[sp.Basic, tuple[str, bool]] = {}
        self._keys: dict[str, tuple[str, bool]] = {}  # the same for symbols named by key
        self._plain_products = self.order == "none" and (
            self._settings["mul_symbol_latex"] == self._settings["mul_symbol_latex_numbers"]
        )

    def doprint(self, expr: sp.Expr) -> str:
        self.rounded = False
        return super().doprint(expr)

    def _print(self, expr: object, **kwargs: object) -> str:
        if kwargs or not isinstance(expr, sp.Basic):
            return super()._print(expr, **kwargs)
        found = self._memo.get(expr)
        if found is None:
            outer, self.rounded = self.rounded, False
            found = self._memo[expr] = (super()._print(expr), self.rounded)
            self.rounded = outer
        self.rounded |= found[1]
        return found[0]

    def print_key(self, key: str) -> str:
        """What printing the symbol of the canonical ``key`` gives, without making the symbol."""
        found = self._keys.get(key)
        if found is None:
            outer, self.rounded = self.rounded, False
            if self.values is not None and key in self.values:
                text = self._number(self.values[key], bracket=True)
            else:
                text = self.notation.latex(key)
            found = self._keys[key] = (text, self.rounded)
            self.rounded = outer
        self.rounded |= found[1]
        return found[0]

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        """A slot's marker, else what :meth:`print_key` gives for the symbol's key."""
        mark = SLOT_MARKS.get(expr)
        return mark if mark is not None else self.print_key(expr.name)

    def _number(self, value: object, bracket: bool = False) -> str:
        if not rounded(value, self.digits)[1]:
            self.rounded = True
        return number_latex(value, self.digits, bracket=bracket, near_one=True)

    def _print_Mul(self, expr: sp.Mul) -> str:
        # A product of symbols (w·a in every net input) prints as its factors joined by the
        # multiplication sign, as LatexPrinter does with order="none" and one sign for numbers
        # and symbols alike; without its general machinery (signs, fractions, units).
        if self._plain_products and _plain(expr):
            return self._settings["mul_symbol_latex"].join(self._print(a) for a in expr.args)
        return super()._print_Mul(expr)

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        terms = list(expr.args)
        if self._plain_products and all(_plain(t) for t in terms):
            # a net input Σ W·a + b, or a sum over the next layer: each symbol's text (number)
            # once, by name; the same text as the general loop below (a plain term has no sign)
            sign, text = self._settings["mul_symbol_latex"], self._print_Symbol
            return " + ".join(
                text(t) if type(t) is sp.Symbol else sign.join([text(a) for a in t.args]) for t in terms
            )
        minus = [_minus(t) for t in terms]
        ordered = [t for t, m in zip(terms, minus, strict=True) if not m]
        ordered += [t for t, m in zip(terms, minus, strict=True) if m]
        if (order or self.order) != "none":  # pragma: no cover - tracer prints in written order
            return super()._print_Add(sp.Add(*ordered, evaluate=False), order)
        # LatexPrinter's own loop over the terms (positive ones first), with the sign of a plain
        # product of symbols known without negating it
        tex = ""
        for i, term in enumerate(ordered):
            if i == 0:
                pass
            elif _minus(term):
                tex += " - "
                term = -term
            else:
                tex += " + "
            term_tex = self._print(term)
            if not _plain(term) and self._needs_add_brackets(term):
                term_tex = rf"\left({term_tex}\right)"
            tex += term_tex
        return tex

    def _print_Function(self, expr: sp.Function, exp: str | None = None) -> str:
        name = type(expr).__name__
        if name.startswith("act_"):  # σ(z), ReLU(z), a spec's own activation …
            args = ", ".join(self._print(a) for a in expr.args)
            text = rf"{activations.latex_name(name[4:])}\left({args}\right)"
            return f"{text}^{{{exp}}}" if exp else text
        return super()._print_Function(expr, exp)

    def _print_Float(self, expr: sp.Float) -> str:
        return self._number(expr)

    def _print_Rational(self, expr: sp.Rational) -> str:
        if self.fractions and exact_decimal(expr, self.digits) is None:
            return super()._print_Rational(expr)
        if expr.p == 1 and expr.q <= 100:  # coefficients such as 1/2, 1/4 read best as fractions
            return super()._print_Rational(expr)
        return self._number(expr)


def _name(key: object) -> str:
    return key.name if isinstance(key, sp.Symbol) else str(key)


def _plain(expr: sp.Basic) -> bool:
    """A symbol, or a product of symbols: never negative, never bracketed in a sum."""
    return type(expr) is sp.Symbol or (type(expr) is sp.Mul and all(type(a) is sp.Symbol for a in expr.args))


def _minus(term: sp.Basic) -> bool:
    return False if _plain(term) else term.could_extract_minus_sign()


def to_latex(
    expr: sp.Expr,
    values: dict | None = None,
    digits: int = DEFAULT_DIGITS,
    names: notation.Notation = notation.LAYER,
) -> str:
    """LaTeX of ``expr``; with ``values``, symbols are shown as their numbers."""
    return TracerPrinter(values=values, digits=digits, notation=names).doprint(expr)
