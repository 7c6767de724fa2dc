"""The template context of a matrix-view report: the network layer by layer, in matrices.

The matrix view explains a network too large for a neuron-by-neuron report (and any other
network, on request) in the vectorised form of the shallow-network article: per layer
Z = W A + b, A = f(Z), then dZ, dW, db, dA and the update W := W − η dW, every matrix shown
with the numbers of the trace (its corners when large). It has the same sections as the
neuron view (network, local rules, forward, backward, update, training, checks), so the
same templates place it: ``report.jinja2`` includes ``matrix.jinja2`` for the iterations.
"""

from __future__ import annotations

import sympy as sp

from tracer import __version__
from tracer.evaluate.tracing import Iteration, Trace
from tracer.notation import Notation, key
from tracer.numbers import number_latex, number_text
from tracer.report import context, rules, training
from tracer.report.blocks import EXACT_WIDTH, Printers
from tracer.report.lang import Strings
from tracer.report.markup import Markup, Math
from tracer.report.matrixsteps import RELATIONS, Layers, sup
from tracer.report.matrixtex import FULL, Grid, scalar
from tracer.report.netsection import network_section


def build(trace: Trace, names: Notation, t: Strings, digits: int, detail: tuple[int, ...] = (1,)) -> dict:
    """The whole context; ``detail`` chooses the iterations shown in matrix form (1-based)."""
    net = trace.network
    chosen = [k for k in sorted(set(detail)) if 1 <= k <= len(trace.iterations)] or [1]
    details = [_iteration(trace, trace.iterations[k - 1], t, digits) for k in chosen]
    sections = {"network": 1, "rules": 2}
    if len(details) == 1:
        sections.update(forward=3, backward=4, update=5, training=6)
    else:
        for d, number in zip(details, range(3, 3 + len(details)), strict=True):
            d["number"] = number
        sections.update(training=3 + len(details))
    run = training.summary(trace, t, digits, chosen[-1])
    if run is not None:
        run["matrices"] = _trained(trace, digits, t)
    return {
        "title": trace.spec.title,
        "description": trace.spec.description,
        "version": __version__,
        "view": "matrix",
        "view_note": t("matrix.note", full=FULL, count=net.n_samples),
        "digits": digits,
        "exact": False,
        "exact_width": EXACT_WIDTH,
        "carry": False,
        "batch": net.batch,
        "notation": names.name,
        "sections": sections,
        "network": _network(trace, names, t, digits),
        "rules": rules.context(net, digits, t),
        "details": details,
        **details[0],  # the first detailed iteration also at the top level, as in the neuron view
        "samples": [],
        "training": run,
        "history": run["rows"] if run else [],
        "check": context._check(trace, t),
    }


def _network(trace: Trace, names: Notation, t: Strings, digits: int) -> dict:
    """The neuron view's facts, with each layer's parameters and the data as matrices."""
    net = trace.network
    found = network_section(trace, Printers({}, digits, names), t)
    steps = Layers(net, {}, trace.first.params, {}, digits, t)
    layers = []
    for l in range(1, net.depth + 1):
        words = {
            "layer": l,
            "count": net.sizes[l],
            "activation": net.activation(l).name,
            "units": Markup(t.units(net.sizes[l])),
        }
        rows = [(sup("W", l), steps.W(l)), (sup("b", l), steps.b(l))]
        layers.append({"line": t("network.layer_line", **words), "math": _listing(steps, rows)})
    data = _listing(
        steps,
        [(r"A^{[0]} = X", _data(trace, "inputs")), ("Y", _data(trace, "targets"))],
    )
    return {**found, "notation_line": None, "layers": layers, "data": data}


def _data(trace: Trace, which: str) -> Grid:
    """The inputs (or targets) of the samples as columns."""
    rows = [getattr(s, which) for s in trace.spec.samples]
    return Grid(len(rows[0]), len(rows), lambda i, n: rows[n - 1][i - 1])


def _listing(steps: Layers, rows: list[tuple[str, Grid | object | None]]) -> str:
    """``name = matrix`` rows of one aligned block (rows whose value is None are left out)."""
    lines = []
    for name, value in rows:
        if value is None:
            continue
        text, exact = steps.tex(value)
        lines.append(f"{name} &{RELATIONS[exact]} {text}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _iteration(trace: Trace, it: Iteration, t: Strings, digits: int) -> dict:
    """One iteration in matrix form: forward, loss, backward and update, layer by layer."""
    net = trace.network
    steps = Layers(net, it.values, it.params, it.updated, digits, t)
    forward = [
        {
            "layer": l,
            "title": context._layer_title(net, l, t),
            "shapes": steps.shapes(l),
            "items": steps.forward(l),
        }
        for l in range(1, net.depth + 1)
    ]
    backward = []
    for l in range(net.depth, 0, -1):
        items = steps.output_delta() if l == net.depth else [steps.through(l)]
        backward.append(
            {
                "layer": l,
                "title": context._layer_title(net, l, t),
                "shapes": steps.backward_shapes(l),
                "items": items + steps.gradients(l),
            }
        )
    k = it.index
    after = trace.iterations[k].loss if len(trace.iterations) > k else trace.final_loss
    before = it.values["L"]
    eta = Math(rf"\eta = {number_latex(trace.spec.learning_rate, digits)}")
    return {
        "index": k,
        "forward_intro": t("matrix.forward_intro", count=net.n_samples, inputs=net.sizes[0]),
        "forward": forward,
        "loss": steps.loss(),
        "backward_intro": t(f"matrix.backward_intro_{'mean' if steps.mean else 'sum'}", count=net.n_samples),
        "backward": backward,
        "eta": eta,
        "update_intro": t("matrix.update_intro", eta=eta),
        "updates": [item for l in range(1, net.depth + 1) for item in _updates(steps, l, trace, t)],
        "loss_after": Math(f"L^{{+}} {_value(after, digits)}"),
        "loss_before": Math(f"L {_value(before, digits)}"),
        "loss_change": _change(before, after, digits, t),
    }


def _updates(steps: Layers, l: int, trace: Trace, t: Strings) -> list[dict]:
    """W^{[l]} := W^{[l]} − η dW^{[l]}, and the same for b^{[l]}; frozen parameters say so."""
    eta = trace.spec.learning_rate
    rate = number_latex(eta, steps.digits, bracket=True)
    trained = steps.trained
    out = []
    pairs = [("W", steps.W(l), steps.dW(l), steps.W(l, steps.updated))]
    if steps.b(l) is not None:
        pairs.append(("b", steps.b(l), steps.db(l), steps.b(l, steps.updated)))
    for name, before, gradient, after in pairs:
        keys = _keys(name, l, before)
        frozen = [k for k in keys if k not in trained]
        symbol = sup(name, l)
        if len(frozen) == len(keys):
            note = t("matrix.frozen_all", name=Math(symbol))
            out.append({"math": rf"{symbol} := {symbol}", "notes": [note]})
            continue
        form = rf"{symbol} - \eta \, d{symbol}"
        operands = [("", before), (rf"- {rate} \cdot", gradient)]
        item = steps.equation(symbol, [form], operands, after, rel=":=")
        if frozen:
            item["notes"].append(t("matrix.frozen_some", count=len(frozen), name=Math(symbol)))
        out.append(item)
    return out


def _keys(name: str, l: int, value: Grid | object) -> list[str]:
    """The parameter keys of a layer's weights or biases (one key for a shared bias)."""
    if not isinstance(value, Grid):
        return [key("b", l)]
    if name == "b":
        return [key("b", l, j) for j in range(1, value.rows + 1)]
    return [key("W", l, j, i) for j in range(1, value.rows + 1) for i in range(1, value.cols + 1)]


def _value(value: object, digits: int) -> str:
    text, exact = scalar(value, digits)
    return f"{RELATIONS[exact]} {text}"


def _change(before: sp.Expr, after: sp.Expr, digits: int, t: Strings) -> str:
    diff = after - before
    if diff == 0:
        return t("change_none")
    return t("change_down" if diff < 0 else "change_up", amount=number_text(abs(diff), digits))


def _trained(trace: Trace, digits: int, t: Strings) -> dict:
    """The outputs and the parameters after the last update, as matrices."""
    net = trace.network
    end = training.final_values(trace)
    last = trace.iterations[-1].updated
    steps = Layers(net, end, last, {}, digits, t)
    outputs = _listing(steps, [(sup("A", net.depth), steps.A(net.depth)), ("Y", steps.Y())])
    params = []
    for l in range(1, net.depth + 1):
        params.append(_listing(steps, [(sup("W", l), steps.W(l)), (sup("b", l), steps.b(l))]))
    return {"outputs": outputs, "params": params}
