"""The catalog of common mistakes: one entry each, each a precise alternative computation of
one step, computed from the student's own earlier numbers.

``alternatives(s)`` gives the values a student making that mistake at that step would have
written (with details for the message, e.g. which unit's value was used instead); the
checker names an entry whose value matches the student's within the tolerance.

Entries with ``every_step`` can also be made at every step of their kind through a whole
training run (:func:`tracer.homework.recompute.iteration`'s hook): the checker uses them to explain
wrong answers at later iterations.

Adding a mistake is one entry in :data:`CATALOG` and one sentence ``mistakes.<id>`` in each
language file (``templates/default/lang/*.yaml``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp

from tracer.derive.network import Network, Unit
from tracer.derive.steps import Step
from tracer.evaluate.exact import DPS
from tracer.functions import activations
from tracer.notation import grad, split_derived, updated

Detail = dict[str, str]  # placeholders of the sentence: canonical keys of the quantities involved


@dataclass(frozen=True)
class Situation:
    """One step of one iteration, as the student computed it."""

    net: Network
    key: str
    step: Step
    own: Mapping[str, sp.Expr]  # the iteration's values, the student's where given
    computed: Mapping[str, sp.Expr]  # each value recomputed from the student's earlier numbers

    @property
    def unit(self) -> Unit:
        assert self.step.layer is not None and self.step.unit is not None
        return self.net.units[self.step.layer - 1][self.step.unit - 1]

    @property
    def value(self) -> sp.Expr:
        return self.computed[self.key]


Alternatives = Callable[[Situation], list[tuple[Detail, sp.Expr]]]
Every = Callable[[Network, str, sp.Expr, Mapping[str, sp.Expr]], sp.Expr | None]


@dataclass(frozen=True)
class Mistake:
    id: str
    kinds: tuple[str, ...]  # the step kinds (tracer.derive.steps.Step.kind) it can happen at
    alternatives: Alternatives
    every_step: Every | None = None  # the mistake made at every step of its kind, or None


def _n(value: sp.Expr) -> sp.Expr:
    value = sp.sympify(value)
    return value if value.is_Rational or value.is_Float else value.evalf(DPS)


# -- helpers: one layer's quantities of one sample ---------------------------------------------


def _samples(s: Situation) -> list[int]:
    return list(s.net.samples()) if s.step.kind == "grad_sum" else [s.step.sample or 1]


def _gradient(s: Situation, delta: Callable[[Unit, int], sp.Expr], below: Callable | None = None) -> sp.Expr:
    """A parameter's gradient with each δ replaced by ``delta(unit, sample)`` (and each input
    a_i of the unit by ``below(unit, i, sample)``), summed over the samples the step covers."""
    param = s.step.param
    assert param is not None
    total = sp.Integer(0)
    for n in _samples(s):
        for unit, i in s.net.uses(param):
            d = delta(unit, n)
            if i is None:
                total += d
            else:
                a = below(unit, i, n) if below is not None else s.own[s.net.a(unit.layer - 1, i, n)]
                total += d * a
    return _n(total)


def _rule(net: Network, layer: int) -> activations.Rule | None:
    act = net.activation(layer)
    return None if act.coupled else activations.layer_rule(act)


def _da_at_z(net: Network, layer: int, z: sp.Expr) -> sp.Expr | None:
    """f′ written in terms of a (σ′ = a(1 − a)) but applied to z."""
    rule = _rule(net, layer)
    if rule is None or rule.da is None:
        return None
    return _n(rule.da.xreplace({activations.A: sp.Float(z, DPS) if z.is_Rational else z}))


def _is_output(s: Situation) -> bool:
    return s.step.layer == s.net.depth


# -- the entries --------------------------------------------------------------------------------


def _bias_left_out(s: Situation) -> list[tuple[Detail, sp.Expr]]:
    bias = s.unit.bias
    return [({"bias": bias}, s.value - s.own[bias])] if bias is not None else []


def _activation_forgotten(s: Situation) -> list[tuple[Detail, sp.Expr]]:
    if s.net.activation(s.unit.layer).name == "linear":
        return []
    z = s.net.z(s.unit.layer, s.unit.index, s.step.sample or 1)
    return [({"z": z}, s.own[z])]


def _derivative_forgotten(s: Situation) -> list[tuple[Detail, sp.Expr]]:
    net = s.net
    if s.step.kind == "delta":
        if net.activation(s.unit.layer).coupled:
            return []
        return [({}, s.own[grad(net.a(s.unit.layer, s.unit.index, s.step.sample or 1))])]
    if any(net.activation(u.layer).coupled for u, _ in net.uses(s.step.param or "")):
        return []
    return [({}, _gradient(s, lambda u, n: s.own[grad(net.a(u.layer, u.index, n))]))]


def _derivative_of_z(s: Situation) -> list[tuple[Detail, sp.Expr]]:
    net = s.net
    if s.step.kind == "da_dz":
        wrong = _da_at_z(net, s.unit.layer, s.own[net.z(s.unit.layer, s.unit.index, s.step.sample or 1)])
        return [({}, wrong)] if wrong is not None else []

    def delta(u: Unit, n: int) -> sp.Expr:
        wrong = _da_at_z(net, u.layer, s.own[net.z(u.layer, u.index, n)])
        if wrong is None:
            raise _NotApplicable
        return s.own[grad(net.a(u.layer, u.index, n))] * wrong

    try:
        if s.step.kind == "delta":
            return [({}, _n(delta(s.unit, s.step.sample or 1)))]
        return [({}, _gradient(s, delta))]
    except _NotApplicable:
        return []


class _NotApplicable(Exception):
    pass


def _sign_flipped(s: Situation) -> list[tuple[Detail, sp.Expr]]:
    if s.step.kind == "dL_da" and not _is_output(s):
        return []
    return [({}, -s.value)]


def _factor(factor: sp.Rational) -> Alternatives:
    def alternatives(s: Situation) -> list[tuple[Detail, sp.Expr]]:
        if s.step.kind == "dL_da" and not _is_output(s):
            return []
        return [({}, factor * s.value)]

    return alternatives


def _other_units(s: Situation) -> list[tuple[Detail, sp.Expr]]:
    """Indices swapped: another unit's value, a transposed weight, the wrong input."""
    net, step = s.net, s.step
    n = step.sample or 1
    out: list[tuple[Detail, sp.Expr]] = []
    if step.kind in ("net", "act"):
        name = net.z if step.kind == "net" else net.a
        here = name(s.unit.layer, s.unit.index, n)
        for other in net.units[s.unit.layer - 1]:
            if other is not s.unit:
                key = name(other.layer, other.index, n)
                out.append(({"used": key, "instead": here}, s.computed[key]))
        return out
    if step.kind == "dL_da" and not _is_output(s):
        l, i = s.unit.layer, s.unit.index
        here = net.a(l, i, n)
        for other in net.units[l - 1]:
            if other is s.unit:
                continue
            total = sum(
                (
                    s.own[net.delta(l + 1, k.index, n)] * s.own[k.weights[other.index - 1]]
                    for k in net.units[l]
                ),
                sp.Integer(0),
            )
            out.append(({"used": net.a(l, other.index, n), "instead": here}, _n(total)))
        return out
    if step.kind in ("grad", "grad_sum") and step.param is not None:
        for unit, i in net.uses(step.param):
            if i is None:
                continue
            for other in range(1, net.sizes[unit.layer - 1] + 1):
                if other == i:
                    continue

                def below(u: Unit, j: int, m: int, other: int = other) -> sp.Expr:
                    return s.own[net.a(u.layer - 1, other, m)]

                used = net.a(unit.layer - 1, other, n)
                out.append(
                    (
                        {"used": used, "instead": net.a(unit.layer - 1, i, n)},
                        _gradient(s, lambda u, m: s.own[net.delta(u.layer, u.index, m)], below),
                    )
                )
            break
    return out


def _updated_weights(s: Situation) -> list[tuple[Detail, sp.Expr]]:
    net = s.net
    if _is_output(s):
        return []
    l, i, n = s.unit.layer, s.unit.index, s.step.sample or 1
    total = sp.Integer(0)
    for k in net.units[l]:
        w = k.weights[i - 1]
        if updated(w) not in s.own:
            return []
        total += s.own[net.delta(l + 1, k.index, n)] * s.own[updated(w)]
    return [({}, _n(total))]


def _param_of(key: str) -> str:
    return split_derived(key)[1][0]


def _step_added(s: Situation) -> list[tuple[Detail, sp.Expr]]:
    p = _param_of(s.key)
    return [({}, s.own[p] + s.own["eta"] * s.own[grad(p)])]


def _rate_left_out(s: Situation) -> list[tuple[Detail, sp.Expr]]:
    p = _param_of(s.key)
    if s.own["eta"] == 1:
        return []
    return [({}, s.own[p] - s.own[grad(p)])]


def _reduction(to_mean: bool) -> Alternatives:
    def alternatives(s: Situation) -> list[tuple[Detail, sp.Expr]]:
        net = s.net
        if not net.batch or (net.spec.reduction == "mean") == to_mean:
            return []
        m = sp.Integer(net.n_samples)
        return [({}, s.value / m if to_mean else s.value * m)]

    return alternatives


def _rounded_early(s: Situation) -> list[tuple[Detail, sp.Expr]]:
    form = s.step.forms[-1]
    inputs = [sym for sym in form.free_symbols if sym.name in s.own]
    if not inputs:
        return []
    out = []
    for digits in (1, 2, 3):
        table = {sym: _round(s.own[sym.name], digits) for sym in inputs}
        try:
            value = _n(form.xreplace(table).doit())
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if value.is_finite:
            out.append(({"digits": str(digits)}, value))
    return out


def _round(value: sp.Expr, digits: int) -> sp.Expr:
    if value == 0:
        return value
    return sp.Float(sp.Float(value, DPS).evalf(digits), DPS) if not value.is_Integer else value


# -- made at every step of a training run --------------------------------------------------------


def _kind(net: Network, key: str) -> tuple[str, int | None]:
    """(kind, layer) of a computed key, for the every-step hooks."""
    derived, parts = split_derived(key)
    if derived == "grad":
        of = parts[0]
        if of[:1] == "a":
            layer = int(of[1 : of.index("[")])
            return "dL_da", layer
        return ("grad_sum" if net.batch else "grad"), None
    if derived == "partial" and parts[0].startswith("L@"):
        return "grad", None
    if derived == "partial" and parts[0][:1] == "a" and parts[1][:1] == "z":
        return "da_dz", int(parts[0][1 : parts[0].index("[")])
    if derived == "updated":
        return "update", None
    if derived == "base" and key[:1] == "z" and "[" in key:
        return "net", int(key[1 : key.index("[")])
    if derived == "base" and key.startswith("delta"):
        return "delta", int(key[5 : key.index("[")])
    return "", None


def _every_bias(net: Network, key: str, value: sp.Expr, v: Mapping[str, sp.Expr]) -> sp.Expr | None:
    kind, layer = _kind(net, key)
    if kind != "net" or layer is None:
        return None
    j = int(key[key.index("[") + 1 : key.index("]")])
    bias = net.units[layer - 1][j - 1].bias
    return value - v[bias] if bias is not None else None


def _every_forgotten(net: Network, key: str, value: sp.Expr, v: Mapping[str, sp.Expr]) -> sp.Expr | None:
    kind, layer = _kind(net, key)
    if kind != "delta" or layer is None or net.activation(layer).coupled:
        return None
    return v[grad("a" + key[5:])]


def _every_of_z(net: Network, key: str, value: sp.Expr, v: Mapping[str, sp.Expr]) -> sp.Expr | None:
    kind, layer = _kind(net, key)
    if kind != "da_dz" or layer is None:
        return None
    return _da_at_z(net, layer, v[split_derived(key)[1][1]])


def _every_output(factor: int | sp.Rational) -> Every:
    def hook(net: Network, key: str, value: sp.Expr, v: Mapping[str, sp.Expr]) -> sp.Expr | None:
        kind, layer = _kind(net, key)
        return factor * value if kind == "dL_da" and layer == net.depth else None

    return hook


def _every_update(added: bool) -> Every:
    def hook(net: Network, key: str, value: sp.Expr, v: Mapping[str, sp.Expr]) -> sp.Expr | None:
        if _kind(net, key)[0] != "update":
            return None
        p = _param_of(key)
        return v[p] + v["eta"] * v[grad(p)] if added else v[p] - v[grad(p)]

    return hook


CATALOG: tuple[Mistake, ...] = (
    Mistake("bias_left_out", ("net",), _bias_left_out, _every_bias),
    Mistake("activation_forgotten", ("act",), _activation_forgotten),
    Mistake("derivative_forgotten", ("delta", "grad", "grad_sum"), _derivative_forgotten, _every_forgotten),
    Mistake("derivative_of_z", ("da_dz", "delta", "grad", "grad_sum"), _derivative_of_z, _every_of_z),
    Mistake("sign_flipped", ("dL_da", "delta", "grad", "grad_sum"), _sign_flipped, _every_output(-1)),
    Mistake(
        "half_dropped",
        ("loss", "loss_total", "dL_da", "delta", "grad", "grad_sum"),
        _factor(sp.Integer(2)),
        _every_output(2),
    ),
    Mistake(
        "half_doubled",
        ("loss", "loss_total", "dL_da", "delta", "grad", "grad_sum"),
        _factor(sp.Rational(1, 2)),
        _every_output(sp.Rational(1, 2)),
    ),
    Mistake("indices_swapped", ("net", "act", "dL_da", "grad", "grad_sum"), _other_units),
    Mistake("updated_weights_used", ("dL_da",), _updated_weights),
    Mistake("step_added", ("update",), _step_added, _every_update(True)),
    Mistake("rate_left_out", ("update",), _rate_left_out, _every_update(False)),
    Mistake("sum_not_mean", ("loss_total", "grad_sum"), _reduction(False)),
    Mistake("mean_not_sum", ("loss_total", "grad_sum"), _reduction(True)),
    Mistake(
        "rounded_early",
        ("net", "act", "loss", "dL_da", "da_dz", "delta", "grad", "update"),
        _rounded_early,
    ),
)


def get(mistake_id: str) -> Mistake:
    for m in CATALOG:
        if m.id == mistake_id:
            return m
    raise KeyError(mistake_id)


def alternatives(situation: Situation) -> list[tuple[Mistake, Detail, sp.Expr]]:
    """Every catalog value for the step of ``situation``, in catalog order."""
    out = []
    for m in CATALOG:
        if situation.step.kind in m.kinds:
            out += [(m, detail, value) for detail, value in m.alternatives(situation)]
    return out


def hook(net: Network, mistake: Mistake) -> Callable[[str, sp.Expr, Mapping[str, sp.Expr]], sp.Expr]:
    """``mistake`` made at every step of its kind, as a :class:`tracer.homework.recompute.Own` hook."""
    assert mistake.every_step is not None
    every = mistake.every_step

    def apply(key: str, value: sp.Expr, v: Mapping[str, sp.Expr]) -> sp.Expr:
        changed = every(net, key, value, v)
        return _n(changed) if changed is not None else value

    return apply
