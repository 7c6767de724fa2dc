"""Parse and validate a spec (CONTRACT.md §1) into frozen, typed objects.

Numbers are read exactly: ``0.1`` is 1/10, ``"1/3"`` is one third. Every error names the
path of the bad value (``layers[1].weights``), the line where the file gives one, and
what is allowed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from tracer import activations, limits, losses
from tracer.errors import TracerError
from tracer.limits import (
    MAX_DESCRIPTION_CHARS,
    MAX_EXPONENT,
    MAX_ITERATIONS,
    MAX_LAYERS,
    MAX_NUMBER_CHARS,
    MAX_SAMPLES,
    MAX_TITLE_CHARS,
    MAX_UNITS,
)
from tracer.source import Document, NumberText, quoted, read_file, shown_path

TOP_KEYS = (
    "title",
    "description",
    "notation",
    "inputs",
    "targets",
    "samples",
    "layers",
    "loss",
    "learning_rate",
    "iterations",
    "frozen",
)
LAYER_KEYS = ("units", "activation", "weights", "biases")
SAMPLE_KEYS = ("inputs", "targets")
NOTATION_NAMES = ("layer", "node", "flat")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_FRACTION = re.compile(r"[+-]?\d+/\d+")


@dataclass(frozen=True)
class Layer:
    units: int
    activation: str
    weights: tuple[tuple[sp.Rational, ...], ...]  # weights[j][i], one row per unit
    biases: tuple[sp.Rational, ...] | None  # one per unit, or None
    shared_bias: sp.Rational | None  # one bias shared by every unit of the layer


@dataclass(frozen=True)
class Sample:
    inputs: tuple[sp.Rational, ...]
    targets: tuple[sp.Rational, ...]


@dataclass(frozen=True)
class NetworkSpec:
    title: str
    description: str
    notation: str
    samples: tuple[Sample, ...]
    layers: tuple[Layer, ...]
    loss: str
    learning_rate: sp.Rational
    iterations: int
    frozen: tuple[str, ...]

    @property
    def n_inputs(self) -> int:
        return len(self.samples[0].inputs)


def load(source: str | Path | dict, force: bool = False) -> NetworkSpec:
    """A spec from a file path, a built-in example name, or a plain dict.

    ``force`` lifts the soft size bounds of :mod:`tracer.limits` (never the hard ones).
    """
    if isinstance(source, dict):
        return parse(Document(source), "spec", force)
    from tracer import examples

    text = str(source)
    if text in examples.names() and not Path(text).exists():
        return examples.load(text)
    path = Path(text)
    if not path.exists() and not path.suffix and "/" not in text and "\\" not in text:
        raise TracerError(
            f"no such file or built-in example; built-in examples: {', '.join(examples.names())}", text
        )
    return parse(read_file(text), text, force)


def parse(doc: Document, name: str = "spec", force: bool = False) -> NetworkSpec:
    """Validate parsed data; raise TracerError naming the first problem found.

    The network's size is checked against :mod:`tracer.limits` from the declared shapes
    (number of inputs and samples, ``units``, ``iterations``) before any number is
    converted or any SymPy object built; ``force`` lifts the soft bounds.
    """
    return _Reader(doc, name, force).spec()


# A sample as read before its numbers are: (path of inputs, inputs, path of targets, targets).
_RawSample = tuple[tuple, list, tuple, list]
# A layer as read before its numbers are: (path, mapping, units, activation).
_Head = tuple[tuple, dict, int, str]


class _Reader:
    def __init__(self, doc: Document, name: str, force: bool = False) -> None:
        self.doc = doc
        self.name = name
        self.force = force

    def fail(self, path: tuple, problem: str) -> TracerError:
        return TracerError(problem, shown_path(path) or self.name, self.doc.line(path))

    # -- generic readers

    def mapping(self, value: object, path: tuple, allowed: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping with keys {', '.join(allowed)}, got {_kind(value)}")
        for k in value:
            if k not in allowed:
                raise self.fail((*path, k), f"unknown key {quoted(k)}; allowed keys: {', '.join(allowed)}")
        return value

    def number(self, value: object, path: tuple) -> sp.Rational:
        if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
            raise self.fail(path, f"expected a number, got {_kind(value)}")
        if isinstance(value, int):
            return sp.Integer(value)
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise self.fail(path, "expected a finite number, got " + repr(value))
            return sp.Rational(repr(value))
        text = str(value).strip()
        if len(text) > MAX_NUMBER_CHARS:
            raise self.fail(path, f"number written with more than {MAX_NUMBER_CHARS} characters")
        if _FRACTION.fullmatch(text):
            top, bottom = text.split("/")
            if int(bottom) == 0:
                raise self.fail(path, f"division by zero in {text!r}")
            return sp.Rational(int(top), int(bottom))
        if _NUMBER.fullmatch(text):
            exp = text.lower().partition("e")[2]
            if exp and abs(int(exp)) > MAX_EXPONENT:
                raise self.fail(path, f"exponent of {text!r} is out of range (|e| <= {MAX_EXPONENT})")
            return sp.Rational(text)
        if text.lower().lstrip("+-.") in ("nan", "inf", "infinity"):
            raise self.fail(path, f"expected a finite number, got {quoted(text)}")
        written = 'a decimal like 0.1 or a fraction like "1/3"'
        raise self.fail(path, f"expected a number written as {written}, got {quoted(text)}")

    def vector_shape(self, value: object, path: tuple, length: int | None, what: str) -> list:
        """``value`` if it is a list of ``length`` items (any length if None); numbers unread."""
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list of numbers ({what}), got {_kind(value)}")
        if not value:
            raise self.fail(path, f"expected at least one number ({what}), got an empty list")
        if length is not None and len(value) != length:
            raise self.fail(path, f"expected {length} {what}, got {len(value)}")
        return value

    def vector(self, value: object, path: tuple, length: int | None, what: str) -> tuple:
        self.vector_shape(value, path, length, what)
        return self.numbers(value, path)

    def numbers(self, values: list, path: tuple) -> tuple:
        return tuple(self.number(v, (*path, i)) for i, v in enumerate(values))

    def integer(self, value: object, path: tuple, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"expected a whole number from {low} to {high}, got {_kind(value)}")
        if not low <= value <= high:
            raise self.fail(path, f"expected a whole number from {low} to {high}, got {value}")
        return value

    def text(self, value: object, path: tuple, limit: int, newlines: bool = False) -> str:
        """One line of printable text (``newlines``: several) of at most ``limit`` characters."""
        if not isinstance(value, str):
            raise self.fail(path, f"expected text, got {_kind(value)}")
        if len(value) > limit:
            raise self.fail(path, f"text longer than {limit} characters (got {len(value)})")
        for char in value:
            kind = unicodedata.category(char)
            if kind == "Cs":
                raise self.fail(path, f"text contains U+{ord(char):04X}, half of a surrogate pair")
            if kind in ("Cc", "Zl", "Zp") and not (newlines and char == "\n"):
                raise self.fail(path, f"text contains the control character U+{ord(char):04X}")
        return value

    def choice(self, value: object, path: tuple, allowed: tuple[str, ...], what: str) -> str:
        if not isinstance(value, str) or value not in allowed:
            shown = quoted(value) if isinstance(value, str) else _kind(value)
            raise self.fail(path, f"unknown {what} {shown}; allowed: {', '.join(allowed)}")
        return value

    # -- the spec

    def spec(self) -> NetworkSpec:
        top = self.mapping(self.doc.data, (), TOP_KEYS)
        for required in ("layers", "learning_rate", "loss"):
            if required not in top:
                raise self.fail((), f"missing required key {required!r}")
        # Shapes first, numbers after: the size bounds are checked before anything large is built.
        raw = self.sample_shapes(top)
        heads = self.layer_heads(top["layers"])
        iterations = self.integer(top.get("iterations", 1), ("iterations",), 1, MAX_ITERATIONS)
        self.check_size(top, raw, heads, iterations)

        samples = tuple(Sample(self.numbers(x, xp), self.numbers(t, tp)) for xp, x, tp, t in raw)
        n_in, n_out = len(samples[0].inputs), len(samples[0].targets)
        layers = self.layers(heads, n_in)
        if layers[-1].units != n_out:
            raise self.fail(
                ("layers", len(layers) - 1, "units"),
                f"the output layer has {layers[-1].units} units but the targets have {n_out} "
                + ("value" if n_out == 1 else "values"),
            )
        loss = self.choice(top["loss"], ("loss",), tuple(losses.LOSSES), "loss")
        self.check_loss(loss, layers, samples, [tp for _, _, tp, _ in raw])
        rate = self.number(top["learning_rate"], ("learning_rate",))
        if rate <= 0:
            raise self.fail(("learning_rate",), f"expected a positive number, got {_decimal(rate)}")
        spec = NetworkSpec(
            title=self.text(top.get("title", "Backpropagation, step by step"), ("title",), MAX_TITLE_CHARS),
            description=self.text(top.get("description", ""), ("description",), MAX_DESCRIPTION_CHARS, True),
            notation=self.choice(top.get("notation", "layer"), ("notation",), NOTATION_NAMES, "notation"),
            samples=samples,
            layers=layers,
            loss=loss,
            learning_rate=rate,
            iterations=iterations,
            frozen=(),
        )
        frozen = self.frozen(top.get("frozen", []), spec)
        return NetworkSpec(**{**spec.__dict__, "frozen": frozen})

    def check_size(self, top: dict, raw: list[_RawSample], heads: list[_Head], iterations: int) -> None:
        """Refuse a network too large for :mod:`tracer.limits`, from its declared shapes alone."""
        biases = []
        for _, m, units, _ in heads:
            b = m.get("biases")
            biases.append(units if isinstance(b, list) else 0 if b is None else 1)
        shape = limits.Shape(
            sizes=(len(raw[0][1]), *(units for _, _, units, _ in heads)),
            biases=tuple(biases),
            samples=len(raw),
            iterations=iterations,
        )
        refused = limits.refusal(shape, self.force, tuple(top))
        if refused is not None:
            path = (refused.key,)
            raise limits.LimitError(refused.problem, shown_path(path), self.doc.line(path), refused.soft)

    def sample_shapes(self, top: dict) -> list[_RawSample]:
        """The samples' inputs and targets with their lengths checked, their numbers not yet read."""
        has_single = "inputs" in top or "targets" in top
        if "samples" not in top:
            for k in ("inputs", "targets"):
                if k not in top:
                    raise self.fail((), f"missing required key {k!r} (or give samples)")
            x = self.vector_shape(top["inputs"], ("inputs",), None, "inputs")
            t = self.vector_shape(top["targets"], ("targets",), None, "targets")
            return [(("inputs",), x, ("targets",), t)]
        if has_single:
            raise self.fail(("samples",), "give either inputs/targets or samples, not both")
        items = top["samples"]
        if not isinstance(items, list) or not items:
            raise self.fail(("samples",), f"expected a non-empty list of samples, got {_kind(items)}")
        if len(items) > MAX_SAMPLES:
            raise self.fail(("samples",), f"at most {MAX_SAMPLES} samples, got {len(items)}")
        out: list[_RawSample] = []
        for n, item in enumerate(items):
            path = ("samples", n)
            m = self.mapping(item, path, SAMPLE_KEYS)
            for k in SAMPLE_KEYS:
                if k not in m:
                    raise self.fail(path, f"missing required key {k!r}")
            n_in = len(out[0][1]) if out else None
            n_out = len(out[0][3]) if out else None
            x = self.vector_shape(m["inputs"], (*path, "inputs"), n_in, "inputs")
            t = self.vector_shape(m["targets"], (*path, "targets"), n_out, "targets")
            out.append(((*path, "inputs"), x, (*path, "targets"), t))
        return out

    def layer_heads(self, value: object) -> list[_Head]:
        """Each layer's mapping, units and activation: what the size bounds need."""
        if not isinstance(value, list) or not value:
            raise self.fail(("layers",), f"expected a non-empty list of layers, got {_kind(value)}")
        if len(value) > MAX_LAYERS:
            raise self.fail(("layers",), f"at most {MAX_LAYERS} layers, got {len(value)}")
        heads: list[_Head] = []
        for l, item in enumerate(value):
            path = ("layers", l)
            m = self.mapping(item, path, LAYER_KEYS)
            for k in ("units", "activation"):
                if k not in m:
                    raise self.fail(path, f"missing required key {k!r}")
            units = self.integer(m["units"], (*path, "units"), 1, MAX_UNITS)
            act = self.choice(
                m["activation"], (*path, "activation"), tuple(activations.ACTIVATIONS), "activation"
            )
            heads.append((path, m, units, act))
        return heads

    def layers(self, heads: list[_Head], n_in: int) -> tuple[Layer, ...]:
        out: list[Layer] = []
        prev = n_in
        for l, (path, m, units, act) in enumerate(heads):
            if "weights" not in m:
                raise self.fail(path, "missing required key 'weights'")
            source = "input" if l == 0 else "unit of the previous layer"
            weights = self.matrix(m["weights"], (*path, "weights"), units, prev, source)
            biases, shared = None, None
            b = m.get("biases")
            if isinstance(b, list):
                biases = self.vector(b, (*path, "biases"), units, "biases, one per unit")
            elif b is not None:
                shared = self.number(b, (*path, "biases"))
            out.append(Layer(units, act, weights, biases, shared))
            prev = units
        return tuple(out)

    def matrix(self, value: object, path: tuple, rows: int, cols: int, source: str) -> tuple:
        if not isinstance(value, list):
            raise self.fail(path, f"expected {rows} rows of {cols} numbers, got {_kind(value)}")
        if len(value) != rows:
            raise self.fail(path, f"expected {rows} rows (units), got {len(value)}")
        out = []
        for j, row in enumerate(value):
            if not isinstance(row, list):
                raise self.fail((*path, j), f"expected a row of {cols} numbers, got {_kind(row)}")
            if len(row) != cols:
                raise self.fail(
                    (*path, j),
                    f"expected {cols} numbers (one per {source}), got {len(row)}",
                )
            out.append(tuple(self.number(v, (*path, j, i)) for i, v in enumerate(row)))
        return tuple(out)

    def check_loss(
        self, loss: str, layers: tuple[Layer, ...], samples: tuple[Sample, ...], paths: list[tuple]
    ) -> None:
        """``paths``: where each sample's targets are (``targets`` or ``samples[n].targets``)."""
        entry = losses.get(loss)
        if not entry.unit_interval:
            return
        out_act = activations.get(layers[-1].activation)
        if out_act.output_range != (0, 1):
            raise self.fail(
                ("layers", len(layers) - 1, "activation"),
                f"loss {loss} needs outputs in (0, 1): use sigmoid on the output layer, not {out_act.name}",
            )
        for s, path in zip(samples, paths, strict=True):
            for k, t in enumerate(s.targets):
                if not 0 <= t <= 1:
                    raise self.fail((*path, k), f"loss {loss} needs targets from 0 to 1, got {_decimal(t)}")

    def frozen(self, value: object, spec: NetworkSpec) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(("frozen",), f"expected a list of parameter keys, got {_kind(value)}")
        from tracer.network import build

        keys = {p.key for p in build(spec).params}
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or (item not in keys and item not in ("weights", "biases")):
                near = ", ".join(sorted(keys)[:6])
                shown = quoted(item) if isinstance(item, str) else _kind(item)
                raise self.fail(
                    ("frozen", i),
                    f"unknown parameter {shown}; use 'weights', 'biases' or keys such as {near}",
                )
            out.append(item)
        return tuple(out)


def _decimal(value: sp.Rational) -> str:
    """A rational as the user would have written it: 0.1 rather than 1/10."""
    from tracer.printing import number_text

    return number_text(value, 30)


def _kind(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float, NumberText)):
        text = str(value)
        return f"the number {text if len(text) <= 40 else text[:37] + '...'}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


__all__ = ["Layer", "NetworkSpec", "Sample", "load", "parse"]
