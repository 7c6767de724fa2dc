"""An independent oracle for the embedding tests: one sample through a small dense network in
float64 NumPy (sigmoid, tanh or linear units, half the summed squared error), and a finder for
numbers as a report writes them (``0.68026720``, ``2.89e-05``, ``2.89 \\times 10^{-5}``).

Written from the textbook equations, not from tracer: a = f(W a_prev + b),
δ_L = (a_L − y) f′(z_L), δ_l = (W_{l+1}ᵀ δ_{l+1}) f′(z_l), ∂L/∂W_l = δ_l a_{l−1}ᵀ, ∂L/∂b_l = δ_l.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

_F = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda a: a * (1 - a)),
    "tanh": (np.tanh, lambda a: 1 - a**2),
    "linear": (lambda z: z, lambda a: np.ones_like(a)),
}


@dataclass
class Pass:
    z: list[np.ndarray]  # per layer, first to last
    a: list[np.ndarray]
    loss: float
    delta: list[np.ndarray]
    dW: list[np.ndarray]
    db: list[np.ndarray]


def run(spec: dict) -> Pass:
    """Forward and backward pass of a one-sample spec dict (weights[j][i], biases per unit or none)."""
    assert spec.get("loss", "half_sse") == "half_sse"
    x = np.array(spec["inputs"], dtype=float)
    y = np.array(spec["targets"], dtype=float)
    Ws = [np.array(layer["weights"], dtype=float) for layer in spec["layers"]]
    bs = [
        np.array(layer.get("biases", [0.0] * len(layer["weights"])), dtype=float) for layer in spec["layers"]
    ]
    acts = [_F[layer["activation"]] for layer in spec["layers"]]
    zs, as_ = [], [x]
    for W, b, (f, _) in zip(Ws, bs, acts, strict=True):
        zs.append(W @ as_[-1] + b)
        as_.append(f(zs[-1]))
    loss = float(0.5 * np.sum((y - as_[-1]) ** 2))
    deltas = [None] * len(Ws)
    deltas[-1] = (as_[-1] - y) * acts[-1][1](as_[-1])
    for l in range(len(Ws) - 2, -1, -1):
        deltas[l] = (Ws[l + 1].T @ deltas[l + 1]) * acts[l][1](as_[l + 1])
    dW = [np.outer(d, a) for d, a in zip(deltas, as_[:-1], strict=True)]
    return Pass(zs, as_[1:], loss, deltas, dW, list(deltas))


_NUMBER = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)(?:e([-+]?\d+)|\s*\\times\s*10\^\{(-?\d+)\})?")


def numbers(text: str) -> list[float]:
    """Every number written in ``text`` (a minus sign written as U+2212 counts too)."""
    text = text.replace("\u2212", "-")
    return [float(m[1]) * 10.0 ** int(m[2] or m[3] or 0) for m in _NUMBER.finditer(text)]


def shown(value: float, text: str, digits: int = 8) -> bool:
    """Whether ``text`` writes ``value`` rounded to ``digits`` significant digits."""
    if value == 0:
        return 0.0 in numbers(text)
    step = 10.0 ** (math.floor(math.log10(abs(value))) - digits + 1)
    return any(abs(n - value) <= 0.51 * step for n in numbers(text))
