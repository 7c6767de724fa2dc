"""The one exception type tracer raises for problems in what a user gave it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


class TracerError(Exception):
    """A problem with the user's input, worded for the user.

    The CLI prints ``str(error)`` as one line on stderr and exits with code 2.
    """

    def __init__(self, message: str, where: str = "", line: int | None = None) -> None:
        self.problem = message
        self.where = where
        self.line = line
        super().__init__(self._text())

    def _text(self) -> str:
        place = self.where
        if self.line is not None:
            place = f"{place} (line {self.line})" if place else f"line {self.line}"
        return f"{place}: {self.problem}" if place else self.problem


def lookup(registry: Mapping[str, T], name: object, what: str, where: str) -> T:
    """``registry[name]``, or a TracerError naming the unknown ``what`` and the allowed names."""
    try:
        return registry[name]  # type: ignore[index]
    except (KeyError, TypeError):
        allowed = ", ".join(registry)
        raise TracerError(f"unknown {what} {name!r}; allowed: {allowed}", where) from None
