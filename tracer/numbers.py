"""How a number is written: rounded to significant digits, as text or LaTeX.

Shared by every stage, like :mod:`tracer.notation`: the spec's error messages, the
carried-rounding view of :mod:`tracer.evaluate.precision`, and every report.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

import sympy as sp

DEFAULT_DIGITS = 8


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
    return _rounded(type(value), value, digits)  # the type too: 2 and 2.0 round differently


@lru_cache(maxsize=100_000)
def _rounded(kind: type, value: object, digits: int) -> tuple[Decimal, bool]:
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
    return _cached_parts(type(value), value, digits)


@lru_cache(maxsize=100_000)
def _cached_parts(kind: type, value: object, digits: int) -> tuple[str, int | None]:
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


def _near_one(value: object, digits: int) -> tuple[str, str, sp.Expr] | None:
    """("1" or "-1", the sign before ε, ε) for a value that rounds to ±1 at ``digits`` but is not
    ±1, such as a saturated σ(z) = 1 − e^{−z}: written as 1 − ε, its digits are not all lost."""
    v = sp.sympify(value)
    if not v.is_Float:
        return None
    d, _ = rounded(v, digits)
    if abs(d) != 1:
        return None
    gap = 1 - abs(v)  # at the value's own precision (a saturated unit carries hundreds of digits)
    if gap == 0:
        return None
    one = "1" if v > 0 else "-1"
    return one, "-" if (gap > 0) == (one == "1") else "+", abs(gap)


def number_text(value: object, digits: int = DEFAULT_DIGITS, near_one: bool = False) -> str:
    """Plain text: ``0.62363363``, ``-1.25e-07``; with ``near_one``, ``1 - 5.0759589e-435``
    for a value that rounds to ±1 without being ±1."""
    near = _near_one(value, digits) if near_one else None
    if near is not None:
        one, sign, gap = near
        return f"{one} {sign} {number_text(gap, digits)}"
    mantissa, exponent = _parts(value, digits)
    return mantissa if exponent is None else f"{mantissa}e{exponent:+03d}"


def number_latex(
    value: object, digits: int = DEFAULT_DIGITS, bracket: bool = False, near_one: bool = False
) -> str:
    """LaTeX: ``0.62363363``, ``1.25 \\times 10^{-7}``; ``bracket`` wraps negatives (and a sum);
    ``near_one`` writes a value that rounds to ±1 without being ±1 as ``1 - 5.08 \\times 10^{-435}``
    (the derivation's steps; tables and pictures keep the rounded number)."""
    near = _near_one(value, digits) if near_one else None
    if near is not None:
        one, sign, gap = near
        text = f"{one} {sign} {number_latex(gap, digits)}"
        return rf"\left({text}\right)" if bracket else text
    mantissa, exponent = _parts(value, digits)
    text = mantissa if exponent is None else rf"{mantissa} \times 10^{{{exponent}}}"
    if bracket and (text.startswith("-") or exponent is not None):
        return rf"\left({text}\right)"
    return text


def number_pair(value: object, digits: int = DEFAULT_DIGITS) -> dict[str, str]:
    """Both forms of a number for a table cell: ``{"text": …, "latex": …}`` (the format picks)."""
    return {"text": number_text(value, digits), "latex": number_latex(value, digits)}
