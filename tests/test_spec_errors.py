"""Bad specs get one clear line on stderr, exit code 2, no traceback and no output file.

CONTRACT.md §4: ``tracer: <where>: <problem>``, where ``<where>`` is a data path such as
``layers[1].weights`` (0-based list indices) followed by ``(line N)`` when the reader
knows the line (YAML and JSON), or the file name for a problem with the file as a whole.

Each case is (name, file suffix, file text, expected). ``expected`` is a substring of the
single stderr line that names both the location and the problem (most are the whole line);
``{path}`` in it stands for the spec file's path as given on the command line. The CLI runs
in-process (``tracer.cli.main``), so the whole table takes a few seconds.
"""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest
import sympy as sp

from tracer.cli import main
from tracer.functions import activations, losses
from tracer.spec.loader import load
from tracer.spec.model import LAYER_KEYS, TOP_KEYS

# -- spec templates -------------------------------------------------------------------------
# Line numbers in the expected messages refer to this text (line 1 is ``title: t``).
BASE = """\
title: t
inputs: [0.02, 0.04]
targets: [0.5, 0.9]
layers:
  - units: 2
    activation: sigmoid
    weights: [[0.05, 0.1], [0.15, 0.2]]
    biases: [0.5, 0.5]
  - units: 2
    activation: sigmoid
    weights: [[0.25, 0.3], [0.35, 0.4]]
    biases: [0.9, 0.9]
loss: half_sse
learning_rate: 0.5
"""
END = 15  # the line of a key appended to BASE

W0 = "weights: [[0.05, 0.1], [0.15, 0.2]]"
W1 = "weights: [[0.25, 0.3], [0.35, 0.4]]"
B0 = "biases: [0.5, 0.5]"
B1 = "biases: [0.9, 0.9]"
UNITS0 = "  - units: 2\n    activation: sigmoid\n    weights: [[0.05"
UNITS1 = "  - units: 2\n    activation: sigmoid\n    weights: [[0.25"
ACT1 = "activation: sigmoid\n    weights: [[0.25"
ACT0 = "activation: sigmoid\n    weights: [[0.05"
CE = ("loss: half_sse", "loss: cross_entropy")
SOFTMAX_CE = (ACT1, ACT1.replace("sigmoid", "softmax"), *CE)  # a softmax output and cross-entropy
SINGLE = "inputs: [0.02, 0.04]\ntargets: [0.5, 0.9]\n"
X = "inputs: [0.02, 0.04]"


def y(*edits: str, append: str = "") -> str:
    """BASE with (old, new) replacements applied once each, then ``append`` added."""
    text = BASE
    assert len(edits) % 2 == 0
    for old, new in zip(edits[::2], edits[1::2], strict=True):
        assert old in text, f"template has no {old!r}"
        text = text.replace(old, new, 1)
    return text + append


JBASE = json.dumps(
    {
        "inputs": [1, 2],
        "targets": [1],
        "layers": [{"units": 1, "activation": "sigmoid", "weights": [[1, 1]]}],
        "loss": "sse",
        "learning_rate": 0.5,
    }
)


def j(old: str, new: str) -> str:
    assert old in JBASE, f"JSON template has no {old!r}"
    return JBASE.replace(old, new, 1)


def bomb() -> str:
    """Billion laughs: nine levels of nine aliases each, 9**9 leaves once expanded."""
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


TOP = ", ".join(TOP_KEYS)
LAYER = ", ".join(LAYER_KEYS)
ACTS = ", ".join(activations.ACTIVATIONS)
LOSSES = ", ".join(losses.LOSSES)
NUMBER = 'expected a number written as a decimal like 0.1 or a fraction like "1/3"'
FINITE = "expected a finite number"
ROW = "numbers (one per unit of the previous layer)"
ROW0 = "numbers (one per input)"
UNITS = "expected a whole number from 1 to 1000"
ITERS = "expected a whole number from 1 to 100000"
NOT_BOTH = "give either inputs/targets or samples, not both"
BIG_BATCH = "".join(f"  - {{inputs: [{i % 2}, 1], targets: [1, 0]}}\n" for i in range(1001))
# 19 layers put in front of the 2 of BASE: 21 in all
MANY_LAYERS = "  - {units: 2, activation: sigmoid, weights: [[1, 1], [1, 1]]}\n" * 19

# Special "texts": the SPEC argument is a directory, or a file that does not exist.
DIRECTORY, MISSING = object(), object()

CASES = [
    # -- weight shapes, layer 0 and layer 1
    ("w0-too-many-rows", ".yaml", y(W0, "weights: [[0.05, 0.1], [0.15, 0.2], [1, 2]]"),
     "tracer: layers[0].weights (line 7): expected 2 rows (units), got 3"),
    ("w0-too-few-rows", ".yaml", y(W0, "weights: [[0.05, 0.1]]"),
     "tracer: layers[0].weights (line 7): expected 2 rows (units), got 1"),
    ("w0-row-too-short", ".yaml", y(W0, "weights: [[0.05, 0.1], [0.15]]"),
     f"tracer: layers[0].weights[1] (line 7): expected 2 {ROW0}, got 1"),
    ("w0-row-too-long", ".yaml", y(W0, "weights: [[0.05, 0.1, 0.7], [0.15, 0.2]]"),
     f"tracer: layers[0].weights[0] (line 7): expected 2 {ROW0}, got 3"),
    ("w1-too-many-rows", ".yaml", y(W1, "weights: [[0.25, 0.3], [0.35, 0.4], [1, 1]]"),
     "tracer: layers[1].weights (line 11): expected 2 rows (units), got 3"),
    ("w1-too-few-rows", ".yaml", y(W1, "weights: [[0.25, 0.3]]"),
     "tracer: layers[1].weights (line 11): expected 2 rows (units), got 1"),
    ("w1-row-too-short", ".yaml", y(W1, "weights: [[0.25, 0.3], [0.35]]"),
     f"tracer: layers[1].weights[1] (line 11): expected 2 {ROW}, got 1"),
    ("w1-row-too-long", ".yaml", y(W1, "weights: [[0.25, 0.3, 0.1], [0.35, 0.4]]"),
     f"tracer: layers[1].weights[0] (line 11): expected 2 {ROW}, got 3"),
    ("w1-block-row-names-its-line", ".yaml", y(W1, "weights:\n      - [0.25, 0.3]\n      - [0.35]"),
     f"tracer: layers[1].weights[1] (line 13): expected 2 {ROW}, got 1"),
    ("w1-entry-text-names-its-line", ".yaml",
     y(W1, "weights:\n      - [0.25, 0.3]\n      - [0.35,\n         abc]"),
     f"tracer: layers[1].weights[1][1] (line 14): {NUMBER}, got 'abc'"),
    ("weights-a-number", ".yaml", y(W1, "weights: 5"),
     "tracer: layers[1].weights (line 11): expected 2 rows of 2 numbers, got the number 5"),
    ("weights-row-a-number", ".yaml", y(W1, "weights: [1, 2]"),
     "tracer: layers[1].weights[0] (line 11): expected a row of 2 numbers, got the number 1"),
    # -- biases
    ("b1-too-long", ".yaml", y(B1, "biases: [0.9, 0.9, 0.9]"),
     "tracer: layers[1].biases (line 12): expected 2 biases, one per unit, got 3"),
    ("b0-too-short", ".yaml", y(B0, "biases: [0.5]"),
     "tracer: layers[0].biases (line 8): expected 2 biases, one per unit, got 1"),
    ("biases-text", ".yaml", y(B1, "biases: abc"),
     f"tracer: layers[1].biases (line 12): {NUMBER}, got 'abc'"),
    ("biases-entry-text", ".yaml", y(B1, "biases: [0.9, high]"),
     f"tracer: layers[1].biases[1] (line 12): {NUMBER}, got 'high'"),
    ("biases-empty-list", ".yaml", y(B1, "biases: []"),
     "tracer: layers[1].biases (line 12): expected at least one number"),
    ("biases-boolean", ".yaml", y(B1, "biases: true"),
     "tracer: layers[1].biases (line 12): expected a number, got a boolean (true)"),
    # -- inputs/targets not matching the network
    ("inputs-too-many", ".yaml", y(X, "inputs: [0.02, 0.04, 0.06]"),
     f"tracer: layers[0].weights[0] (line 7): expected 3 {ROW0}, got 2"),
    ("targets-too-few", ".yaml", y("targets: [0.5, 0.9]", "targets: [0.5]"),
     "tracer: layers[1].units (line 9): the output layer has 2 units but the targets have 1 value"),
    ("targets-too-many", ".yaml", y("targets: [0.5, 0.9]", "targets: [0.5, 0.9, 0.1]"),
     "tracer: layers[1].units (line 9): the output layer has 2 units but the targets have 3 values"),
    ("inputs-empty", ".yaml", y(X, "inputs: []"),
     "tracer: inputs (line 2): expected at least one number (inputs), got an empty list"),
    ("inputs-a-number", ".yaml", y(X, "inputs: 0.02"),
     "tracer: inputs (line 2): expected a list of numbers (inputs), got the number 0.02"),
    # -- layers
    ("layers-empty", ".yaml", "inputs: [1]\ntargets: [1]\nlayers: []\nloss: sse\nlearning_rate: 1\n",
     "tracer: layers (line 3): expected a non-empty list of layers, got a list of 0"),
    ("layers-a-mapping", ".yaml",
     "inputs: [1]\ntargets: [1]\nlayers: {units: 1}\nloss: sse\nlearning_rate: 1\n",
     "tracer: layers (line 3): expected a non-empty list of layers, got a mapping"),
    ("layer-a-number", ".yaml", "inputs: [1]\ntargets: [1]\nlayers: [5]\nloss: sse\nlearning_rate: 1\n",
     f"tracer: layers[0] (line 3): expected a mapping with keys {LAYER}, got the number 5"),
    ("too-many-layers", ".yaml", y("layers:\n", "layers:\n" + MANY_LAYERS),
     "tracer: layers (line 4): at most 20 layers, got 21"),
    ("units-zero", ".yaml", y(UNITS0, UNITS0.replace("2", "0", 1)),
     f"tracer: layers[0].units (line 5): {UNITS}, got 0"),
    ("units-negative", ".yaml", y(UNITS0, UNITS0.replace("2", "-1", 1)),
     f"tracer: layers[0].units (line 5): {UNITS}, got -1"),
    ("units-fraction", ".yaml", y(UNITS0, UNITS0.replace("2", "2.5", 1)),
     f"tracer: layers[0].units (line 5): {UNITS}, got the number 2.5"),
    ("units-boolean", ".yaml", y(UNITS0, UNITS0.replace("2", "true", 1)),
     f"tracer: layers[0].units (line 5): {UNITS}, got a boolean (true)"),
    ("units-text", ".yaml", y(UNITS1, UNITS1.replace("2", "two", 1)),
     f"tracer: layers[1].units (line 9): {UNITS}, got the text 'two'"),
    ("units-too-many", ".yaml", y(UNITS0, UNITS0.replace("2", "100000", 1)),
     f"tracer: layers[0].units (line 5): {UNITS}, got 100000"),
    ("units-1.0-in-json", ".json", j('"units": 1', '"units": 1.0'),
     f"tracer: layers[0].units (line 1): {UNITS}, got the number 1.0"),
    # -- missing keys
    ("missing-weights", ".yaml", y("    " + W1 + "\n", ""),
     "tracer: layers[1] (line 9): missing required key 'weights'"),
    ("missing-units", ".yaml", y(UNITS1, UNITS1.replace("  - units: 2\n    ", "  - ")),
     "tracer: layers[1] (line 9): missing required key 'units'"),
    ("missing-activation", ".yaml", y(ACT1, "weights: [[0.25"),
     "tracer: layers[1] (line 9): missing required key 'activation'"),
    ("missing-loss", ".yaml", y("loss: half_sse\n", ""),
     "tracer: {path} (line 1): missing required key 'loss'"),
    ("missing-learning-rate", ".yaml", y("learning_rate: 0.5\n", ""),
     "tracer: {path} (line 1): missing required key 'learning_rate'"),
    ("missing-inputs", ".yaml", y(X + "\n", ""),
     "tracer: {path} (line 1): missing required key 'inputs' (or give samples)"),
    ("missing-targets", ".yaml", y("targets: [0.5, 0.9]\n", ""),
     "tracer: {path} (line 1): missing required key 'targets' (or give samples)"),
    ("missing-layers", ".yaml", "inputs: [1]\ntargets: [1]\nloss: sse\nlearning_rate: 1\n",
     "tracer: {path} (line 1): missing required key 'layers'"),
    ("missing-loss-json", ".json", j(', "loss": "sse"', ""),
     "tracer: {path} (line 1): missing required key 'loss'"),
    # -- unknown keys and names
    ("unknown-top-key", ".yaml", y(append="epochs: 3\n"),
     f"tracer: epochs (line {END}): unknown key 'epochs'; allowed keys: {TOP}"),
    ("unknown-layer-key", ".yaml", y(B1, B1 + "\n    bias: 1"),
     f"tracer: layers[1].bias (line 13): unknown key 'bias'; allowed keys: {LAYER}"),
    ("unknown-top-key-json", ".json", j('"loss"', '"lr": 1, "loss"'),
     f"tracer: lr (line 1): unknown key 'lr'; allowed keys: {TOP}"),
    ("unknown-activation", ".yaml", y(ACT1, ACT1.replace("sigmoid", "gelu")),
     f"tracer: layers[1].activation (line 10): unknown activation 'gelu'; allowed: {ACTS}"),
    ("activation-a-number", ".yaml", y(ACT1, ACT1.replace("sigmoid", "3")),
     f"tracer: layers[1].activation (line 10): unknown activation the number 3; allowed: {ACTS}"),
    ("unknown-loss", ".yaml", y("loss: half_sse", "loss: hinge"),
     f"tracer: loss (line 13): unknown loss 'hinge'; allowed: {LOSSES}"),
    ("notation-unknown", ".yaml", y(append="notation: matrix\n"),
     f"tracer: notation (line {END}): unknown notation 'matrix'; allowed: layer, node, flat"),
    # -- learning rate
    ("learning-rate-negative", ".yaml", y("learning_rate: 0.5", "learning_rate: -0.1"),
     "tracer: learning_rate (line 14): expected a number >= 0, got -0.1"),
    ("learning-rate-text", ".yaml", y("learning_rate: 0.5", "learning_rate: fast"),
     f"tracer: learning_rate (line 14): {NUMBER}, got 'fast'"),
    ("learning-rate-negative-json", ".json", j("0.5", "-0.0001"),
     "tracer: learning_rate (line 1): expected a number >= 0, got -0.0001"),
    # -- numbers that are not finite, or not numbers
    ("nan-yaml", ".yaml", y(X, "inputs: [.nan, 0.04]"), f"tracer: inputs[0] (line 2): {FINITE}, got '.nan'"),
    ("inf-yaml", ".yaml", y(X, "inputs: [0.02, .inf]"), f"tracer: inputs[1] (line 2): {FINITE}, got '.inf'"),
    ("minus-inf-yaml", ".yaml", y(B0, "biases: [-.inf, 0.5]"),
     f"tracer: layers[0].biases[0] (line 8): {FINITE}, got '-.inf'"),
    ("nan-json", ".json", j('"inputs": [1, 2]', '"inputs": [NaN, 2]'),
     f"tracer: inputs[0] (line 1): {FINITE}, got 'NaN'"),
    ("inf-json", ".json", j('"inputs": [1, 2]', '"inputs": [1, Infinity]'),
     f"tracer: inputs[1] (line 1): {FINITE}, got 'Infinity'"),
    ("huge-exponent-yaml", ".yaml", y(X, "inputs: [1e999, 0.04]"),
     "tracer: inputs[0] (line 2): exponent of '1e999' is out of range (|e| <= 300)"),
    ("huge-exponent-float-yaml", ".yaml", y(W0, "weights: [[1.0e+999, 0.1], [0.15, 0.2]]"),
     "tracer: layers[0].weights[0][0] (line 7): exponent of '1.0e+999' is out of range (|e| <= 300)"),
    ("tiny-exponent-text", ".yaml", y("learning_rate: 0.5", "learning_rate: '1e-999'"),
     "tracer: learning_rate (line 14): exponent of '1e-999' is out of range (|e| <= 300)"),
    ("huge-exponent-json", ".json", j('"inputs": [1, 2]', '"inputs": [1, 1e999]'),
     "tracer: inputs[1] (line 1): exponent of '1e999' is out of range (|e| <= 300)"),
    ("number-too-long", ".yaml", y(X, "inputs: [0." + "3" * 150 + ", 0.04]"),
     "tracer: inputs[0] (line 2): number written with more than 100 characters"),
    ("number-boolean", ".yaml", y(X, "inputs: [true, 0.04]"),
     "tracer: inputs[0] (line 2): expected a number, got a boolean (true)"),
    ("number-null", ".yaml", y("learning_rate: 0.5", "learning_rate:"),
     "tracer: learning_rate (line 14): expected a number, got nothing (null)"),
    ("number-list", ".yaml", y(W0, "weights: [[0.05, [0.1]], [0.15, 0.2]]"),
     "tracer: layers[0].weights[0][1] (line 7): expected a number, got a list of 1"),
    ("number-boolean-json", ".json", j('"inputs": [1, 2]', '"inputs": [1, false]'),
     "tracer: inputs[1] (line 1): expected a number, got a boolean (false)"),
    ("number-null-json", ".json", j('"learning_rate": 0.5', '"learning_rate": null'),
     "tracer: learning_rate (line 1): expected a number, got nothing (null)"),
    ("fraction-zero-denominator", ".yaml", y(X, "inputs: ['1/0', 0.04]"),
     "tracer: inputs[0] (line 2): division by zero in '1/0'"),
    # -- samples
    ("inputs-and-samples", ".yaml", y(append="samples:\n  - {inputs: [0, 1], targets: [1, 0]}\n"),
     f"tracer: samples (line {END}): {NOT_BOTH}"),
    ("samples-inconsistent-inputs", ".yaml",
     y(SINGLE, "samples:\n  - {inputs: [0, 1], targets: [1, 0]}\n  - {inputs: [0, 1, 1], targets: [1, 0]}\n"),
     "tracer: samples[1].inputs (line 4): expected 2 inputs, got 3"),
    ("samples-inconsistent-targets", ".yaml",
     y(SINGLE, "samples:\n  - {inputs: [0, 1], targets: [1, 0]}\n  - {inputs: [0, 1], targets: [1]}\n"),
     "tracer: samples[1].targets (line 4): expected 2 targets, got 1"),
    ("samples-empty", ".yaml", y(SINGLE, "samples: []\n"),
     "tracer: samples (line 2): expected a non-empty list of samples, got a list of 0"),
    ("samples-a-mapping", ".yaml", y(SINGLE, "samples: {inputs: [0, 1]}\n"),
     "tracer: samples (line 2): expected a non-empty list of samples, got a mapping"),
    ("sample-a-list", ".yaml", y(SINGLE, "samples:\n  - [0, 1]\n"),
     "tracer: samples[0] (line 3): expected a mapping with keys inputs, targets, got a list of 2"),
    ("sample-missing-targets", ".yaml", y(SINGLE, "samples:\n  - {inputs: [0, 1]}\n"),
     "tracer: samples[0] (line 3): missing required key 'targets'"),
    ("sample-unknown-key", ".yaml", y(SINGLE, "samples:\n  - {inputs: [0, 1], targets: [1, 0], weight: 2}\n"),
     "tracer: samples[0].weight (line 3): unknown key 'weight'; allowed keys: inputs, targets"),
    ("too-many-samples", ".yaml", y(SINGLE, "samples:\n" + BIG_BATCH),
     "tracer: samples (line 2): at most 1000 samples, got 1001"),
    # -- loss and output layer
    ("bce-linear-output", ".yaml", y(ACT1, ACT1.replace("sigmoid", "linear"), "loss: half_sse", "loss: bce"),
     "tracer: layers[1].activation (line 10): loss bce needs outputs in (0, 1): "
     "use sigmoid on the output layer, not linear"),
    ("bce-target-2", ".yaml", y("targets: [0.5, 0.9]", "targets: [2, 0.9]", "loss: half_sse", "loss: bce"),
     "tracer: targets[0] (line 3): loss bce needs targets from 0 to 1, got 2"),
    ("bce-batch-target-negative", ".yaml",
     y(SINGLE, "samples:\n  - {inputs: [0, 1], targets: [1, 0]}\n  - {inputs: [1, 1], targets: [-1, 0]}\n",
       "loss: half_sse", "loss: bce"),
     "tracer: samples[1].targets[0] (line 4): loss bce needs targets from 0 to 1, got -1"),
    # -- the activation and loss catalog: slope, softmax, cross_entropy, class indices, reduction
    ("slope-on-tanh", ".yaml", y(ACT0, "activation: tanh\n    slope: 0.2\n    weights: [[0.05"),
     "tracer: layers[0].slope (line 7): slope applies to leaky_relu only, not to tanh"),
    ("slope-zero", ".yaml", y(ACT0, "activation: leaky_relu\n    slope: 0\n    weights: [[0.05"),
     "tracer: layers[0].slope (line 7): expected a slope between 0 and 1 (both excluded), got 0"),
    ("slope-boolean", ".yaml", y(ACT0, "activation: leaky_relu\n    slope: yes\n    weights: [[0.05"),
     "tracer: layers[0].slope (line 7): expected a number, got a boolean (true)"),
    ("softmax-hidden", ".yaml", y(ACT0, "activation: softmax\n    weights: [[0.05"),
     "tracer: layers[0].activation (line 6): softmax couples the units of a layer into probabilities: "
     "it is for the output layer only, not a hidden layer"),
    ("cross-entropy-tanh-output", ".yaml", y(ACT1, ACT1.replace("sigmoid", "tanh"), *CE),
     "tracer: layers[1].activation (line 10): loss cross_entropy needs a softmax output layer, not tanh"),
    ("cross-entropy-targets-sum", ".yaml", y(*SOFTMAX_CE),
     "tracer: targets (line 3): loss cross_entropy needs targets that sum to 1 (one-hot or probabilities) "
     "or a class index, got a sum of 1.4"),
    ("class-index-3-of-2", ".yaml", y("targets: [0.5, 0.9]", "targets: 3", *SOFTMAX_CE),
     "tracer: targets (line 3): expected a class index from 1 to 2 (the output units), got 3"),
    ("class-index-half-sse", ".yaml", y("targets: [0.5, 0.9]", "targets: 1"),
     "tracer: targets (line 3): a class index as targets needs loss cross_entropy; "
     "for loss half_sse give a list of 2 targets"),
    ("class-index-text", ".yaml", y("targets: [0.5, 0.9]", "targets: one", *SOFTMAX_CE),
     "tracer: targets (line 3): expected a list of numbers (targets) or a class index (a whole number), "
     "got the text 'one'"),
    ("reduction-unknown", ".yaml", y(append="reduction: none\n"),
     f"tracer: reduction (line {END}): unknown reduction 'none'; allowed: mean, sum"),
    # -- iterations, frozen
    ("iterations-zero", ".yaml", y(append="iterations: 0\n"),
     f"tracer: iterations (line {END}): {ITERS}, got 0"),
    ("iterations-too-many", ".yaml", y(append="iterations: 1000000\n"),
     f"tracer: iterations (line {END}): {ITERS}, got 1000000"),
    ("iterations-1.5", ".yaml", y(append="iterations: 1.5\n"),
     f"tracer: iterations (line {END}): {ITERS}, got the number 1.5"),
    ("iterations-text", ".yaml", y(append="iterations: '3'\n"),
     f"tracer: iterations (line {END}): {ITERS}, got the text '3'"),
    ("frozen-unknown-parameter", ".yaml", y(append="frozen: [biases, 'W9[1,1]']\n"),
     f"tracer: frozen[1] (line {END}): unknown parameter 'W9[1,1]'; "
     "use 'weights', 'biases' or keys such as W1[1,1]"),
    ("frozen-not-a-list", ".yaml", y(append="frozen: biases\n"),
     f"tracer: frozen (line {END}): expected a list of parameter keys, got the text 'biases'"),
    # -- text fields
    ("title-too-long", ".yaml", y("title: t", "title: " + "x" * 250),
     "tracer: title (line 1): text longer than 200 characters"),
    ("description-too-long", ".yaml", y(append="description: " + "d" * 600 + "\n"),
     f"tracer: description (line {END}): text longer than 500 characters"),
    ("title-a-number", ".yaml", y("title: t", "title: 5"),
     "tracer: title (line 1): expected text, got the number 5"),
    # -- YAML and JSON syntax
    ("duplicate-key-yaml", ".yaml", y(append="loss: sse\n"),
     f"tracer: {{path}} (line {END}): duplicate key 'loss'"),
    ("duplicate-layer-key-yaml", ".yaml", y(B1, B1 + "\n    units: 2"),
     "tracer: layers[1] (line 13): duplicate key 'units'"),
    ("duplicate-key-json", ".json", j('"loss": "sse"', '"loss": "sse", "loss": "mse"'),
     "tracer: {path} (line 1): duplicate key 'loss'"),
    ("yaml-syntax-error", ".yaml", y(X, "inputs: [0.02, 0.04"), "tracer: {path} (line 3): not valid YAML: "),
    ("yaml-tab-indent", ".yaml", y("    " + ACT1, "\t" + ACT1),
     "tracer: {path} (line 10): not valid YAML: found character '\\t' that cannot start any token"),
    ("yaml-two-documents", ".yaml", y(append="---\ntitle: u\n"),
     f"tracer: {{path}} (line {END}): not valid YAML"),
    ("yaml-python-tag", ".yaml", y("title: t", "title: !!python/name:os.system ''"),
     "tracer: title (line 1): unsupported YAML tag tag:yaml.org,2002:python/name:os.system"),
    ("yaml-date", ".yaml", y("title: t", "title: 2024-01-01"),
     "tracer: title (line 1): unsupported YAML tag tag:yaml.org,2002:timestamp"),
    ("yaml-key-not-text", ".yaml", y(append="[1, 2]: 3\n"),
     f"tracer: {{path}} (line {END}): keys must be text"),
    ("json-invalid", ".json", '{\n  "inputs": [1, 2],\n  "targets": [1]\n  "loss": "sse"\n}\n',
     "tracer: {path} (line 4): not valid JSON: Expecting ',' delimiter"),
    ("json-trailing-comma", ".json", '{\n  "inputs": [1, 2],\n}\n',
     "tracer: {path} (line 3): not valid JSON: "),
    # -- the file as a whole
    ("empty-file", ".yaml", "", "tracer: {path}: the file is empty"),
    ("empty-json-file", ".json", "", "tracer: {path}: the file is empty"),
    ("only-whitespace", ".yaml", "  \n\n\t\n   ", "tracer: {path}: the file is empty"),
    ("only-comments", ".yaml", "# a spec\n   # to be written\n", "tracer: {path}: the file is empty"),
    ("top-level-list", ".yaml", "- inputs: [1]\n- targets: [1]\n",
     f"tracer: {{path}} (line 1): expected a mapping with keys {TOP}, got a list of 2"),
    ("top-level-text", ".yaml", "hello\n",
     f"tracer: {{path}} (line 1): expected a mapping with keys {TOP}, got the text 'hello'"),
    ("top-level-list-json", ".json", "[1, 2]",
     f"tracer: {{path}} (line 1): expected a mapping with keys {TOP}, got a list of 2"),
    ("not-utf8", ".yaml", b"title: caf\xe9\n",
     "tracer: {path} (line 1): not UTF-8 text (byte 11 of the file)"),
    ("binary-nul-bytes", ".yaml", b"title: a\x00b\n\x00\x01\x02", "tracer: {path}: binary data"),
    ("directory", "", DIRECTORY, "tracer: {path}: is a directory"),
    ("missing-file", ".yaml", MISSING, "tracer: {path}: no such file"),
    ("yaml-alias-bomb", ".yaml", bomb(),
     "tracer: f (line 6): more than 200000 values once YAML aliases are expanded; the limit is 200000"),
    ("deeply-nested-yaml", ".yaml", "[" * 5000 + "]" * 5000, "tracer: {path}: nested too deeply"),
    ("deeply-nested-unclosed-yaml", ".yaml", "layers: " + "[" * 5000, "tracer: {path}: nested too deeply"),
    ("deeply-nested-json", ".json", "[" * 5000 + "]" * 5000, "tracer: {path}: nested too deeply"),
    ("deeply-nested-json-100k", ".json", "[" * 100_000 + "]" * 100_000, "tracer: {path}: nested too deeply"),
]


def _write(tmp_path: Path, name: str, suffix: str, text: object) -> Path:
    if text is DIRECTORY:
        path = tmp_path / name
        path.mkdir()
        (path / "spec.yaml").write_text(BASE, encoding="utf-8")
        return path
    path = tmp_path / f"{name}{suffix}"
    if text is MISSING:
        return path
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _report(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(["report", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def _one_line(err: str) -> str:
    assert "Traceback" not in err, err
    assert err.endswith("\n") and err.count("\n") == 1, f"expected exactly one line on stderr, got {err!r}"
    line = err[:-1]
    assert line.startswith("tracer: "), line
    assert "internal error" not in line, line
    return line


def test_case_names_are_unique() -> None:
    names = [case[0] for case in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 45


@pytest.mark.parametrize(("name", "suffix", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_spec(
    name: str, suffix: str, text: object, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec_dir = tmp_path / "in"
    spec_dir.mkdir()
    path = _write(spec_dir, name, suffix, text)

    rc, out, err = _report([str(path)], capsys)
    line = _one_line(err)
    assert rc == 2, line
    assert out == ""
    assert expected.replace("{path}", str(path)) in line

    # With -o: no file is created, and an existing file is left exactly as it was.
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    rc, out, err = _report([str(path), "-o", str(out_dir / "new.md")], capsys)
    assert rc == 2 and out == "" and _one_line(err) == line
    assert list(out_dir.iterdir()) == []

    existing = out_dir / "report.md"
    existing.write_bytes(b"previous report\n")
    os.utime(existing, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    rc, out, err = _report([str(path), "-o", str(existing), "-f", "json"], capsys)
    assert rc == 2 and out == "" and _one_line(err) == line
    assert existing.read_bytes() == b"previous report\n"
    assert existing.stat().st_mtime_ns == 1_000_000_000_000_000_000
    assert [p.name for p in out_dir.iterdir()] == ["report.md"]


@pytest.mark.parametrize(
    ("name", "suffix", "text"),
    [
        ("yaml-alias-bomb", ".yaml", bomb()),
        ("deeply-nested-json", ".json", "[" * 5000 + "]" * 5000),
    ],
)
def test_hostile_input_is_refused_without_expanding_it(
    name: str, suffix: str, text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused in one line, its memory measured rather than its time (no machine is too slow):
    the alias bomb expanded would take gigabytes (9**9 leaves); refused, it takes about 50 MB."""
    path = _write(tmp_path, name, suffix, text)
    tracemalloc.start()
    try:
        rc, _, err = _report([str(path)], capsys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rc == 2
    _one_line(err)
    assert peak < 250_000_000, f"{name}: {peak} bytes allocated to refuse it"


# -- numbers with thousands of digits ------------------------------------------------------
# Python refuses int(str) beyond 4300 digits (ValueError); tracer lets it escape as an
# "internal error" with exit code 3 instead of a bad-input message with exit code 2.
HUGE = "9" * 5000
BUGS = [
    ("huge-integer-yaml", ".yaml", y(X, f"inputs: [{HUGE}, 0.04]"), "inputs[0]"),
    ("huge-integer-units", ".yaml", y(UNITS0, UNITS0.replace("2", HUGE, 1)), "layers[0].units"),
    ("huge-integer-json", ".json", j('"inputs": [1, 2]', f'"inputs": [1, {HUGE}]'), "inputs"),
    ("huge-fraction", ".yaml", y(X, f"inputs: ['1/{HUGE}', 0.04]"), "inputs[0]"),
]


@pytest.mark.parametrize(("name", "suffix", "text", "where"), BUGS, ids=[b[0] for b in BUGS])
def test_number_with_thousands_of_digits(
    name: str, suffix: str, text: str, where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, name, suffix, text)
    rc, _, err = _report([str(path)], capsys)
    line = _one_line(err)
    assert rc == 2
    assert where in line


def test_tag_on_a_collection_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A tag on a scalar is refused ("unsupported YAML tag"), but the same tag on a list or
    # mapping is dropped, so this reads as an ordinary list and the message is about types.
    path = _write(tmp_path, "tagged", ".yaml", y(X, "inputs: !!python/object/apply:os.system [0.02, 0.04]"))
    rc, _, err = _report([str(path)], capsys)
    assert rc == 2
    assert "inputs (line 2): unsupported YAML tag" in _one_line(err)


# -- good specs -----------------------------------------------------------------------------
ONE = "inputs: [{x}]\ntargets: [1]\nlayers: [{{units: 1, activation: sigmoid, weights: [[{w}]]{b}}}]\n" \
      "loss: sse\nlearning_rate: {lr}\n"


def one(x: str = "1", w: str = "1", b: str = "", lr: str = "0.5") -> str:
    return ONE.format(x=x, w=w, b=b, lr=lr)


GOOD = [
    ("fraction-text", ".yaml", one(x="'1/3'"), lambda s: s.samples[0].inputs == (sp.Rational(1, 3),)),
    ("negative-fraction", ".yaml", one(w="'-2/4'"),
     lambda s: s.layers[0].weights == ((sp.Rational(-1, 2),),)),
    ("exponent-as-text", ".yaml", one(lr="'1e-3'"), lambda s: s.learning_rate == sp.Rational(1, 1000)),
    ("exponent-unquoted", ".yaml", one(lr="1e-3"), lambda s: s.learning_rate == sp.Rational(1, 1000)),
    ("decimal-is-exact", ".yaml", one(lr="0.1"),
     lambda s: isinstance(s.learning_rate, sp.Rational) and s.learning_rate == sp.Rational(1, 10)),
    ("decimal-is-exact-json", ".json", j('"learning_rate": 0.5', '"learning_rate": 0.1'),
     lambda s: isinstance(s.learning_rate, sp.Rational) and s.learning_rate == sp.Rational(1, 10)),
    ("fraction-and-exponent-text-json", ".json", j('"inputs": [1, 2]', '"inputs": ["1/3", "1e-3"]'),
     lambda s: s.samples[0].inputs == (sp.Rational(1, 3), sp.Rational(1, 1000))),
    ("shared-bias", ".yaml", one(b=", biases: 0.5"),
     lambda s: s.layers[0].shared_bias == sp.Rational(1, 2) and s.layers[0].biases is None),
    ("no-biases", ".yaml", one(), lambda s: s.layers[0].biases is None and s.layers[0].shared_bias is None),
    ("null-biases", ".yaml", one(b=", biases: null"),
     lambda s: s.layers[0].biases is None and s.layers[0].shared_bias is None),
    ("title-200-chars", ".yaml", "title: " + "t" * 200 + "\n" + one(), lambda s: s.title == "t" * 200),
    ("frozen-group-and-key", ".yaml", one() + "frozen: [biases, 'W1[1,1]']\n",
     lambda s: s.frozen == ("biases", "W1[1,1]")),
    ("batch", ".yaml",
     y(SINGLE, "samples:\n  - {inputs: [0, 1], targets: [1, 0]}\n  - {inputs: [1, 1], targets: [0, 1]}\n"),
     lambda s: len(s.samples) == 2 and s.samples[1].inputs == (1, 1)),
    ("utf8-bom", ".yaml", "\ufeff" + one(), lambda s: s.learning_rate == sp.Rational(1, 2)),
    ("leaky-relu-default-slope", ".yaml", y(ACT0, "activation: leaky_relu\n    weights: [[0.05"),
     lambda s: s.layers[0].slope == sp.Rational(1, 100) and s.layers[1].slope is None),
    ("leaky-relu-fraction-slope", ".yaml",
     y(ACT0, "activation: leaky_relu\n    slope: '1/3'\n    weights: [[0.05"),
     lambda s: s.layers[0].slope == sp.Rational(1, 3)),
    ("class-indices", ".yaml",
     y(SINGLE, "samples:\n  - {inputs: [0, 1], targets: 2}\n  - {inputs: [1, 1], targets: [0.25, 0.75]}\n",
       *SOFTMAX_CE),
     lambda s: s.samples[0].targets == (0, 1) and s.reduction == "mean"
     and s.samples[1].targets == (sp.Rational(1, 4), sp.Rational(3, 4))),
    ("reduction-sum", ".yaml", y("loss: half_sse", "loss: mse", append="reduction: sum\n"),
     lambda s: s.reduction == "sum"),
    ("reduction-defaults", ".yaml", one(), lambda s: s.reduction == "sum" and s.loss == "sse"),
]


@pytest.mark.parametrize(("name", "suffix", "text", "check"), GOOD, ids=[g[0] for g in GOOD])
def test_good_spec(
    name: str, suffix: str, text: str, check, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, name, suffix, text)
    assert check(load(path))
    rc, out, err = _report([str(path), "--no-check"], capsys)
    assert (rc, err) == (0, ""), err
    assert out.startswith("# ")
