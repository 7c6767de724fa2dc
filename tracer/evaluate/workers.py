"""Work shared with a forked copy of this process, on a machine with two cores.

:func:`map_both_ends` computes a long list of independent items in two processes, one from
each end; :class:`Background` computes one result in a copy while this process goes on.

The neuron-by-neuron report of a large network prints tens of thousands of steps, each on
its own; on a machine with two cores a forked copy of the process takes chunks from the end
of the list while this one takes them from the front, until they meet. Each side works on
a contiguous stretch, so the printers' memories of shared sums keep serving it, and the
split follows the real cost of the items (a 64-term sum or a short update) without a guess.

The copy is made with ``os.fork`` (Linux only; no threads running), so ``func`` needs no
pickling; its results come back pickled in a temporary file.
Progress goes to the callback of :func:`tracer.evaluate.progress.reporting`, if one is set. Whatever
goes wrong in the copy, this process computes its part itself: the result is the same either
way. Set ``TRACER_WORKERS=1`` to compute everything in one process.
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
import weakref
from collections.abc import Callable, Sequence
from typing import IO, Any, Generic, TypeVar

from tracer.evaluate.progress import reporter

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 2000  # below this, a fork and the pickled results cost more than they save
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
    report = reporter()
    if len(items) < (MIN_ITEMS if min_items is None else min_items) or not can_share():
        if report is None:
            return [func(x) for x in items]
        out: list[R] = []
        for start in range(0, len(items), chunk):
            out += [func(x) for x in items[start : start + chunk]]
            report(len(out), len(items))
        return out
    return _shared(func, items, chunk, report)


class _Claims:
    """Who takes which items: two bounds in a small file both processes map, changed under a
    POSIX record lock on it (which the kernel drops if its holder dies)."""

    def __init__(self, total: int) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.file.write(bytes(_BOUNDS.size))
        self.file.flush()
        self.bounds = mmap.mmap(self.file.fileno(), _BOUNDS.size)
        _BOUNDS.pack_into(self.bounds, 0, 0, total)
        self.total = total

    def take(self, chunk: int, from_front: bool) -> tuple[int, int] | None:
        """The next stretch for one side (at most ``chunk`` items, an eighth of what is left near
        the end), or None when the two sides have met."""
        fcntl.lockf(self.file.fileno(), fcntl.LOCK_EX)
        try:
            front, back = _BOUNDS.unpack_from(self.bounds, 0)
            if front >= back:
                return None
            size = max(1, min(chunk, (back - front) // 8))  # smaller as they near: both end together
            if from_front:
                stretch = (front, min(back, front + size))
                _BOUNDS.pack_into(self.bounds, 0, stretch[1], back)
            else:
                stretch = (max(front, back - size), back)
                _BOUNDS.pack_into(self.bounds, 0, front, stretch[0])
            return stretch
        finally:
            fcntl.lockf(self.file.fileno(), fcntl.LOCK_UN)

    def taken(self) -> int:
        """How many items the two sides have claimed so far (read under the lock: an unlocked read
        may see the other side's bounds half written, and the count go backwards)."""
        fcntl.lockf(self.file.fileno(), fcntl.LOCK_EX)
        try:
            front, back = _BOUNDS.unpack_from(self.bounds, 0)
        finally:
            fcntl.lockf(self.file.fileno(), fcntl.LOCK_UN)
        return front + self.total - back

    def met(self) -> int:
        """Where the two sides met (both done claiming)."""
        return _BOUNDS.unpack_from(self.bounds, 0)[0]

    def close(self) -> None:
        self.bounds.close()
        self.file.close()


def _shared(
    func: Callable[[T], R], items: Sequence[T], chunk: int, report: Callable[[int, int], None] | None
) -> list[R]:
    try:
        claims = _Claims(len(items))
    except OSError:  # no temporary file: one process
        return [func(x) for x in items]
    try:
        pid, results = _fork(lambda: _back(func, items, chunk, claims))
    except OSError:
        claims.close()
        return [func(x) for x in items]
    front: list[R] = []
    try:
        while (stretch := claims.take(chunk, from_front=True)) is not None:
            front += [func(x) for x in items[stretch[0] : stretch[1]]]
            if report is not None:  # what both sides have taken; done once the copy's part is here
                report(min(claims.taken(), len(items) - 1), len(items))
        met = claims.met()
        delivered = _collect(pid, results)
        pid = 0
    finally:
        _stop(pid, results)  # if this side failed, the copy too
        claims.close()
    start, back = delivered[0] if delivered is not None else (-1, [])
    if start != met:  # the copy failed: its stretch computed here
        back = [func(x) for x in items[met:]]
    if report is not None:
        report(len(items), len(items))
    return front + back


def _back(func: Callable[[T], R], items: Sequence[T], chunk: int, claims: _Claims) -> tuple[int, list[R]]:
    """The copy's part: stretches from the back until the sides meet; (where it began, results)."""
    stretches: list[list[R]] = []
    start = len(items)
    while (stretch := claims.take(chunk, from_front=False)) is not None:
        stretches.append([func(x) for x in items[stretch[0] : stretch[1]]])
        start = stretch[0]
    return start, [r for s in reversed(stretches) for r in s]


def _fork(produce: Callable[[], object]) -> tuple[int, IO[bytes]]:
    """A forked copy that pickles ``produce()`` into a temporary file and ends, exiting 0 only
    when it delivered: (its pid, the file). The copy never returns here and never runs this
    process's exit handlers; a file read in one go once it has ended spares both processes the
    turns a pipe would take at 64 kB."""
    results = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _stop
    try:
        pid = os.fork()
    except OSError:
        results.close()
        raise
    if pid == 0:
        code = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C or a stop ends it quietly
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            pickle.dump(produce(), results, protocol=pickle.HIGHEST_PROTOCOL)
            results.flush()
            code = 0
        except BaseException:  # noqa: BLE001 - the parent computes it itself
            pass
        finally:
            os._exit(code)
    return pid, results


def _collect(pid: int, results: IO[bytes]) -> tuple[Any] | None:
    """(what the copy delivered,) once it has ended, or None if it failed."""
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    try:
        results.seek(0)
        return (pickle.load(results),)
    except Exception:  # noqa: BLE001 - whatever it left is not a result
        return None


class Background(Generic[R]):
    """``func(*args)`` computed in a forked copy while this process goes on, where the machine
    allows (:func:`can_share`); :meth:`result` waits for it. Otherwise it is computed at once, here.
    If the copy fails, :meth:`result` computes it here (and raises any error, then). A result
    never asked for is not waited for: the copy is stopped and reaped when this object goes
    (or at exit)."""

    def __init__(self, func: Callable[..., R], *args: Any) -> None:
        self._func, self._args = func, args
        self._done = False
        self._value: R | None = None
        self._pid = 0
        if can_share():
            with contextlib.suppress(OSError):  # no temporary file or no fork: here, when asked
                self._pid, self._results = _fork(lambda: func(*args))
                self._reaper = weakref.finalize(self, _stop, self._pid, self._results, os.getpid())
        if not self._pid:  # here and now, as a plain call would
            self.result()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled or copied as its result (the forked copy belongs to this process alone)."""
        return {"_done": True, "_value": self.result(), "_func": None, "_args": (), "_pid": 0}

    def result(self) -> R:
        if not self._done:
            value = self._received() if self._pid else None
            self._value = value[0] if value is not None else self._func(*self._args)
            self._done, self._func, self._args = True, None, ()  # type: ignore[assignment]
        return self._value  # type: ignore[return-value]

    def _received(self) -> tuple[R] | None:
        """(the copy's result,) or None if it did not deliver one."""
        self._reaper.detach()
        pid, self._pid = self._pid, 0
        try:
            value = _collect(pid, self._results)
            pid = 0
        finally:
            _stop(pid, self._results)  # Ctrl-C while waiting: the copy is stopped too
        return value


def _stop(pid: int, results: IO[bytes], owner: int | None = None) -> None:
    """Stop and reap a copy (none if ``pid`` is 0) and close its results' file. Only in the
    process that made it (``owner``): a forked copy of that process shares the objects, not
    the child."""
    if owner is not None and owner != os.getpid():
        return
    if pid:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)
    results.close()
