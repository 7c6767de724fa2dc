"""The network section of a report: the facts of the network (layers, loss, learning rate,
samples, parameters, how weights were drawn), each layer's parameters, the notation's line and
notes on targets the output layer cannot reach. Used by both views."""

from __future__ import annotations

from tracer.evaluate.tracing import Trace
from tracer.functions import activations
from tracer.notation import Notation
from tracer.numbers import number_latex
from tracer.report.blocks import Printers
from tracer.report.lang import Strings
from tracer.report.markup import Markup, Math
from tracer.spec import reading


def network_section(trace: Trace, m: Printers, t: Strings) -> dict:
    """The network section: its facts, each layer's parameters, the notation and notes."""
    net = trace.network
    names = m.names
    layers = []
    for l, layer_spec in enumerate(trace.spec.layers, 1):
        count = layer_spec.units
        words = {
            "layer": l,
            "count": count,
            "activation": layer_spec.activation,
            "units": Markup(t.units(count)),
        }
        if names.name == "layer":
            mats = [rf"W^{{[{l}]}} = {_matrix(layer_spec.weights, m.digits)}"]
            if layer_spec.biases is not None:
                mats.append(rf"b^{{[{l}]}} = {_matrix([(b,) for b in layer_spec.biases], m.digits)}")
            elif layer_spec.shared_bias is not None:
                mats.append(rf"b^{{[{l}]}} = {number_latex(layer_spec.shared_bias, m.digits)}")
            layers.append({"line": t("network.layer_line", **words), "math": r",\qquad ".join(mats)})
        else:
            layers.append({"line": t("network.layer_params", **words), "math": _param_rows(net, l, m)})
    frozen = [p.key for p in net.params if not p.trainable]
    frozen_names = Markup(", ".join(f"${m.name(k)}$" for k in frozen))
    parameters = t("network.parameters_value", count=len(net.params), trained=len(net.trainable))
    if frozen:
        parameters += " (" + t("network.frozen", names=frozen_names) + ")"
    shape = [t("network.inputs", count=net.sizes[0])] + [
        t("network.layer_units", count=n, activation=net.activation(l).name)
        for l, n in enumerate(net.sizes[1:], 1)
    ]
    loss_name = net.loss.name
    return {
        "facts": [
            (t("network.layers"), " → ".join(shape)),
            (t("network.loss"), f"`{loss_name}`, " + t.maybe(f"losses.{loss_name}", net.loss.description)),
            (
                t("network.learning_rate"),
                f"${m.name('eta')} = {number_latex(trace.spec.learning_rate, m.digits)}$",
            ),
            (t("network.samples"), str(net.n_samples)),
            (t("network.parameters"), parameters),
            *_init_fact(trace, t),
        ],
        "notation_line": _notation_line(net, names, t),
        "notes": _unreachable(trace, m, t),
        "layers": layers,
        "head": [t("network.sample"), t("network.inputs_head"), t("network.targets_head")],
    }


def _unreachable(trace: Trace, m: Printers, t: Strings) -> list[str]:
    """A note for each target the output layer can never produce (a sigmoid's 1.5, a ReLU's
    −1): the loss cannot fall to 0 there, whatever the training."""
    net = trace.network
    act = net.activation(net.depth)
    low, high = activations.reach(act)
    infinity = r"\infty"
    lo = "(-" + infinity if low is None else f"[{low}"
    hi = infinity + ")" if high is None else f"{high}]"
    ends = Math(f"{lo}, {hi}")
    notes = []
    for n, sample in enumerate(trace.spec.samples, 1):
        for k, y in enumerate(sample.targets, 1):
            if (low is not None and y < low) or (high is not None and y > high):
                target = Math(f"{m.name(net.y(k, n))} = {number_latex(y, m.digits)}")
                key = "network.unreachable_batch" if net.batch else "network.unreachable"
                notes.append(t(key, target=target, sample=n, activation=act.name, ends=ends))
    return notes


def _init_fact(trace: Trace, t: Strings) -> list[tuple[str, str]]:
    """How the weights the spec left out were drawn (nothing when it gave them all)."""
    init = trace.spec.init
    if init is None or not trace.spec.drawn:
        return []
    how = t(
        f"init_methods.{init.method}",
        low=reading.decimal(init.low),
        high=reading.decimal(init.high),
        std=reading.decimal(init.std),
    )
    layers = ", ".join(str(l) for l in trace.spec.drawn)
    value = t("network.init_value", how=Markup(how), seed=init.seed, decimals=init.decimals, layers=layers)
    return [(t("network.init"), value)]


def _notation_line(net, names: Notation, t: Strings) -> str | None:
    if names.name == "flat":
        return t("network.flat_line")
    if names.name != "node":
        return None
    ranges = []
    for l, size in enumerate(net.sizes):
        first, last = names.node(l, 1), names.node(l, size)
        if l == 0:
            role = t("network.role_input")
        elif l == net.depth:
            role = t("network.role_output")
        else:
            role = t("network.role_hidden", layer=l)
        ranges.append(t("network.node_range", role=Markup(role), first=first, last=last))
    return t("network.node_line", ranges=Markup(", ".join(ranges)))


def _param_rows(net, l: int, m: Printers) -> str:
    """Each unit's incoming weights and bias as ``name = value`` pairs, one row per unit."""
    rows = []
    for unit in net.units[l - 1]:
        keys = [*unit.weights, *([unit.bias] if unit.bias else [])]
        pairs = [f"{m.name(k)} = {number_latex(net.param_index[k].value, m.digits)}" for k in keys]
        rows.append("& " + r",\quad ".join(pairs))
    shared = [u.bias for u in net.units[l - 1] if u.bias and "[" not in u.bias]
    if len(set(shared)) == 1 and len(net.units[l - 1]) > 1:
        rows = [r.replace(rf",\quad {m.name(shared[0])} = ", "%").split("%")[0] for r in rows]
        value = number_latex(net.param_index[shared[0]].value, m.digits)
        rows.append(f"& {m.name(shared[0])} = {value}")
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def _matrix(rows, digits: int) -> str:
    body = r" \\ ".join(" & ".join(number_latex(v, digits) for v in row) for row in rows)
    return r"\begin{pmatrix} " + body + r" \end{pmatrix}"
