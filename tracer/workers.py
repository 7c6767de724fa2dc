"""A long list of independent items computed by two processes, one from each end.

The neuron-by-neuron report of a large network prints tens of thousands of steps, each on
its own; on a machine with two cores a forked copy of the process takes chunks from the end
of the list while this one takes them from the front, until they meet. Each side works on
a contiguous stretch, so the printers' memories of shared sums keep serving it, and the
split follows the real cost of the items (a 64-term sum or a short update) without a guess.

The copy is made with ``os.fork`` (Linux only; no threads running), so ``func`` needs no
pickling; its results come back pickled through a pipe. Whatever goes wrong in the copy,
this process computes the rest itself: the result is the same list either way. Set
``TRACER_WORKERS=1`` to compute everything in one process.
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import pickle
import signal
import struct
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 2000  # below this, a fork and a pipe cost more than they save
CHUNK = 64  # items claimed at a time (one unit's incoming weights in the largest example)
_BOUNDS = struct.Struct("qq")  # the first item not yet claimed from the front, and from the back


def cores() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_share() -> bool:
    """Whether a forked copy can take half the work: Linux, two cores, one thread, not turned off."""
    return (
        sys.platform.startswith("linux")
        and os.environ.get("TRACER_WORKERS", "") != "1"
        and cores() >= 2
        and threading.active_count() == 1
    )


def map_both_ends(
    func: Callable[[T], R], items: Sequence[T], min_items: int | None = None, chunk: int = CHUNK
) -> list[R]:
    """``[func(x) for x in items]``, shared with a forked copy of this process when the list is
    at least ``min_items`` long (default :data:`MIN_ITEMS`) and the machine allows (see
    :func:`can_share`)."""
    if len(items) < (MIN_ITEMS if min_items is None else min_items) or not can_share():
        return [func(x) for x in items]
    return _shared(func, items, chunk)


class _Claims:
    """Who takes which items: two bounds in a small file both processes map, changed under a
    POSIX record lock on it (which the kernel drops if its holder dies)."""

    def __init__(self, total: int) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.file.write(bytes(_BOUNDS.size))
        self.file.flush()
        self.bounds = mmap.mmap(self.file.fileno(), _BOUNDS.size)
        _BOUNDS.pack_into(self.bounds, 0, 0, total)

    def take(self, chunk: int, from_front: bool) -> tuple[int, int] | None:
        """The next stretch for one side, or None when the two sides have met."""
        fcntl.lockf(self.file.fileno(), fcntl.LOCK_EX)
        try:
            front, back = _BOUNDS.unpack_from(self.bounds, 0)
            if front >= back:
                return None
            if from_front:
                stretch = (front, min(back, front + chunk))
                _BOUNDS.pack_into(self.bounds, 0, stretch[1], back)
            else:
                stretch = (max(front, back - chunk), back)
                _BOUNDS.pack_into(self.bounds, 0, front, stretch[0])
            return stretch
        finally:
            fcntl.lockf(self.file.fileno(), fcntl.LOCK_UN)

    def met(self) -> int:
        """Where the two sides met (both done claiming)."""
        return _BOUNDS.unpack_from(self.bounds, 0)[0]

    def close(self) -> None:
        self.bounds.close()
        self.file.close()


def _shared(func: Callable[[T], R], items: Sequence[T], chunk: int) -> list[R]:
    try:
        claims = _Claims(len(items))
    except OSError:  # no temporary file: one process
        return [func(x) for x in items]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: from the back, then its results, and out without any cleanup
        _copy(func, items, chunk, claims, read_end, write_end)
    os.close(write_end)
    front: list[R] = []
    try:
        while (stretch := claims.take(chunk, from_front=True)) is not None:
            front += [func(x) for x in items[stretch[0] : stretch[1]]]
        met = claims.met()
        back = _received(read_end, pid, met)
        pid = 0
    finally:
        if pid:  # this side failed: stop the copy too
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        with contextlib.suppress(OSError):
            os.close(read_end)
        claims.close()
    if back is None:  # the copy failed: its stretch computed here
        back = [func(x) for x in items[met:]]
    return front + back


def _copy(
    func: Callable[[T], R], items: Sequence[T], chunk: int, claims: _Claims, read_end: int, write_end: int
) -> None:
    """The forked copy's whole life: never returns, never runs the parent's exit handlers."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C or a stop ends it quietly
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.close(read_end)
        stretches: list[list[R]] = []
        start = len(items)
        while (stretch := claims.take(chunk, from_front=False)) is not None:
            stretches.append([func(x) for x in items[stretch[0] : stretch[1]]])
            start = stretch[0]
        results = [r for s in reversed(stretches) for r in s]
        with os.fdopen(write_end, "wb") as pipe:
            pickle.dump((start, results), pipe, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    except BaseException:  # noqa: BLE001 - the parent computes this stretch itself
        pass
    finally:
        os._exit(code)


def _received(read_end: int, pid: int, met: int) -> list | None:
    """The copy's results for the items from ``met`` on, or None if it did not deliver them."""
    try:
        with os.fdopen(read_end, "rb", closefd=False) as pipe:
            start, results = pickle.load(pipe)
    except Exception:  # noqa: BLE001 - a copy that died says nothing
        start, results = -1, None
    _, status = os.waitpid(pid, 0)
    if status != 0 or start != met:
        return None
    return results
