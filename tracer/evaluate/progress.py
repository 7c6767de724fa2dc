"""A progress bar on stderr for long runs; silent when stderr is not a terminal.

The library never prints: :func:`tracer.evaluate.tracing.trace` takes an optional ``progress``
callback, and the command line passes a :class:`Bar` when stderr is a terminal. Work deep
inside a render (the step blocks of a large report, :mod:`tracer.evaluate.workers`) tells whatever
callback :func:`reporting` set around it (see :func:`reporter`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

_REPORTER: ContextVar[Callable[[int, int], None] | None] = ContextVar("tracer_progress", default=None)


@contextmanager
def reporting(callback: Callable[[int, int], None] | None) -> Iterator[None]:
    """Within this block, :func:`reporter` gives ``callback`` (called as ``callback(done, total)``)."""
    token = _REPORTER.set(callback)
    try:
        yield
    finally:
        _REPORTER.reset(token)


def reporter() -> Callable[[int, int], None] | None:
    """The callback set by :func:`reporting` around the current work, if any."""
    return _REPORTER.get()


MIN_STEPS = 2000  # shorter runs finish before a bar would be worth drawing
INTERVAL = 0.1  # seconds between redraws


class Bar:
    """``bar(done, total)`` redraws one line: label, percentage, bar, counts."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.last = 0.0
        self.shown = False
        self.finished = False  # the full bar and its newline are written

    @property
    def active(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def __call__(self, done: int, total: int) -> None:
        if total < MIN_STEPS or not self.active or (self.finished and done >= total):
            return
        now = time.monotonic()
        if done < total and now - self.last < INTERVAL:
            return
        self.last = now
        filled = self.width * done // total
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {100 * done // total:3d}% {done}/{total}")
        self.shown = True
        if done >= total:
            self.stream.write("\n")
            self.finished = True
        self.stream.flush()
