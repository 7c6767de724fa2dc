"""The training part of a report: the loss curve, checkpoints, and where training ended."""

from __future__ import annotations

import math

import sympy as sp

from tracer.evaluate import exact as evaluate
from tracer.evaluate import fastpath
from tracer.evaluate.tracing import Iterations, Trace, checkpoints
from tracer.numbers import number_latex, number_pair
from tracer.report.blocks import Printers
from tracer.report.lang import Strings
from tracer.report.markup import Math


def final_values(trace: Trace) -> dict[str, sp.Expr | float]:
    """Every value of a forward pass at the parameters after the last update."""
    last = trace.iterations[-1]
    net = trace.network
    if last.exact:
        return evaluate.forward(net, dict(last.updated), backward=False)
    fast = fastpath.compile_network(net)
    assert fast is not None  # a run took the fast path, so the network compiles
    theta = fast.theta(last.updated)
    state = fast.state(theta)
    return dict(fastpath.Values(fast, theta, state.loss, theta))


def context(trace: Trace, m: Printers, t: Strings, digits: int, exact_until: int) -> dict | None:
    """None for a single iteration; else the curve, the checkpoint table and the end state."""
    run = summary(trace, t, digits, exact_until)
    if run is None:
        return None
    net = trace.network
    end = final_values(trace)
    outputs = []
    for n in net.samples():
        keys = [net.a(net.depth, k, n) for k in range(1, net.sizes[-1] + 1)]
        targets = [net.y(k, n) for k in range(1, net.sizes[-1] + 1)]
        outputs.append(
            {
                "index": n,
                "outputs": ", ".join(f"${m.name(k)} \\approx {number_latex(end[k], digits)}$" for k in keys),
                "targets": ", ".join(f"${m.name(k)} = {number_latex(m.values[k], digits)}$" for k in targets),
            }
        )
    last = trace.iterations[-1].updated
    params = [
        {
            "name": m.name(p.key),
            "value": number_pair(last[p.key], digits),
        }
        for p in net.params
    ]
    return {**run, "outputs": outputs, "params": params}


def summary(trace: Trace, t: Strings, digits: int, exact_until: int) -> dict | None:
    """None for a single iteration; else the loss curve, the checkpoint rows, the sentence on
    where training ended and the note on the fast path: what every view shows of a run."""
    its = trace.iterations
    if not trace.trained:
        return None
    return {
        "count": len(its),
        "curve": _curve([*(it.loss for it in its), trace.final_loss]),
        "rows": [{"index": k, "loss": number_pair(its[k - 1].loss, digits)} for k in checkpoints(len(its))],
        "final": t(
            "training_final",
            count=len(its),
            loss=Math(f"L \\approx {number_latex(trace.final_loss, digits)}"),
            first=Math(f"L \\approx {number_latex(its[0].loss, digits)}"),
        ),
        "fast_note": _fast_note(trace, t, exact_until),
        "stopped_note": None if trace.stop is None else stopped(trace, t, digits),
    }


def _fast_note(trace: Trace, t: Strings, exact_until: int) -> str | None:
    """Which iterations took float64, and which were computed exactly again after it could not
    go on (None when every iteration was computed as asked)."""
    its = trace.iterations
    fast = sum(1 for it in its if not it.exact)
    notes = [t("training_fast", exact=exact_until, count=fast)] if fast else []
    first = its.tail_start if isinstance(its, Iterations) else None
    if first is not None:
        key = "training_tail_one" if first == len(its) else "training_tail"
        notes.append(t(key, last=first - 1, first=first, count=len(its)))
    return " ".join(notes) or None


def _curve(losses: list) -> list[float]:
    """The losses as doubles for the picture, up to the first beyond the range of float64 (an
    exactly computed diverging run can reach 10^1000; the table shows every one)."""
    out = []
    for loss in losses:
        value = float(loss)
        if not math.isfinite(value):
            break
        out.append(value)
    return out


def stopped(trace: Trace, t: Strings, digits: int) -> str:
    """The sentence on a run that ended early: where it stopped, and why."""
    assert trace.stop is not None
    done = len(trace.iterations)
    loss = Math(f"L \\approx {number_latex(trace.final_loss, digits)}")
    return t(
        f"training_stopped.{trace.stop.reason}",
        done=done,
        next=done + 1,
        requested=trace.stop.requested,
        loss=loss,
        left=trace.stop.requested - done,
    )
