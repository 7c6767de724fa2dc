"""The "local rules" section of a report: each activation's derivative and the loss's, as
SymPy derived them, in generic symbols (z, a, y), and how the loss combines the samples.

Format-agnostic like the rest of the context: prose is markup from the language files,
formulas are LaTeX.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter

from tracer.derive.network import Network
from tracer.functions import activations, losses
from tracer.functions.softmax import A_, AJ, AK, J_, K_, ZJ, ZK, collapse, jacobian
from tracer.numbers import number_latex
from tracer.report.lang import Strings
from tracer.report.markup import Markup, Math
from tracer.report.printer import TracerPrinter


def context(net: Network, digits: int, t: Strings) -> dict:
    """``intro``, ``activations`` (line + math each), ``net_line``/``net``, ``loss_line``/``loss``."""
    generic = TracerPrinter(digits=digits)
    acts = [_activation(act, generic, t) for act in dict.fromkeys(net.activation(l) for l in _layers(net))]
    W, x, b = (sp.Symbol(s, real=True) for s in ("W", "x", "b"))
    zexpr = W * x + b
    line, math = _loss(net, generic, t)
    return {
        "intro": t("rules.intro"),
        "activations": acts,
        "net_line": t("rules.net"),
        "net": r"z = \dots + W \cdot x + \dots + b,\qquad \frac{\partial z}{\partial W} = "
        + generic.doprint(sp.diff(zexpr, W))
        + r",\quad \frac{\partial z}{\partial b} = "
        + generic.doprint(sp.diff(zexpr, b))
        + r",\quad \frac{\partial z}{\partial x} = "
        + generic.doprint(sp.diff(zexpr, x)),
        "loss_line": line,
        "loss": math,
    }


def _layers(net: Network) -> range:
    return range(1, net.depth + 1)


def _activation(act: activations.Activation, generic: TracerPrinter, t: Strings) -> dict:
    """One activation's rule: f(z), then ∂a/∂z as sympy.diff gave it and its other forms."""
    name = act.name
    if name in activations.ACTIVATIONS:
        description = Markup(t.maybe(f"activations.{name}", act.description))
    else:  # the spec's own formula, shown as written
        description = Markup(t("custom_activation", formula=act.description))
    if act.coupled:
        return {
            "line": t("rules.activation_coupled", name=name, description=description),
            "math": softmax_rule_latex(generic.digits),
        }
    rule = activations.layer_rule(act)
    z = activations.Z
    shown = act.shown(z)
    line = r"a = z" if name == "linear" else rf"{act.latex}(z) = {generic.doprint(shown)}"
    deriv = [generic.doprint(sp.Derivative(shown, z)), generic.doprint(rule.dz)]
    for other in (rule.named, rule.da):
        if other is not None:
            deriv.append(generic.doprint(other))
    text = r"\frac{\partial a}{\partial z} = " + " = ".join(dict.fromkeys(deriv))
    if act.setting is not None:  # leaky_relu: the slope this layer uses
        value = Math(rf"\alpha = {number_latex(act.setting, generic.digits)}")
        line_text = t("rules.activation_slope", name=name, description=description, slope=value)
    else:
        key = "rules.activation_in_a" if rule.da is not None else "rules.activation"
        line_text = t(key, name=name, description=description)
    return {"line": line_text, "math": line + r",\qquad " + text}


def _loss(net: Network, generic: TracerPrinter, t: Strings) -> tuple[str, str]:
    """The loss line (with the reduction) and its math (with softmax's collapse, if any)."""
    loss_rule = losses.rule(net.loss.name)
    scale = net.loss_scale
    term = generic.doprint(loss_rule.loss.term)
    prefix = "" if scale == 1 else generic.doprint(scale) + r" \cdot "
    total = rf"{prefix}\sum_{{n,k}} {term}" if net.batch else rf"{prefix}\sum_{{k}} {term}"
    description = Markup(t.maybe(f"losses.{net.loss.name}", loss_rule.loss.description))
    line = t("rules.loss_reduced", description=description, reduction=Markup(_reduction(net, t)))
    da = generic.doprint(loss_rule.da)
    if prefix and loss_rule.da.could_extract_minus_sign():
        da = rf"\left({da}\right)"
    body = total + r",\qquad \frac{\partial L}{\partial a} = " + prefix + da
    rows = softmax_collapse_rows(net.loss.name, scale, generic.digits) if _softmax_output(net) else []
    if not rows:
        return line, "L = " + body
    line += " " + t("rules.softmax_collapse")
    return line, "\\begin{aligned}\n" + f"L &= {body} \\\\[6pt]\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def _softmax_output(net: Network) -> bool:
    return net.activation(net.depth).coupled


def _reduction(net: Network, t: Strings) -> str:
    """How the terms are combined: summed, or averaged over N·K terms or N samples."""
    loss = net.loss
    if net.reduction == "sum":
        text = t("rules.reduction_sum")
    elif loss.per_sample:
        text = t("rules.reduction_mean_samples", count=net.n_samples)
    else:
        count = Math(rf"N \cdot K = {net.n_samples} \cdot {net.sizes[-1]} = {net.n_samples * net.sizes[-1]}")
        text = t("rules.reduction_mean_terms", count=count)
    if net.reduction != loss.reduction:
        text += " " + t("rules.reduction_set", default=loss.reduction)
    return text


# -- softmax: its Jacobian and the collapse of the chain rule through it, as derived by SymPy


class GenericPrinter(TracerPrinter):
    """The report's printer, also for symbols no canonical key names (k, j, K, R)."""

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        try:
            return super()._print_Symbol(expr, style)
        except ValueError:
            return LatexPrinter._print_Symbol(self, expr, style)

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        return f"{self._print(expr.base.label)}_{{{' '.join(self._print(i) for i in expr.indices)}}}"


def _display(expr: sp.Expr) -> sp.Expr:
    """``expr`` as a reader expects it: e^{z_k} + e^{z_j} + R, factors of unit k first."""
    total = sp.exp(ZK) + sp.exp(ZJ) + activations.REST
    ordered = sp.Add(sp.exp(ZK), sp.exp(ZJ), activations.REST, evaluate=False)
    expr = expr.xreplace({total: ordered})
    if isinstance(expr, sp.Mul) and expr.has(AK) and expr.has(AJ):
        first = sorted(expr.args, key=lambda f: (not f.is_Number, not f.has(AK)))
        return sp.Mul(*first, evaluate=False)
    return expr


def softmax_rule_latex(digits: int) -> str:
    """The Jacobian's derivation for the rules section, as an aligned block."""
    p = GenericPrinter(digits=digits)
    jac = jacobian()
    unit = _display(jac.unit)
    general = sp.Mul(A_[K_], sp.Add(sp.KroneckerDelta(K_, J_), -A_[J_], evaluate=False), evaluate=False)
    rows = [
        r"a_{k} &= \operatorname{softmax}(z)_{k} = \frac{e^{z_{k}}}{\sum_{i=1}^{K} e^{z_{i}}} = "
        + p.doprint(unit),
        r"\frac{\partial a_{k}}{\partial z_{k}} &= "
        + " = ".join(p.doprint(e) for e in (sp.Derivative(unit, ZK), _display(jac.own_dz), jac.own)),
        r"\frac{\partial a_{k}}{\partial z_{j}} &= "
        + " = ".join(
            p.doprint(e) for e in (sp.Derivative(unit, ZJ), _display(jac.other_dz), _display(jac.other))
        )
        + r" \quad (j \ne k)",
        r"\frac{\partial a_{k}}{\partial z_{j}} &= " + p.doprint(general),
    ]
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def softmax_collapse_rows(loss: str, scale: sp.Rational, digits: int) -> list[str]:
    """Rows of an aligned block: δ_j = Σ_k ∂L/∂a_k ∂a_k/∂z_j simplified step by step; none
    when the sum does not collapse for ``loss``."""
    found = collapse(loss)
    if found is None:
        return []
    p = GenericPrinter(digits=digits)
    prefix = "" if scale == 1 else p.doprint(scale) + r" \cdot "
    chain = r"\sum_{k=1}^{K} \frac{\partial L}{\partial a_{k}} \frac{\partial a_{k}}{\partial z_{j}}"
    da, general = found.factors
    forms = [rf"{prefix}\sum_{{k=1}}^{{K}} \left({p.doprint(da)}\right) \cdot {p.doprint(general)}"]
    for step in found.steps[1:]:
        text = p.doprint(step)
        forms.append(prefix + (rf"\left({text}\right)" if prefix and step.is_Add else text))
    rows = [rf"\delta_{{j}} = \frac{{\partial L}}{{\partial z_{{j}}}} &= {chain}"]
    return rows + [f"&= {form}" for form in forms]
