"""The JSON Schema of the spec file (``tracer schema``), kept in step with tracer.spec.model."""

from __future__ import annotations

from tracer.functions import activations, losses
from tracer.spec import formula, initial, vary
from tracer.spec.model import (
    LAYER_KEYS,
    MAX_ITERATIONS,
    MAX_UNITS,
    NOTATION_NAMES,
    REDUCTIONS,
    SAMPLE_KEYS,
    TOP_KEYS,
)

_NUMBER = {
    "description": "A number, decimal text such as '0.1' or a fraction such as '1/3'; read exactly.",
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"},
        {"type": "string", "pattern": r"^\s*[+-]?\d+/\d+\s*$"},
    ],
}
_VECTOR = {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/number"}}
_TARGETS = {
    "description": "One target per output unit; or, for loss cross_entropy, the class index "
    "(1 = the first output unit), read as its one-hot vector.",
    "anyOf": [{"$ref": "#/$defs/vector"}, {"type": "integer", "minimum": 1}],
}


def schema() -> dict:
    """A JSON Schema (draft 2020-12) describing every key tracer accepts in a spec."""
    layer = {
        "type": "object",
        "additionalProperties": False,
        "required": ["units", "activation"],
        "properties": {
            "units": {"type": "integer", "minimum": 1, "maximum": MAX_UNITS},
            "activation": {
                "description": "softmax: output layer only, 2 to 100 units; or a name from activations:.",
                "anyOf": [
                    {"enum": list(activations.ACTIVATIONS)},
                    {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,19}$"},
                ],
            },
            "slope": {
                "description": "leaky_relu only: the slope for z <= 0, between 0 and 1 (default 0.01).",
                "$ref": "#/$defs/number",
            },
            "weights": {
                "description": "weights[j][i]: from unit i of the previous layer into unit j. "
                "May be left out when init: says how to draw them.",
                "type": "array",
                "minItems": 1,
                "items": {"$ref": "#/$defs/vector"},
            },
            "biases": {
                "description": "One per unit, or one number: a bias shared by the layer. Omit for none.",
                "anyOf": [{"$ref": "#/$defs/vector"}, {"$ref": "#/$defs/number"}],
            },
        },
    }
    assert tuple(layer["properties"]) == LAYER_KEYS
    sample = {
        "type": "object",
        "additionalProperties": False,
        "required": list(SAMPLE_KEYS),
        "properties": {"inputs": {"$ref": "#/$defs/vector"}, "targets": {"$ref": "#/$defs/targets"}},
    }
    top = {
        "title": {"type": "string", "maxLength": 200},
        "description": {"type": "string", "maxLength": 500},
        "notation": {"enum": list(NOTATION_NAMES)},
        "inputs": {"$ref": "#/$defs/vector"},
        "targets": {"$ref": "#/$defs/targets"},
        "samples": {"type": "array", "minItems": 1, "items": sample},
        "layers": {"type": "array", "minItems": 1, "items": layer},
        "loss": {"enum": list(losses.LOSSES)},
        "reduction": {
            "description": "How the loss combines samples (and outputs). Default: the loss's own "
            + ", ".join(f"{name}: {loss.reduction}" for name, loss in losses.LOSSES.items())
            + ". mean divides by N·K, or by N for cross_entropy (a sum over the outputs per sample).",
            "enum": list(REDUCTIONS),
        },
        "learning_rate": {"$ref": "#/$defs/number"},
        "iterations": {"type": "integer", "minimum": 1, "maximum": MAX_ITERATIONS},
        "frozen": {
            "description": "Parameters not updated: keys such as W1[1,2], b2[1], or 'weights' / 'biases'.",
            "type": "array",
            "items": {"type": "string"},
        },
        "init": {
            "description": "How to draw the weights of layers that give none: reproducible from the seed, "
            "rounded to `decimals` places and then exact.",
            "type": "object",
            "additionalProperties": False,
            "required": ["method"],
            "properties": {
                "method": {"enum": list(initial.METHODS)},
                "seed": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
                "low": {"description": "uniform only (default -1)", "$ref": "#/$defs/number"},
                "high": {"description": "uniform only (default 1)", "$ref": "#/$defs/number"},
                "std": {"description": "normal only (default 1)", "$ref": "#/$defs/number"},
                "decimals": {"type": "integer", "minimum": 0, "maximum": 8},
            },
        },
    }
    top["activations"] = {
        "description": "Your own activations: name -> formula in z, e.g. softsign: 'z / (1 + abs(z))'. "
        "Numbers, z, e, pi, + - * / ** and the functions "
        + ", ".join(sorted(set(formula.FUNCTIONS)))
        + "; SymPy derives the derivative.",
        "type": "object",
        "additionalProperties": {"type": "string", "maxLength": formula.MAX_CHARS},
    }
    top["tolerance"] = {
        "description": "How `tracer check` judges answers: exactly one of sig_figs, decimals, rel, abs; "
        "last_digit (default true) lets the last digit judged be off by one; fewer_digits: judge "
        "(default) or wrong, for answers written with fewer digits than asked.",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "sig_figs": {"type": "integer", "minimum": 1, "maximum": 30},
            "decimals": {"type": "integer", "minimum": 1, "maximum": 30},
            "rel": {"$ref": "#/$defs/number"},
            "abs": {"$ref": "#/$defs/number"},
            "last_digit": {"type": "boolean"},
            "fewer_digits": {"enum": ["judge", "wrong"]},
        },
        "oneOf": [{"required": [rule]} for rule in ("sig_figs", "decimals", "rel", "abs")],
    }
    top["vary"] = _vary()
    assert tuple(top) == TOP_KEYS
    assert tuple(top["init"]["properties"]) == initial.KEYS
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "tracer network spec",
        "type": "object",
        "additionalProperties": False,
        "required": ["layers", "loss", "learning_rate"],
        "properties": top,
        "oneOf": [{"required": ["inputs", "targets"]}, {"required": ["samples"]}],
        "$defs": {"number": _NUMBER, "vector": _VECTOR, "targets": _TARGETS},
    }


def _vary() -> dict:
    """``vary:``, what ``tracer variants`` redraws (tracer.spec.vary)."""
    rng = {
        "description": "A range: multiples of step (default 10^-decimals) from low to high, or the "
        "spec's value ± spread; or values: a list to choose from; false keeps the spec's numbers.",
        "anyOf": [
            {"type": "boolean"},
            {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "low": {"$ref": "#/$defs/number"},
                    "high": {"$ref": "#/$defs/number"},
                    "step": {"$ref": "#/$defs/number"},
                    "spread": {"$ref": "#/$defs/number"},
                    "values": {"$ref": "#/$defs/vector"},
                },
            },
        ],
    }
    flags = {k: {"type": "boolean"} for k in vary.CONSTRAINT_KEYS[:6] if k != "min_gradient"}
    constraints = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **flags,
            "min_gradient": {"$ref": "#/$defs/number"},
            "saturation": {"$ref": "#/$defs/number"},
            "tries": {"type": "integer", "minimum": 1, "maximum": vary.MAX_TRIES},
        },
    }
    return {
        "description": "What tracer variants draws anew for each variant, and the fairness constraints. "
        "Keys W1, b1, W2, … give one layer's weights or biases their own range.",
        "type": "object",
        "properties": {
            "decimals": {"type": "integer", "minimum": 0, "maximum": 6},
            **{group: rng for group in vary.GROUPS},
            "ask": {"type": "array", "minItems": 1, "items": {"enum": list(vary.ASKABLE)}},
            "constraints": constraints,
        },
        "patternProperties": {"^[Wb][1-9][0-9]?$": rng},
        "additionalProperties": False,
    }
