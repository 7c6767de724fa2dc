"""Independent oracles for every number tracer computes.

* float64: a forward pass written with ``autograd.numpy`` from the spec's numbers and
  ``autograd.grad`` of the loss with respect to the flat parameter vector (same order as
  ``tr.network.params``: per layer the weights row by row, then the biases);
* 50 digits: central finite differences (h = 1e-20) of a forward pass written with
  mpmath, for every gradient of every built-in example;
* hypothesis: random small networks (1-3 layers, 1-4 units, 1-3 samples, every
  activation, every loss and reduction, no/per-unit/shared biases, list or class-index
  targets) against the float64 oracle.

Nothing here uses tracer's own network, evaluate or check code to compute an expected
value: the oracles read only the parsed spec (its exact numbers).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import autograd.numpy as anp
import mpmath
import numpy as np
import pytest
import sympy as sp
import yaml
from autograd import grad as autograd_grad
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from tests.shared import by_size
from tracer.evaluate.tracing import trace
from tracer.spec import examples
from tracer.spec.limits import Lift
from tracer.spec.loader import load

NAMES = examples.names()
REL, FLOOR = 1e-9, 1e-12  # float64 oracle: relative tolerance, absolute floor near zero
HP_REL, HP_FLOOR = mpmath.mpf("1e-25"), mpmath.mpf("1e-30")  # the 50-digit oracle
KINK = 1e-9  # |z| at most this is a ReLU kink: relu(z) = 0 and relu'(z) = 0 there
#: How each loss combines its terms when the spec sets no reduction (README, CONTRACT.md §1).
DEFAULT_REDUCTION = {"half_sse": "sum", "sse": "sum", "mse": "mean", "bce": "mean", "cross_entropy": "mean"}
PER_SAMPLE = {"cross_entropy"}  # losses whose mean divides by N only (a sum over outputs per sample)


# -- the spec's numbers, read without tracer.derive.network


@dataclass(frozen=True)
class Problem:
    sizes: tuple[int, ...]  # inputs, then the units of layers 1..L
    acts: tuple[str, ...]
    slopes: tuple[Fraction | None, ...]  # per layer: leaky_relu's slope
    bias_modes: tuple[str, ...]  # per layer: "none", "unit" or "shared"
    keys: tuple[str, ...]  # canonical parameter keys in flat order
    theta: tuple[Fraction, ...]  # exact initial parameter values, same order
    trainable: tuple[bool, ...]
    inputs: tuple[tuple[Fraction, ...], ...]  # per sample
    targets: tuple[tuple[Fraction, ...], ...]
    loss: str
    lr: Fraction
    reduction: str

    @property
    def n_samples(self) -> int:
        return len(self.inputs)

    @property
    def scale(self) -> Fraction:
        """sum: 1; mean: over all N·K terms, or over the N samples for cross-entropy."""
        if self.reduction == "sum":
            return Fraction(1)
        if self.loss in PER_SAMPLE:
            return Fraction(1, self.n_samples)
        return Fraction(1, self.n_samples * self.sizes[-1])

    def suffix(self, n: int) -> str:
        return f"@{n}" if self.n_samples > 1 else ""

    def theta_float(self) -> np.ndarray:
        return np.array([float(v) for v in self.theta])


def _frac(value) -> Fraction:
    r = sp.Rational(value)
    return Fraction(int(r.p), int(r.q))


def problem(spec) -> Problem:
    keys, theta, kinds, modes = [], [], [], []
    for l, layer in enumerate(spec.layers, 1):
        for j, row in enumerate(layer.weights, 1):
            for i, w in enumerate(row, 1):
                keys.append(f"W{l}[{j},{i}]")
                theta.append(_frac(w))
                kinds.append("weights")
        if layer.shared_bias is not None:
            modes.append("shared")
            keys.append(f"b{l}")
            theta.append(_frac(layer.shared_bias))
            kinds.append("biases")
        elif layer.biases is not None:
            modes.append("unit")
            for j, b in enumerate(layer.biases, 1):
                keys.append(f"b{l}[{j}]")
                theta.append(_frac(b))
                kinds.append("biases")
        else:
            modes.append("none")
    frozen = set(spec.frozen)
    return Problem(
        sizes=(len(spec.samples[0].inputs), *(layer.units for layer in spec.layers)),
        acts=tuple(layer.activation for layer in spec.layers),
        slopes=tuple(None if layer.slope is None else _frac(layer.slope) for layer in spec.layers),
        bias_modes=tuple(modes),
        keys=tuple(keys),
        theta=tuple(theta),
        trainable=tuple(not ({k, kind} & frozen) for k, kind in zip(keys, kinds, strict=True)),
        inputs=tuple(tuple(_frac(v) for v in s.inputs) for s in spec.samples),
        targets=tuple(tuple(_frac(v) for v in s.targets) for s in spec.samples),
        loss=spec.loss,
        lr=_frac(spec.learning_rate),
        reduction=spec.reduction or DEFAULT_REDUCTION[spec.loss],
    )


def layout(prob: Problem) -> list[tuple[int, int, int, int, str, int]]:
    """Per layer l: (l, rows, cols, where its weights start in θ, bias mode, where its bias starts).

    θ holds each layer's weights row by row, then its biases (one per unit, one shared, or none).
    """
    out, off = [], 0
    for l in range(1, len(prob.sizes)):
        rows, cols, mode = prob.sizes[l], prob.sizes[l - 1], prob.bias_modes[l - 1]
        out.append((l, rows, cols, off, mode, off + rows * cols))
        off += rows * cols + {"unit": rows, "shared": 1}.get(mode, 0)
    return out


# -- float64 oracle (autograd)


def _relu(z):
    # relu'(0) = 0 as in tracer; the margin absorbs float64 rounding of an exact zero
    return anp.where(z > KINK, z, 0.0)


def _np_softmax(z):
    e = anp.exp(z - anp.max(z))  # shifted: no overflow, same value
    return e / anp.sum(e)


# Each maps a layer's net inputs (and its slope) to its outputs.
NP_ACT = {
    "sigmoid": lambda z, s: 1.0 / (1.0 + anp.exp(-z)),
    "tanh": lambda z, s: anp.tanh(z),
    "relu": lambda z, s: _relu(z),
    "leaky_relu": lambda z, s: anp.where(z > KINK, z, float(s) * z),  # slope on the left, at 0 too
    "softplus": lambda z, s: anp.logaddexp(0.0, z),
    "linear": lambda z, s: z,
    "softmax": lambda z, s: _np_softmax(z),
}


def np_forward(theta, prob: Problem, x):
    """Net inputs and activations of every layer for one sample."""
    a, zs, outs = x, [], []
    for l, rows, cols, w, mode, b in layout(prob):
        weights = anp.reshape(theta[w:w + rows * cols], (rows, cols))
        bias = theta[b:b + rows] if mode == "unit" else theta[b] if mode == "shared" else 0.0
        z = anp.dot(weights, a) + bias
        a = NP_ACT[prob.acts[l - 1]](z, prob.slopes[l - 1])
        zs.append(z)
        outs.append(a)
    return zs, outs


def np_terms(y, a, loss: str):
    if loss == "half_sse":
        return 0.5 * (y - a) ** 2
    if loss in ("sse", "mse"):
        return (y - a) ** 2
    if loss == "cross_entropy":
        return -y * anp.log(a)
    assert loss == "bce"
    return -(y * anp.log(a) + (1.0 - y) * anp.log(1.0 - a))


def np_sample_losses(theta, prob: Problem) -> list:
    out = []
    for x, y in zip(prob.inputs, prob.targets, strict=True):
        _, outs = np_forward(theta, prob, np.array([float(v) for v in x]))
        terms = np_terms(np.array([float(v) for v in y]), outs[-1], prob.loss)
        out.append(float(prob.scale) * anp.sum(terms))
    return out


def np_loss(theta, prob: Problem):
    total = 0.0
    for share in np_sample_losses(theta, prob):
        total = total + share
    return total


np_gradient = autograd_grad(np_loss)


def np_step(theta: np.ndarray, prob: Problem) -> tuple[np.ndarray, np.ndarray]:
    """The gradient and the parameters after w - lr*g (frozen parameters unchanged)."""
    g = np_gradient(theta, prob)
    mask = np.array(prob.trainable, dtype=float)
    return g, theta - float(prob.lr) * g * mask


# -- 50-digit oracle (mpmath)


def _mp(value: Fraction) -> mpmath.mpf:
    return mpmath.mpf(value.numerator) / value.denominator


def _mp_softmax(zs: list) -> list:
    top = max(zs)
    exps = [mpmath.exp(z - top) for z in zs]
    return [e / mpmath.fsum(exps) for e in exps]


# Each maps a layer's list of net inputs (and its slope) to its outputs.
MP_ACT = {
    "sigmoid": lambda zs, s: [1 / (1 + mpmath.exp(-z)) for z in zs],
    "tanh": lambda zs, s: [mpmath.tanh(z) for z in zs],
    "relu": lambda zs, s: [z if z > 0 else mpmath.mpf(0) for z in zs],
    "leaky_relu": lambda zs, s: [z if z > 0 else _mp(s) * z for z in zs],
    "softplus": lambda zs, s: [max(z, 0) + mpmath.log1p(mpmath.exp(-abs(z))) for z in zs],
    "linear": lambda zs, s: list(zs),
    "softmax": lambda zs, s: _mp_softmax(zs),
}


def mp_loss(theta: list, prob: Problem) -> mpmath.mpf:
    total = mpmath.mpf(0)
    for x, y in zip(prob.inputs, prob.targets, strict=True):
        a = [_mp(v) for v in x]
        for l, rows, cols, w, mode, b in layout(prob):
            weights = [theta[w + j * cols: w + (j + 1) * cols] for j in range(rows)]
            if mode == "unit":
                biases = theta[b:b + rows]
            else:
                biases = [theta[b] if mode == "shared" else mpmath.mpf(0)] * rows
            zs = [
                mpmath.fsum(w * ai for w, ai in zip(row, a, strict=True)) + b
                for row, b in zip(weights, biases, strict=True)
            ]
            a = MP_ACT[prob.acts[l - 1]](zs, prob.slopes[l - 1])
        for t, o in zip((_mp(v) for v in y), a, strict=True):
            if prob.loss == "half_sse":
                total += (t - o) ** 2 / 2
            elif prob.loss in ("sse", "mse"):
                total += (t - o) ** 2
            elif prob.loss == "cross_entropy":
                total += -t * mpmath.log(o)
            else:
                total += -(t * mpmath.log(o) + (1 - t) * mpmath.log(1 - o))
    return total * _mp(prob.scale)


# -- helpers


def assert_close(what: str, got, want, rel=REL, floor=FLOOR) -> None:
    got, want = float(got), float(want)
    assert abs(got - want) <= max(rel * abs(want), floor), f"{what}: tracer {got!r}, oracle {want!r}"


def example_dict(name: str) -> dict:
    """A built-in example as the plain dict that load() accepts."""
    return yaml.safe_load(examples.text(name))


def check_iteration(tr, it, prob: Problem, theta: np.ndarray) -> np.ndarray:
    """Compare one iteration (forward, losses, gradients, update) with the float64 oracle.

    ``theta`` holds the oracle's parameters for this iteration; returns the updated ones.
    """
    for key, want in zip(prob.keys, theta, strict=True):
        assert_close(f"iteration {it.index} parameter {key}", it.params[key], want)
    for n, (x, y) in enumerate(zip(prob.inputs, prob.targets, strict=True), 1):
        s = prob.suffix(n)
        exact = (lambda v: sp.Rational(v.numerator, v.denominator)) if it.exact else float
        for i, v in enumerate(x, 1):
            assert it.values[f"x[{i}]{s}"] == exact(v)
        for k, v in enumerate(y, 1):
            assert it.values[f"y[{k}]{s}"] == exact(v)
        zs, outs = np_forward(theta, prob, np.array([float(v) for v in x]))
        for l, (z, a) in enumerate(zip(zs, outs, strict=True), 1):
            for j in range(prob.sizes[l]):
                assert_close(f"z{l}[{j + 1}]{s}", it.values[f"z{l}[{j + 1}]{s}"], z[j])
                assert_close(f"a{l}[{j + 1}]{s}", it.values[f"a{l}[{j + 1}]{s}"], a[j])
    shares = np_sample_losses(theta, prob)
    if prob.n_samples > 1:
        for n, share in enumerate(shares, 1):
            assert_close(f"L@{n}", it.values[f"L@{n}"], share)
    assert_close("L", it.values["L"], sum(shares))
    assert_close("L", it.loss, sum(shares))

    g, new = np_step(theta, prob)
    grads = tr.gradients(it)
    assert list(grads) == [k for k, t in zip(prob.keys, prob.trainable, strict=True) if t]
    for key, trainable, gk, wk, nk in zip(prob.keys, prob.trainable, g, theta, new, strict=True):
        if trainable:
            assert_close(f"dL/d{key}", grads[key], gk)
            assert grads[key] == it.values[f"dL/d{key}"]
            assert_close(f"updated {key}", it.updated[key], nk)
        else:
            assert it.updated[key] == it.params[key], f"frozen {key} changed"
            assert nk == wk
    return new


# -- 1. float64 oracle on every built-in example


@pytest.mark.parametrize("name", by_size(NAMES))
def test_parameters_in_flat_order(name):
    """tr.network.params is W row-major per layer, then that layer's biases."""
    spec = examples.load(name)
    tr = trace(spec, check=False)
    prob = problem(spec)
    assert tuple(p.key for p in tr.network.params) == prob.keys
    assert tuple(p.trainable for p in tr.network.params) == prob.trainable
    for p, v in zip(tr.network.params, prob.theta, strict=True):
        assert p.value == sp.Rational(v.numerator, v.denominator)
        assert p.kind == ("weight" if p.key.startswith("W") else "bias")
        assert p.layer == int(p.key[1])
    assert tuple(p.key for p in tr.network.trainable) == prob.keys  # nothing frozen


@pytest.mark.parametrize("name", by_size(NAMES))
def test_example_matches_autograd(name):
    """Every z, a (every sample), L (and L@n), gradient, update and the final loss."""
    spec = dataclasses.replace(examples.load(name), iterations=1)  # training runs: test_training.py
    tr = trace(spec)
    prob = problem(spec)
    assert len(tr.iterations) == spec.iterations == 1
    new = check_iteration(tr, tr.first, prob, prob.theta_float())
    assert_close("final_loss", tr.final_loss, np_loss(new, prob))
    assert tr.check.passed


@pytest.mark.parametrize("name", by_size(NAMES))
def test_three_iterations_match_autograd_descent(name):
    """Iteration k+1 starts from iteration k's update; history and final loss follow."""
    d = example_dict(name)
    d["iterations"] = 3
    spec = load(d, force=Lift(neuron=True))  # relu-deep is larger than a neuron-by-neuron report
    tr = trace(spec, check=False)
    prob = problem(spec)
    assert [it.index for it in tr.iterations] == [1, 2, 3]
    theta = prob.theta_float()
    for prev, it in zip((None, *tr.iterations), tr.iterations, strict=False):
        if prev is not None:  # iterations after the first take the float64 fast path
            assert {k: float(v) for k, v in it.params.items()} == {
                k: float(v) for k, v in prev.updated.items()
            }
        theta = check_iteration(tr, it, prob, theta)
    assert_close("final_loss", tr.final_loss, np_loss(theta, prob))


@pytest.mark.parametrize(
    "frozen", [["biases"], ["weights"], ["W1[1,2]", "b2[2]"], ["W2[1,1]", "biases"]]
)
def test_frozen_parameters_match_autograd(frozen):
    """Frozen parameters get no gradient entry and keep their value; the rest match."""
    d = example_dict("sigmoid-222-bias")
    d["frozen"] = frozen
    spec = load(d)
    tr = trace(spec)
    prob = problem(spec)
    assert tuple(p.key for p in tr.network.trainable) == tuple(
        k for k, t in zip(prob.keys, prob.trainable, strict=True) if t
    )
    assert not all(prob.trainable) and any(prob.trainable)
    new = check_iteration(tr, tr.first, prob, prob.theta_float())
    assert_close("final_loss", tr.final_loss, np_loss(new, prob))
    assert tr.check.passed


# -- 2. 50-digit finite differences on every built-in example


@pytest.mark.parametrize("name", [n for n in NAMES if n != "relu-deep"])  # 8577 x 2 loss passes: hours
def test_example_gradients_match_mpmath_finite_differences(name):
    spec = examples.load(name)
    tr = trace(spec, check=False)
    prob = problem(spec)
    grads = tr.gradients(tr.first)
    assert set(grads) == set(prob.keys)
    with mpmath.workdps(50):
        h = mpmath.mpf("1e-20")
        theta = [_mp(v) for v in prob.theta]
        for idx, key in enumerate(prob.keys):
            plus, minus = list(theta), list(theta)
            plus[idx] += h
            minus[idx] -= h
            fd = (mp_loss(plus, prob) - mp_loss(minus, prob)) / (2 * h)
            got = mpmath.mpf(sp.Float(grads[key], 60)._mpf_)
            assert abs(got - fd) <= max(HP_REL * abs(fd), HP_FLOOR), (
                f"dL/d{key}: tracer {mpmath.nstr(got, 40)}, finite difference {mpmath.nstr(fd, 40)}"
            )
        assert abs(mpmath.mpf(sp.Float(tr.first.loss, 60)._mpf_) - mp_loss(theta, prob)) <= (
            HP_REL * mp_loss(theta, prob)
        )


# -- 3. random networks


def _decimal(k: int) -> str:
    """k hundredths as a decimal string with 2 places: -37 -> '-0.37'."""
    sign = "-" if k < 0 else ""
    return f"{sign}{abs(k) // 100}.{abs(k) % 100:02d}"


def decimals(low: int = -100, high: int = 100):
    return st.integers(low, high).map(_decimal)


HIDDEN_ACTS = ("sigmoid", "tanh", "relu", "leaky_relu", "softplus", "linear")
LOSSES = ("half_sse", "sse", "mse", "bce", "cross_entropy")


@st.composite
def distributions(draw, k: int) -> list[str]:
    """k probabilities as exact fractions summing to 1 ("3/7"), some of them possibly 0."""
    weights = draw(st.lists(st.integers(0, 9), min_size=k, max_size=k).filter(lambda w: sum(w) > 0))
    return [f"{w}/{sum(weights)}" for w in weights]


@st.composite
def networks(draw) -> dict:
    n_in = draw(st.integers(1, 4))
    units = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    acts = [draw(st.sampled_from(HIDDEN_ACTS)) for _ in units]
    loss = draw(st.sampled_from(LOSSES))
    if loss == "bce":  # needs outputs in (0, 1): sigmoid (or softmax, below); targets in [0, 1]
        acts[-1] = "sigmoid"
    if loss == "cross_entropy":  # needs a softmax output layer (at least 2 units)
        units[-1] = max(2, units[-1])
        acts[-1] = "softmax"
    elif units[-1] >= 2 and draw(st.integers(0, 3)) == 0:  # softmax with any other loss
        acts[-1] = "softmax"
    layers, prev = [], n_in
    for u, act in zip(units, acts, strict=True):
        layer = {"units": u, "activation": act,
                 "weights": [[draw(decimals()) for _ in range(prev)] for _ in range(u)]}
        if act == "leaky_relu" and draw(st.booleans()):
            layer["slope"] = draw(decimals(1, 99))
        mode = draw(st.sampled_from(("none", "unit", "shared")))
        if mode == "unit":
            layer["biases"] = [draw(decimals()) for _ in range(u)]
        elif mode == "shared":
            layer["biases"] = draw(decimals())
        layers.append(layer)
        prev = u
    if loss == "cross_entropy":  # a class index (1-based) or a probability list per sample
        targets = st.one_of(st.integers(1, units[-1]), distributions(units[-1]))
    else:
        single = decimals(0, 100) if loss == "bce" else decimals()
        targets = st.lists(single, min_size=units[-1], max_size=units[-1])
    samples = [
        {"inputs": [draw(decimals()) for _ in range(n_in)], "targets": draw(targets)}
        for _ in range(draw(st.integers(1, 3)))
    ]
    spec = {"layers": layers, "loss": loss, "learning_rate": draw(decimals(1, 100))}
    reduction = draw(st.sampled_from((None, "mean", "sum")))
    if reduction is not None:
        spec["reduction"] = reduction
    if len(samples) == 1:
        spec.update(samples[0])
    else:
        spec["samples"] = samples
    return spec


def relu_kinks(tr, prob: Problem) -> list[str]:
    """Keys of ReLU net inputs that are exactly 0 (where relu'(0) = 0 is a convention)."""
    out = []
    for l, act in enumerate(prob.acts, 1):
        if act != "relu":
            continue
        for n in range(1, prob.n_samples + 1):
            for j in range(1, prob.sizes[l] + 1):
                key = f"z{l}[{j}]{prob.suffix(n)}"
                if abs(float(tr.first.values[key])) <= KINK:
                    out.append(key)
    return out


def checkable(prob: Problem) -> bool:
    """Whether the property test also runs tracer's self-check (trace(spec, check=True)).

    Where it finishes in about a second, to keep the test near a minute: one-layer networks,
    and deeper ones with at most 24 parameter-sample pairs (where tracer's symbolic check
    runs for deep networks anyway). A ReLU exactly at z = 0 is handled by the check itself.
    """
    if len(prob.acts) == 1:
        return True
    return sum(prob.trainable) * prob.n_samples <= 24


@pytest.mark.fuzz
@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(networks())
def test_random_networks_match_autograd(d):
    spec = load(d)
    prob = problem(spec)
    tr = trace(spec, check=checkable(prob))
    assert tuple(p.key for p in tr.network.params) == prob.keys
    theta = prob.theta_float()
    g = np_gradient(theta, prob)
    grads = tr.gradients(tr.first)
    assert list(grads) == list(prob.keys)
    for key, wk, gk in zip(prob.keys, theta, g, strict=True):
        assert_close(f"dL/d{key}", grads[key], gk)
        assert_close(f"updated {key}", tr.first.updated[key], wk - float(prob.lr) * gk)
    assert_close("L", tr.first.loss, np_loss(theta, prob))
    kinks = relu_kinks(tr, prob)
    note(f"ReLU kinks: {kinks}; check: {tr.check}")
    event(f"{len(prob.acts)} layer(s), {prob.n_samples} sample(s), loss {prob.loss}")
    event(f"output {prob.acts[-1]}, reduction {prob.reduction}")
    event("self-check run" if checkable(prob) else "self-check not run")
    if kinks:
        event("exact ReLU kink")
    if checkable(prob):
        assert tr.check.passed, tr.check


# -- ReLU kinks, exactness, and regressions of self-check slowdowns

KINK_SPEC = {
    "inputs": ["0.2", "0.1"], "targets": ["0.3"],
    "layers": [
        {"units": 2, "activation": "relu", "weights": [["0.5", "0"], ["0.3", "0.4"]],
         "biases": ["-0.1", "0.2"]},  # z1[1] = 0.5*0.2 + 0*0.1 - 0.1 = 0 exactly
        {"units": 1, "activation": "linear", "weights": [["0.7", "-0.6"]], "biases": "0.1"},
    ],
    "loss": "half_sse", "learning_rate": "0.1",
}


def test_relu_kink_gradients_follow_convention():
    """At z = 0 tracer takes relu'(0) = 0, so nothing flows through that unit."""
    spec = load(KINK_SPEC)
    tr = trace(spec, check=False)
    prob = problem(spec)
    assert tr.first.values["z1[1]"] == 0 and tr.first.values["a1[1]"] == 0
    grads = tr.gradients(tr.first)
    for key in ("W1[1,1]", "W1[1,2]", "b1[1]", "W2[1,1]"):
        assert grads[key] == 0
    for key, gk in zip(prob.keys, np_gradient(prob.theta_float(), prob), strict=True):
        assert_close(f"dL/d{key}", grads[key], gk)


def test_self_check_at_relu_kink():
    """A central difference at the kink sees slope 1/2, not the convention relu'(0) = 0: the
    parameters upstream of that unit are left to the symbolic check, which passes."""
    check = trace(load(KINK_SPEC)).check
    assert check.passed and check.symbolic == "passed"
    assert set(check.excluded) == {"W1[1,1]", "W1[1,2]", "b1[1]"}


SLOW_SPECS = {
    # 2 inputs, 2 ReLU hidden units, 1 ReLU output, no biases: 6 parameters, 1 sample
    "relu-relu-2-2-1": {
        "inputs": ["0.5", "0.2"], "targets": ["0.3"],
        "layers": [
            {"units": 2, "activation": "relu", "weights": [["0.8", "-0.3"], ["0.4", "0.9"]]},
            {"units": 1, "activation": "relu", "weights": [["0.6", "0.7"]]},
        ],
        "loss": "half_sse", "learning_rate": "0.1",
    },
    # the seed-000 example (sigmoid-222-bias) with three samples instead of one
    "sigmoid-222-bias-3-samples": {
        "samples": [
            {"inputs": ["0.02", "0.04"], "targets": ["0.5", "0.9"]},
            {"inputs": ["0.1", "0.2"], "targets": ["0.3", "0.6"]},
            {"inputs": ["0.5", "-0.3"], "targets": ["0.1", "0.8"]},
        ],
        "layers": [
            {"units": 2, "activation": "sigmoid", "weights": [["0.05", "0.1"], ["0.15", "0.2"]],
             "biases": ["0.5", "0.5"]},
            {"units": 2, "activation": "sigmoid", "weights": [["0.25", "0.3"], ["0.35", "0.4"]],
             "biases": ["0.9", "0.9"]},
        ],
        "loss": "half_sse", "learning_rate": "0.5",
    },
}


@pytest.mark.parametrize("name", [
    "relu-relu-2-2-1",  # nested ReLU case splits once took ~30 s (now each ReLU's active piece)
    "sigmoid-222-bias-3-samples",  # took over 2 minutes before the check went sample by sample
])
def test_self_check_of_small_network_finishes(name):
    """trace() with its self-check finishes and passes. The subprocess timeout is a guard
    against a hang, not a speed target (timings live in benchmarks/)."""
    code = (
        "import json, sys\n"
        "from tracer.spec.loader import load\n"
        "from tracer.evaluate.tracing import trace\n"
        "tr = trace(load(json.loads(sys.argv[1])))\n"
        "assert tr.check.passed, tr.check\n"
    )
    root = Path(__file__).resolve().parents[1]
    spec = json.dumps(SLOW_SPECS[name])
    subprocess.run([sys.executable, "-c", code, spec], cwd=root, timeout=120, check=True)


@pytest.mark.parametrize("loss", ["half_sse", "sse", "mse"])
def test_exact_network_has_exact_loss(loss):
    """relu-mean is all rational (ReLU and linear): its loss must be exact as well.

    Output -1/10, target 1/5: the squared error is (3/10)^2 = 9/100 (one term, N = K = 1).
    """
    d = example_dict("relu-mean")
    d["loss"] = loss
    tr = trace(load(d), check=False)
    want = {"half_sse": sp.Rational(9, 200), "sse": sp.Rational(9, 100), "mse": sp.Rational(9, 100)}
    got = tr.first.loss
    assert got.is_Rational and got == want[loss], repr(got)
    assert tr.final_loss.is_Rational
