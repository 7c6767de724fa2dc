"""The format-agnostic result: the derivation, its numbers per iteration, and its checks.

:func:`trace` is the pipeline spec → network → derivation → numbers → checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from tracer import derive, evaluate, fastpath
from tracer.check import Check, self_check
from tracer.network import Network, build
from tracer.notation import grad
from tracer.spec import NetworkSpec


@dataclass(frozen=True)
class Iteration:
    index: int  # 1-based
    params: Mapping[str, sp.Expr | float]  # parameter values used in this iteration's forward pass
    values: Mapping[str, sp.Expr | float]  # every quantity computed in this iteration
    updated: Mapping[str, sp.Expr | float]  # parameter values after this iteration's update
    exact: bool = True  # computed by the exact / 50-digit path (False: the float64 fast path)

    @property
    def loss(self) -> sp.Expr | float:
        return self.values["L"]


@dataclass(frozen=True)
class Trace:
    network: Network
    iterations: tuple[Iteration, ...]
    final_loss: sp.Expr  # the loss after the last update
    check: Check

    @cached_property
    def steps(self) -> tuple[derive.Step, ...]:
        """The symbolic derivation of one iteration (built on first use: JSON needs none)."""
        return derive.steps(self.network)

    @property
    def spec(self) -> NetworkSpec:
        return self.network.spec

    @property
    def first(self) -> Iteration:
        return self.iterations[0]

    def gradients(self, iteration: Iteration) -> dict[str, sp.Expr]:
        return {p.key: iteration.values[grad(p.key)] for p in self.network.trainable}


def trace(
    spec: NetworkSpec,
    check: bool = True,
    detail: tuple[int, ...] = (1,),
    iterations: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Trace:
    """Derive, evaluate every iteration of ``spec`` and check the gradients.

    Iterations up to the last one in ``detail`` are computed exactly (rationals, or 50
    significant digits), so the report can show any of them step by step; the rest take
    the float64 fast path (:mod:`tracer.fastpath`). ``iterations`` overrides the spec's;
    ``progress(done, total)`` is called after each iteration (the CLI draws a bar with it).
    """
    net = build(spec)
    total = iterations if iterations is not None else spec.iterations
    exact_until = min(max(detail, default=1), total)
    params: Mapping = {p.key: p.value for p in net.params}
    its: list[Iteration] = []
    fast = fastpath.compile_network(net) if total > exact_until else None
    for index in range(1, total + 1):
        if index > exact_until and fast is not None:
            its += _fast_iterations(fast, params, index, total, progress)
            break
        values = evaluate.forward(net, params)
        new = evaluate.step(net, params, values)
        its.append(Iteration(index, params, values, new))
        params = new
        if progress is not None:
            progress(index, total)
    last = its[-1].updated
    if its[-1].exact:
        final = evaluate.forward(net, dict(last), backward=False)["L"]
    else:
        assert fast is not None
        final = fast.state(fast.theta(last)).loss
    result = self_check(net, its[0].params, its[0].values) if check else Check.skipped()
    return Trace(net, tuple(its), final, result)


def checkpoints(total: int) -> list[int]:
    """The iterations a summary shows: all of a short run; else 1, 2, 3, 5, 10, 20, 50, … and the last."""
    if total <= 20:
        return list(range(1, total + 1))
    marks = {1, total}
    step = 1
    while step <= total:
        marks |= {k * step for k in (1, 2, 5) if k * step <= total}
        step *= 10
    return sorted(marks | {3} if total >= 3 else marks)


class _Params(Mapping[str, float]):
    """Parameter values by key, read from a float64 vector."""

    def __init__(self, keys: tuple[str, ...], theta: np.ndarray) -> None:
        self._keys, self._theta = keys, theta

    def __getitem__(self, key: str) -> float:
        try:
            return float(self._theta[self._keys.index(key)])
        except ValueError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _fast_iterations(
    fast: fastpath.Fast,
    params: Mapping,
    first: int,
    total: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[Iteration]:
    keys = tuple(p.key for p in fast.net.params)
    theta = fast.theta(params)
    out = []
    for index in range(first, total + 1):
        state = fast.state(theta)
        new = fast.step(theta, state)
        values = fastpath.Values(fast, theta, state.loss, new)
        out.append(Iteration(index, _Params(keys, theta), values, _Params(keys, new), exact=False))
        theta = new
        if progress is not None:
            progress(index, total)
    return out
