"""Numbers: evaluate the derivation for given parameter values.

Each local rule (activation, its derivative, the loss term and its derivative) was
derived once by SymPy and compiled to a function on SymPy numbers; here they are applied
unit by unit. Rationals stay exact (inputs, weights, net inputs, ReLU, squared errors);
anything transcendental is a SymPy Float with :data:`DPS` significant digits.
"""

from __future__ import annotations

import sympy as sp

from tracer import activations, losses
from tracer.errors import TracerError
from tracer.network import Network
from tracer.notation import grad, partial, updated

DPS = 50  # working precision (decimal digits) for values that are not rational

Values = dict[str, sp.Expr]


def _finite(value: sp.Expr, where: str) -> sp.Expr:
    if not value.is_finite:
        raise TracerError(f"the value is not a finite number ({value}); the step is undefined", where)
    return value


def _apply(act: activations.Activation, f, z: sp.Expr) -> sp.Expr:
    if not act.exact and z.is_Rational:
        z = sp.Float(z, DPS)
    return sp.sympify(f(z))


def forward(net: Network, params: Values, backward: bool = True) -> Values:
    """Every quantity of one iteration: per-sample z, a, loss, ∂L/∂a, δ and gradients."""
    v: Values = dict(params)
    v["eta"] = net.spec.learning_rate
    loss_rule = losses.rule(net.loss.name)
    scale = net.loss_scale
    total = sp.Integer(0)
    for n in net.samples():
        for sym, value in net.sample_values(n).items():
            v[sym.name] = value
        for layer in net.units:
            act = net.activation(layer[0].layer)
            rule = activations.rule(act.name)
            for u in layer:
                z = sum(
                    (params[w] * v[net.a(u.layer - 1, i, n)] for i, w in enumerate(u.weights, 1)),
                    sp.Integer(0),
                )
                if u.bias is not None:
                    z += params[u.bias]
                zk, ak = net.z(u.layer, u.index, n), net.a(u.layer, u.index, n)
                v[zk] = z
                v[ak] = _finite(_apply(act, rule.f, z), ak)
        share = sp.Integer(0)
        for k in range(1, net.sizes[-1] + 1):
            term = sp.sympify(loss_rule.term(v[net.y(k, n)], v[net.a(net.depth, k, n)]))
            share += _finite(term, f"loss term of output {k}")
        share = scale * share
        if net.batch:
            v[net.loss_key(n)] = share
        total += share
        if backward:
            _backward(net, v, n)
    v["L"] = total
    if backward:
        _gradients(net, v)
    return v


def _backward(net: Network, v: Values, n: int) -> None:
    loss_rule = losses.rule(net.loss.name)
    scale = net.loss_scale
    for layer in reversed(net.units):
        l = layer[0].layer
        rule = activations.rule(net.activation(l).name)
        for u in layer:
            ak, zk = net.a(l, u.index, n), net.z(l, u.index, n)
            if l == net.depth:
                dloss = scale * sp.sympify(loss_rule.dterm(v[net.y(u.index, n)], v[ak]))
            else:
                dloss = sum(
                    (v[net.delta(l + 1, k.index, n)] * v[k.weights[u.index - 1]] for k in net.units[l]),
                    sp.Integer(0),
                )
            v[grad(ak)] = _finite(dloss, grad(ak))
            v[partial(ak, zk)] = _finite(sp.sympify(rule.df(v[zk], v[ak])), partial(ak, zk))
            v[net.delta(l, u.index, n)] = v[grad(ak)] * v[partial(ak, zk)]
            v[grad(zk)] = v[net.delta(l, u.index, n)]  # δ is ∂L/∂z by definition
            # The local factors the chain rule is written with: ∂z/∂w = a_i, ∂z/∂b = 1, ∂z/∂a_i = w.
            for i, w in enumerate(u.weights, 1):
                prev = net.a(l - 1, i, n)
                v[partial(zk, w)] = v[prev]
                if l > 1:
                    v[partial(zk, prev)] = v[w]
            if u.bias is not None:
                v[partial(zk, u.bias)] = sp.Integer(1)
    for p in net.trainable:
        g = sp.Integer(0)
        for unit, i in net.uses(p.key):
            d = v[net.delta(unit.layer, unit.index, n)]
            g += d if i is None else d * v[net.a(unit.layer - 1, i, n)]
        v[sample_grad(net, p.key, n)] = g


def sample_grad(net: Network, param: str, n: int) -> str:
    """Key of one sample's share of a gradient (the gradient itself for one sample)."""
    return f"dL@{n}/d{param}" if net.batch else grad(param)


def _gradients(net: Network, v: Values) -> None:
    if not net.batch:
        return
    for p in net.trainable:
        v[grad(p.key)] = sum((v[sample_grad(net, p.key, n)] for n in net.samples()), sp.Integer(0))


def step(net: Network, params: Values, v: Values) -> Values:
    """The gradient-descent update w⁺ = w − η·∂L/∂w of every trainable parameter."""
    eta = net.spec.learning_rate
    out = dict(params)
    for p in net.trainable:
        out[p.key] = params[p.key] - eta * v[grad(p.key)]
        v[updated(p.key)] = out[p.key]
    return out
