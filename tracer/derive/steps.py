"""The chain rule, step by step, as symbolic records.

For every quantity of the first iteration a :class:`Step` holds its symbolic right-hand
sides, from the most general (the chain rule written with partial derivatives) to the
form that numbers are put into. Local derivatives come from :mod:`tracer.functions.activations`
and :mod:`tracer.functions.losses`, where SymPy derived them once per kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import sympy as sp

from tracer.derive.forms import SLOTS, Filled
from tracer.derive.forms import add as _add
from tracer.derive.forms import mul as _mul
from tracer.derive.network import Network, Unit, sample_grad
from tracer.functions import activations, losses, softmax
from tracer.notation import grad, partial, symbol, updated


@dataclass(frozen=True)
class Step:
    key: str  # the quantity computed, a canonical key
    kind: str  # net | act | loss | loss_total | dL_da | da_dz | delta | grad | grad_sum | update
    forms: Sequence[sp.Expr]  # right-hand sides; numbers go into the last one
    layer: int | None = None
    unit: int | None = None
    sample: int | None = None
    param: str | None = None
    # The same forms with placeholders (printing.SLOTS) where this step differs from others of
    # its kind, shared by them (every weight into one unit; every update), and what fills them
    # here: the report prints the shared forms once and puts each step's symbols in.
    template: tuple[sp.Expr, ...] | None = None
    fill: tuple[tuple[sp.Symbol, str], ...] = ()  # slot → the canonical key of what goes there


# A weight, the input it multiplies, the rest of the net input and the bias (for ∂z/∂w).
_W, _A, _REST, _B = sp.symbols("w a R b", real=True)


def _fn(act: activations.Activation) -> type[sp.Function]:
    """f written as a function, σ(z): the printer names ``act_<name>`` from the registry."""
    return sp.Function(f"act_{act.name}")


def _p(a: str, b: str) -> sp.Symbol:
    return symbol(partial(a, b))


def _g(k: str) -> sp.Symbol:
    return symbol(grad(k))


def forward_steps(net: Network, n: int) -> list[Step]:
    out = []
    for layer in net.units:
        act = net.activation(layer[0].layer)
        f = _fn(act)
        exps = [sp.exp(symbol(net.z(u.layer, u.index, n))) for u in layer] if act.coupled else []
        steps = []
        for u in layer:
            zk, ak = net.z(u.layer, u.index, n), net.a(u.layer, u.index, n)
            steps.append(Step(zk, "net", (net.net_input(u, n),), u.layer, u.index, n))
            z = symbol(zk)
            if act.coupled:  # softmax: e^{z_k} over the sum of the layer's exponentials
                forms: tuple[sp.Expr, ...] = (
                    _mul(exps[u.index - 1], sp.Pow(_add(*exps), -1, evaluate=False)),
                )
            elif act.name == "linear":
                forms = (z,)
            else:  # f(z) by name, then its formula; a function with a set constant by formula only
                forms = (_shown(act, z),) if act.setting is not None else (f(z), _shown(act, z))
            steps.append(Step(ak, "act", forms, u.layer, u.index, n))
        out += _in_order(steps, "net") if act.coupled else steps
    return out


def _shown(act: activations.Activation, z: sp.Symbol) -> sp.Expr:
    """``act.shown(z)``; a max or min (ReLU's max(0, z)) is built unevaluated: evaluating it
    again compares its arguments symbolically, a millisecond a unit, and leaves max(0, z) of a
    real symbol as it is (the same arguments, put in the same canonical order)."""
    display = act.display
    if not isinstance(display, (sp.Max, sp.Min)):
        return act.shown(z)
    return type(display)(*(arg.xreplace({activations.Z: z}) for arg in display.args), evaluate=False)


def _in_order(steps: list[Step], first: str) -> list[Step]:
    """A softmax layer's steps with every step of kind ``first`` before the rest (each a_k uses
    every z of the layer, each δ_j every ∂L/∂a_k): each step follows the values it uses."""
    return sorted(steps, key=lambda s: s.kind != first)


def loss_steps(net: Network, n: int) -> list[Step]:
    term = net.loss.term
    parts = [
        term.xreplace({losses.Y: symbol(net.y(k, n)), losses.A: symbol(net.a(net.depth, k, n))})
        for k in range(1, net.sizes[-1] + 1)
    ]
    body = _add(*parts)
    if net.loss_scale != 1:
        body = _mul(net.loss_scale, body)
    return [Step(net.loss_key(n), "loss", (body,), sample=n)]


def total_loss_step(net: Network) -> Step:
    shares = [symbol(net.loss_key(n)) for n in net.samples()]
    return Step("L", "loss_total", (_add(*shares),))


class _Sample:
    """The expressions one sample's backward pass shares between steps, each built once: the
    sum over the next layer a hidden unit's ∂L/∂a is written with appears in its own step
    and again in the chain rule of every weight into that unit."""

    def __init__(self, net: Network, n: int) -> None:
        self.net, self.n = net, n
        self._memo: dict[tuple[str, int, int], sp.Expr] = {}

    def _get(self, what: str, unit: Unit, build: Callable[[], sp.Expr]) -> sp.Expr:
        key = (what, unit.layer, unit.index)
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def paths(self, unit: Unit) -> sp.Expr:
        """Σ_k ∂L/∂z_k · ∂z_k/∂a_j over the next layer's units k."""
        net, n, l = self.net, self.n, unit.layer
        ak = net.a(l, unit.index, n)
        return self._get(
            "paths",
            unit,
            lambda: _add(
                *(_mul(_g(net.z(l + 1, k.index, n)), _p(net.z(l + 1, k.index, n), ak)) for k in net.units[l])
            ),
        )

    def deltas(self, unit: Unit) -> sp.Expr:
        """Σ_k δ_k · W_kj over the next layer's units k."""
        net, n, l = self.net, self.n, unit.layer
        return self._get(
            "deltas",
            unit,
            lambda: _add(
                *(
                    _mul(symbol(net.delta(l + 1, k.index, n)), symbol(k.weights[unit.index - 1]))
                    for k in net.units[l]
                )
            ),
        )

    def loss_factor(self, unit: Unit) -> sp.Expr:
        return self._get("loss", unit, lambda: _loss_factor(self.net, unit.index, self.n))

    def template(self, unit: Unit) -> tuple[sp.Expr, ...]:
        """The grad-step forms of any weight into ``unit``: slot 0 for ∂z/∂w, slot 1 for its input."""
        net, n = self.net, self.n
        dz_dw, a_in = SLOTS[0], SLOTS[1]

        def build() -> sp.Expr:
            short = _mul(symbol(net.delta(unit.layer, unit.index, n)), a_in)
            factors = _factors(net, unit, 1, n, self, a_in)
            return sp.Tuple(_chain(net, unit, dz_dw, n, self), short, factors)

        return tuple(self._get("template", unit, build))

    def coupled(self, unit: Unit) -> tuple[sp.Expr, ...]:
        found = self._get("coupled", unit, lambda: sp.Tuple(*_coupled_delta(self.net, unit, self.n)))
        return tuple(found)


def backward_steps(net: Network, n: int) -> list[Step]:
    out: list[Step] = []
    shared = _Sample(net, n)
    for layer in reversed(net.units):
        l = layer[0].layer
        act = net.activation(l)
        rule = None if act.coupled else activations.layer_rule(act)
        steps = []
        for u in layer:
            ak, zk = net.a(l, u.index, n), net.z(l, u.index, n)
            a, z = symbol(ak), symbol(zk)
            if l == net.depth:
                y = symbol(net.y(u.index, n))
                share = _scaled(net.loss_scale, net.loss.term.xreplace({losses.Y: y, losses.A: a}))
                forms = (sp.Derivative(share, a), shared.loss_factor(u))
            else:
                forms = (shared.paths(u), shared.deltas(u))
            steps.append(Step(grad(ak), "dL_da", forms, l, u.index, n))
            if rule is None:
                local_d = softmax.jacobian().entry(a, a, True)
            elif rule.named is not None:
                local_d = rule.named.xreplace({activations.Z: z})
            elif rule.da is not None:
                local_d = rule.da.xreplace({activations.A: a})
            else:
                local_d = rule.dz.xreplace({activations.Z: z})
            steps.append(Step(partial(ak, zk), "da_dz", _local_forms(rule, local_d, z), l, u.index, n))
            chain = (_mul(_g(zk)), _mul(_g(ak), _p(ak, zk)))
            delta = shared.coupled(u) if rule is None else chain
            steps.append(Step(net.delta(l, u.index, n), "delta", delta, l, u.index, n))
        out += _in_order(steps, "dL_da") if act.coupled else steps
        for p in net.trainable:
            if p.layer == l:
                out.append(_grad_step(net, p.key, n, shared))
    return out


def _local_forms(rule: activations.Rule | None, local: sp.Expr, z: sp.Expr) -> tuple[sp.Expr, ...]:
    """∂a/∂z; a derivative named as another activation (σ(z)) is also written out."""
    if rule is not None and rule.named is not None:
        written = activations.get(rule.activation.derivative_as).expr  # σ(z) = 1/(1 + e^{−z})
        return (local, written.xreplace({activations.Z: z}))
    return (local,)


def _loss_factor(net: Network, k: int, n: int) -> sp.Expr:
    """∂L/∂a_k of an output as the loss rule writes it (with the scale of the reduction)."""
    rule = losses.rule(net.loss.name)
    local = rule.da.xreplace({losses.Y: symbol(net.y(k, n)), losses.A: symbol(net.a(net.depth, k, n))})
    return _scaled(net.loss_scale, local)


def _scaled(scale: sp.Expr, expr: sp.Expr) -> sp.Expr:
    """scale · expr as written: ``(y − a)²/4`` keeps its factors; a negative product is
    multiplied out, −y/(3a) rather than (−1)·y·(1/a)/3."""
    if scale == 1:
        return expr
    return scale * expr if expr.is_Mul and expr.could_extract_minus_sign() else _mul(scale, expr)


def _jacobian_column(net: Network, unit: Unit, n: int) -> list[tuple[Unit, sp.Expr]]:
    """Each unit k of a softmax layer with ∂a_k/∂z_j (j = ``unit``) written in the outputs."""
    l, jac = unit.layer, softmax.jacobian()
    a_j = symbol(net.a(l, unit.index, n))
    return [(k, jac.entry(symbol(net.a(l, k.index, n)), a_j, k is unit)) for k in net.units[l - 1]]


def _coupled_delta(net: Network, unit: Unit, n: int) -> tuple[sp.Expr, ...]:
    """δ_j = Σ_k ∂L/∂a_k · ∂a_k/∂z_j with every Jacobian entry written out; then, where SymPy
    collapsed that sum for the loss (cross-entropy), its steps down to a_j − y_j."""
    l = unit.layer
    zj = net.z(l, unit.index, n)
    column = _jacobian_column(net, unit, n)
    chain = _add(*(_mul(_g(net.a(l, k.index, n)), _p(net.a(l, k.index, n), zj)) for k, _ in column))
    collapsed = softmax.collapse(net.loss.name)
    if collapsed is None:
        written = _add(*(_mul(_g(net.a(l, k.index, n)), entry) for k, entry in column))
        return (_mul(_g(zj)), chain, written)
    terms = []
    for k, entry in column:
        local = _loss_factor(net, k.index, n)
        # −(y/a)·J reads better than + (−y/a)·J
        terms.append(_mul(-1, -local, entry) if local.could_extract_minus_sign() else _mul(local, entry))
    ys = [symbol(net.y(k.index, n)) for k, _ in column]
    collected, result = collapsed.concrete(symbol(net.a(l, unit.index, n)), ys[unit.index - 1], ys)
    scale = net.loss_scale
    return (_mul(_g(zj)), chain, _add(*terms), _scaled(scale, collected), _scaled(scale, result))


def _grad_step(net: Network, param: str, n: int, shared: _Sample) -> Step:
    uses = net.uses(param)
    key = sample_grad(net, param, n)
    layer = uses[0][0].layer
    if len(uses) == 1 and uses[0][1] is not None:  # a weight: the forms of every weight into its unit
        unit, i = uses[0]
        fill = (
            (SLOTS[0], partial(net.z(unit.layer, unit.index, n), param)),  # ∂z/∂w
            (SLOTS[1], net.a(unit.layer - 1, i, n)),  # the input it multiplies
        )
        template = shared.template(unit)
        return Step(
            key, "grad", Filled(template, fill), layer, sample=n, param=param, template=template, fill=fill
        )
    chain, short, factors = [], [], []
    for unit, i in uses:  # a bias: one per unit, or shared by the layer
        chain.append(_chain(net, unit, _p(net.z(unit.layer, unit.index, n), param), n, shared))
        short.append(_short(net, unit, i, n, shared))
        factors.append(_factors(net, unit, i, n, shared))
    return Step(key, "grad", (_add(*chain), _add(*short), _add(*factors)), layer, sample=n, param=param)


def _short(net: Network, unit: Unit, i: int | None, n: int, shared: _Sample) -> sp.Expr:
    """δ · a, the chain rule in the δ shorthand (δ alone for a bias)."""
    d = symbol(net.delta(unit.layer, unit.index, n))
    return d if i is None else _mul(d, symbol(net.a(unit.layer - 1, i, n)))


@cache
def _net_input_derivatives() -> tuple[sp.Expr, sp.Expr]:
    """∂z/∂w and ∂z/∂b of a net input z = w·a + (the other terms) + b, by ``sympy.diff``
    once: every weight and bias of every unit takes its own symbols into these."""
    z = _W * _A + _REST + _B
    return sp.diff(z, _W), sp.diff(z, _B)


def _dz(net: Network, unit: Unit, i: int | None, n: int, a_in: sp.Symbol | None = None) -> sp.Expr:
    """∂z/∂w for the weight from input i of ``unit`` (the bias when i is None); ``a_in`` stands
    for that input."""
    by_weight, by_bias = _net_input_derivatives()
    if i is None:
        return by_bias
    return by_weight.xreplace({_A: a_in if a_in is not None else symbol(net.a(unit.layer - 1, i, n))})


def _factors(
    net: Network, unit: Unit, i: int | None, n: int, shared: _Sample, a_in: sp.Symbol | None = None
) -> sp.Expr:
    """The chain-rule product with every factor written as its derived expression."""
    l = unit.layer
    ak, zk = net.a(l, unit.index, n), net.z(l, unit.index, n)
    a = symbol(ak)
    dz_dw = _dz(net, unit, i, n, a_in)
    if net.activation(l).coupled:  # δ_j as the softmax step wrote it last, then ∂z/∂w
        kept = [f for f in (shared.coupled(unit)[-1], dz_dw) if f != 1]
        return _mul(*kept) if len(kept) > 1 else kept[0]
    first = shared.loss_factor(unit) if l == net.depth else shared.deltas(unit)
    act = activations.layer_rule(net.activation(l))
    if act.da is not None:
        local = act.da.xreplace({activations.A: a})
    elif not act.dz.has(activations.Z):
        local = act.dz
    else:  # e.g. ReLU, softplus: its case split or σ(z) is shown in the ∂a/∂z step, its value used here
        local = _p(ak, zk)
    kept = [f for f in (first, local, dz_dw) if f != 1] or [sp.Integer(1)]
    return _mul(*kept) if len(kept) > 1 else kept[0]


def _chain(net: Network, unit: Unit, dz_dw: sp.Symbol, n: int, shared: _Sample) -> sp.Expr:
    """∂L/∂a · ∂a/∂z · ∂z/∂w (``dz_dw``); for a hidden unit ∂L/∂a is the sum over the next layer."""
    ak, zk = net.a(unit.layer, unit.index, n), net.z(unit.layer, unit.index, n)
    if net.activation(unit.layer).coupled:  # softmax: ∂L/∂z_j, its sum over k written in the δ step
        return _mul(_g(zk), dz_dw)
    first = _g(ak) if unit.layer == net.depth else shared.paths(unit)
    return _mul(first, _p(ak, zk), dz_dw)


def batch_steps(net: Network) -> list[Step]:
    return (
        [
            Step(
                grad(p.key),
                "grad_sum",
                (_add(*(symbol(sample_grad(net, p.key, n)) for n in net.samples())),),
                p.layer,
                param=p.key,
            )
            for p in net.trainable
        ]
        if net.batch
        else []
    )


def _update(eta: sp.Symbol, param: sp.Symbol, gradient: sp.Symbol) -> sp.Expr:
    return _add(param, -_mul(eta, gradient))


def update_steps(net: Network) -> list[Step]:
    eta = symbol("eta")
    template = (_update(eta, SLOTS[2], SLOTS[3]),)
    out = []
    for p in net.trainable:
        fill = ((SLOTS[2], p.key), (SLOTS[3], grad(p.key)))
        out.append(
            Step(
                updated(p.key),
                "update",
                Filled(template, fill),
                p.layer,
                param=p.key,
                template=template,
                fill=fill,
            )
        )
    return out


def steps(net: Network) -> tuple[Step, ...]:
    """Every step of one iteration, in reading order."""
    out: list[Step] = []
    for n in net.samples():
        out += forward_steps(net, n)
        out += loss_steps(net, n)
    if net.batch:
        out.append(total_loss_step(net))
    for n in net.samples():
        out += backward_steps(net, n)
    out += batch_steps(net)
    out += update_steps(net)
    return tuple(out)
