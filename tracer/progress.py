"""A progress bar on stderr for long runs; silent when stderr is not a terminal.

The library never prints: :func:`tracer.trace.trace` takes an optional ``progress``
callback, and the command line passes a :class:`Bar` when stderr is a terminal.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

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

    @property
    def active(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def __call__(self, done: int, total: int) -> None:
        if total < MIN_STEPS or not self.active:
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
        self.stream.flush()
