"""What a diagram says, before anything is placed: for each unit its name and values, for
each edge its weight (and gradient), the targets, the loss and the legend.

Every name comes from the report's notation (:class:`tracer.notation.Notation`) and every
number from the trace, rounded for display by :func:`tracer.report.printer.number_latex`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracer.evaluate.tracing import Iteration, Trace
from tracer.notation import Notation, grad, strip_sample
from tracer.report.diagram import text
from tracer.report.diagram.text import Text
from tracer.report.lang import Strings
from tracer.report.markup import Markup, literal


@dataclass(frozen=True)
class Unit:
    kind: str  # input | hidden | output
    name: Text  # inside the circle
    above: tuple[Text, ...] = ()  # its bias (and the bias's gradient)
    below: tuple[Text, ...] = ()  # its values: x; or z, a (and ∂L/∂a, δ)


@dataclass(frozen=True)
class Column:
    caption: tuple[Text, ...]
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class Edge:
    column: int  # the source's column (0: the inputs)
    source: int  # unit indices from 0
    target: int
    lines: tuple[Text, ...]  # the weight (and its gradient)
    value: float


@dataclass(frozen=True)
class Detailed:
    """A network drawn unit by unit."""

    title: str
    columns: tuple[Column, ...]
    edges: tuple[Edge, ...]
    targets: tuple[Text, ...]
    loss_caption: tuple[Text, ...]
    loss_name: Text
    loss_lines: tuple[Text, ...]
    legend: tuple[Text, ...]


@dataclass(frozen=True)
class Compact:
    """A network drawn layer by layer: one box of lines per layer (inputs first, loss last)."""

    title: str
    boxes: tuple[tuple[Text, ...], ...]
    kinds: tuple[str, ...]
    legend: tuple[Text, ...]


@dataclass(frozen=True)
class View:
    """Which numbers to show: one iteration, one sample, rounded to ``digits``."""

    trace: Trace
    names: Notation
    strings: Strings
    digits: int
    iteration: int = 1
    sample: int = 1
    grads: bool = False

    @property
    def it(self) -> Iteration:
        return self.trace.iterations[self.iteration - 1]


def detailed(view: View, short: bool = False) -> Detailed:
    """Every unit with its values; ``short`` keeps only a (and δ) under each unit."""
    net = view.trace.network
    columns = [_inputs(view)] + [_layer(view, l, short) for l in range(1, net.depth + 1)]
    edges = [
        _edge(view, l, j, i, weight)
        for l in range(1, net.depth + 1)
        for j, unit in enumerate(net.units[l - 1], 1)
        for i, weight in enumerate(unit.weights, 1)
    ]
    n = view.sample
    t, names, values = view.strings, view.names, view.it.values
    targets = tuple(
        text.pair(names.latex(net.y(k, n)), values[net.y(k, n)], view.digits, net.y(k, n))
        for k in range(1, net.sizes[-1] + 1)
    )
    loss_lines = [text.pair(names.latex("L"), values["L"], view.digits, "L")]
    if net.batch:
        share = net.loss_key(n)
        loss_lines.insert(0, text.pair(names.latex(share), values[share], view.digits, share))
    return Detailed(
        title=_title(view),
        columns=tuple(columns),
        edges=tuple(edges),
        targets=targets,
        loss_caption=(text.prose(t("diagram.loss")),),
        loss_name=text.prose(f"`{net.loss.name}`"),
        loss_lines=tuple(loss_lines),
        legend=_legend(view, dashed=any(e.value < 0 for e in edges)),
    )


def compact(view: View) -> Compact:
    """One box per layer: its role, activation, unit count and parameter shapes; the loss."""
    net, t = view.trace.network, view.strings
    boxes = [(text.prose(t("diagram.inputs")), _count(t, net.sizes[0]))]
    kinds = ["input"]
    for l, layer in enumerate(view.trace.spec.layers, 1):
        if layer.shared_bias is not None:
            bias = t("diagram.shared_bias")
        elif layer.biases is not None:
            bias = t("diagram.biases", count=layer.units)
        else:
            bias = t("diagram.no_bias")
        boxes.append(
            (
                text.prose(_role(view, l)),
                text.prose(literal(net.activation(l).name)),
                _count(t, layer.units),
                text.prose(t("diagram.weights", rows=layer.units, cols=net.sizes[l - 1])),
                text.prose(bias),
            )
        )
        kinds.append("output" if l == net.depth else "hidden")
    loss = view.it.values["L"]
    boxes.append(
        (
            text.prose(t("diagram.loss")),
            text.prose(f"`{net.loss.name}`"),
            text.pair(view.names.latex("L"), loss, view.digits, "L"),
        )
    )
    kinds.append("loss")
    legend = (text.prose(t("diagram.compact")), *_legend(view, dashed=False))
    return Compact(_title(view), tuple(boxes), tuple(kinds), legend)


# -- pieces


def _title(view: View) -> str:
    return text.prose(view.strings("diagram.alt")).plain


def _role(view: View, l: int) -> str:
    if l == view.trace.network.depth:
        return view.strings("diagram.output")
    return view.strings("diagram.hidden", layer=l)


def _count(t: Strings, count: int) -> Text:
    return text.prose(t("diagram.units", count=count, units=Markup(t.units(count))))


def _legend(view: View, dashed: bool) -> tuple[Text, ...]:
    t, net = view.strings, view.trace.network
    items = []
    if net.batch:
        items.append(t("diagram.sample", n=view.sample, count=net.n_samples))
    if len(view.trace.iterations) > 1 or view.iteration > 1:
        items.append(t("diagram.iteration", n=view.iteration))
    items.append(t("diagram.rounded", digits=view.digits))
    if dashed:
        items.append(t("diagram.dashed"))
    return tuple(text.prose(i) for i in items)


def _value(view: View, k: str) -> Text:
    return text.pair(view.names.latex(k), view.it.values[k], view.digits, k)


def _gradient(view: View, param: str) -> Text:
    """∂L/∂p of this iteration; in a batch, the share of the chosen sample (∂L⁽ⁿ⁾/∂p)."""
    net, names = view.trace.network, view.names
    if not net.param_index[param].trainable:
        return text.prose(view.strings("diagram.frozen"))
    if net.batch:
        k = f"dL@{view.sample}/d{param}"
        loss = names.latex(f"L@{view.sample}")
    else:
        k, loss = grad(param), names.latex("L")
    name = text.gradient_name(loss, names.latex(param))
    return text.pair(name, view.it.values[k], view.digits, k)


def _param(view: View, param: str) -> tuple[Text, ...]:
    shown = text.pair(view.names.latex(param), view.it.params[param], view.digits, param)
    return (shown, _gradient(view, param)) if view.grads else (shown,)


def _inputs(view: View) -> Column:
    net, names, n = view.trace.network, view.names, view.sample
    units = []
    for i in range(1, net.sizes[0] + 1):
        k = net.a(0, i, n)
        units.append(Unit("input", text.math(names.latex(strip_sample(k))), below=(_value(view, k),)))
    return Column((text.prose(view.strings("diagram.inputs")),), tuple(units))


def _layer(view: View, l: int, short: bool) -> Column:
    net, names, n = view.trace.network, view.names, view.sample
    kind = "output" if l == net.depth else "hidden"
    caption = [text.prose(_role(view, l)), text.prose(literal(net.activation(l).name))]
    units = []
    for j, unit in enumerate(net.units[l - 1], 1):
        a, z = net.a(l, j, n), net.z(l, j, n)
        below = [_value(view, a)] if short else [_value(view, z), _value(view, a)]
        if view.grads:
            if not short:
                name = text.gradient_name(names.latex("L"), names.latex(a))
                below.append(text.pair(name, view.it.values[grad(a)], view.digits, grad(a)))
            below.append(_value(view, net.delta(l, j, n)))
        above: tuple[Text, ...] = ()
        if unit.bias is not None and "[" in unit.bias:
            above = _param(view, unit.bias)
        circle = names.unit(l, j)[0] if names.name == "flat" else names.latex(strip_sample(a))
        units.append(Unit(kind, text.math(circle), above, tuple(below)))
    shared = net.units[l - 1][0].bias
    if shared is not None and "[" not in shared:  # one bias for the layer: said once, in the caption
        caption += _param(view, shared)
    return Column(tuple(caption), tuple(units))


def _edge(view: View, l: int, j: int, i: int, weight: str) -> Edge:
    value = float(view.it.params[weight])
    return Edge(l - 1, i - 1, j - 1, _param(view, weight), value)
