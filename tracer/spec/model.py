"""Parse and validate a spec (CONTRACT.md §1) into frozen, typed objects.

Numbers are read exactly: ``0.1`` is 1/10, ``"1/3"`` is one third. Every error names the
path of the bad value (``layers[1].weights``), the line where the file gives one, and
what is allowed (the readers of single values are in :mod:`tracer.spec.reading`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from tracer.functions import activations, losses
from tracer.notation import key
from tracer.spec import formula, initial, limits, vary
from tracer.spec.initial import Init
from tracer.spec.limits import (
    MAX_DESCRIPTION_CHARS,
    MAX_ITERATIONS,
    MAX_LAYERS,
    MAX_SAMPLES,
    MAX_TITLE_CHARS,
    MAX_UNITS,
)
from tracer.spec.reading import Reader, decimal, is_whole, kind
from tracer.spec.source import Document, quoted, shown_path
from tracer.spec.tolerance import Tolerance
from tracer.spec.tolerance import read as read_tolerance

TOP_KEYS = (
    "title",
    "description",
    "notation",
    "inputs",
    "targets",
    "samples",
    "layers",
    "loss",
    "reduction",
    "learning_rate",
    "iterations",
    "frozen",
    "init",
    "activations",
    "tolerance",
    "vary",
)
LAYER_KEYS = ("units", "activation", "slope", "weights", "biases")
SAMPLE_KEYS = ("inputs", "targets")
NOTATION_NAMES = ("layer", "node", "flat")
REDUCTIONS = losses.REDUCTIONS
#: Units of a layer that couples them (softmax): its K × K Jacobian is evaluated and written out.
MAX_COUPLED_UNITS = 100


@dataclass(frozen=True)
class Layer:
    units: int
    activation: str
    weights: tuple[tuple[sp.Rational, ...], ...]  # weights[j][i], one row per unit
    biases: tuple[sp.Rational, ...] | None  # one per unit, or None
    shared_bias: sp.Rational | None  # one bias shared by every unit of the layer
    slope: sp.Rational | None = None  # leaky_relu's slope (its default when not given)
    custom: activations.Activation | None = None  # the spec's own activation (activations:)


@dataclass(frozen=True)
class Sample:
    inputs: tuple[sp.Rational, ...]
    targets: tuple[sp.Rational, ...]  # a class index is read as its one-hot vector


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
    reduction: str | None = None  # mean | sum; None: the loss's own (parse always sets it)
    init: Init | None = None  # how weights missing from the spec were drawn
    drawn: tuple[int, ...] = ()  # the layers (1-based) whose weights were drawn
    tolerance: Tolerance | None = None  # how tracer check judges answers (tracer.spec.tolerance)
    vary: vary.Vary | None = None  # what tracer variants redraws (tracer.spec.vary)

    @property
    def n_inputs(self) -> int:
        return len(self.samples[0].inputs)


def parse(doc: Document, name: str = "spec", force: bool | limits.Lift = False) -> NetworkSpec:
    """Validate parsed data; raise TracerError naming the first problem found.

    The network's size is checked against :mod:`tracer.spec.limits` from the declared shapes
    (number of inputs and samples, ``units``, ``iterations``) before any number is
    converted or any SymPy object built; ``force`` lifts the soft bounds.
    """
    return _Reader(doc, name, force).spec()


# A sample as read before its numbers are: (path of inputs, inputs, path of targets, targets);
# the targets are a list, or a class index (an int) to be made one-hot.
_RawSample = tuple[tuple, list, tuple, "list | int"]
# A layer as read before its numbers are: (path, mapping, units, activation).
_Head = tuple[tuple, dict, int, str]


class _Reader(Reader):
    def __init__(self, doc: Document, name: str, force: bool | limits.Lift = False) -> None:
        super().__init__(doc, name)
        self.force = force

    def spec(self) -> NetworkSpec:
        top = self.mapping(self.doc.data, (), TOP_KEYS)
        for required in ("layers", "learning_rate", "loss"):
            if required not in top:
                raise self.fail((), f"missing required key {required!r}")
        # Shapes first, numbers after: the size bounds are checked before anything large is built.
        raw = self.sample_shapes(top)
        self.customs = formula.read_customs(self, top["activations"]) if "activations" in top else {}
        heads = self.layer_heads(top["layers"])
        iterations = self.integer(top.get("iterations", 1), ("iterations",), 1, MAX_ITERATIONS)
        self.check_size(top, raw, heads, iterations)

        read = [
            (self.numbers(x, xp), self.numbers(t, tp) if isinstance(t, list) else t) for xp, x, tp, t in raw
        ]
        init = self.init(top.get("init")) if "init" in top else None
        layers, drawn = self.layers(heads, len(read[0][0]), init)
        lists = [t for _, t in read if not isinstance(t, int)]
        n_out = len(lists[0]) if lists else layers[-1].units
        if layers[-1].units != n_out:
            raise self.fail(
                ("layers", len(layers) - 1, "units"),
                f"the output layer has {layers[-1].units} units but the targets have {n_out} "
                + ("value" if n_out == 1 else "values"),
            )
        loss = self.choice(top["loss"], ("loss",), tuple(losses.LOSSES), "loss")
        default = losses.get(loss).reduction
        reduction = self.choice(top.get("reduction", default), ("reduction",), REDUCTIONS, "reduction")
        samples = tuple(
            Sample(x, self.one_hot(t, tp, n_out, loss))
            for (x, t), (_, _, tp, _) in zip(read, raw, strict=True)
        )
        self.check_loss(loss, layers, samples, [tp for _, _, tp, _ in raw])
        rate = self.number(top["learning_rate"], ("learning_rate",))
        if rate < 0:
            raise self.fail(("learning_rate",), f"expected a number >= 0, got {decimal(rate)}")
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
            reduction=reduction,
            init=init,
            drawn=drawn,
            tolerance=read_tolerance(
                top["tolerance"], self.name + ": tolerance", "spec", self.doc.line(("tolerance",))
            )
            if "tolerance" in top
            else None,
        )
        frozen = self.frozen(top.get("frozen", []), spec)
        varied = vary.read(self, top["vary"], loss, len(layers)) if "vary" in top else None
        return NetworkSpec(**{**spec.__dict__, "frozen": frozen, "vary": varied})

    def check_size(self, top: dict, raw: list[_RawSample], heads: list[_Head], iterations: int) -> None:
        """Refuse a network too large for :mod:`tracer.spec.limits`, from its declared shapes alone."""
        layers = [(units, m.get("biases")) for _, m, units, _ in heads]
        shape = limits.Shape.declared(len(raw[0][1]), layers, len(raw), iterations)
        refused = limits.refusal(shape, self.force, tuple(top))
        if refused is not None:
            path = (refused.key,)
            raise refused.error(shown_path(path), self.doc.line(path))

    def sample_shapes(self, top: dict) -> list[_RawSample]:
        """The samples' inputs and targets with their lengths checked, their numbers not yet read."""
        has_single = "inputs" in top or "targets" in top
        # A class index is also accepted (and named in messages) for a loss that reads one.
        index_ok = isinstance(top.get("loss"), str) and top["loss"] in losses.LOSSES
        index_ok = index_ok and losses.LOSSES[top["loss"]].distribution
        if "samples" not in top:
            for k in ("inputs", "targets"):
                if k not in top:
                    raise self.fail((), f"missing required key {k!r} (or give samples)")
            x = self.vector_shape(top["inputs"], ("inputs",), None, "inputs")
            t = self.target_shape(top["targets"], ("targets",), None, index_ok)
            return [(("inputs",), x, ("targets",), t)]
        if has_single:
            raise self.fail(("samples",), "give either inputs/targets or samples, not both")
        items = top["samples"]
        if not isinstance(items, list) or not items:
            raise self.fail(("samples",), f"expected a non-empty list of samples, got {kind(items)}")
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
            lists = [t for _, _, _, t in out if isinstance(t, list)]
            n_out = len(lists[0]) if lists else None
            x = self.vector_shape(m["inputs"], (*path, "inputs"), n_in, "inputs")
            t = self.target_shape(m["targets"], (*path, "targets"), n_out, index_ok)
            out.append(((*path, "inputs"), x, (*path, "targets"), t))
        return out

    def target_shape(self, value: object, path: tuple, length: int | None, index_ok: bool) -> list | int:
        if is_whole(value):
            return value  # a class index: checked once the loss and the output layer are known
        alternative = " or a class index (a whole number)" if index_ok else ""
        return self.vector_shape(value, path, length, "targets", alternative)

    def one_hot(self, value: tuple | int, path: tuple, n_out: int, loss: str) -> tuple:
        """A sample's targets; a class index (1-based) becomes its one-hot vector."""
        if not isinstance(value, int):
            return value
        if not losses.get(loss).distribution:
            reading = [name for name, entry in losses.LOSSES.items() if entry.distribution]
            raise self.fail(
                path,
                f"a class index as targets needs loss {' or '.join(reading)}; "
                f"for loss {loss} give a list of {n_out} targets",
            )
        if not 1 <= value <= n_out:
            raise self.fail(path, f"expected a class index from 1 to {n_out} (the output units), got {value}")
        return tuple(sp.Integer(1 if k == value else 0) for k in range(1, n_out + 1))

    def layer_heads(self, value: object) -> list[_Head]:
        """Each layer's mapping, units and activation: what the size bounds need."""
        if not isinstance(value, list) or not value:
            raise self.fail(("layers",), f"expected a non-empty list of layers, got {kind(value)}")
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
                m["activation"],
                (*path, "activation"),
                (*activations.ACTIVATIONS, *self.customs),
                "activation",
            )
            entry = self.entry(act)
            if "slope" in m and entry.parameter is None:
                having = [a.name for a in activations.ACTIVATIONS.values() if a.parameter is not None]
                raise self.fail((*path, "slope"), f"slope applies to {', '.join(having)} only, not to {act}")
            if entry.coupled and l != len(value) - 1:
                raise self.fail(
                    (*path, "activation"),
                    f"{act} couples the units of a layer into probabilities: it is for the output "
                    "layer only, not a hidden layer",
                )
            if entry.coupled and not 2 <= units <= MAX_COUPLED_UNITS:
                raise self.fail(
                    (*path, "units"),
                    f"{act} needs from 2 to {MAX_COUPLED_UNITS} units (with 1 its output is always 1; "
                    f"its Jacobian has units x units entries), got {units}",
                )
            heads.append((path, m, units, act))
        return heads

    def init(self, value: object) -> Init:
        """``init:``: how to draw the weights a layer does not give."""
        return initial.read(self, value)

    def layers(
        self, heads: list[_Head], n_in: int, init: Init | None = None
    ) -> tuple[tuple[Layer, ...], tuple[int, ...]]:
        sizes = (n_in, *(units for _, _, units, _ in heads))
        missing = tuple(l for l, (_, m, _, _) in enumerate(heads, 1) if "weights" not in m)
        drawn = initial.draw(init, sizes, missing) if init is not None and missing else {}
        out: list[Layer] = []
        prev = n_in
        for l, (path, m, units, act) in enumerate(heads):
            if "weights" not in m and init is None:
                raise self.fail(path, "missing required key 'weights' (or give init: to draw them)")
            source = "input" if l == 0 else "unit of the previous layer"
            if "weights" in m:
                weights = self.matrix(m["weights"], (*path, "weights"), units, prev, source)
            else:
                weights = drawn[l + 1]
            biases, shared = None, None
            b = m.get("biases")
            if isinstance(b, list):
                biases = self.vector(b, (*path, "biases"), units, "biases, one per unit")
            elif b is not None:
                shared = self.number(b, (*path, "biases"))
            custom = self.customs.get(act)
            out.append(Layer(units, act, weights, biases, shared, self.slope(m, path, act), custom))
            prev = units
        return tuple(out), missing if init is not None else ()

    def entry(self, act: str) -> activations.Activation:
        return self.customs[act] if act in self.customs else activations.get(act)

    def slope(self, m: dict, path: tuple, act: str) -> sp.Rational | None:
        entry = self.entry(act)
        if entry.parameter is None:
            return None
        if "slope" not in m:
            return entry.default
        value = self.number(m["slope"], (*path, "slope"))
        if not 0 < value < 1:
            raise self.fail(
                (*path, "slope"), f"expected a slope between 0 and 1 (both excluded), got {decimal(value)}"
            )
        return value

    def matrix(self, value: object, path: tuple, rows: int, cols: int, source: str) -> tuple:
        if not isinstance(value, list):
            raise self.fail(path, f"expected {rows} rows of {cols} numbers, got {kind(value)}")
        if len(value) != rows:
            raise self.fail(path, f"expected {rows} rows (units), got {len(value)}")
        out = []
        for j, row in enumerate(value):
            if not isinstance(row, list):
                raise self.fail((*path, j), f"expected a row of {cols} numbers, got {kind(row)}")
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
        out_act = self.entry(layers[-1].activation)
        where = ("layers", len(layers) - 1, "activation")
        if entry.needs is not None and out_act.name != entry.needs:
            raise self.fail(where, f"loss {loss} needs a {entry.needs} output layer, not {out_act.name}")
        if not entry.unit_interval:
            return
        if out_act.output_range != (0, 1):
            raise self.fail(
                where,
                f"loss {loss} needs outputs in (0, 1): use sigmoid on the output layer, not {out_act.name}",
            )
        for s, path in zip(samples, paths, strict=True):
            for k, t in enumerate(s.targets):
                if not 0 <= t <= 1:
                    raise self.fail((*path, k), f"loss {loss} needs targets from 0 to 1, got {decimal(t)}")
            if entry.distribution and sum(s.targets) != 1:
                raise self.fail(
                    path,
                    f"loss {loss} needs targets that sum to 1 (one-hot or probabilities) or a class "
                    f"index, got a sum of {decimal(sum(s.targets))}",
                )

    def frozen(self, value: object, spec: NetworkSpec) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(("frozen",), f"expected a list of parameter keys, got {kind(value)}")
        keys = {k for k, *_ in parameters(spec)}
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or (item not in keys and item not in ("weights", "biases")):
                near = ", ".join(sorted(keys)[:6])
                shown = quoted(item) if isinstance(item, str) else kind(item)
                raise self.fail(
                    ("frozen", i),
                    f"unknown parameter {shown}; use 'weights', 'biases' or keys such as {near}",
                )
            out.append(item)
        return tuple(out)


__all__ = ["Layer", "NetworkSpec", "Sample", "parameters", "parse"]


def parameters(spec: NetworkSpec) -> list[tuple[str, str, int, sp.Expr]]:
    """(canonical key, "weight" or "bias", layer, value) of every parameter, in the network's order:
    a layer's weights row by row (``W1[2,1]``), then its biases (``b1[2]``, or ``b1`` when shared)."""
    out = []
    for l, layer in enumerate(spec.layers, 1):
        for j, row in enumerate(layer.weights, 1):
            out += [(key("W", l, j, i), "weight", l, w) for i, w in enumerate(row, 1)]
        if layer.shared_bias is not None:
            out.append((key("b", l), "bias", l, layer.shared_bias))
        elif layer.biases is not None:
            out += [(key("b", l, j), "bias", l, b) for j, b in enumerate(layer.biases, 1)]
    return out
