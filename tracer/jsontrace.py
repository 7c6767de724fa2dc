"""The JSON trace (CONTRACT.md §3): canonical keys, numbers as the nearest doubles."""

from __future__ import annotations

import math

import sympy as sp

from tracer import __version__
from tracer.trace import Trace, checkpoints


def _f(value: sp.Expr) -> float | str:
    """The nearest double; a number beyond its range (|x| > 1.8e308, reachable with exact
    arithmetic) as text in scientific notation, since JSON has no infinity."""
    number = float(value)
    if math.isfinite(number):
        return number
    return sp.Float(value, 17).__format__(".16e") if value.is_finite else str(value)


def to_json(trace: Trace) -> dict:
    """The JSON trace of CONTRACT.md §3 (numbers are the nearest doubles).

    ``iterations`` holds every iteration computed exactly and, of a long run, the
    checkpoints (1, 2, 3, 5, 10, 20, 50, 100, … and the last); ``history`` every loss.
    """
    net = trace.network
    iterations = []
    marks = set(checkpoints(len(trace.iterations)))
    for it in trace.iterations:
        if not (it.exact or it.index in marks):
            continue  # every loss is in the history; full values at the checkpoints only
        forward = {}
        backward = {}
        for n in net.samples():
            for l in range(1, net.depth + 1):
                for j in range(1, net.sizes[l] + 1):
                    forward[net.z(l, j, n)] = _f(it.values[net.z(l, j, n)])
                    forward[net.a(l, j, n)] = _f(it.values[net.a(l, j, n)])
                    backward[net.delta(l, j, n)] = _f(it.values[net.delta(l, j, n)])
        iterations.append(
            {
                "index": it.index,
                "exact": it.exact,
                "forward": forward,
                "loss": _f(it.loss),
                "deltas": backward,
                "gradients": {k: _f(v) for k, v in trace.gradients(it).items()},
                "updated": {p.key: _f(it.updated[p.key]) for p in net.trainable},
            }
        )
    return {
        "title": trace.spec.title,
        "tracer_version": __version__,
        "network": {
            "sizes": list(net.sizes),
            "activations": [layer.activation for layer in trace.spec.layers],
            "loss": net.loss.name,
            "reduction": net.reduction,
            "slopes": [None if layer.slope is None else _f(layer.slope) for layer in trace.spec.layers],
            "learning_rate": _f(trace.spec.learning_rate),
            "samples": net.n_samples,
            "parameters": {p.key: _f(p.value) for p in net.params},
            "frozen": [p.key for p in net.params if not p.trainable],
        },
        "iterations": iterations,
        "history": [_f(it.loss) for it in trace.iterations],
        "final_loss": _f(trace.final_loss),
        # a diverging run stops where float64 overflows: how far it got, of how many asked for
        "stopped": None
        if trace.stop is None
        else {
            "after_iteration": len(trace.iterations),
            "requested": trace.stop.requested,
            "reason": trace.stop.reason,
        },
        "check": {
            "symbolic": trace.check.symbolic,
            "numeric": trace.check.numeric,
            "max_relative_difference": trace.check.max_relative_difference,
        },
    }
