"""Loss functions: name → SymPy expression of one output's term. Adding one is one entry.

A loss over N samples with K outputs each is ``scale(N, K) · Σ_n Σ_k term(y, a)``.
The derivative ∂L/∂a of one output is derived with ``sympy.diff`` in :func:`rule`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sympy as sp

from tracer.algebra import compile_exact, tidy
from tracer.errors import lookup

Y = sp.Symbol("y", real=True)
A = sp.Symbol("a", real=True)


@dataclass(frozen=True)
class Loss:
    name: str
    term: sp.Expr  # one output's contribution, in y (target) and a (output)
    description: str
    mean: bool  # True: divided by the number of terms N·K (mean); False: plain sum
    unit_interval: bool = False  # outputs must lie in (0, 1) and targets in [0, 1]

    def scale(self, samples: int, outputs: int) -> sp.Rational:
        return sp.Rational(1, samples * outputs) if self.mean else sp.Integer(1)


_ENTRIES = (
    Loss("half_sse", (Y - A) ** 2 / 2, "half the sum of squared errors, Σ ½(y − a)²", mean=False),
    Loss("sse", (Y - A) ** 2, "sum of squared errors, Σ (y − a)²", mean=False),
    Loss("mse", (Y - A) ** 2, "mean squared error over all outputs and samples", mean=True),
    Loss(
        "bce",
        -(Y * sp.log(A) + (1 - Y) * sp.log(1 - A)),
        "binary cross-entropy, mean over all outputs and samples",
        mean=True,
        unit_interval=True,
    ),
)

LOSSES: dict[str, Loss] = {loss.name: loss for loss in _ENTRIES}


def get(name: str, where: str = "loss") -> Loss:
    """The registry entry, or a TracerError listing the allowed names."""
    return lookup(LOSSES, name, "loss", where)


@dataclass(frozen=True)
class Rule:
    loss: Loss
    da: sp.Expr  # d term / d a, from sympy.diff, factored for reading
    term: Callable  # numeric term(y, a)
    dterm: Callable  # numeric d term / d a (y, a)


@cache
def rule(name: str) -> Rule:
    loss = get(name)
    da = tidy(sp.diff(loss.term, A))
    return Rule(
        loss,
        da,
        compile_exact((Y, A), loss.term),
        compile_exact((Y, A), da),
    )
