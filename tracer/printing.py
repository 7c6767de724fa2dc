"""All math text comes from here: one LatexPrinter subclass and the number formatter.

The printer writes a SymPy expression either with symbols (named through
:mod:`tracer.notation`) or, given a value map, with every symbol replaced by its number,
negative numbers in brackets: ``W·(−0.3)``, never ``W·-0.3``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

import sympy as sp
from sympy.printing.latex import LatexPrinter

from tracer import activations, notation

DEFAULT_DIGITS = 8

#: Placeholders in the forms a step shares with others of its kind (:class:`tracer.derive.Template`):
#: each prints as its own marker, which :mod:`tracer.blocks` replaces by the step's own symbol or
#: number. A marker is a command name no LaTeX uses, so it cannot occur anywhere else.
SLOTS = tuple(sp.Symbol(f"slot{k}", real=True) for k in range(4))
SLOT_MARKS = {slot: rf"\tracerslot{chr(ord('a') + k)}" for k, slot in enumerate(SLOTS)}


class TracerPrinter(LatexPrinter):
    """LaTeX in a notation, optionally with numbers substituted for symbols."""

    _tracer_settings = {
        "notation": notation.LAYER,
        "values": None,
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
        self.values: dict | None = merged["values"]
        self.digits: int = digits
        self.fractions: bool = bool(merged["fractions"])
        self.rounded = False  # set when a number had to be rounded for display
        # Each expression's LaTeX and whether a number in it was rounded. A report prints the
        # same sums again and again (a hidden unit's Σ_k δ_k W_kj in every weight's step).
        self._memo: dict[sp.Basic, tuple[str, bool]] = {}

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

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        if expr in SLOT_MARKS:
            return SLOT_MARKS[expr]
        if self.values is not None and expr in self.values:
            return self._number(self.values[expr], bracket=True)
        return self.notation.latex(expr.name)

    def _number(self, value: object, bracket: bool = False) -> str:
        if not rounded(value, self.digits)[1]:
            self.rounded = True
        return number_latex(value, self.digits, bracket=bracket)

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        terms = list(expr.args)
        ordered = [t for t in terms if not t.could_extract_minus_sign()]
        ordered += [t for t in terms if t.could_extract_minus_sign()]
        if ordered == terms:
            return super()._print_Add(expr, order)
        return super()._print_Add(sp.Add(*ordered, evaluate=False), order)

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


def to_latex(
    expr: sp.Expr,
    values: dict | None = None,
    digits: int = DEFAULT_DIGITS,
    names: notation.Notation = notation.LAYER,
) -> str:
    """LaTeX of ``expr``; with ``values``, symbols are shown as their numbers."""
    return TracerPrinter(values=values, digits=digits, notation=names).doprint(expr)


# ----------------------------------------------------------------------------- numbers


def to_decimal(value: object) -> Decimal:
    """A Decimal with at least 50 significant digits of ``value`` (a SymPy number)."""
    v = sp.sympify(value)
    if v.is_Rational:
        ctx = Context(prec=60)
        return ctx.divide(Decimal(int(v.p)), Decimal(int(v.q)))
    if not v.is_Number:
        v = v.evalf(60)
    if not v.is_finite:
        raise ValueError(f"not a finite number: {v}")
    return Decimal(sp.Float(v, 60).__str__()) if v.is_Float else Decimal(str(v))


def exact_decimal(value: sp.Rational, digits: int) -> str | None:
    """The exact decimal text of a rational whose expansion ends within ``digits`` digits."""
    q = int(value.q)
    for p in (2, 5):
        while q % p == 0:
            q //= p
    if q != 1:
        return None
    text = format(Decimal(int(value.p)) / Decimal(int(value.q)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    significant = text.lstrip("-").replace(".", "").lstrip("0")
    return text if len(significant) <= digits else None


def rounded(value: object, digits: int) -> tuple[Decimal, bool]:
    """(value rounded to ``digits`` significant digits, whether that is exact)."""
    v = sp.sympify(value)
    if v.is_Rational:
        text = exact_decimal(v, digits)
        if text is not None:
            return Decimal(text), True
    d = to_decimal(v)
    if d == 0:
        return Decimal(0), bool(v.is_Rational)
    return Context(prec=digits, rounding=ROUND_HALF_UP).plus(d), False


def _parts(value: object, digits: int) -> tuple[str, int | None]:
    """(mantissa text, exponent or None) for display."""
    d, exact = rounded(value, digits)
    if d == 0:
        return "0", None
    adjusted = d.adjusted()
    if -4 <= adjusted < 7:
        text = format(d, "f")
        if exact and "." in text:
            text = text.rstrip("0").rstrip(".")
        return text, None
    mantissa = d.scaleb(-adjusted)
    text = format(mantissa, "f")
    if exact and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text, adjusted


def number_text(value: object, digits: int = DEFAULT_DIGITS) -> str:
    """Plain text: ``0.62363363``, ``-1.25e-07``."""
    mantissa, exponent = _parts(value, digits)
    return mantissa if exponent is None else f"{mantissa}e{exponent:+03d}"


def number_latex(value: object, digits: int = DEFAULT_DIGITS, bracket: bool = False) -> str:
    """LaTeX: ``0.62363363``, ``1.25 \\times 10^{-7}``; ``bracket`` wraps negatives."""
    mantissa, exponent = _parts(value, digits)
    text = mantissa if exponent is None else rf"{mantissa} \times 10^{{{exponent}}}"
    if bracket and (text.startswith("-") or exponent is not None):
        return rf"\left({text}\right)"
    return text


def number_pair(value: object, digits: int = DEFAULT_DIGITS) -> dict[str, str]:
    """Both forms of a number for a table cell: ``{"text": …, "latex": …}`` (the format picks)."""
    return {"text": number_text(value, digits), "latex": number_latex(value, digits)}
