"""Numbers: evaluate the derivation for given parameter values.

Each local rule (activation, its derivative, the loss term and its derivative) was
derived once by SymPy and compiled to a function on SymPy numbers; here they are applied
unit by unit. Rationals stay exact (inputs, weights, net inputs, ReLU, squared errors);
anything transcendental is a SymPy Float with :data:`DPS` significant digits.

A softmax layer is evaluated as a whole: its outputs as e^{z−m}/Σ e^{z_i−m} (m the largest
z, so nothing overflows), its Jacobian entry by entry, and δ either through the Jacobian
or, where SymPy collapsed the sum for the loss (cross-entropy), as the collapsed a − y.
"""

from __future__ import annotations

import sympy as sp
from mpmath.libmp import dps_to_prec

from tracer.derive.network import Network, Unit, sample_grad
from tracer.errors import TracerError
from tracer.functions import activations, losses, softmax
from tracer.notation import grad, partial, updated

DPS = 50  # working precision (decimal digits) for values that are not rational
#: Beyond |z| = SATURATION a saturating activation (σ, tanh, softmax) is evaluated with
#: 2|z|/ln 10 more digits, so that 1 − σ(z) ≈ e^{−z} and 1 − tanh(z) ≈ 2e^{−2|z|} keep their
#: DPS digits (BCE's ln(1 − a), σ's a(1 − a), tanh's 1 − a²) instead of rounding to 0; at most
#: MAX_EXTRA more (|z| up to about 4600).
SATURATION = 20
MAX_EXTRA = 4000
_LN10 = 2.302585092994046

Values = dict[str, sp.Expr]


class Undefined(TracerError):
    """A step whose value is not a real number: ln 0, a division by 0, √ of a negative number."""


def _finite(value: sp.Expr, where: str, at: tuple[str, sp.Expr] | None = None) -> sp.Expr:
    """``value`` if it is a real number; else an :class:`Undefined` naming the step ``where``
    and the value ``at`` = (key, number) it was computed from."""
    if value.is_extended_real is False or value.has(sp.I, sp.zoo, sp.nan):
        reason = "not a real number (a square root or logarithm of a negative number?)"
        if value.has(sp.zoo, sp.nan) or value is sp.nan:
            reason = "undefined (a division by 0 or the logarithm of 0?)"
    elif not value.is_finite:
        reason = "infinite (the logarithm of 0 or a division by 0?)"
    elif abs(exponent := _exponent(value)) > MAX_EXPONENT:
        reason = (
            f"about 10^({_scientific(exponent)}), beyond the numbers a report can write (exponents up to "
            f"±10^{len(str(MAX_EXPONENT)) - 1})"
        )
    else:
        return value
    source = "" if at is None else f" at {at[0]} = {_short(at[1])}"
    raise Undefined(f"the value is {reason}{source}; the step cannot be computed", where)


#: The largest decimal exponent of a value (Python's Decimal, which prints every number, stops
#: near 10^18; a product of a few such values must stay below it).
MAX_EXPONENT = 10**15


def _exponent(value: sp.Expr) -> int:
    """About log10 |value| (0 for 0), read from its binary form without evaluating anything."""
    if value.is_Float:
        sign, man, exp, bits = value._mpf_
        return 0 if not man else (exp + bits) * 30103 // 100000  # ints: exp may be huge
    if value.is_Rational:
        return 0 if value == 0 else (int(value.p).bit_length() - int(value.q).bit_length()) * 30103 // 100000
    return 0


def _scientific(n: int) -> str:
    """A whole number of any size as 1.2e+29 (float formatting stops near 1e308)."""
    digits = str(abs(n))
    return f"{'-' if n < 0 else ''}{digits[0]}.{digits[1:2] or '0'}e+{len(digits) - 1:02d}"


def _short(value: sp.Expr) -> str:
    """A number in a message: integers as they are, others to 8 significant digits."""
    if value.is_Integer and abs(value) < 10**20:
        return str(value)
    number = float(value)
    if number in (float("inf"), float("-inf")):  # beyond a double: its order of magnitude
        return f"about 10^({_scientific(_exponent(value))})"
    return f"{number:.8g}"


def digits(z: sp.Expr) -> int:
    """The working precision for a saturating function of ``z``: DPS, plus 2|z|/ln 10 beyond
    :data:`SATURATION` (at most :data:`MAX_EXTRA` more)."""
    size = abs(float(z)) if z.is_finite else float("inf")
    if size <= SATURATION:
        return DPS
    if size > MAX_EXTRA * _LN10:  # beyond the bound, or beyond a double (an exact 10^400)
        return DPS + MAX_EXTRA
    return DPS + min(MAX_EXTRA, int(2 * size / _LN10) + 1)


def _working(act: activations.Activation, z: sp.Expr) -> sp.Expr:
    """z as the number ``act`` is applied to: itself for an exact activation (rationals stay
    rational), else a Float of :func:`digits` precision."""
    if act.exact or not (z.is_Rational or z.is_Float):
        return z
    need = digits(z)
    if z.is_Float and (need == DPS or z._prec >= dps_to_prec(need)):
        return z  # already as precise as it must be (as before saturation was looked at)
    return sp.Float(z, need)


def _apply(act: activations.Activation, f, z: sp.Expr) -> sp.Expr:
    """f(z), evaluated at the precision :func:`_working` gives z."""
    return sp.sympify(f(_working(act, z)))


def _number(value: object) -> sp.Expr:
    """A SymPy number: exact when rational, else evaluated to :data:`DPS` digits (ln 3, not log(3))."""
    value = sp.sympify(value)
    return value if value.is_Rational or value.is_Float else value.evalf(DPS)


def forward(net: Network, params: Values, backward: bool = True, into: Values | None = None) -> Values:
    """Every quantity of one iteration: per-sample z, a, loss, ∂L/∂a, δ and gradients.

    ``into`` is the mapping to fill (default a new dict): :mod:`tracer.homework.recompute` passes one
    that replaces each computed value by a student's answer, to follow their numbers.
    """
    v: Values = into if into is not None else {}
    v.update(params)
    v["eta"] = net.spec.learning_rate
    loss_rule = losses.rule(net.loss.name)
    scale = net.loss_scale
    total = sp.Integer(0)
    for n in net.samples():
        for sym, value in net.sample_values(n).items():
            v[sym.name] = value
        for layer in net.units:
            act = net.activation(layer[0].layer)
            rule = None if act.coupled else activations.layer_rule(act)
            zs = []
            for u in layer:
                z = sum(
                    (params[w] * v[net.a(u.layer - 1, i, n)] for i, w in enumerate(u.weights, 1)),
                    sp.Integer(0),
                )
                if u.bias is not None:
                    z += params[u.bias]
                v[net.z(u.layer, u.index, n)] = z
                zs.append(v[net.z(u.layer, u.index, n)])  # read back: ``into`` may replace it
            if rule is None:
                outs = softmax.outputs(zs, _spread_digits(zs))
            else:
                outs = [_apply(act, rule.f, z) for z in zs]
            for u, a in zip(layer, outs, strict=True):
                ak, zk = net.a(u.layer, u.index, n), net.z(u.layer, u.index, n)
                v[ak] = _finite(a, ak, (zk, v[zk]))
        share = sp.Integer(0)
        for k in range(1, net.sizes[-1] + 1):
            ak = net.a(net.depth, k, n)
            term = _number(loss_rule.term(v[net.y(k, n)], v[ak]))
            where = f"loss term of output {k}" + (f", sample {n}" if net.batch else "")
            share += _finite(term, where, (ak, v[ak]))
        share = scale * share
        if net.batch:
            v[net.loss_key(n)] = share
            share = v[net.loss_key(n)]
        total += share
        if backward:
            _backward(net, v, n)
    v["L"] = total
    if backward:
        _gradients(net, v)
    return v


def _backward(net: Network, v: Values, n: int) -> None:
    for layer in reversed(net.units):
        l = layer[0].layer
        for u in layer:
            ak = net.a(l, u.index, n)
            if l == net.depth:
                dloss = net.loss_scale * _number(
                    losses.rule(net.loss.name).dterm(v[net.y(u.index, n)], v[ak])
                )
            else:
                dloss = sum(
                    (v[net.delta(l + 1, k.index, n)] * v[k.weights[u.index - 1]] for k in net.units[l]),
                    sp.Integer(0),
                )
            v[grad(ak)] = _finite(dloss, grad(ak), (ak, v[ak]))
        act = net.activation(l)
        if act.coupled:
            _coupled_deltas(net, v, layer, n)
        else:
            rule = activations.layer_rule(act)
            for u in layer:
                ak, zk = net.a(l, u.index, n), net.z(l, u.index, n)
                z = _working(act, v[zk])
                v[partial(ak, zk)] = _finite(sp.sympify(rule.df(z, v[ak])), partial(ak, zk), (zk, v[zk]))
                v[net.delta(l, u.index, n)] = v[grad(ak)] * v[partial(ak, zk)]
        for u in layer:
            zk = net.z(l, u.index, n)
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


def _coupled_deltas(net: Network, v: Values, layer: tuple[Unit, ...], n: int) -> None:
    """A softmax layer: every Jacobian entry ∂a_k/∂z_j, then δ_j = Σ_k ∂L/∂a_k ∂a_k/∂z_j."""
    jac = softmax.jacobian()
    l = layer[0].layer
    outs = {u.index: v[net.a(l, u.index, n)] for u in layer}
    for k in layer:
        for j in layer:
            key = partial(net.a(l, k.index, n), net.z(l, j.index, n))
            v[key] = _finite(jac.value(outs[k.index], outs[j.index], k is j), key)
    collapsed = softmax.collapse(net.loss.name)
    for j in layer:
        if collapsed is not None:  # the sum as SymPy simplified it: a_j − y_j for cross-entropy
            local = collapsed.f(outs[j.index], v[net.y(j.index, n)])
            delta = net.loss_scale * sp.sympify(local)
        else:
            delta = sum(
                (
                    v[grad(net.a(l, k.index, n))] * v[partial(net.a(l, k.index, n), net.z(l, j.index, n))]
                    for k in layer
                ),
                sp.Integer(0),
            )
        v[net.delta(l, j.index, n)] = _finite(delta, net.delta(l, j.index, n))


def _spread_digits(zs: list[sp.Expr]) -> int:
    """The precision for a softmax of ``zs``: what the spread of the z asks (see :func:`digits`)."""
    if not all(z.is_finite for z in zs):
        return DPS
    values = [float(z) for z in zs]
    return digits(sp.Float(max(values) - min(values)))


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
        out[p.key] = _bounded(params[p.key] - eta * v[grad(p.key)])
        v[updated(p.key)] = out[p.key]
    return out


MAX_EXACT_BITS = 256  # beyond this a fraction has ~77 digits: carry on with DPS digits instead


def _bounded(value: sp.Expr) -> sp.Expr:
    """Keep a parameter exact while its fraction stays small; exact training of a linear or
    ReLU network otherwise doubles the digits of every parameter each iteration."""
    if value.is_Rational and max(int(value.p).bit_length(), int(value.q).bit_length()) > MAX_EXACT_BITS:
        return sp.Float(value, DPS)
    return value
