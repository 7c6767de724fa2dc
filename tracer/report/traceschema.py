"""The JSON Schema of the JSON trace (``tracer schema --trace``), in step with tracer.report.jsontrace."""

from __future__ import annotations

from tracer.functions import activations, losses
from tracer.spec.limits import SAMPLE_VALUES

_PARAMETER = r"^(W\d+\[\d+,\d+\]|b\d+(\[\d+\])?)$"  # W2[1,3], b1[2], a shared bias b1
_UNIT = r"\d+\[\d+\](@\d+)?$"  # layer, unit and, in a batch, @sample
#: A JSON number, or an exactly computed number beyond a double's range as text ("7.79…e+400")
NUMBER = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": r"^-?\d\.\d{16}e[+-]\d+$", "description": "beyond a double's range"},
    ]
}


def _numbers(pattern: str, description: str) -> dict:
    return {
        "type": "object",
        "description": description,
        "propertyNames": {"pattern": pattern},
        "additionalProperties": NUMBER,
    }


def trace_schema() -> dict:
    """A JSON Schema (draft 2020-12) of what ``tracer report -f json`` writes (CONTRACT.md §3)."""
    iteration = {
        "type": "object",
        "additionalProperties": False,
        "required": ["index", "exact", "loss", "gradients", "updated"],
        "dependentRequired": {"forward": ["deltas"], "deltas": ["forward"]},
        "properties": {
            "index": {"type": "integer", "minimum": 1},
            "exact": {
                "type": "boolean",
                "description": "computed exactly (fractions, else 50 digits); false: the float64 fast path",
            },
            "forward": _numbers(
                "^[za]" + _UNIT, "every z and a of every sample (only where sample_values keeps them)"
            ),
            "loss": {**NUMBER, "description": "the loss of this iteration's forward pass"},
            "deltas": _numbers("^delta" + _UNIT, "every δ = ∂L/∂z of every sample (with forward)"),
            "gradients": _numbers(_PARAMETER, "∂L/∂θ of every trainable parameter"),
            "updated": _numbers(_PARAMETER, "every trainable parameter after this iteration's update"),
        },
    }
    network = {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "sizes",
            "activations",
            "loss",
            "reduction",
            "slopes",
            "learning_rate",
            "samples",
            "parameters",
            "frozen",
        ],
        "properties": {
            "sizes": {"type": "array", "minItems": 2, "items": {"type": "integer", "minimum": 1}},
            "activations": {"type": "array", "items": {"enum": sorted(activations.ACTIVATIONS)}},
            "loss": {"enum": sorted(losses.LOSSES)},
            "reduction": {"enum": list(losses.REDUCTIONS)},
            "slopes": {"type": "array", "items": {"type": ["number", "null"]}},
            "learning_rate": {"type": "number"},
            "samples": {"type": "integer", "minimum": 1},
            "parameters": _numbers(_PARAMETER, "every parameter's initial value"),
            "frozen": {"type": "array", "items": {"type": "string", "pattern": _PARAMETER}},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "tracer JSON trace",
        "type": "object",
        "additionalProperties": False,
        "required": [
            "title",
            "tracer_version",
            "network",
            "sample_values",
            "iterations",
            "history",
            "final_loss",
            "stopped",
            "check",
        ],
        "properties": {
            "title": {"type": "string"},
            "tracer_version": {"type": "string"},
            "network": network,
            "sample_values": {
                "enum": [v for v in SAMPLE_VALUES if v != "auto"],
                "description": "all: every listed iteration has forward and deltas; detail: only those "
                "computed exactly or chosen for detail (the other checkpoints: loss, gradients, updated)",
            },
            "iterations": {
                "type": "array",
                "minItems": 1,
                "description": "every iteration computed exactly, then the checkpoints (1, 2, 3, 5, 10, "
                "20, 50, 100, … and the last) of a long run",
                "items": iteration,
            },
            "history": {
                "type": "array",
                "minItems": 1,
                "items": NUMBER,
                "description": "history[k]: the loss of iteration k+1's forward pass, before its update",
            },
            "final_loss": {**NUMBER, "description": "the loss after the last update"},
            "stopped": {
                "description": "null, or where a run ended before the iterations asked for: overflow "
                "(the loss left a double's range) or budget (float64 could not go on and the rest was "
                "too much work to compute exactly)",
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["after_iteration", "requested", "reason"],
                        "properties": {
                            "after_iteration": {"type": "integer", "minimum": 1},
                            "requested": {"type": "integer", "minimum": 2},
                            "reason": {"enum": ["overflow", "budget"]},
                        },
                    },
                ],
            },
            "check": {
                "type": "object",
                "additionalProperties": False,
                "required": ["symbolic", "numeric", "max_relative_difference"],
                "properties": {
                    "symbolic": {"type": "string"},
                    "numeric": {"type": "string"},
                    "max_relative_difference": {"type": ["number", "null"]},
                },
            },
        },
    }
