"""The symbolic network: parameters, units and their local expressions, the loss.

Built from a validated :class:`~tracer.spec.model.NetworkSpec`. Everything is ordered
(tuples, layer by layer, row by row), so the same spec always gives the same graph.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from tracer.derive.forms import add, mul
from tracer.functions import activations, losses
from tracer.notation import Notation, for_network, grad, key, symbol
from tracer.spec.model import NetworkSpec, parameters


@dataclass(frozen=True)
class Param:
    key: str  # canonical key, e.g. W2[1,2], b1[2] or b1 (shared bias)
    kind: str  # "weight" or "bias"
    layer: int
    value: sp.Rational  # initial value
    trainable: bool

    @property
    def symbol(self) -> sp.Symbol:
        return symbol(self.key)


@dataclass(frozen=True)
class Unit:
    layer: int  # 1 … L
    index: int  # 1 … units
    weights: tuple[str, ...]  # parameter keys, one per unit of the previous layer
    bias: str | None  # parameter key, possibly shared by the layer


#: Chooses the expression used for a unit in a composed expression: (unit, sample, expr) → expr.
Local = Callable[[Unit, int, sp.Expr], sp.Expr]


@dataclass(frozen=True)
class Network:
    spec: NetworkSpec
    params: tuple[Param, ...]
    units: tuple[tuple[Unit, ...], ...]  # units[l-1] = units of layer l

    # (cached: the derivation and the exact pass ask for these hundreds of thousands of times)
    @cached_property
    def sizes(self) -> tuple[int, ...]:
        return (self.spec.n_inputs, *(len(layer) for layer in self.units))

    @cached_property
    def depth(self) -> int:
        return len(self.units)

    @cached_property
    def n_samples(self) -> int:
        return len(self.spec.samples)

    @cached_property
    def batch(self) -> bool:
        return self.n_samples > 1

    def samples(self) -> range:
        return range(1, self.n_samples + 1)

    def notation(self, name: str = "layer") -> Notation:
        """Names of this network's quantities in the notation ``name`` (layer, node, flat)."""
        shared = frozenset(l for l, layer in enumerate(self.spec.layers, 1) if layer.shared_bias is not None)
        return for_network(name, self.sizes, shared)

    def activation(self, layer: int) -> activations.Activation:
        """The activation of ``layer`` with its constants set (leaky_relu's slope)."""
        spec = self.spec.layers[layer - 1]
        entry = spec.custom if spec.custom is not None else activations.get(spec.activation)
        return entry.bind(spec.slope)

    @cached_property
    def loss(self) -> losses.Loss:
        return losses.get(self.spec.loss)

    @property
    def reduction(self) -> str:
        """How the loss combines samples and outputs: mean or sum."""
        return self.spec.reduction or self.loss.reduction

    @cached_property
    def loss_scale(self) -> sp.Rational:
        return self.loss.scale(self.n_samples, self.sizes[-1], self.reduction)

    @cached_property
    def param_index(self) -> dict[str, Param]:
        return {p.key: p for p in self.params}

    @property
    def trainable(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.trainable)

    # -- keys of the quantities, per sample (no @n suffix for a single sample)

    def _n(self, n: int) -> int | None:
        return n if self.batch else None

    @cached_property
    def _keys(self) -> dict[tuple[str, int | None, int, int], str]:
        """The keys of units' quantities made so far: (name, layer, index, sample) → key."""
        return {}

    def _unit_key(self, name: str, layer: int | None, j: int, n: int) -> str:
        found = self._keys.get((name, layer, j, n))
        if found is None:
            found = self._keys[(name, layer, j, n)] = key(name, layer, j, sample=self._n(n))
        return found

    def a(self, layer: int, j: int, n: int) -> str:
        """Output of unit j of ``layer``; layer 0 is the input x."""
        return self._unit_key("x", None, j, n) if layer == 0 else self._unit_key("a", layer, j, n)

    def z(self, layer: int, j: int, n: int) -> str:
        return self._unit_key("z", layer, j, n)

    def y(self, k: int, n: int) -> str:
        return self._unit_key("y", None, k, n)

    def delta(self, layer: int, j: int, n: int) -> str:
        return self._unit_key("delta", layer, j, n)

    def loss_key(self, n: int | None = None) -> str:
        return "L" if n is None or not self.batch else f"L@{n}"

    def sample_values(self, n: int) -> dict[sp.Symbol, sp.Rational]:
        """The inputs and targets of sample n as a symbol → number map."""
        s = self.spec.samples[n - 1]
        out = {symbol(self.a(0, i, n)): v for i, v in enumerate(s.inputs, 1)}
        out.update({symbol(self.y(k, n)): v for k, v in enumerate(s.targets, 1)})
        return out

    # -- local expressions

    def net_input(self, unit: Unit, n: int) -> sp.Expr:
        """z = Σ_i W_ji a_i + b_j, kept in written order (weights first, bias last)."""
        terms = [mul(symbol(w), symbol(self.a(unit.layer - 1, i, n))) for i, w in enumerate(unit.weights, 1)]
        if unit.bias is not None:
            terms.append(symbol(unit.bias))
        return add(*terms)

    def uses(self, param: str) -> tuple[tuple[Unit, int | None], ...]:
        """Where a parameter enters: (unit, input index) for a weight, (unit, None) for a bias."""
        return self._uses[param]

    @cached_property
    def _uses(self) -> dict[str, tuple[tuple[Unit, int | None], ...]]:
        found: dict[str, list[tuple[Unit, int | None]]] = {p.key: [] for p in self.params}
        for layer in self.units:
            for unit in layer:
                for i, w in enumerate(unit.weights, 1):
                    found[w].append((unit, i))
                if unit.bias is not None:
                    found[unit.bias].append((unit, None))
        return {k: tuple(v) for k, v in found.items()}

    def composed_loss(
        self, sample: int | None = None, local: Local | None = None, output: int | None = None
    ) -> sp.Expr:
        """L as one expression in the parameter symbols; or the share of one sample, or of
        one output of one sample.

        ``local(unit, sample, expr)`` may replace a unit's activation expression, e.g. by the
        piece of a piecewise activation that applies at the current parameters.
        """
        total = sp.Integer(0)
        term = self.loss.term
        for n in self.samples() if sample is None else (sample,):
            s = self.spec.samples[n - 1]
            outs = self.composed_outputs(s.inputs, n, local)
            for k, (y_val, out) in enumerate(zip(s.targets, outs, strict=True), 1):
                if output is None or k == output:
                    total += term.xreplace({losses.Y: y_val, losses.A: out})
        return self.loss_scale * total

    def composed_outputs(
        self, inputs: tuple[sp.Rational, ...], sample: int = 1, local: Local | None = None
    ) -> list[sp.Expr]:
        prev: list[sp.Expr] = list(inputs)
        for layer in self.units:
            act = self.activation(layer[0].layer)
            zs = []
            for unit in layer:
                z = sum((symbol(w) * a for w, a in zip(unit.weights, prev, strict=True)), sp.Integer(0))
                zs.append(z + symbol(unit.bias) if unit.bias is not None else z)
            if act.coupled:  # softmax: e^{z_k} / Σ_i e^{z_i}, every unit sharing the denominator
                total = sum((sp.exp(z) for z in zs), sp.Integer(0))
                prev = [sp.exp(z) / total for z in zs]
                continue
            prev = [
                (local(unit, sample, act.expr) if local else act.expr).xreplace({activations.Z: z})
                for unit, z in zip(layer, zs, strict=True)
            ]
        return prev


def sample_grad(net: Network, param: str, n: int) -> str:
    """Key of one sample's share of a gradient (the gradient itself for one sample)."""
    return f"dL@{n}/d{param}" if net.batch else grad(param)


def build(spec: NetworkSpec) -> Network:
    """The ordered symbolic graph of a validated spec."""
    frozen = set(spec.frozen)
    units: list[tuple[Unit, ...]] = []

    def trainable(k: str, kind: str) -> bool:
        return not ({k, "weights" if kind == "weight" else "biases"} & frozen)

    params = [Param(k, kind, l, value, trainable(k, kind)) for k, kind, l, value in parameters(spec)]
    for l, layer in enumerate(spec.layers, 1):
        layer_units = []
        for j, row in enumerate(layer.weights, 1):
            if layer.shared_bias is not None:
                bias = key("b", l)
            elif layer.biases is not None:
                bias = key("b", l, j)
            else:
                bias = None
            layer_units.append(Unit(l, j, tuple(key("W", l, j, i) for i in range(1, len(row) + 1)), bias))
        units.append(tuple(layer_units))
    return Network(spec, tuple(params), tuple(units))
