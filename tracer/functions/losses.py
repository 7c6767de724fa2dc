"""Loss functions: name → SymPy expression of one output's term. Adding one is one entry.

A loss over N samples with K outputs each is ``scale · Σ_n Σ_k term(y, a)``. The scale is
the reduction (:data:`REDUCTIONS`): ``sum`` adds the terms (scale 1); ``mean`` averages
them: over all N·K terms for a loss defined per output (mse, bce), over the N samples for a
loss defined per sample as a sum over its outputs (cross-entropy, −Σ_k y_k ln a_k). Each
loss has its own default reduction. The derivative ∂L/∂a of one output is derived with
``sympy.diff`` in :func:`rule`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sympy as sp

from tracer.errors import lookup
from tracer.functions.algebra import compile_exact, tidy

Y = sp.Symbol("y", real=True)
A = sp.Symbol("a", real=True)

REDUCTIONS = ("mean", "sum")


@dataclass(frozen=True)
class Loss:
    name: str
    term: sp.Expr  # one output's contribution, in y (target) and a (output)
    description: str
    mean: bool  # the default reduction: True for mean, False for sum
    unit_interval: bool = False  # outputs must lie in (0, 1) and targets in [0, 1]
    per_sample: bool = False  # the loss of a sample is the sum over its outputs (mean: ÷ N)
    needs: str | None = None  # the output activation it requires (cross_entropy: softmax)
    distribution: bool = False  # each sample's targets are probabilities summing to 1

    @property
    def reduction(self) -> str:
        """The reduction the loss's own definition uses."""
        return "mean" if self.mean else "sum"

    def scale(self, samples: int, outputs: int, reduction: str | None = None) -> sp.Rational:
        """The factor in front of Σ_n Σ_k term: 1 for sum, 1/(N·K) or 1/N for mean."""
        if (reduction or self.reduction) == "sum":
            return sp.Integer(1)
        return sp.Rational(1, samples if self.per_sample else samples * outputs)


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
    Loss(
        "cross_entropy",
        -Y * sp.log(A),
        "categorical cross-entropy −Σ_k y_k ln a_k, mean over the samples",
        mean=True,
        unit_interval=True,
        per_sample=True,
        needs="softmax",
        distribution=True,
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
