"""The chain rule, step by step, as symbolic records.

For every quantity of the first iteration a :class:`Step` holds its symbolic right-hand
sides, from the most general (the chain rule written with partial derivatives) to the
form that numbers are put into. Local derivatives come from :mod:`tracer.activations`
and :mod:`tracer.losses`, where SymPy derived them once per kind.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from tracer import activations, losses
from tracer.evaluate import sample_grad
from tracer.network import Network, Unit
from tracer.notation import grad, partial, symbol, updated


@dataclass(frozen=True)
class Step:
    key: str  # the quantity computed, a canonical key
    kind: str  # net | act | loss | loss_total | dL_da | da_dz | delta | grad | grad_sum | update
    forms: tuple[sp.Expr, ...]  # right-hand sides; numbers go into the last one
    layer: int | None = None
    unit: int | None = None
    sample: int | None = None
    param: str | None = None


def _fn(act: activations.Activation) -> type[sp.Function]:
    """f written as a function, σ(z): the printer names ``act_<name>`` from the registry."""
    return sp.Function(f"act_{act.name}")


def _p(a: str, b: str) -> sp.Symbol:
    return symbol(partial(a, b))


def _g(k: str) -> sp.Symbol:
    return symbol(grad(k))


def _mul(*factors: sp.Expr) -> sp.Expr:
    return sp.Mul(*factors, evaluate=False)


def _add(*terms: sp.Expr) -> sp.Expr:
    return sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]


def forward_steps(net: Network, n: int) -> list[Step]:
    out = []
    for layer in net.units:
        act = net.activation(layer[0].layer)
        f = _fn(act)
        for u in layer:
            zk, ak = net.z(u.layer, u.index, n), net.a(u.layer, u.index, n)
            out.append(Step(zk, "net", (net.net_input(u, n),), u.layer, u.index, n))
            z = symbol(zk)
            forms = (z,) if act.name == "linear" else (f(z), act.shown(z))
            out.append(Step(ak, "act", forms, u.layer, u.index, n))
    return out


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


def backward_steps(net: Network, n: int) -> list[Step]:
    out: list[Step] = []
    loss_rule = losses.rule(net.loss.name)
    for layer in reversed(net.units):
        l = layer[0].layer
        rule = activations.rule(net.activation(l).name)
        for u in layer:
            ak, zk = net.a(l, u.index, n), net.z(l, u.index, n)
            a, z = symbol(ak), symbol(zk)
            if l == net.depth:
                y = symbol(net.y(u.index, n))
                share = net.loss.term.xreplace({losses.Y: y, losses.A: a})
                if net.loss_scale != 1:
                    share = _mul(net.loss_scale, share)
                local = loss_rule.da.xreplace({losses.Y: y, losses.A: a})
                if net.loss_scale != 1:
                    local = _mul(net.loss_scale, local)
                forms = (sp.Derivative(share, a), local)
            else:
                nxt = net.units[l]
                paths = [_mul(_g(net.z(l + 1, k.index, n)), _p(net.z(l + 1, k.index, n), ak)) for k in nxt]
                deltas = [
                    _mul(symbol(net.delta(l + 1, k.index, n)), symbol(k.weights[u.index - 1])) for k in nxt
                ]
                forms = (_add(*paths), _add(*deltas))
            out.append(Step(grad(ak), "dL_da", forms, l, u.index, n))
            if rule.da is not None:
                local_d = rule.da.xreplace({activations.A: a})
            else:
                local_d = rule.dz.xreplace({activations.Z: z})
            out.append(Step(partial(ak, zk), "da_dz", (local_d,), l, u.index, n))
            out.append(
                Step(
                    net.delta(l, u.index, n),
                    "delta",
                    (
                        _mul(
                            _g(zk),
                        ),
                        _mul(_g(ak), _p(ak, zk)),
                    ),
                    l,
                    u.index,
                    n,
                )
            )
        for p in net.trainable:
            if p.layer == l:
                out.append(_grad_step(net, p.key, n))
    return out


def _grad_step(net: Network, param: str, n: int) -> Step:
    uses = net.uses(param)
    chain, short, factors = [], [], []
    for unit, i in uses:
        chain.append(_chain(net, unit, i, param, n))
        d = symbol(net.delta(unit.layer, unit.index, n))
        short.append(d if i is None else _mul(d, symbol(net.a(unit.layer - 1, i, n))))
        factors.append(_factors(net, unit, param, n))
    layer = uses[0][0].layer
    forms = (_add(*chain), _add(*short), _add(*factors))
    return Step(sample_grad(net, param, n), "grad", forms, layer, sample=n, param=param)


def _factors(net: Network, unit: Unit, param: str, n: int) -> sp.Expr:
    """The chain-rule product with every factor written as its derived expression."""
    l = unit.layer
    ak, zk = net.a(l, unit.index, n), net.z(l, unit.index, n)
    a, _z = symbol(ak), symbol(zk)
    if l == net.depth:
        rule = losses.rule(net.loss.name)
        first = rule.da.xreplace({losses.Y: symbol(net.y(unit.index, n)), losses.A: a})
        if net.loss_scale != 1:
            first = _mul(net.loss_scale, first)
    else:
        first = _add(
            *(
                _mul(symbol(net.delta(l + 1, k.index, n)), symbol(k.weights[unit.index - 1]))
                for k in net.units[l]
            )
        )
    act = activations.rule(net.activation(l).name)
    if act.da is not None:
        local = act.da.xreplace({activations.A: a})
    elif not act.dz.has(activations.Z):
        local = act.dz
    else:  # e.g. ReLU: its case split is shown in the ∂a/∂z step, its value is used here
        local = _p(ak, zk)
    dz_dw = sp.diff(net.net_input(unit, n), symbol(param))
    kept = [f for f in (first, local, dz_dw) if f != 1] or [sp.Integer(1)]
    return _mul(*kept) if len(kept) > 1 else kept[0]


def _chain(net: Network, unit: Unit, i: int | None, param: str, n: int) -> sp.Expr:
    """∂L/∂a · ∂a/∂z · ∂z/∂w; for a hidden unit ∂L/∂a is the sum over the next layer."""
    ak, zk = net.a(unit.layer, unit.index, n), net.z(unit.layer, unit.index, n)
    if unit.layer == net.depth:
        first: sp.Expr = _g(ak)
    else:
        first = _add(
            *(
                _mul(_g(net.z(unit.layer + 1, k.index, n)), _p(net.z(unit.layer + 1, k.index, n), ak))
                for k in net.units[unit.layer]
            )
        )
    return _mul(first, _p(ak, zk), _p(zk, param))


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


def update_steps(net: Network) -> list[Step]:
    eta = symbol("eta")
    return [
        Step(updated(p.key), "update", (_add(p.symbol, -_mul(eta, _g(p.key))),), p.layer, param=p.key)
        for p in net.trainable
    ]


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
