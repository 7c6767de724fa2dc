"""Seeded variants of a spec: new numbers drawn as its ``vary:`` says, kept when they are fair.

Variant k of seed S is the first draw t = 0, 1, 2, … whose numbers meet the constraints
(:class:`tracer.spec.vary.Constraints`) and differ from variants 1 … k−1. Each number is drawn from
SHA-256 of ``(S, k, t, the number's canonical key)``, so it is the same on every machine and
Python version, variant k never depends on how many variants are asked for, and varying one
more group leaves the draws of the others unchanged. Checking a draw needs only the numbers of
one iteration (:func:`tracer.evaluate.exact.forward`), not a derivation or a report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import sympy as sp

from tracer.derive.network import Network, build
from tracer.errors import TracerError
from tracer.evaluate import exact as evaluate
from tracer.notation import grad, key
from tracer.spec.model import Layer, NetworkSpec, Sample
from tracer.spec.vary import Range, Vary

#: Changing this changes every variant ever drawn: only with a changelog entry.
SCHEME = "tracer-variants/1"
MAX_VARIANTS = 999


@dataclass(frozen=True)
class Slot:
    """One number of the spec that may be drawn anew."""

    key: str  # canonical key: W1[2,1], b2[1], b1 (shared), x[1]@2, y[1], eta
    group: str  # inputs | targets | weights | biases | learning_rate
    layer: int | None
    value: sp.Rational  # the spec's own


@dataclass(frozen=True)
class Variant:
    index: int  # k, from 1
    seed: int  # S
    draw: int  # t: the draw that was kept
    numbers: tuple[tuple[str, sp.Rational], ...]  # every slot's value, in slot order
    spec: NetworkSpec


def slots(spec: NetworkSpec) -> tuple[Slot, ...]:
    """Every number of the problem, in a fixed order: learning rate, layers, samples."""
    out = [Slot("eta", "learning_rate", None, spec.learning_rate)]
    for l, layer in enumerate(spec.layers, 1):
        for j, row in enumerate(layer.weights, 1):
            out += [Slot(key("W", l, j, i), "weights", l, w) for i, w in enumerate(row, 1)]
        if layer.shared_bias is not None:
            out.append(Slot(key("b", l), "biases", l, layer.shared_bias))
        for j, b in enumerate(layer.biases or (), 1):
            out.append(Slot(key("b", l, j), "biases", l, b))
    batch = len(spec.samples) > 1
    for n, s in enumerate(spec.samples, 1):
        at = n if batch else None
        out += [Slot(key("x", None, i, sample=at), "inputs", None, x) for i, x in enumerate(s.inputs, 1)]
        out += [Slot(key("y", None, k, sample=at), "targets", None, y) for k, y in enumerate(s.targets, 1)]
    return tuple(out)


def pick(seed: int, k: int, t: int, slot: str, count: int) -> int:
    """A whole number from 0 to count − 1, fixed by (seed, variant, draw, slot)."""
    digest = hashlib.sha256(f"{SCHEME}:{seed}:{k}:{t}:{slot}".encode()).digest()
    return int.from_bytes(digest, "big") % count


def draw_number(vary: Vary, slot: Slot, seed: int, k: int, t: int) -> sp.Rational:
    rng = vary.range_of(slot.group, slot.layer)
    if rng is None:
        return slot.value
    if rng.values is not None:
        return rng.values[pick(seed, k, t, slot.key, len(rng.values))]
    first, count = _grid(rng, slot, vary)
    return first + pick(seed, k, t, slot.key, count) * (rng.step or vary.step)


def _grid(rng: Range, slot: Slot, vary: Vary) -> tuple[sp.Rational, int]:
    first, count = rng.grid(slot.value, vary.step)
    if count < 1:
        step = rng.step or vary.step
        raise TracerError(
            f"no multiple of the step {step} lies in the range around {slot.key} = {slot.value}",
            f"vary.{slot.group}",
        )
    return first, count


def with_numbers(spec: NetworkSpec, numbers: dict[str, sp.Rational], title: str) -> NetworkSpec:
    """``spec`` with its numbers replaced (keys as :func:`slots` names them) and no ``vary:``."""
    layers = []
    for l, layer in enumerate(spec.layers, 1):
        weights = tuple(
            tuple(numbers[key("W", l, j, i)] for i in range(1, len(row) + 1))
            for j, row in enumerate(layer.weights, 1)
        )
        biases = (
            None
            if layer.biases is None
            else tuple(numbers[key("b", l, j)] for j in range(1, layer.units + 1))
        )
        shared = None if layer.shared_bias is None else numbers[key("b", l)]
        layers.append(
            Layer(layer.units, layer.activation, weights, biases, shared, layer.slope, layer.custom)
        )
    batch = len(spec.samples) > 1
    samples = []
    for n, s in enumerate(spec.samples, 1):
        at = n if batch else None
        xs = tuple(numbers[key("x", None, i, sample=at)] for i in range(1, len(s.inputs) + 1))
        ys = tuple(numbers[key("y", None, k, sample=at)] for k in range(1, len(s.targets) + 1))
        samples.append(Sample(xs, ys))
    return replace(
        spec,
        title=title,
        layers=tuple(layers),
        samples=tuple(samples),
        learning_rate=numbers["eta"],
        init=None,
        drawn=(),
        vary=None,
    )


def unfair(
    net: Network, values: dict, drawn: set[str], vary: Vary, reference: frozenset | None
) -> str | None:
    """Why a variant's first iteration breaks a constraint (a short phrase), or None."""
    c = vary.constraints
    for n in net.samples():
        for layer in net.units:
            act = net.activation(layer[0].layer)
            for u in layer:
                zk = net.z(u.layer, u.index, n)
                z = values[zk]
                if act.name == "relu" and z <= 0 and not c.dead_relu:
                    return f"dead ReLU ({zk} <= 0)"
                if act.kinks and z in act.kinks:
                    return f"{zk} exactly on the kink of {act.name}"
                bound = c.saturation / 2 if act.name == "tanh" else c.saturation
                if act.name in ("sigmoid", "tanh") and abs(z) > bound and not c.saturated:
                    return f"saturated {act.name} (|{zk}| > {bound})"
    if not c.zero_weight:
        for p in net.params:
            if p.kind == "weight" and p.key in drawn and p.value == 0:
                return f"weight {p.key} = 0"
    for p in net.trainable:
        g = values[grad(p.key)]
        if g == 0 and c.dead_relu:
            continue  # a structural zero behind an inactive unit, allowed with dead_relu
        if abs(g) < c.min_gradient:
            return f"gradient dL/d{p.key} below {c.min_gradient}"
    if reference is not None and c.same_difficulty and zeros(net, values) != reference:
        return "not the same quantities exactly 0 as variant 1"
    return None


def zeros(net: Network, values: dict) -> frozenset[str]:
    """The computed quantities that are exactly 0: steps a student gets for free."""
    given = set(net.param_index) | {"eta"}
    return frozenset(k for k, v in values.items() if k not in given and k[:1] not in "xy" and v == 0)


def generate(spec: NetworkSpec, seed: int, upto: int, title: str = "{title} (variant {k})") -> list[Variant]:
    """Variants 1 … ``upto`` of ``spec`` for ``seed``; ``title`` names each ({title}, {k})."""
    vary = spec.vary or Vary()
    table = slots(spec)
    for slot in table:
        rng = vary.range_of(slot.group, slot.layer)
        if rng is not None and rng.values is None:
            _grid(rng, slot, vary)
    limit = vary.constraints.tries
    seen: set[tuple] = set()
    out: list[Variant] = []
    reference: frozenset | None = None
    drawn = {s.key for s in table if vary.range_of(s.group, s.layer) is not None}
    for k in range(1, upto + 1):
        reasons: dict[str, int] = {}
        for t in range(limit):
            numbers = {s.key: draw_number(vary, s, seed, k, t) for s in table}
            signature = tuple(numbers.values())
            if vary.constraints.distinct and signature in seen:
                same = "the same numbers as an earlier variant"
                reasons[same] = reasons.get(same, 0) + 1
                continue
            name = title.replace("{title}", spec.title).replace("{k}", str(k))[:200]
            candidate = with_numbers(spec, numbers, name)
            net = build(candidate)
            try:
                values = evaluate.forward(net, {p.key: p.value for p in net.params})
            except TracerError as err:
                why: str | None = f"undefined ({err.problem})"
            else:
                why = unfair(net, values, drawn, vary, reference)
            if why is not None:
                reasons[why] = reasons.get(why, 0) + 1
                continue
            if reference is None:
                reference = zeros(net, values)
            seen.add(signature)
            out.append(Variant(k, seed, t, tuple(numbers.items()), candidate))
            break
        else:
            common = max(reasons, key=lambda r: reasons[r]) if reasons else "none"
            raise TracerError(
                f"no draw for variant {k} meets the constraints after {limit} tries (most often: {common}); "
                "widen the ranges or allow more in vary.constraints",
                "vary.constraints",
            )
    return out


__all__ = ["MAX_VARIANTS", "Slot", "Variant", "generate", "slots", "unfair", "with_numbers"]
