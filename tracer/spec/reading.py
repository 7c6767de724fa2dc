"""Reading parsed YAML/JSON values: numbers (exactly), lists of a given length, whole
numbers in a range, text and names from a fixed list.

Every error names the path of the bad value (``layers[1].weights``), the line where the
document gives one, and what is allowed. :mod:`tracer.spec.model` builds the spec with these.
"""

from __future__ import annotations

import re
import unicodedata

import sympy as sp

from tracer.errors import TracerError
from tracer.numbers import number_text
from tracer.spec.limits import MAX_EXPONENT, MAX_NUMBER_CHARS
from tracer.spec.source import Document, NumberText, quoted, shown_path

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_FRACTION = re.compile(r"[+-]?\d+/\d+")


class Reader:
    """Reads values of ``doc``; ``name`` stands for the document in messages about it as a whole."""

    def __init__(self, doc: Document, name: str) -> None:
        self.doc = doc
        self.name = name

    def fail(self, path: tuple, problem: str) -> TracerError:
        return TracerError(problem, shown_path(path) or self.name, self.doc.line(path))

    def mapping(self, value: object, path: tuple, allowed: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping with keys {', '.join(allowed)}, got {kind(value)}")
        for k in value:
            if k not in allowed:
                raise self.fail((*path, k), f"unknown key {quoted(k)}; allowed keys: {', '.join(allowed)}")
        return value

    def number(self, value: object, path: tuple) -> sp.Rational:
        if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
            raise self.fail(path, f"expected a number, got {kind(value)}")
        if isinstance(value, int):
            return sp.Integer(value)
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise self.fail(path, "expected a finite number, got " + repr(value))
            return sp.Rational(repr(value))
        text = str(value).strip()
        if len(text) > MAX_NUMBER_CHARS:
            raise self.fail(path, f"number written with more than {MAX_NUMBER_CHARS} characters")
        if _FRACTION.fullmatch(text):
            top, bottom = text.split("/")
            if int(bottom) == 0:
                raise self.fail(path, f"division by zero in {text!r}")
            return sp.Rational(int(top), int(bottom))
        if _NUMBER.fullmatch(text):
            exp = text.lower().partition("e")[2]
            if exp and abs(int(exp)) > MAX_EXPONENT:
                raise self.fail(path, f"exponent of {text!r} is out of range (|e| <= {MAX_EXPONENT})")
            return sp.Rational(text)
        if text.lower().lstrip("+-.") in ("nan", "inf", "infinity"):
            raise self.fail(path, f"expected a finite number, got {quoted(text)}")
        written = 'a decimal like 0.1 or a fraction like "1/3"'
        raise self.fail(path, f"expected a number written as {written}, got {quoted(text)}")

    def vector_shape(
        self, value: object, path: tuple, length: int | None, what: str, alternative: str = ""
    ) -> list:
        """``value`` if it is a list of ``length`` items (any length if None); numbers unread.

        ``alternative`` names what else would have been accepted instead of a list.
        """
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list of numbers ({what}){alternative}, got {kind(value)}")
        if not value:
            raise self.fail(path, f"expected at least one number ({what}), got an empty list")
        if length is not None and len(value) != length:
            raise self.fail(path, f"expected {length} {what}, got {len(value)}")
        return value

    def vector(self, value: object, path: tuple, length: int | None, what: str) -> tuple:
        self.vector_shape(value, path, length, what)
        return self.numbers(value, path)

    def numbers(self, values: list, path: tuple) -> tuple:
        return tuple(self.number(v, (*path, i)) for i, v in enumerate(values))

    def integer(self, value: object, path: tuple, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"expected a whole number from {low} to {high}, got {kind(value)}")
        if not low <= value <= high:
            raise self.fail(path, f"expected a whole number from {low} to {high}, got {value}")
        return value

    def text(self, value: object, path: tuple, limit: int, newlines: bool = False) -> str:
        """One line of printable text (``newlines``: several) of at most ``limit`` characters."""
        if not isinstance(value, str):
            raise self.fail(path, f"expected text, got {kind(value)}")
        if len(value) > limit:
            raise self.fail(path, f"text longer than {limit} characters (got {len(value)})")
        for char in value:
            category = unicodedata.category(char)
            if category == "Cs":
                raise self.fail(path, f"text contains U+{ord(char):04X}, half of a surrogate pair")
            if category in ("Cc", "Zl", "Zp") and not (newlines and char == "\n"):
                raise self.fail(path, f"text contains the control character U+{ord(char):04X}")
        return value

    def choice(self, value: object, path: tuple, allowed: tuple[str, ...], what: str) -> str:
        if not isinstance(value, str) or value not in allowed:
            shown = quoted(value) if isinstance(value, str) else kind(value)
            raise self.fail(path, f"unknown {what} {shown}; allowed: {', '.join(allowed)}")
        return value


def is_whole(value: object) -> bool:
    """A whole number as the document wrote it (an int, not a boolean, not 2.0)."""
    return isinstance(value, int) and not isinstance(value, bool)


def decimal(value: sp.Rational) -> str:
    """A rational as the user would have written it: 0.1 rather than 1/10."""
    return number_text(value, 30)


def kind(value: object) -> str:
    """What a value is, for a message: ``a list of 3``, ``the text 'abc'``."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float, NumberText)):
        text = str(value)
        return f"the number {text if len(text) <= 40 else text[:37] + '...'}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
