"""Expensive inputs shared by the test modules: each computed on first use, once per session
(once per worker under pytest-xdist), never at import, so collecting the suite stays quick.

A module keeps a :class:`Traces` at module level (its keys, the example names, cost nothing; a
trace is made when a test first reads it). Every module that traces an example with the same
options shares the same trace.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracer.evaluate.tracing import Trace


def example_names() -> tuple[str, ...]:
    from tracer.spec import examples

    return tuple(examples.names())


@functools.cache
def traced(name: str, iterations: int | None = None, check: bool = True) -> Trace:
    """The trace of the built-in example ``name`` (made once per session for these options)."""
    from tracer.evaluate.tracing import trace
    from tracer.spec import examples

    options: dict = {"check": check}
    if iterations is not None:
        options["iterations"] = iterations
    return trace(examples.load(name), **options)


class Lazy(Mapping):
    """Name → ``make(name)``, computed on first read (cached); iterating gives the names."""

    def __init__(self, names: Iterable[str], make) -> None:  # noqa: ANN001
        self._names = tuple(names)
        self._make = functools.cache(make)

    def __getitem__(self, name: str) -> object:
        if name not in self._names:
            raise KeyError(name)
        return self._make(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class Traces(Lazy):
    """Example name → its trace, traced on first read; iterating gives the names only."""

    def __init__(
        self, names: Iterable[str] | None = None, *, iterations: int | None = None, check: bool = True
    ) -> None:
        names = example_names() if names is None else names
        super().__init__(names, lambda name: traced(name, iterations, check))


#: Built-in examples too large for the fast suite (relu-deep: 8 577 parameters): a test
#: parametrized over every example runs them under the ``slow`` marker.
LARGE = frozenset({"relu-deep"})


def by_size(names: Iterable[str]) -> list:
    """``names`` as pytest parameters, each naming a :data:`LARGE` example (``relu-deep``,
    ``relu-deep.md``, …) marked ``slow``."""
    import pytest

    def large(name: str) -> bool:
        return name.split(".")[0] in LARGE

    return [pytest.param(n, marks=pytest.mark.slow) if large(n) else n for n in names]
