"""A validated spec written back as a spec file (YAML), exactly: reading it gives the same spec.

``tracer variants`` writes each variant's spec with this, so a variant can be reported on
and its answers checked (``tracer check variant-001/spec.yaml answers.yaml``) on its own.
Numbers are written as decimals when they end (0.25), else as fractions in quotes ("1/3").
"""

from __future__ import annotations

import json

import sympy as sp

from tracer.spec import tolerance as tol
from tracer.spec.model import NetworkSpec


def number(value: sp.Rational) -> str:
    """The exact text of a rational: a decimal if it ends, else a quoted fraction."""
    value = sp.Rational(value)
    q = int(value.q)
    twos = fives = 0
    while q % 2 == 0:
        q //= 2
        twos += 1
    while q % 5 == 0:
        q //= 5
        fives += 1
    if q != 1:
        return f'"{value.p}/{value.q}"'
    places = max(twos, fives)
    scaled = int(value * 10**places)
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled)).rjust(places + 1, "0")
    return sign + (digits[:-places] + "." + digits[-places:] if places else digits)


def _vector(values: tuple) -> str:
    return "[" + ", ".join(number(v) for v in values) + "]"


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def dump(spec: NetworkSpec) -> str:
    """The YAML text of ``spec`` (without ``vary:``, ``init:``: every weight is written out)."""
    out = [f"title: {_text(spec.title)}"]
    if spec.description:
        out.append(f"description: {_text(spec.description)}")
    out.append(f"notation: {spec.notation}")
    customs = {layer.activation: layer.custom for layer in spec.layers if layer.custom is not None}
    if customs:
        out.append("activations:")
        out += [f"  {name}: {_text(act.description)}" for name, act in customs.items()]
    if len(spec.samples) == 1:
        out.append(f"inputs: {_vector(spec.samples[0].inputs)}")
        out.append(f"targets: {_vector(spec.samples[0].targets)}")
    else:
        out.append("samples:")
        out += [f"  - {{inputs: {_vector(s.inputs)}, targets: {_vector(s.targets)}}}" for s in spec.samples]
    out.append("layers:")
    for layer in spec.layers:
        out.append(f"  - units: {layer.units}")
        out.append(f"    activation: {layer.activation}")
        if layer.slope is not None:
            out.append(f"    slope: {number(layer.slope)}")
        out.append("    weights:")
        out += [f"      - {_vector(row)}" for row in layer.weights]
        if layer.biases is not None:
            out.append(f"    biases: {_vector(layer.biases)}")
        elif layer.shared_bias is not None:
            out.append(f"    biases: {number(layer.shared_bias)}")
    out.append(f"loss: {spec.loss}")
    if spec.reduction is not None:
        out.append(f"reduction: {spec.reduction}")
    out.append(f"learning_rate: {number(spec.learning_rate)}")
    out.append(f"iterations: {spec.iterations}")
    if spec.frozen:
        out.append("frozen: [" + ", ".join(_text(k) for k in spec.frozen) + "]")
    if spec.tolerance is not None:
        out.append(f"tolerance: {tolerance(spec)}")
    return "\n".join(out) + "\n"


def tolerance(spec: NetworkSpec) -> str:
    """The spec's tolerance as a YAML flow mapping (``{sig_figs: 4}``); the default if it has none."""
    rule = spec.tolerance or tol.DEFAULT
    amount = int(rule.amount) if rule.rule in ("sig_figs", "decimals") else number(rule.amount)
    parts = [f"{rule.rule}: {amount}"]
    if not rule.last_digit:
        parts.append("last_digit: false")
    if rule.fewer_digits != "judge":
        parts.append(f"fewer_digits: {rule.fewer_digits}")
    return "{" + ", ".join(parts) + "}"
