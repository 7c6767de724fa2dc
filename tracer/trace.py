"""The format-agnostic result: the derivation, its numbers per iteration, and its checks.

:func:`trace` is the pipeline spec → network → derivation → numbers → checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from tracer import derive, evaluate
from tracer.check import Check, self_check
from tracer.network import Network, build
from tracer.notation import grad
from tracer.spec import NetworkSpec


@dataclass(frozen=True)
class Iteration:
    index: int  # 1-based
    params: dict[str, sp.Expr]  # parameter values used in this iteration's forward pass
    values: dict[str, sp.Expr]  # every quantity computed in this iteration
    updated: dict[str, sp.Expr]  # parameter values after this iteration's update

    @property
    def loss(self) -> sp.Expr:
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


def trace(spec: NetworkSpec, check: bool = True) -> Trace:
    """Derive, evaluate every iteration of ``spec`` and check the gradients."""
    net = build(spec)
    params = {p.key: p.value for p in net.params}
    iterations = []
    for index in range(1, spec.iterations + 1):
        values = evaluate.forward(net, params)
        new = evaluate.step(net, params, values)
        iterations.append(Iteration(index, params, values, new))
        params = new
    final = evaluate.forward(net, params, backward=False)["L"]
    result = self_check(net, iterations[0].params, iterations[0].values) if check else Check.skipped()
    return Trace(net, tuple(iterations), final, result)
