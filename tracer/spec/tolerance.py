"""When a student's number counts as right: tolerance rules and how a written number is judged.

A rule is one of

- ``sig_figs: n``: right when within half a unit of the n-th significant figure;
- ``decimals: d``: within half a unit of the d-th decimal place;
- ``rel: r``: within r × |expected|;
- ``abs: e``: within e;

with two options: ``last_digit: true`` lets the last digit judged be off by one (one more
unit of that place), and ``fewer_digits: judge | wrong`` says what to do with a number
written with fewer digits than the rule asks for: judge it by the digits written (the
default; the feedback says so) or count it wrong.

The unit of a place is taken from the student's number as written: 0.1000 judged to four
significant figures is right for 0.09996, as rounding 0.09996 to four figures gives 0.1000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from tracer.errors import TracerError
from tracer.spec.reading import kind

RULES = ("sig_figs", "decimals", "rel", "abs")
KEYS = (*RULES, "last_digit", "fewer_digits")
FEWER = ("judge", "wrong")
_DECIMAL = re.compile(r"^[+-]?(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?$")


@dataclass(frozen=True)
class Written:
    """The digits of a number as the student wrote it (None: a fraction or an integer-valued
    text whose precision is not written, judged as exact)."""

    sig_figs: int | None  # significant figures written
    last_place: int | None  # the power of ten of the last digit written (−3 for 0.123)


def written(text: str) -> Written:
    """The written precision of ``text``: ``0.0450`` has 3 significant figures, last place −4."""
    m = _DECIMAL.match(text.strip().replace("−", "-"))
    if m is None or not (m.group("int") or m.group("frac")):
        return Written(None, None)
    whole, frac, exp = m.group("int") or "", m.group("frac") or "", int(m.group("exp") or 0)
    digits = (whole + frac).lstrip("0")
    if not frac and "." not in text:
        digits = digits.rstrip("0")  # 1200 has two significant figures, as usually read
        last = len(whole) - len(whole.rstrip("0")) if digits else 0
    else:
        last = -len(frac)
    return Written(len(digits) if digits else None, last + exp)


@dataclass(frozen=True)
class Tolerance:
    rule: str = "sig_figs"
    amount: sp.Rational = sp.Integer(4)
    last_digit: bool = True
    fewer_digits: str = "judge"
    source: str = "default"  # where the rule came from: default, spec, answers, command line

    def describe(self) -> dict:
        """The rule as data (JSON output, templates)."""
        amount = int(self.amount) if self.rule in ("sig_figs", "decimals") else float(self.amount)
        return {
            "rule": self.rule,
            "amount": amount,
            "last_digit": self.last_digit,
            "fewer_digits": self.fewer_digits,
            "source": self.source,
        }

    def judge(self, text: str, value: sp.Expr, expected: sp.Expr) -> tuple[bool, str | None]:
        """(right?, why judged more loosely than the rule) for a value written as ``text``."""
        diff = abs(sp.Float(value, 60) - sp.Float(expected, 60))
        if diff == 0:
            return True, None
        w = written(text)
        bound, note = self._bound(w, value, expected)
        if note is not None and self.fewer_digits == "wrong":
            return False, "fewer"
        return bool(diff <= bound * (1 + sp.Rational(1, 10**30))), note

    def _bound(self, w: Written, value: sp.Expr, expected: sp.Expr) -> tuple[sp.Expr, str | None]:
        slack = sp.Rational(3, 2) if self.last_digit else sp.Rational(1, 2)
        place: int | None = None
        if self.rule == "sig_figs" and w.sig_figs is not None and w.last_place is not None:
            lead = w.last_place + w.sig_figs - 1  # the power of ten of the first significant digit
            place = lead - int(self.amount) + 1
        elif self.rule == "decimals":
            place = -int(self.amount)
        elif self.rule == "rel":
            bound = self.amount * abs(sp.Float(expected, 60))
        else:
            bound = self.amount if self.rule == "abs" else sp.Integer(0)
        if place is not None:
            bound = slack * sp.Integer(10) ** place
        # Fewer digits written than the rule asks for: judged at the last digit written.
        if w.last_place is not None and w.last_place > (place if place is not None else -(10**6)):
            coarse = slack * sp.Integer(10) ** w.last_place
            if self.rule in ("rel", "abs") and coarse <= bound:
                return bound, None
            return coarse, "fewer"
        if place is None and self.rule == "sig_figs":  # a fraction: the n-th figure of the expected value
            size = abs(sp.Float(expected, 60))
            lead = int(sp.floor(sp.log(size, 10))) if size != 0 else 0
            return slack * sp.Integer(10) ** (lead - int(self.amount) + 1), None
        return bound, None


def read(value: object, where: str, source: str, line: int | None = None) -> Tolerance:
    """A tolerance from a mapping such as ``{sig_figs: 4, last_digit: true}``."""
    try:
        return _read(value, where, source)
    except TracerError as err:
        raise TracerError(err.problem, err.where, line) from None


def _read(value: object, where: str, source: str) -> Tolerance:
    if not isinstance(value, dict):
        raise TracerError(f"expected a mapping such as {{sig_figs: 4}}, got {kind(value)}", where)
    unknown = [k for k in value if k not in KEYS]
    if unknown:
        raise TracerError(f"unknown key {unknown[0]!r}; allowed keys: {', '.join(KEYS)}", where)
    rules = [k for k in value if k in RULES]
    if len(rules) != 1:
        raise TracerError(f"expected exactly one of {', '.join(RULES)}, got {len(rules)}", where)
    rule = rules[0]
    amount = _amount(rule, value[rule], f"{where}.{rule}")
    last = value.get("last_digit", True)
    if not isinstance(last, bool):
        raise TracerError(f"expected true or false, got {kind(last)}", f"{where}.last_digit")
    fewer = value.get("fewer_digits", "judge")
    if fewer not in FEWER:
        raise TracerError(f"expected one of {', '.join(FEWER)}, got {kind(fewer)}", f"{where}.fewer_digits")
    return Tolerance(rule, amount, last, str(fewer), source)


def _amount(rule: str, value: object, where: str) -> sp.Rational:
    if rule in ("sig_figs", "decimals"):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 30:
            raise TracerError(f"expected a whole number from 1 to 30, got {kind(value)}", where)
        return sp.Integer(value)
    text = str(value).strip() if not isinstance(value, bool) else ""
    if not re.fullmatch(r"\d*\.?\d+(?:[eE][+-]?\d+)?", text) or not 0 < float(text) < 1e6:
        raise TracerError(f"expected a positive number such as 1e-4, got {kind(value)}", where)
    return sp.Rational(text)


def parse_option(text: str) -> Tolerance:
    """A tolerance from the command line: ``sig_figs=4``, ``rel=1e-4``, ``decimals=3,last_digit=false``."""
    pairs: dict[str, object] = {}
    for part in text.split(","):
        name, sep, raw = part.partition("=")
        if not sep:
            raise TracerError(f"expected NAME=VALUE pairs such as sig_figs=4, got {part!r}", "--tolerance")
        name = name.strip()
        raw = raw.strip()
        parsed: object = raw
        if raw.lower() in ("true", "false"):
            parsed = raw.lower() == "true"
        elif raw.isdigit() and name in ("sig_figs", "decimals"):
            parsed = int(raw)
        pairs[name] = parsed
    return read(pairs, "--tolerance", "command line")


DEFAULT = Tolerance()
