"""Fuzzing the command line with random specs, valid and mutated (issue 8, item 8).

Three properties, each over specs drawn by hypothesis and run through ``tracer.cli.main``:

* valid specs (1-3 layers of 1-4 units, 1-3 samples or a single inputs/targets, every
  activation and loss in a legal combination, custom activations, numbers written as ints,
  decimals, exponents and fractions, shared biases, frozen parameters, drawn initial weights,
  1-5 iterations, hostile but printable titles): ``tracer report SPEC -f json`` exits 0 and its
  numbers (initial parameters, iteration 1's forward pass, every iteration's loss, gradients and
  update, the history and the final loss) match a float64 oracle written here with autograd
  from the spec's own text; then another format renders with random options;
* mutated specs (a key deleted or added, a value of the wrong type or out of range, a shape
  changed, hostile text, names and formulas): the CLI either succeeds, and then its numbers
  match the oracle whenever the oracle can still read the spec, or it exits 2 with one line on
  stderr starting with ``tracer: ``, nothing on stdout, no traceback and no ``-o`` file;
* mutated files (truncated, bits flipped, bytes inserted or deleted, lines duplicated or
  swapped): the same.

Exit code 3 (an internal error) is a failure, and so is NaN or Infinity in a JSON trace. A valid
spec whose run the oracle cannot follow (it diverges, saturates BCE or sits on a ReLU kink) must
still succeed (a diverging run stops and says where) or be refused in one line (a custom
activation that leaves the reals); its numbers are not compared.

CI runs a fixed, derandomized budget of about 40 seconds. A longer local run draws at random:

    TRACER_FUZZ_EXAMPLES=2000 python -m pytest -q tests/test_fuzz.py

(2000 examples for each test). With ``TRACER_FUZZ_FINDINGS=DIR`` as well, each failing spec is
saved in DIR with what went wrong and the run goes on instead of stopping at the first one.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import autograd.numpy as anp
import numpy as np
import pytest
import yaml
from autograd import grad as autograd_grad
from autograd.extend import defvjp, primitive
from hypothesis import HealthCheck, Phase, assume, event, given, note, settings
from hypothesis import strategies as st

from tests.test_oracle import DEFAULT_REDUCTION, KINK, NP_ACT, PER_SAMPLE, np_terms
from tracer.cli import main
from tracer.errors import TracerError

# -- budget ----------------------------------------------------------------------------------

LONG = os.environ.get("TRACER_FUZZ_EXAMPLES")
FINDINGS = os.environ.get("TRACER_FUZZ_FINDINGS")


def budget(ci_examples: int) -> settings:
    """CI: ``ci_examples`` derandomized examples; a long run: TRACER_FUZZ_EXAMPLES random ones."""
    return settings(
        max_examples=int(LONG) if LONG else ci_examples,
        deadline=None,
        derandomize=not LONG,
        database=None,
        print_blob=bool(LONG),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),  # the explain phase takes minutes
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


REL, FLOOR = 1e-8, 1e-12  # tracer against the float64 oracle, relative to each group's scale
TAME = 50.0  # beyond this size a parameter means a run the oracle does not compare (it diverges)


# -- numbers as a spec writes them -----------------------------------------------------------

#: How the oracle reads a number written as text: only the forms the generator writes.
_TEXT_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*|\s*[+-]?\d+/[1-9]\d*\s*", re.ASCII)

Written = int | float | str


def exact(value: object) -> Fraction:
    """The exact number a written value stands for; Unreadable for what the generator never writes."""
    if isinstance(value, bool) or value is None:
        raise Unreadable(f"not a number: {value!r}")
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Unreadable(f"not finite: {value!r}")
        return Fraction(repr(value))
    if isinstance(value, str) and _TEXT_NUMBER.fullmatch(value):
        exponent = value.lower().partition("e")[2]
        if exponent and abs(int(exponent)) > 400:  # the oracle does not build such numbers
            raise Unreadable(f"exponent out of range: {value!r}")
        return Fraction(value.strip())
    raise Unreadable(f"not a number: {value!r}")


def as_float(value: Fraction) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.copysign(math.inf, value)


@st.composite
def numbers(draw: st.DrawFn, low: int, high: int) -> Written:
    """A number from low/100 to high/100, written as an int, a float, a decimal, an exponent or a fraction."""
    if draw(st.integers(0, 4)) == 0:  # thirds, sevenths...: exact only as a fraction
        q = draw(st.integers(2, 9))
        lo, hi = math.ceil(low * q / 100), math.floor(high * q / 100)
        if lo <= hi:
            p = draw(st.integers(lo, hi))
            return p // q if p % q == 0 else f"{p}/{q}"
    k = draw(st.integers(low, high))
    value = Fraction(k, 100)
    form = draw(st.sampled_from(("native", "native", "decimal", "exponent", "fraction")))
    if value.denominator == 1 and form == "native":
        return int(value)
    if form == "native":
        return float(value)  # repr gives back the 2-place decimal: read exactly by tracer
    if form == "decimal":
        sign = "-" if k < 0 else draw(st.sampled_from(("", "+")))
        text = f"{abs(k) // 100}.{abs(k) % 100:02d}"
        return sign + (text.rstrip("0").rstrip(".") if draw(st.booleans()) and k % 100 else text)
    if form == "exponent":
        return f"{k}e-2" if draw(st.booleans()) else f"{k * 10}E-3"
    return f"{k}/100"


# -- custom activations: a formula and the same function in autograd.numpy -------------------


@primitive
def _erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[float])(x)


defvjp(_erf, lambda ans, x: lambda g: g * 2.0 / math.sqrt(math.pi) * anp.exp(-(x**2)))

#: Smooth, defined for every real argument: text with {} for the argument, and the function.
SHAPES: tuple[tuple[str, Callable], ...] = (
    ("tanh({})", anp.tanh),
    ("atan({})", anp.arctan),
    ("sin({})", anp.sin),
    ("cos({})", anp.cos),
    ("erf({})", _erf),
    ("sqrt(1 + ({})^2)", lambda u: anp.sqrt(1.0 + u**2)),
    ("ln(1 + ({})**2)", lambda u: anp.log(1.0 + u**2)),
    ("exp(-({})^2)", lambda u: anp.exp(-(u**2))),
    ("1/(1 + exp(-({})))", lambda u: 1.0 / (1.0 + anp.exp(-u))),
    ("log(1 + e^({}))", lambda u: anp.logaddexp(0.0, u)),
    ("({0}) / (1 + abs({0}))", lambda u: u / (1.0 + anp.abs(u))),
    ("sinh({})", anp.sinh),
    ("cosh({})", anp.cosh),
)
#: Coefficients: text and value (e and pi are names a formula may use).
COEFFICIENTS: tuple[tuple[str, float], ...] = (
    ("2", 2.0), ("0.5", 0.5), ("-1", -1.0), ("(1/3)", 1 / 3), ("-0.25", -0.25), ("pi/4", math.pi / 4),
    ("1/e", 1 / math.e), ("3", 3.0),
)
#: Every formula the generator wrote, so that the oracle can read it back from a spec.
FORMULAS: dict[str, Callable] = {}
BUILT_IN = ("sigmoid", "tanh", "relu", "leaky_relu", "softplus", "linear", "softmax")


@st.composite
def formulas(draw: st.DrawFn) -> str:
    """A formula in z of one or two smooth terms (plus a linear one, so that terms never cancel)."""
    terms: list[tuple[str, Callable]] = []
    for _ in range(draw(st.integers(1, 2))):
        text, fn = draw(st.sampled_from(SHAPES))
        inner, scale, shift = "z", 1.0, 0.0
        if draw(st.booleans()):
            ct, scale = draw(st.sampled_from(COEFFICIENTS))
            shift_text, shift = draw(st.sampled_from(COEFFICIENTS))
            inner = f"{ct}*z + {shift_text}"
        square = draw(st.integers(0, 3)) == 0
        coef_text, coef = draw(st.sampled_from(COEFFICIENTS))
        shape = text.format(inner)
        term = f"{coef_text}*({shape})^2" if square else f"{coef_text}*{shape}"  # ^ binds tighter than /

        def one(z: np.ndarray, fn=fn, scale=scale, shift=shift, coef=coef, square=square) -> np.ndarray:
            value = fn(scale * z + shift)
            return coef * (value**2 if square else value)

        terms.append((term, one))
    if len(terms) > 1 or draw(st.booleans()):
        ct, c = draw(st.sampled_from(COEFFICIENTS))
        terms.append((f"{ct}*z", lambda z, c=c: c * z))
    text = " + ".join(t for t, _ in terms)
    fns = [f for _, f in terms]

    def total(z: np.ndarray) -> np.ndarray:
        out = fns[0](z)
        for f in fns[1:]:
            out = out + f(z)
        return out

    FORMULAS[text] = total
    return text


# -- valid specs -----------------------------------------------------------------------------

#: Titles a report must show as text: TeX, HTML, template and Markdown syntax, Unicode.
HOSTILE_TITLES = (
    r"\input{/etc/passwd}",
    "<script>alert('fuzz')</script>",
    "{{ 7*7 }} {% if x %}",
    "$x$ $$ \\[ \\]",
    "`code` *bold* _it_ | a | b |",
    "# % & ~ ^ _ { } \\\\",
    "<!-- ]]> &amp; &lt;",
    "naïve 中文 😀 ∑",
    "---",
    "",
)
SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=60
)


@st.composite
def distributions(draw: st.DrawFn, k: int) -> list[Written]:
    """k probabilities summing to 1, as fractions or (when they end) decimals."""
    weights = draw(st.lists(st.integers(0, 9), min_size=k, max_size=k).filter(lambda w: sum(w) > 0))
    total = sum(weights)
    out: list[Written] = []
    for w in weights:
        value = Fraction(w, total)
        out.append(int(value) if value.denominator == 1 else f"{w}/{total}")
    return out


@st.composite
def specs(draw: st.DrawFn) -> dict:
    """A small spec that tracer must accept."""
    d: dict = {}
    customs: dict[str, str] = {}
    if draw(st.integers(0, 3)) == 0:
        names = st.from_regex(r"[a-z][a-z0-9_]{0,19}", fullmatch=True).filter(lambda n: n not in BUILT_IN)
        for name in draw(st.lists(names, min_size=1, max_size=2, unique=True)):
            customs[name] = draw(formulas())
    n_in = draw(st.integers(1, 4))
    units = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    smooth = (*BUILT_IN[:-1], *customs)
    acts = [draw(st.sampled_from(smooth)) for _ in units]
    loss = draw(st.sampled_from(("half_sse", "sse", "mse", "bce", "cross_entropy")))
    if loss == "bce":
        acts[-1] = "sigmoid"
    elif loss == "cross_entropy" or (units[-1] >= 2 and draw(st.integers(0, 3)) == 0):
        units[-1] = max(2, units[-1])
        acts[-1] = "softmax"
    init = None
    if draw(st.integers(0, 5)) == 0:
        method = draw(st.sampled_from(("uniform", "normal", "xavier", "he")))
        init = {"method": method, "seed": draw(st.integers(0, 2**32 - 1))}
        if method == "uniform" and draw(st.booleans()):
            init["low"], init["high"] = "-0.5", draw(numbers(-40, 100))
        if method == "normal" and draw(st.booleans()):
            init["std"] = draw(numbers(1, 50))
        if draw(st.booleans()):
            init["decimals"] = draw(st.integers(0, 4))
    layers, prev = [], n_in
    for u, act in zip(units, acts, strict=True):
        layer: dict = {"units": u, "activation": act}
        if act == "leaky_relu" and draw(st.booleans()):
            layer["slope"] = draw(numbers(1, 99))
        if init is None or draw(st.booleans()):
            layer["weights"] = [[draw(numbers(-100, 100)) for _ in range(prev)] for _ in range(u)]
        mode = draw(st.sampled_from(("none", "unit", "shared")))
        if mode == "unit":
            layer["biases"] = [draw(numbers(-100, 100)) for _ in range(u)]
        elif mode == "shared":
            layer["biases"] = draw(numbers(-100, 100))
        layers.append(layer)
        prev = u
    if loss == "cross_entropy":
        targets = st.one_of(st.integers(1, units[-1]), distributions(units[-1]))
    else:
        one = numbers(0, 100) if loss == "bce" else numbers(-100, 100)
        targets = st.lists(one, min_size=units[-1], max_size=units[-1])
    samples = [
        {"inputs": [draw(numbers(-100, 100)) for _ in range(n_in)], "targets": draw(targets)}
        for _ in range(draw(st.integers(1, 3)))
    ]
    if draw(st.booleans()):
        d["title"] = draw(st.one_of(st.sampled_from(HOSTILE_TITLES), SAFE_TEXT))
    if draw(st.integers(0, 5)) == 0:
        d["description"] = draw(st.sampled_from(HOSTILE_TITLES)) + "\nsecond line"
    if draw(st.integers(0, 3)) == 0:
        d["notation"] = draw(st.sampled_from(("layer", "node", "flat")))
    if customs:
        d["activations"] = customs
    if len(samples) == 1 and draw(st.booleans()):
        d.update(samples[0])
    else:
        d["samples"] = samples
    d["layers"] = layers
    d["loss"] = loss
    if draw(st.booleans()):
        d["reduction"] = draw(st.sampled_from(("mean", "sum")))
    d["learning_rate"] = 0 if draw(st.integers(0, 20)) == 0 else draw(numbers(1, 100))
    if draw(st.booleans()):
        d["iterations"] = draw(st.integers(1, 5))
    if init is not None:
        d["init"] = init
    if draw(st.integers(0, 3)) == 0:
        keys = parameter_keys(d)
        d["frozen"] = draw(
            st.lists(st.sampled_from([*keys, "weights", "biases"]), min_size=1, max_size=3, unique=True)
        )
    if draw(st.integers(0, 7)) == 0:
        d["tolerance"] = draw(st.sampled_from(({"sig_figs": 4}, {"rel": "1e-4"}, {"decimals": 3})))
    return d


def parameter_keys(d: dict) -> list[str]:
    """The canonical keys of a spec's parameters, in tracer's flat order (CONTRACT.md §2)."""
    first = d["samples"][0] if "samples" in d else d
    prev = len(first["inputs"])
    keys = []
    for l, layer in enumerate(d["layers"], 1):
        keys += [f"W{l}[{j},{i}]" for j in range(1, layer["units"] + 1) for i in range(1, prev + 1)]
        biases = layer.get("biases")
        if isinstance(biases, list):
            keys += [f"b{l}[{j}]" for j in range(1, layer["units"] + 1)]
        elif biases is not None:
            keys.append(f"b{l}")
        prev = layer["units"]
    return keys


# -- the oracle ------------------------------------------------------------------------------


class Unreadable(Exception):
    """A spec the oracle does not read (tracer may accept or refuse it; numbers are not compared)."""


@dataclass
class Net:
    """A network as the oracle reads it from the spec's own text (no tracer code involved)."""

    sizes: list[int]
    acts: list[Callable]  # per layer: net inputs -> outputs
    relu_like: list[bool]  # per layer: a kink at z = 0 (relu, leaky_relu)
    biases: list[str]  # per layer: none | unit | shared
    keys: list[str]
    theta: np.ndarray
    trainable: np.ndarray
    xs: list[np.ndarray]
    ys: list[np.ndarray]
    loss: str
    scale: float
    lr: float
    iterations: int
    bounded: bool  # every number was small enough to be a float (no 1e400)

    def suffix(self, n: int) -> str:
        return f"@{n}" if len(self.xs) > 1 else ""


LAYER_KEYS = {"units", "activation", "slope", "weights", "biases"}
TOP = {
    "title", "description", "notation", "inputs", "targets", "samples", "layers", "loss", "reduction",
    "learning_rate", "iterations", "frozen", "init", "activations", "tolerance", "vary",
}


def model(d: object, drawn: dict[int, list[list[Fraction]]] | None = None) -> Net:
    """The oracle's reading of a spec; ``drawn``: the weights tracer drew for layers that give none."""
    if not isinstance(d, dict) or not set(d) <= TOP or not {"layers", "loss", "learning_rate"} <= set(d):
        raise Unreadable("top level")
    if "samples" in d:
        if "inputs" in d or "targets" in d or not isinstance(d["samples"], list) or not d["samples"]:
            raise Unreadable("samples")
        raw = d["samples"]
    else:
        raw = [{"inputs": d.get("inputs"), "targets": d.get("targets")}]
    loss = d["loss"]
    if loss not in DEFAULT_REDUCTION:
        raise Unreadable("loss")
    customs = d.get("activations", {})
    if not isinstance(customs, dict) or not all(isinstance(t, str) for t in customs.values()):
        raise Unreadable("activations")
    if not all(t in FORMULAS for t in customs.values()):
        raise Unreadable("activations")
    layers = d["layers"]
    if not isinstance(layers, list) or not layers:
        raise Unreadable("layers")
    n_in = _length(raw[0].get("inputs") if isinstance(raw[0], dict) else None)
    sizes, acts, kinks, modes, keys, theta, kinds = [n_in], [], [], [], [], [], []
    for l, layer in enumerate(layers, 1):
        if not isinstance(layer, dict) or not set(layer) <= LAYER_KEYS:
            raise Unreadable("layer")
        units, name = layer.get("units"), layer.get("activation")
        if isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= 10:
            raise Unreadable("units")
        if "weights" in layer:
            rows = layer["weights"]
        elif drawn is not None and l in drawn:
            rows = drawn[l]
        else:
            raise Unreadable("weights")
        if not isinstance(rows, list) or len(rows) != units or any(_length(r) != sizes[-1] for r in rows):
            raise Unreadable("weights shape")
        for j, row in enumerate(rows, 1):
            for i, w in enumerate(row, 1):
                keys.append(f"W{l}[{j},{i}]")
                theta.append(exact(w))
                kinds.append("weights")
        biases = layer.get("biases")
        if isinstance(biases, list):
            if len(biases) != units:
                raise Unreadable("biases")
            modes.append("unit")
            keys += [f"b{l}[{j}]" for j in range(1, units + 1)]
            theta += [exact(b) for b in biases]
            kinds += ["biases"] * units
        elif biases is not None:
            modes.append("shared")
            keys.append(f"b{l}")
            theta.append(exact(biases))
            kinds.append("biases")
        else:
            modes.append("none")
        acts.append(_activation(name, layer, customs))
        kinks.append(name in ("relu", "leaky_relu"))
        sizes.append(units)
    xs, ys = [], []
    for sample in raw:
        if not isinstance(sample, dict) or set(sample) != {"inputs", "targets"}:
            raise Unreadable("sample")
        inputs, targets = sample["inputs"], sample["targets"]
        if _length(inputs) != n_in:
            raise Unreadable("inputs")
        if isinstance(targets, int) and not isinstance(targets, bool):
            if loss != "cross_entropy" or not 1 <= targets <= sizes[-1]:
                raise Unreadable("class index")
            targets = [int(k == targets) for k in range(1, sizes[-1] + 1)]
        if _length(targets) != sizes[-1]:
            raise Unreadable("targets")
        xs.append([exact(v) for v in inputs])
        ys.append([exact(v) for v in targets])
    frozen = d.get("frozen", [])
    if not isinstance(frozen, list) or any(not isinstance(k, str) for k in frozen):
        raise Unreadable("frozen")
    if not set(frozen) <= {*keys, "weights", "biases"}:
        raise Unreadable("frozen key")
    iterations = d.get("iterations", 1)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or not 1 <= iterations <= 20:
        raise Unreadable("iterations")
    reduction = d.get("reduction", DEFAULT_REDUCTION[loss])
    if reduction not in ("mean", "sum"):
        raise Unreadable("reduction")
    if reduction == "sum":
        scale = 1.0
    elif loss in PER_SAMPLE:
        scale = 1.0 / len(xs)
    else:
        scale = 1.0 / (len(xs) * sizes[-1])
    lr = exact(d["learning_rate"])
    every = [*theta, lr, *(v for x in xs for v in x), *(v for y in ys for v in y)]
    return Net(
        sizes=sizes,
        acts=acts,
        relu_like=kinks,
        biases=modes,
        keys=keys,
        theta=np.array([as_float(v) for v in theta]),
        trainable=np.array([not ({k, kind} & set(frozen)) for k, kind in zip(keys, kinds, strict=True)]),
        xs=[np.array([as_float(v) for v in x]) for x in xs],
        ys=[np.array([as_float(v) for v in y]) for y in ys],
        loss=loss,
        scale=scale,
        lr=as_float(lr),
        iterations=iterations,
        bounded=all(abs(v) < 1e6 for v in every),
    )


def _length(value: object) -> int:
    if not isinstance(value, list) or not value:
        raise Unreadable("vector")
    return len(value)


def _activation(name: object, layer: dict, customs: dict) -> Callable:
    if isinstance(name, str) and name in customs and name not in BUILT_IN:
        if "slope" in layer:
            raise Unreadable("slope")
        return FORMULAS[customs[name]]
    if name not in NP_ACT:
        raise Unreadable("activation")
    slope = Fraction(1, 100)
    if "slope" in layer:
        if name != "leaky_relu":
            raise Unreadable("slope")
        slope = exact(layer["slope"])
    value = as_float(slope)
    return lambda z, act=NP_ACT[name]: act(z, value)


def forward(theta: np.ndarray, net: Net, x: np.ndarray) -> tuple[list, list]:
    """Net inputs and outputs of every layer for one sample."""
    a, zs, outs, off = x, [], [], 0
    for l in range(1, len(net.sizes)):
        rows, cols = net.sizes[l], net.sizes[l - 1]
        weights = anp.reshape(theta[off:off + rows * cols], (rows, cols))
        off += rows * cols
        bias = 0.0
        if net.biases[l - 1] == "unit":
            bias, off = theta[off:off + rows], off + rows
        elif net.biases[l - 1] == "shared":
            bias, off = theta[off], off + 1
        z = anp.dot(weights, a) + bias
        a = net.acts[l - 1](z)
        zs.append(z)
        outs.append(a)
    return zs, outs


def oracle_loss(theta: np.ndarray, net: Net) -> np.ndarray:
    total = 0.0
    for x, y in zip(net.xs, net.ys, strict=True):
        total = total + anp.sum(np_terms(y, forward(theta, net, x)[1][-1], net.loss))
    return net.scale * total


oracle_gradient = autograd_grad(oracle_loss)


@dataclass
class Run:
    """Gradient descent by the oracle: parameters before each iteration and after the last."""

    thetas: list[np.ndarray] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)  # the history, then the final loss
    gradients: list[np.ndarray] = field(default_factory=list)
    wild: str = ""  # why the run is not compared (it diverges, or sits on a kink), if it is not


def descend(net: Net) -> Run:
    run = Run()
    theta = net.theta
    with np.errstate(all="ignore"):
        for k in range(net.iterations + 1):
            run.thetas.append(theta)
            run.losses.append(float(oracle_loss(theta, net)))
            run.wild = run.wild or _wild(theta, net, k, run.losses[-1])
            if k == net.iterations or run.wild:
                break
            g = oracle_gradient(theta, net)
            run.gradients.append(g)
            theta = theta - net.lr * g * net.trainable
    return run


def _wild(theta: np.ndarray, net: Net, k: int, loss: float) -> str:
    """Why the oracle cannot vouch for the run from parameters ``theta`` on, or ''."""
    if not net.bounded or not np.all(np.isfinite(theta)) or np.max(np.abs(theta), initial=0) > TAME:
        return "parameters out of bounds"
    if not math.isfinite(loss) or loss > 1e6:
        return "loss out of bounds"
    for x in net.xs:
        zs, outs = forward(theta, net, x)
        if not all(np.all(np.isfinite(v)) and np.max(np.abs(v)) < 1e6 for v in (*zs, *outs)):
            return "forward pass out of bounds"
        if net.loss == "bce" and np.max(np.abs(zs[-1])) > 30:
            return "saturated sigmoid under bce"
        for z, kink in zip(zs, net.relu_like, strict=True):
            # past iteration 1 tracer runs in float64: a net input this close to 0 can fall on
            # either side of the kink in two float64 computations
            if kink and k > 0 and np.any(np.abs(z) <= KINK):
                return "on a ReLU kink"
    return ""


def _close(what: str, got: object, want: float, scale: float) -> None:
    assert isinstance(got, (int, float)) and not isinstance(got, bool), f"{what}: {got!r} is not a number"
    bound = REL * max(abs(want), scale) + FLOOR
    assert abs(got - want) <= bound, f"{what}: tracer {got!r}, oracle {want!r}"


def compare(trace: dict, net: Net, run: Run) -> None:
    """Every number of tracer's JSON trace against the oracle's run."""
    params = trace["network"]["parameters"]
    assert list(params) == net.keys
    for key, value in zip(net.keys, net.theta, strict=True):
        assert params[key] == value, f"initial {key}: tracer {params[key]!r}, spec {value!r}"
    frozen = {k for k, t in zip(net.keys, net.trainable, strict=True) if not t}
    assert set(trace["network"]["frozen"]) == frozen
    history = trace["history"]
    assert len(history) == net.iterations
    loss_scale = max(abs(v) for v in run.losses)
    for k, value in enumerate(history):
        _close(f"history[{k}]", value, run.losses[k], loss_scale)
    _close("final_loss", trace["final_loss"], run.losses[-1], loss_scale)
    live = [k for k, t in zip(net.keys, net.trainable, strict=True) if t]
    indexes = [it["index"] for it in trace["iterations"]]
    assert indexes[0] == 1 and indexes == sorted(set(indexes)) and indexes[-1] <= net.iterations
    for it in trace["iterations"]:
        k = it["index"] - 1
        _close(f"loss of iteration {k + 1}", it["loss"], run.losses[k], loss_scale)
        assert list(it["gradients"]) == live and list(it["updated"]) == live
        g, new = run.gradients[k], run.thetas[k + 1]
        grad_scale = float(np.max(np.abs(g), initial=0))
        param_scale = float(np.max(np.abs(new), initial=0))
        for key, gk, nk, t in zip(net.keys, g, new, net.trainable, strict=True):
            if t:
                _close(f"iteration {k + 1} dL/d{key}", it["gradients"][key], gk, grad_scale)
                _close(f"iteration {k + 1} updated {key}", it["updated"][key], nk, param_scale)
    values = trace["iterations"][0]["forward"]
    for n, x in enumerate(net.xs, 1):
        zs, outs = forward(net.theta, net, x)
        for l, (z, a) in enumerate(zip(zs, outs, strict=True), 1):
            scale = float(max(np.max(np.abs(z)), np.max(np.abs(a))))
            for j in range(net.sizes[l]):
                s = net.suffix(n)
                _close(f"z{l}[{j + 1}]{s}", values[f"z{l}[{j + 1}]{s}"], float(z[j]), scale)
                _close(f"a{l}[{j + 1}]{s}", values[f"a{l}[{j + 1}]{s}"], float(a[j]), scale)


# -- running the command line ----------------------------------------------------------------


def cli(*argv: str) -> tuple[int, str, str]:
    """``tracer ARGV`` in-process: (exit code, stdout, stderr); TRACER_DEBUG unset."""
    out, err = io.StringIO(), io.StringIO()
    debug = os.environ.pop("TRACER_DEBUG", None)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(list(argv))
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else 2
    finally:
        if debug is not None:
            os.environ["TRACER_DEBUG"] = debug
    return rc, out.getvalue(), err.getvalue()


def dump(d: dict, syntax: str, data: st.DataObject) -> bytes:
    """The spec as a YAML or JSON file, in one of several styles."""
    if syntax == "json":
        indent = data.draw(st.sampled_from((None, 1, 2)))
        text = json.dumps(d, indent=indent, ensure_ascii=data.draw(st.booleans()))
    else:
        text = yaml.safe_dump(
            d,
            sort_keys=False,
            allow_unicode=data.draw(st.booleans()),
            default_flow_style=data.draw(st.sampled_from((False, None))),
            width=data.draw(st.sampled_from((80, 10**6))),
        )
    return text.encode("utf-8", "surrogatepass")


class NotANumber(ValueError):
    """NaN or Infinity in a JSON trace: Python writes them, but they are not JSON numbers."""


def _not_a_number(name: str) -> None:
    raise NotANumber(f"{name} in the JSON trace")


def strict_json(text: str) -> dict:
    return json.loads(text, parse_constant=_not_a_number)


def drawn_weights(d: dict) -> dict[int, list[list[Fraction]]] | None:
    """The weights tracer drew from ``init:`` (the oracle takes them as given), or None."""
    if "init" not in d or not isinstance(d.get("layers"), list):
        return None
    from tracer.spec.loader import load

    try:
        spec = load(copy.deepcopy(d))
    except TracerError:
        return None
    return {
        l: [[Fraction(int(w.p), int(w.q)) for w in row] for row in spec.layers[l - 1].weights]
        for l in spec.drawn
    }


def record(kind: str, problem: str, spec: bytes, suffix: str, stderr: str) -> None:
    """Save a failing spec in TRACER_FUZZ_FINDINGS (one file per kind of problem and text)."""
    assert FINDINGS
    folder = Path(FINDINGS)
    folder.mkdir(parents=True, exist_ok=True)
    signature = re.sub(r"\d+(\.\d+)?|'[^']*'", "#", problem.splitlines()[0] if problem else "")[:200]
    name = f"{kind}-{hashlib.sha1(signature.encode()).hexdigest()[:10]}"
    if not (folder / f"{name}{suffix}").exists():
        (folder / f"{name}{suffix}").write_bytes(spec)
        (folder / f"{name}.txt").write_text(f"{problem}\n\nstderr:\n{stderr}", encoding="utf-8")


@contextlib.contextmanager
def findings(kind: str, spec: bytes, suffix: str, stderr: list[str]) -> Iterator[None]:
    """Fail as usual, or with TRACER_FUZZ_FINDINGS save the failure and go on."""
    try:
        yield
    except AssertionError as exc:
        if not FINDINGS:
            raise
        record(kind, str(exc), spec, suffix, stderr[0] if stderr else "")
        event(f"finding: {kind}")


def judge(spec: bytes, suffix: str, parsed: object, kind: str, fmt: str | None = None) -> str:
    """Run ``tracer report`` on a spec that may be invalid; returns the outcome for statistics.

    ``parsed``: the spec as the oracle's YAML/JSON reader sees it (compared when accepted);
    ``fmt``: a format to render as well when the spec is accepted.
    """
    note(spec.decode("utf-8", "backslashreplace"))
    outcome = ["failed"]  # stays so only when TRACER_FUZZ_FINDINGS kept a failure
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"spec{suffix}"
        path.write_bytes(spec)
        out = Path(tmp) / "out.json"
        rc, stdout, stderr = cli("report", str(path), "-f", "json", "-o", str(out), "--no-check")
        note(f"exit {rc}; stderr {stderr!r}")
        with findings(kind, spec, suffix, [stderr]):
            outcome[0] = _verdict(rc, stdout, stderr, out, parsed, spec, suffix)
            if rc == 0 and fmt is not None:  # hostile text that was accepted must render too
                rendered = Path(tmp) / f"report.{fmt}"
                rc, stdout, stderr = cli("report", str(path), "-o", str(rendered), "--no-check")
                assert (rc, stdout, stderr) == (0, "", ""), f"{fmt}: {stderr}"
    return outcome[0]


def _verdict(rc: int, stdout: str, stderr: str, out: Path, parsed: object, spec: bytes, suffix: str) -> str:
    assert "Traceback" not in stderr, stderr
    if rc == 0:
        assert stdout == "" and stderr == "", (stdout, stderr)
        trace = strict_json(out.read_text(encoding="utf-8"))
        try:
            net = model(parsed, drawn_weights(parsed) if isinstance(parsed, dict) else None)
        except Unreadable:
            return "accepted"
        run = descend(net)
        if run.wild:
            return "accepted, not compared"
        compare(trace, net, run)
        return "accepted and compared"
    assert rc == 2, f"exit code {rc}: {stderr}"
    assert stdout == "", stdout
    assert stderr.startswith("tracer: ") and stderr.count("\n") == 1 and stderr.endswith("\n"), stderr
    assert "internal error" not in stderr, stderr
    assert not out.exists(), "an output file was written for a refused spec"
    assert sorted(p.name for p in out.parent.iterdir()) == [f"spec{suffix}"], "a temporary file was left"
    return "refused"


# -- 1. valid specs --------------------------------------------------------------------------

RENDER_OPTIONS = (
    (), ("--notation", "node"), ("--notation", "flat"), ("--lang", "zh"), ("--exact",), ("--carry-rounded",),
    ("--digits", "3"), ("--digits", "20"), ("--fragment",),
)


@pytest.mark.fuzz
@budget(30)
@given(specs(), st.sampled_from((".yaml", ".json", ".yml")), st.data())
def test_valid_spec_matches_the_oracle(d: dict, suffix: str, data: st.DataObject) -> None:
    net = model(d, drawn_weights(d))
    run = descend(net)
    spec = dump(d, "json" if suffix == ".json" else "yaml", data)
    note(spec.decode("utf-8"))
    if run.wild:  # the oracle cannot follow it; tracer must still succeed or refuse in one line
        with tempfile.TemporaryDirectory() as tmp, findings("valid-wild", spec, suffix, []):
            path = Path(tmp) / f"spec{suffix}"
            path.write_bytes(spec)
            out = Path(tmp) / "trace.json"
            rc, stdout, stderr = cli("report", str(path), "-f", "json", "-o", str(out), "--no-check")
            event(f"not compared ({run.wild}): {_verdict(rc, stdout, stderr, out, d, spec, suffix)}")
        return
    check = data.draw(st.integers(0, 7)) == 0  # the symbolic self-check takes 0.3-5 s
    fmt = data.draw(st.sampled_from(("md", "tex", "html")))
    options = data.draw(st.sampled_from(RENDER_OPTIONS))
    if net.iterations >= 2 and data.draw(st.booleans()):
        options = (*options, "--detail", f"1,{net.iterations}")
    with tempfile.TemporaryDirectory() as tmp, findings("valid", spec, suffix, []):
        path = Path(tmp) / f"spec{suffix}"
        path.write_bytes(spec)
        out = Path(tmp) / "trace.json"
        rc, stdout, stderr = cli("report", str(path), "-o", str(out), *(() if check else ("--no-check",)))
        assert (rc, stdout, stderr) == (0, "", ""), stderr
        trace = strict_json(out.read_text(encoding="utf-8"))
        compare(trace, net, run)
        if check:
            assert "failed" not in json.dumps(trace["check"]), trace["check"]

        rendered = Path(tmp) / f"report.{fmt}"
        rc, stdout, stderr = cli("report", str(path), "-o", str(rendered), "--no-check", *options)
        assert (rc, stdout, stderr) == (0, "", ""), f"{fmt} {options}: {stderr}"
        text = rendered.read_text(encoding="utf-8")
        if fmt == "html":
            assert "<script>alert('fuzz')</script>" not in text
        if fmt == "tex":
            assert r"\input{/etc/passwd}" not in text
    event(f"{len(net.sizes) - 1} layer(s), {len(net.xs)} sample(s), loss {net.loss}")
    event(f"{fmt} {' '.join(options)}")


# -- 2. mutated specs ------------------------------------------------------------------------

#: Values of the wrong type, out of range, or numbers at the edges of what can be written.
ODD_VALUES: tuple[object, ...] = (
    "text", "", " ", "1/0", "0/0", "1/3/4", "--1", "1e", "e5", "0x10", "1_000", "½", "١٢", "NaN", "nan",
    ".inf", "-Infinity", "1e400", "1e-400", "1e99999999", "9" * 300, "0." + "0" * 300 + "1", "1,5", "0.1 0.2",
    " 0.5 ", "+.5", "5.", "-0", math.nan, math.inf, -math.inf, 1e308, -1e-320, 10**400, -(10**400), 10**20,
    -1, 0, -0.0, 2, 1001, True, False, None, [], [1], [[1]], [None], {}, {"a": 1}, {"units": 2},
    "sigmoid", "softmax", "weights", "biases", "W1[1,1]",
)
#: Text that must be quoted, escaped or refused wherever it appears.
HOSTILE_TEXT: tuple[str, ...] = (
    *HOSTILE_TITLES, "line\nbreak", "nul\x00byte", "tab\there", "\x1b[31mred", "\u2028", "\ufeff", "\ud800",
    "x" * 5000, "'quote\"", "a: b", "- item", "&anchor", "*alias", "!tag", "%percent", "@at", "`tick`",
)
#: Formulas that must be refused (or, for a few, accepted and computed) without running anything.
HOSTILE_FORMULAS: tuple[object, ...] = (
    "__import__('os').system('echo fuzzed')", "z.__class__", "(lambda: z)()", "[z][0]", "z if z else 1",
    "globals()", "open('/etc/passwd')", "z.real", "__builtins__", "9**9**9", "z**(10**10)", "z**101",
    "exp(exp(exp(exp(z))))", "z/0", "1/z", "log(z)", "sqrt(z)", "log(0*z)", "z**-1", "max(z)", "min(z, 1, 2)",
    "erf(z, 1)", "abs()", "sin(z=1)", "sin(*[z])", "z @ z", "z // 2", "z % 2", "~z", "not z", "z and 1",
    "z; import os", "z\n+1", "", " ", "z" * 300, "(" * 60 + "z" + ")" * 60, "1e400*z", "1e-400*z",
    "0x10*z", "1_000*z", "z**0.5", "abs(z)**0.5", "z**z", "exp(1000*z)", "cosh(z)**50", "z**(1/3)",
    "log(-1)*z", "sqrt(-1)*z", "(-1)**z", "z*I", "max(z, 0)", "min(z, 0.1*z)", "abs(z)", "2", "e", "pi*z",
    "z^2^2", "sin(z)/z", "z/(z - z)", "0*z", "z - z", "zz", "Z", "z\x00", 3, None, [1], {"z": 1},
)
#: Keys that are not in the spec's schema: near misses, hostile, not text.
ODD_KEYS: tuple[object, ...] = (
    "weight", "Units", "learningrate", "lr", "bias", "activation ", "", "__proto__", "constructor",
    "k" * 1000, "units\n", "nul\x00", "$ref", "<<", 1, True, None, 1.5,
)
ENUMS = {  # legal values elsewhere: a swap may keep the spec valid (and change its numbers)
    "activation": BUILT_IN,
    "loss": ("half_sse", "sse", "mse", "bce", "cross_entropy"),
    "reduction": ("mean", "sum"),
    "notation": ("layer", "node", "flat"),
    "method": ("uniform", "normal", "xavier", "he"),
}


def nodes(tree: object, path: tuple = ()) -> list[tuple]:
    """The path of every value in a parsed spec (not the root)."""
    out = []
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for key, value in items:
        out.append((*path, key))
        out += nodes(value, (*path, key))
    return out


def at(tree: object, path: tuple) -> object:
    for key in path:
        tree = tree[key]  # type: ignore[index]
    return tree


MUTATIONS = ("delete", "add key", "odd value", "hostile text", "reshape", "formula", "enum", "number")
TEXT_FIELDS = ("title", "description", "notation", "loss", "activation", "frozen")
EDGE_NUMBERS = (0, -1, "-1/3", 1e-300, 1e300, 10**30, "1e-999", "1/7", 4, 1000, 100001, "0.999999")


def mutate(d: dict, data: st.DataObject) -> str:
    """Change ``d`` in place in one random way; returns what was done (for statistics)."""
    paths = nodes(d)
    how = data.draw(st.sampled_from(MUTATIONS))
    path = data.draw(st.sampled_from(paths))
    parent, key = at(d, path[:-1]), path[-1]
    if how == "delete":
        del parent[key]
    elif how == "add key":
        mappings = [()] + [p for p in paths if isinstance(at(d, p), dict)]
        target = at(d, data.draw(st.sampled_from(mappings)))
        target[data.draw(st.sampled_from(ODD_KEYS))] = data.draw(st.sampled_from(ODD_VALUES))
    elif how == "odd value":
        parent[key] = copy.deepcopy(data.draw(st.sampled_from(ODD_VALUES)))
    elif how == "hostile text":
        where = data.draw(st.sampled_from(TEXT_FIELDS))
        value = data.draw(st.sampled_from(HOSTILE_TEXT))
        if where == "activation":
            data.draw(st.sampled_from(d["layers"]))["activation"] = value
        elif where == "frozen":
            d["frozen"] = [value]
        else:
            d[where] = value
    elif how == "reshape":
        lists = [p for p in paths if isinstance(at(d, p), list) and at(d, p)]
        if not lists:
            return "reshape: nothing"
        target = at(d, data.draw(st.sampled_from(lists)))
        change = data.draw(st.sampled_from(("drop", "repeat", "wrap", "append number", "empty")))
        if change == "drop":
            target.pop()
        elif change == "repeat":
            target.append(copy.deepcopy(target[-1]))
        elif change == "wrap":
            target[0] = [target[0]]
        elif change == "append number":
            target.append("0.5")
        else:
            target.clear()
        how = f"reshape: {change}"
    elif how == "formula":
        name = data.draw(st.sampled_from(("mine", "f", "relu", "softsign_", "_x", "A", "x" * 21, "sigmoid")))
        d.setdefault("activations", {})[name] = data.draw(st.sampled_from(HOSTILE_FORMULAS))
        if data.draw(st.booleans()):
            data.draw(st.sampled_from(d["layers"]))["activation"] = name
    elif how == "enum":
        where = data.draw(st.sampled_from(sorted(ENUMS)))
        value = data.draw(st.sampled_from(ENUMS[where]))
        if where == "activation":
            data.draw(st.sampled_from(d["layers"]))["activation"] = value
        elif where == "method":
            d["init"] = {"method": value, "seed": data.draw(st.integers(-1, 2**32))}
        else:
            d[where] = value
    else:
        numbered = [p for p in paths if isinstance(at(d, p), (int, float, str)) and at(d, p) is not True]
        if not numbered:
            return "number: nothing"
        target = data.draw(st.sampled_from(numbered))
        at(d, target[:-1])[target[-1]] = data.draw(st.sampled_from(EDGE_NUMBERS))
    return how


@pytest.mark.fuzz
@budget(300)
@given(specs(), st.sampled_from((".yaml", ".json")), st.integers(1, 3), st.data())
def test_mutated_spec_is_computed_or_refused_in_one_line(
    d: dict, suffix: str, count: int, data: st.DataObject
) -> None:
    fmt = data.draw(st.sampled_from((None, None, "md", "tex", "html")))
    mutations = [mutate(d, data) for _ in range(count)]
    try:
        spec = dump(d, suffix[1:], data)
    except (ValueError, TypeError, yaml.YAMLError):  # json.dumps of a non-text key mixed with text ones
        assume(False)
    outcome = judge(spec, suffix, _reparse(spec, suffix), "mutated", fmt)
    event(outcome)
    for how in mutations:
        event(f"mutation {how}")


def _reparse(spec: bytes, suffix: str) -> object:
    """The file as a plain YAML/JSON reader sees it, for the oracle (None if it cannot)."""
    try:
        text = spec.decode("utf-8")
        return json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError, RecursionError):
        return None


# -- 3. mutated files ------------------------------------------------------------------------

TOKENS = (
    b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"{", b"}", b"[", b"]", b":", b",", b"\n", b"\t", b" ",
    b"&a ", b"*a", b"!!python/object/apply:os.system ['true'] ", b"!!binary ", b'"', b"'", b"- ", b"#",
    b"%YAML 1.1\n", b"---\n", b"...\n", b"? ", b"|", b">", b"@", b"`", b"\\", b"<<: *a\n", b"!!set ",
    b"~", b"null", b"\r",
)


DAMAGE = ("truncate", "delete", "insert", "flip", "byte", "duplicate", "swap")


@pytest.mark.fuzz
@budget(250)
@given(specs(), st.sampled_from((".yaml", ".json")), st.data())
def test_damaged_file_is_computed_or_refused_in_one_line(d: dict, suffix: str, data: st.DataObject) -> None:
    spec = bytearray(dump(d, suffix[1:], data))
    for _ in range(data.draw(st.integers(1, 3))):
        if not spec:
            break
        at_ = data.draw(st.integers(0, len(spec) - 1))
        how = data.draw(st.sampled_from(DAMAGE))
        if how == "truncate":
            del spec[at_:]
        elif how == "delete":
            del spec[at_:at_ + data.draw(st.integers(1, 12))]
        elif how == "insert":
            spec[at_:at_] = data.draw(st.sampled_from(TOKENS))
        elif how == "flip":
            spec[at_] ^= 1 << data.draw(st.integers(0, 7))
        elif how == "byte":
            spec[at_] = data.draw(st.integers(0, 255))
        else:
            lines = bytes(spec).split(b"\n")
            i, j = data.draw(st.integers(0, len(lines) - 1)), data.draw(st.integers(0, len(lines) - 1))
            if how == "duplicate":
                lines.insert(i, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            spec = bytearray(b"\n".join(lines))
        event(f"damage {how}")
    event(judge(bytes(spec), suffix, _reparse(bytes(spec), suffix), "damaged"))


# -- what the fuzzer found -------------------------------------------------------------------


#: The formulas of these cases, for the oracle.
FORMULAS["cosh(pi/4*z + 2)"] = lambda z: anp.cosh(math.pi / 4 * z + 2)
FORMULAS["2*tanh(2*z + 2)^2 + z"] = lambda z: 2 * anp.tanh(2 * z + 2) ** 2 + z


def _custom(formula: str, inputs: list, out: str = "sigmoid", units: int = 1) -> dict:
    return {
        "activations": {"mine": formula},
        "inputs": inputs,
        "targets": [0] * units,
        "layers": [
            {"units": 1, "activation": "mine", "weights": [["0.3"] * len(inputs)]},
            {"units": units, "activation": out, "weights": [["0.5"]] * units},
        ],
        "loss": "half_sse",
        "learning_rate": "0.1",
    }


@pytest.mark.parametrize(
    "spec",
    [
        # pi was compiled as a 17-digit float: the 50-digit values were wrong past the 17th digit
        _custom("cosh(pi/4*z + 2)", [0, 1]),
        # at an input of 0 SymPy made 2*0.0 + 2 the exact 2: tanh(2) stayed a symbol, and the
        # self-check (and a softmax after it) failed on it with an internal error
        _custom("2*tanh(2*z + 2)^2 + z", [0, 0]),
        _custom("2*tanh(2*z + 2)^2 + z", [0, 0], "softmax", 2),
    ],
)
def test_custom_activation_values_are_numbers_to_fifty_digits(spec: dict, tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    rc, out, err = cli("report", str(path), "-f", "json")
    assert (rc, err) == (0, ""), err
    trace = strict_json(out)
    assert trace["check"]["symbolic"] == trace["check"]["numeric"] == "passed", trace["check"]
    net = model(spec)
    compare(trace, net, descend(net))
