"""The JSON Schema of the spec file (``tracer schema``), kept in step with tracer.spec."""

from __future__ import annotations

from tracer import activations, losses
from tracer.spec import LAYER_KEYS, MAX_ITERATIONS, MAX_UNITS, NOTATION_NAMES, SAMPLE_KEYS, TOP_KEYS

_NUMBER = {
    "description": "A number, decimal text such as '0.1' or a fraction such as '1/3'; read exactly.",
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"},
        {"type": "string", "pattern": r"^\s*[+-]?\d+/\d+\s*$"},
    ],
}
_VECTOR = {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/number"}}


def schema() -> dict:
    """A JSON Schema (draft 2020-12) describing every key tracer accepts in a spec."""
    layer = {
        "type": "object",
        "additionalProperties": False,
        "required": ["units", "activation", "weights"],
        "properties": {
            "units": {"type": "integer", "minimum": 1, "maximum": MAX_UNITS},
            "activation": {"enum": list(activations.ACTIVATIONS)},
            "weights": {
                "description": "weights[j][i]: from unit i of the previous layer into unit j.",
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
        "properties": {"inputs": {"$ref": "#/$defs/vector"}, "targets": {"$ref": "#/$defs/vector"}},
    }
    top = {
        "title": {"type": "string", "maxLength": 200},
        "description": {"type": "string", "maxLength": 500},
        "notation": {"enum": list(NOTATION_NAMES)},
        "inputs": {"$ref": "#/$defs/vector"},
        "targets": {"$ref": "#/$defs/vector"},
        "samples": {"type": "array", "minItems": 1, "items": sample},
        "layers": {"type": "array", "minItems": 1, "items": layer},
        "loss": {"enum": list(losses.LOSSES)},
        "learning_rate": {"$ref": "#/$defs/number"},
        "iterations": {"type": "integer", "minimum": 1, "maximum": MAX_ITERATIONS},
        "frozen": {
            "description": "Parameters not updated: keys such as W1[1,2], b2[1], or 'weights' / 'biases'.",
            "type": "array",
            "items": {"type": "string"},
        },
    }
    assert tuple(top) == TOP_KEYS
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "tracer network spec",
        "type": "object",
        "additionalProperties": False,
        "required": ["layers", "loss", "learning_rate"],
        "properties": top,
        "oneOf": [{"required": ["inputs", "targets"]}, {"required": ["samples"]}],
        "$defs": {"number": _NUMBER, "vector": _VECTOR},
    }
