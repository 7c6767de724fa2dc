"""The template context of a report: every formula as LaTeX, every sentence as markup.

Nothing here knows the output format; :mod:`tracer.report.formats` turns markup and LaTeX into
Markdown, LaTeX or HTML, and the templates place them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sympy as sp

from tracer import __version__
from tracer.derive.steps import Step
from tracer.errors import TracerError
from tracer.evaluate.exact import forward
from tracer.evaluate.gcpause import paused
from tracer.evaluate.precision import carried_values, exact_values, written_down
from tracer.evaluate.tracing import EXACT_LIMIT, Iteration, Trace
from tracer.evaluate.workers import map_both_ends
from tracer.notation import Notation, partial
from tracer.numbers import number_latex, number_pair, number_text
from tracer.report import rules
from tracer.report.blocks import EXACT_WIDTH, Printers, aligned
from tracer.report.lang import Strings
from tracer.report.markup import Markup, Math
from tracer.report.netsection import network_section


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
        "network": network_section(trace, m, t),
        "rules": _rules(trace, m, t),
        "details": details,
        **details[0],  # the first detailed iteration also at the top level
        "training": run,
        "history": run["rows"] if run else [],  # the checkpoint rows, as in training.rows
        "check": _check(trace, t),
    }


def _training(trace: Trace, m: Printers, t: Strings, digits: int, exact_until: int) -> dict | None:
    from tracer.report import training  # NumPy (the fast path) only for a report of several iterations

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
        forward_pass = [
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
                "forward": forward_pass,
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
    :mod:`tracer.evaluate.workers`). Each list handed out is filled in place."""

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


def _rules(trace: Trace, m: Printers, t: Strings) -> dict:
    """The local derivatives, as SymPy derived them, in generic symbols (see tracer.report.rules)."""
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
