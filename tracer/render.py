"""Turn a Trace into a report: build the template context (all LaTeX made here), render.

Templates live in ``templates/`` (shipped in the wheel as ``tracer/templates``); a user's
folder given with ``-t`` goes in front, so a user template can extend
``default/report.md.jinja2`` and replace one block.
"""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import sympy as sp

from tracer import __version__, activations, losses
from tracer.derive import Step
from tracer.jsontrace import to_json
from tracer.notation import partial
from tracer.printing import DEFAULT_DIGITS, TracerPrinter, number_latex, number_text, rounded
from tracer.trace import Trace

FORMATS = ("md", "json")


def template_dirs() -> list[Path]:
    """The packaged templates (wheel) or the repository's top-level folder (source tree)."""
    here = Path(__file__).resolve().parent
    return [p for p in (here / "templates", here.parent / "templates") if p.is_dir()]


def make_env(template_dir: str | Path | None = None) -> jinja2.Environment:
    search = [str(template_dir)] if template_dir else []
    search += [str(p) for p in template_dirs()]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    trace: Trace, fmt: str = "md", digits: int = DEFAULT_DIGITS, template_dir: str | Path | None = None
) -> str:
    """The report of ``trace`` in format ``fmt`` as text."""
    if fmt == "json":
        return json.dumps(to_json(trace), indent=2, ensure_ascii=False) + "\n"
    env = make_env(template_dir)
    return env.get_template(f"default/report.{fmt}.jinja2").render(context(trace, digits))


# ----------------------------------------------------------------------------- context


class _Math:
    """Prints expressions for one set of values (one iteration)."""

    def __init__(self, values: dict[str, sp.Expr], digits: int, notation: str = "layer") -> None:
        self.symbolic = TracerPrinter(digits=digits, notation=notation)
        self.numeric = TracerPrinter(
            digits=digits, notation=notation, values={sp.Symbol(k, real=True): v for k, v in values.items()}
        )
        self.values = values
        self.digits = digits

    def sym(self, expr: sp.Expr) -> str:
        return self.symbolic.doprint(expr)

    def num(self, expr: sp.Expr) -> tuple[str, bool]:
        text = self.numeric.doprint(expr)
        return text, self.numeric.rounded

    def value(self, value: sp.Expr) -> tuple[str, str]:
        """(relation, LaTeX) for a final value: '=' when exact, '\\approx' when rounded."""
        return ("=" if rounded(value, self.digits)[1] else r"\approx"), number_latex(value, self.digits)

    def step(self, step: Step, lhs: str | None = None) -> dict:
        """lhs, then one (relation, rhs) line per form, the numbers, and the value."""
        lines = [("=", self.sym(form)) for form in step.forms]
        numbers, approx = self.num(step.forms[-1])
        value = self.values[step.key]
        rel, shown = self.value(value)
        if not isinstance(step.forms[-1], sp.Symbol) and numbers not in (shown, lines[-1][1]):
            lines.append((r"\approx" if approx else "=", numbers))
        if shown != lines[-1][1]:
            lines.append((rel, shown))
        return {"key": step.key, "lhs": lhs or self.sym(sp.Symbol(step.key, real=True)), "lines": lines}


def _aligned(*blocks: dict) -> str:
    """One aligned environment holding the blocks, a little space between them."""
    return "\\begin{aligned}\n" + " \\\\[6pt]\n".join(_rows(b) for b in blocks) + "\n\\end{aligned}"


def context(trace: Trace, digits: int = DEFAULT_DIGITS) -> dict:
    net = trace.network
    first = trace.first
    m = _Math(first.values, digits)
    by_kind: dict[str, list[Step]] = {}
    unit_step: dict[tuple[str, int | None, int | None, int | None], Step] = {}
    for s in trace.steps:
        by_kind.setdefault(s.kind, []).append(s)
        unit_step[(s.kind, s.sample, s.layer, s.unit)] = s

    def blocks(kind: str, **where: object) -> list[dict]:
        return [m.step(s) for s in by_kind.get(kind, []) if all(getattr(s, k) == v for k, v in where.items())]

    def unit_blocks(kinds: tuple[str, ...], n: int, l: int) -> list[str]:
        """One aligned block per unit of layer l, holding that unit's steps of these kinds."""
        return [
            _aligned(*(m.step(unit_step[(kind, n, l, j)]) for kind in kinds))
            for j in range(1, net.sizes[l] + 1)
        ]

    after = trace_loss_after(trace)
    samples = []
    for n in net.samples():
        forward_layers = [
            {"layer": l, "title": _layer_title(net, l), "units": unit_blocks(("net", "act"), n, l)}
            for l in range(1, net.depth + 1)
        ]
        loss_block = [_aligned(b) for b in blocks("loss", sample=n)]
        backward_layers = []
        for l in range(net.depth, 0, -1):
            units = unit_blocks(("dL_da", "da_dz", "delta"), n, l)
            params = [_aligned(b) for b in blocks("grad", sample=n, layer=l)]
            backward_layers.append(
                {
                    "layer": l,
                    "title": _layer_title(net, l),
                    "units": units,
                    "params": params,
                    "notes": _inactive_notes(net, first.values, l, n, m),
                }
            )
        samples.append(
            {
                "index": n,
                "inputs": _inline_list(m, [net.a(0, i, n) for i in range(1, net.sizes[0] + 1)]),
                "targets": _inline_list(m, [net.y(k, n) for k in range(1, net.sizes[-1] + 1)]),
                "forward": forward_layers,
                "loss": loss_block,
                "backward": backward_layers,
            }
        )
    return {
        "title": trace.spec.title,
        "description": trace.spec.description,
        "version": __version__,
        "digits": digits,
        "batch": net.batch,
        "network": _network(trace, m),
        "rules": _rules(trace, m),
        "samples": samples,
        "total_loss": [_aligned(b) for b in blocks("loss_total")],
        "loss_value": m.value(first.loss),
        "sums": [_aligned(b) for b in blocks("grad_sum")],
        "eta": number_latex(trace.spec.learning_rate, digits),
        "updates": [_aligned(b) for b in blocks("update")],
        "summary": _summary(trace, digits),
        "loss_after": m.value(after),
        "loss_before": m.value(first.loss),
        "loss_change": _change(first.loss, after, digits),
        "history": _history(trace, digits),
        "check": trace.check,
    }


def trace_loss_after(trace: Trace) -> sp.Expr:
    """The loss after the first update (the next iteration's, or the final loss)."""
    return trace.iterations[1].loss if len(trace.iterations) > 1 else trace.final_loss


def _rows(block: dict) -> str:
    rows = []
    for i, (rel, rhs) in enumerate(block["lines"]):
        rows.append(f"{block['lhs'] if i == 0 else ''} &{rel} {rhs}")
    return " \\\\\n".join(rows)


def _inactive_notes(net, values: dict, l: int, n: int, m: _Math) -> list[str]:
    """Say so when a unit's ∂a/∂z is exactly 0 (a ReLU below zero): nothing flows back through it."""
    notes = []
    for j in range(1, net.sizes[l] + 1):
        zk, ak = net.z(l, j, n), net.a(l, j, n)
        if values[partial(ak, zk)] == 0:
            z = m.sym(sp.Symbol(zk, real=True))
            relation, shown = m.value(values[zk])
            notes.append(
                f"Unit {j} is inactive: ${z} {relation} {shown}$, where the derivative of "
                f"{net.activation(l).name} is 0, so no gradient flows back through it: its incoming "
                "weights and its bias get a zero gradient from this sample."
            )
    return notes


def _inline_list(m: _Math, keys: list[str]) -> list[dict]:
    return [
        {"name": m.sym(sp.Symbol(k, real=True)), "value": number_text(m.values[k], m.digits)} for k in keys
    ]


def _layer_title(net, l: int) -> str:
    role = "output layer" if l == net.depth else "hidden layer"
    return (
        f"Layer {l} ({role}, {net.activation(l).name}, {net.sizes[l]} unit{'s' if net.sizes[l] > 1 else ''})"
    )


def _network(trace: Trace, m: _Math) -> dict:
    net = trace.network
    layers = []
    for l, layer_spec in enumerate(trace.spec.layers, 1):
        mats = [rf"W^{{[{l}]}} = {_matrix(layer_spec.weights, m.digits)}"]
        if layer_spec.biases is not None:
            column = [(b,) for b in layer_spec.biases]
            mats.append(rf"b^{{[{l}]}} = {_matrix(column, m.digits)}")
        elif layer_spec.shared_bias is not None:
            shared = number_latex(layer_spec.shared_bias, m.digits)
            mats.append(rf"b^{{[{l}]}} = {shared} \text{{ (one bias shared by the layer)}}")
        layers.append(
            {
                "index": l,
                "units": layer_spec.units,
                "activation": layer_spec.activation,
                "matrices": r",\qquad ".join(mats),
            }
        )
    frozen = [p.key for p in net.params if not p.trainable]
    return {
        "sizes": " → ".join(str(s) for s in net.sizes),
        "shape": [f"{net.sizes[0]} inputs"]
        + [f"{n} {net.activation(l).name}" for l, n in enumerate(net.sizes[1:], 1)],
        "layers": layers,
        "loss_name": net.loss.name,
        "loss_description": net.loss.description,
        "samples": net.n_samples,
        "parameters": len(net.params),
        "trainable": len(net.trainable),
        "frozen": [m.sym(sp.Symbol(k, real=True)) for k in frozen],
    }


def _matrix(rows, digits: int) -> str:
    body = r" \\ ".join(" & ".join(number_latex(v, digits) for v in row) for row in rows)
    return r"\begin{pmatrix} " + body + r" \end{pmatrix}"


def _rules(trace: Trace, m: _Math) -> dict:
    """The local derivatives, as SymPy derived them, in generic symbols."""
    net = trace.network
    acts = []
    for name in dict.fromkeys(layer.activation for layer in trace.spec.layers):
        rule = activations.rule(name)
        act = rule.activation
        z = activations.Z
        shown = act.shown(z)
        line = rf"{act.latex}(z) = {m.sym(shown)}"
        if name == "linear":
            line = r"a = z"
        deriv = [m.sym(sp.Derivative(shown, z)), m.sym(rule.dz)]
        if rule.da is not None:
            deriv.append(m.sym(rule.da))
        text = r"\frac{\partial a}{\partial z} = " + " = ".join(dict.fromkeys(deriv))
        acts.append(
            {
                "name": name,
                "description": act.description,
                "latex": line + r",\qquad " + text,
                "in_terms_of_a": rule.da is not None,
            }
        )
    loss_rule = losses.rule(net.loss.name)
    scale = net.loss_scale
    term = m.sym(loss_rule.loss.term)
    prefix = "" if scale == 1 else m.sym(scale) + r" \cdot "
    W, x, b = (sp.Symbol(s, real=True) for s in ("W", "x", "b"))
    zexpr = W * x + b
    return {
        "activations": acts,
        "loss": rf"L = {prefix}\sum_{{n,k}} {term}" if net.batch else rf"L = {prefix}\sum_{{k}} {term}",
        "loss_derivative": rf"\frac{{\partial L}}{{\partial a}} = {prefix}{m.sym(loss_rule.da)}",
        "loss_note": loss_rule.loss.description,
        "net": r"z = \dots + W \cdot x + \dots + b,\qquad \frac{\partial z}{\partial W} = "
        + m.sym(sp.diff(zexpr, W))
        + r",\quad \frac{\partial z}{\partial b} = "
        + m.sym(sp.diff(zexpr, b))
        + r",\quad \frac{\partial z}{\partial x} = "
        + m.sym(sp.diff(zexpr, x)),
    }


def _summary(trace: Trace, digits: int) -> list[dict]:
    first = trace.first
    grads = trace.gradients(first)
    rows = []
    printer = TracerPrinter(digits=digits)
    for p in trace.network.params:
        rows.append(
            {
                "name": printer.doprint(p.symbol),
                "key": p.key,
                "before": number_text(first.params[p.key], digits),
                "gradient": number_text(grads[p.key], digits) if p.key in grads else "frozen",
                "after": number_text(first.updated[p.key], digits),
            }
        )
    return rows


def _change(before: sp.Expr, after: sp.Expr, digits: int) -> str:
    diff = after - before
    word = "decreased" if diff < 0 else ("increased" if diff > 0 else "did not change")
    if diff == 0:
        return word
    return f"{word} by {number_text(abs(diff), digits)}"


def _history(trace: Trace, digits: int) -> list[dict]:
    its = trace.iterations
    if len(its) == 1:
        return []
    marks = {1, len(its)} | {
        k for k in (2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000) if k <= len(its)
    }
    if len(its) <= 20:
        marks = set(range(1, len(its) + 1))
    return [{"index": k, "loss": number_text(its[k - 1].loss, digits)} for k in sorted(marks)]
