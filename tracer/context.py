"""The template context of a report: every formula as LaTeX, every sentence as markup.

Nothing here knows the output format; :mod:`tracer.formats` turns markup and LaTeX into
Markdown, LaTeX or HTML, and the templates place them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sympy as sp

from tracer import __version__, activations, reading
from tracer.blocks import EXACT_WIDTH, Printers, aligned
from tracer.derive import Step
from tracer.errors import TracerError
from tracer.evaluate import forward
from tracer.gcpause import paused
from tracer.lang import Strings
from tracer.markup import Markup, Math
from tracer.notation import Notation, partial
from tracer.precision import carried_values, exact_values, written_down
from tracer.printing import number_latex, number_pair, number_text
from tracer.trace import EXACT_LIMIT, Iteration, Trace
from tracer.workers import map_both_ends


@paused
def build(
    trace: Trace,
    names: Notation,
    t: Strings,
    digits: int,
    exact: bool = False,
    carry: bool = False,
    detail: tuple[int, ...] = (1,),
) -> dict:
    """The whole context; ``detail`` chooses the iterations shown step by step (1-based)."""
    net = trace.network
    chosen = [k for k in sorted(set(detail)) if 1 <= k <= len(trace.iterations)] or [1]
    if not trace.iterations[chosen[-1] - 1].exact:
        params, units = len(net.params), sum(net.sizes[1:])
        raise TracerError(
            f"{net.n_samples} samples x ({params} parameters + {units} units) are beyond the "
            f"step-by-step bound of {EXACT_LIMIT}: every iteration was computed in float64, "
            "with no exact steps to show (the JSON trace, -f json, has its numbers)",
            "samples",
        )
    details = [_iteration(trace, trace.iterations[k - 1], names, t, digits, exact, carry) for k in chosen]
    m = Printers(trace.first.values, digits, names)
    run = _training(trace, m, t, digits, chosen[-1]) if trace.trained else None
    sections = {"network": 1, "rules": 2}
    if len(details) == 1:
        sections.update(forward=3, backward=4, update=5, summary=6, training=7)
    else:
        for d, number in zip(details, range(3, 3 + len(details)), strict=True):
            d["number"] = number
        sections.update(summary=3 + len(details), training=4 + len(details))
    return {
        "title": trace.spec.title,
        "description": trace.spec.description,
        "version": __version__,
        "digits": digits,
        "exact": exact,
        "exact_width": EXACT_WIDTH,
        "carry": carry,
        "batch": net.batch,
        "notation": names.name,
        "sections": sections,
        "network": _network(trace, m, t),
        "rules": _rules(trace, m, t),
        "details": details,
        **details[0],  # the first detailed iteration also at the top level
        "training": run,
        "history": run["rows"] if run else [],  # the checkpoint rows, as in training.rows
        "check": _check(trace, t),
    }


def _training(trace: Trace, m: Printers, t: Strings, digits: int, exact_until: int) -> dict | None:
    from tracer import training  # with the fast path and NumPy: only a run of several iterations

    return training.context(trace, m, t, digits, exact_until)


def _iteration(
    trace: Trace, it: Iteration, names: Notation, t: Strings, digits: int, exact: bool, carry: bool
) -> dict:
    """Everything shown for one iteration: its passes, sums, updates and summary table."""
    net = trace.network
    values = dict(it.values)
    carried = carried_values(trace.steps, values, digits) if carry else None
    exacts = exact_values(trace.steps, values) if exact and it.index == 1 else None
    m = Printers(values, digits, names, exacts, carried)
    by_kind: dict[str, list[Step]] = {}
    unit_step: dict[tuple[str, int | None, int | None, int | None], Step] = {}
    for s in trace.steps:
        by_kind.setdefault(s.kind, []).append(s)
        unit_step[(s.kind, s.sample, s.layer, s.unit)] = s

    def shown(steps: tuple[Step, ...]) -> dict:
        """One display block and the notes that follow it."""
        blocks = [m.step(s) for s in steps]
        notes = [t("carried_note", value=Math(n)) for b in blocks for n in b.notes]
        return {"math": aligned(*blocks), "notes": notes}

    later = _Later()

    def of_kind(kind: str, **where: object) -> list:
        found = [s for s in by_kind.get(kind, []) if all(getattr(s, k) == v for k, v in where.items())]
        return later.shown([(s,) for s in found])

    def units(kinds: tuple[str, ...], n: int, l: int) -> list:
        return later.shown(
            [tuple(unit_step[(kind, n, l, j)] for kind in kinds) for j in range(1, net.sizes[l] + 1)]
        )

    samples = []
    for n in net.samples():
        forward = [
            {"layer": l, "title": _layer_title(net, l, t), "units": units(("net", "act"), n, l)}
            for l in range(1, net.depth + 1)
        ]
        loss = of_kind("loss", sample=n)
        backward = [
            {
                "layer": l,
                "title": _layer_title(net, l, t),
                "units": units(("dL_da", "da_dz", "delta"), n, l),
                "params": of_kind("grad", sample=n, layer=l),
                "notes": _inactive_notes(net, m, l, n, t),
            }
            for l in range(net.depth, 0, -1)
        ]
        samples.append(
            {
                "index": n,
                "inputs": _listing(m, [net.a(0, i, n) for i in range(1, net.sizes[0] + 1)]),
                "targets": _listing(m, [net.y(k, n) for k in range(1, net.sizes[-1] + 1)]),
                "forward": forward,
                "loss": loss,
                "backward": backward,
            }
        )
    total_loss, sums, updates = of_kind("loss_total"), of_kind("grad_sum"), of_kind("update")
    later.done(shown)
    k = it.index
    after = trace.iterations[k].loss if len(trace.iterations) > k else trace.final_loss
    if carried is not None:
        after = _carried_loss_after(trace, carried.values, digits)
    eta = Math(f"{m.name('eta')} = {number_latex(trace.spec.learning_rate, digits)}")
    return {
        "index": k,
        "samples": samples,
        "total_loss": total_loss,
        "sums": sums,
        "eta": eta,
        "updates": updates,
        "loss_after": Math(f"L^{{+}} {' '.join(m.value(after))}"),
        "loss_before": Math(f"L {' '.join(m.value(m.values['L'], 'L'))}"),
        "loss_change": _change(m.values["L"], after, digits, t),
        "summary": _summary(trace, it, m),
    }


class _Later:
    """The display blocks of an iteration, gathered in reading order while its context is laid
    out and printed together at the end: in two processes for a large report (see
    :mod:`tracer.workers`). Each list handed out is filled in place."""

    def __init__(self) -> None:
        self.groups: list[tuple[Step, ...]] = []  # the steps of each display block
        self.lists: list[list] = []  # each list handed out, holding indices into groups until done

    def shown(self, groups: list[tuple[Step, ...]]) -> list:
        start = len(self.groups)
        self.groups += groups
        self.lists.append(list(range(start, len(self.groups))))
        return self.lists[-1]

    def done(self, show: Callable[[tuple[Step, ...]], dict]) -> None:
        printed = map_both_ends(show, self.groups)
        for found in self.lists:
            found[:] = [printed[k] for k in found]


def _listing(m: Printers, keys: list[str]) -> str:
    """``$x_1 = 0.02$, $x_2 = 0.04$`` as markup."""
    return ", ".join(f"${m.math(k).latex}$" for k in keys)


def _carried_loss_after(trace: Trace, values: dict[str, sp.Expr], digits: int) -> sp.Expr:
    """The loss at the written-down updated parameters (rounded like every carried value)."""
    net = trace.network
    params = {p.key: values.get(p.key + "+", values[p.key]) for p in net.params}
    loss = forward(net, params, backward=False)["L"]
    return written_down(loss, digits)


def _inactive_notes(net, m: Printers, l: int, n: int, t: Strings) -> list[str]:
    """Say so when a unit's ∂a/∂z is exactly 0 (a ReLU below zero): nothing flows back through it."""
    notes = []
    for j in range(1, net.sizes[l] + 1):
        zk, ak = net.z(l, j, n), net.a(l, j, n)
        if m.values[partial(ak, zk)] == 0:
            notes.append(t("inactive", unit=j, value=m.math(zk), activation=net.activation(l).name))
    return notes


def _layer_title(net, l: int, t: Strings) -> str:
    role = t("role_output") if l == net.depth else t("role_hidden")
    count = net.sizes[l]
    return t(
        "layer_title",
        layer=l,
        role=Markup(role),
        activation=net.activation(l).name,
        count=count,
        units=Markup(t.units(count)),
    )


def _network(trace: Trace, m: Printers, t: Strings) -> dict:
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


def _rules(trace: Trace, m: Printers, t: Strings) -> dict:
    """The local derivatives, as SymPy derived them, in generic symbols (see tracer.rules)."""
    from tracer import rules

    return rules.context(trace.network, m.digits, t)


def _summary(trace: Trace, first: Iteration, m: Printers) -> list[dict]:
    """Rows of the summary table: values as written in this report (carried if so)."""
    rows = []
    for p in trace.network.params:
        g = "dL/d" + p.key
        after = m.values.get(p.key + "+", first.updated[p.key]) if p.trainable else first.updated[p.key]
        rows.append(
            {
                "name": m.name(p.key),
                "key": p.key,
                "before": number_pair(first.params[p.key], m.digits),
                "gradient": number_pair(m.values[g], m.digits) if p.trainable else None,
                "after": number_pair(after, m.digits),
            }
        )
    return rows


def _change(before: sp.Expr, after: sp.Expr, digits: int, t: Strings) -> str:
    diff = after - before
    if diff == 0:
        return t("change_none")
    return t("change_down" if diff < 0 else "change_up", amount=number_text(abs(diff), digits))


def _check(trace: Trace, t: Strings) -> dict:
    c = trace.check

    def result(text: str) -> str:
        found = re.fullmatch(r"skipped \(more than (\d+) parameter-sample pairs for (\d+) layers\)", text)
        if found:
            return t("checks.skipped_size", limit=found[1], depth=found[2])
        if text == "skipped (every parameter is upstream of a kink)":
            return t("checks.skipped_kink")
        return t.maybe(f"checks.results.{text}", text)

    largest = ""
    if c.max_relative_difference is not None:
        largest = t("checks.largest", value=f"{c.max_relative_difference:.1e}")
    method = t.maybe(f"checks.methods.{c.method}", c.method) if c.method else ""
    lines = [
        t("checks.symbolic", result=Markup(result(c.symbolic))),
        t(
            "checks.numeric",
            digits=c.digits,
            method=Markup(method),
            largest=Markup(largest),
            result=Markup(result(c.numeric)),
        ),
    ]
    if c.excluded:
        lines.append(t("checks.excluded", count=len(c.excluded)))
    return {"lines": lines}
