"""The fast numeric path: many gradient-descent iterations without SymPy in the loop.

The derivation is done once, by SymPy, in the registries: each activation's f(z) and f′,
each loss term and its ∂/∂a. Here those expressions are compiled with ``lambdify`` to
NumPy and applied a layer at a time, all samples at once, in float64. The report's
detailed iterations use the exact / 50-digit path (:mod:`tracer.evaluate`); the iterations
after them use this one, and the tests compare the two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

from tracer import activations, losses
from tracer.network import Network
from tracer.notation import grad, partial


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))  # the largest exponent is 0: no overflow
    return e / e.sum(axis=1, keepdims=True)


SOFTMAX = "softmax"  # coupled: δ = a ⊙ (g − Σ_k g_k a_k), the Jacobian a_k(δ_kj − a_j) applied to g


@cache
def _activation(act: activations.Activation) -> tuple[Callable, Callable, bool] | None:
    """(f(z), f′(z, a), uses a) compiled to NumPy, for a layer's bound activation; softmax
    gets its own vector form; None when the expression still holds a free constant."""
    if act.coupled:
        return (_softmax, (lambda z, a: a), True) if act.name == SOFTMAX else None
    if act.expr.free_symbols - {activations.Z}:
        return None
    rule = activations.layer_rule(act)
    # The overflow-safe form where the registry has one (softplus = z + ln(1 + e^(−z)) for z > 0).
    f = sp.lambdify(activations.Z, act.stable if act.stable is not None else act.expr, "numpy")
    if rule.da is not None:
        g = sp.lambdify(activations.A, rule.da, "numpy")
        return f, (lambda z, a: g(a)), True
    dz = rule.dz if act.derivative_as is None else activations.get(act.derivative_as).expr
    h = sp.lambdify(activations.Z, dz, "numpy")
    return f, (lambda z, a: h(z) + 0 * z), False


@cache
def _loss(name: str) -> tuple[Callable, Callable]:
    rule = losses.rule(name)
    term = sp.lambdify((losses.Y, losses.A), rule.loss.term, "numpy")
    dterm = sp.lambdify((losses.Y, losses.A), rule.da, "numpy")
    return term, dterm


@dataclass(frozen=True)
class State:
    """One iteration's numbers, as arrays: rows are samples, columns units."""

    z: tuple[np.ndarray, ...]  # per layer, samples × units
    a: tuple[np.ndarray, ...]
    da_dz: tuple[np.ndarray, ...]
    dl_da: tuple[np.ndarray, ...]
    delta: tuple[np.ndarray, ...]
    loss: float
    shares: np.ndarray  # each sample's share of the loss
    gradients: np.ndarray  # per parameter, in the order of network.params (0 when frozen)


class Fast:
    """A network compiled for float64 training."""

    def __init__(self, net: Network, funcs: list[tuple[Callable, Callable, bool]]) -> None:
        self.net = net
        self.funcs = funcs
        self.coupled = [net.activation(l).coupled for l in range(1, net.depth + 1)]
        self.term, self.dterm = _loss(net.loss.name)
        self.x = np.array([[float(v) for v in s.inputs] for s in net.spec.samples])
        self.y = np.array([[float(v) for v in s.targets] for s in net.spec.samples])
        self.scale = float(net.loss_scale)
        self.eta = float(net.spec.learning_rate)
        self.index = {p.key: i for i, p in enumerate(net.params)}
        self.trainable = np.array([p.trainable for p in net.params])
        # Where each layer's weights and biases sit in the flat parameter vector.
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray | None] = []
        for layer in net.units:
            self.weights.append(np.array([[self.index[w] for w in u.weights] for u in layer]))
            bias = [u.bias for u in layer]
            self.biases.append(None if bias[0] is None else np.array([self.index[b] for b in bias]))

    def state(self, theta: np.ndarray) -> State:
        """Forward and backward pass of every sample at the parameters ``theta``."""
        zs, as_ = [], []
        prev = self.x
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            for l, (f, _df, _) in enumerate(self.funcs):
                z = prev @ theta[self.weights[l]].T
                if self.biases[l] is not None:
                    z = z + theta[self.biases[l]]
                a = np.broadcast_to(f(z), z.shape).astype(float)
                zs.append(z)
                as_.append(a)
                prev = a
            shares = self.scale * np.sum(self.term(self.y, prev), axis=1)
            dl_da: list[np.ndarray] = [np.empty(0)] * len(zs)
            da_dz: list[np.ndarray] = [np.empty(0)] * len(zs)
            deltas: list[np.ndarray] = [np.empty(0)] * len(zs)
            g = np.zeros(len(theta))
            upstream = self.scale * np.broadcast_to(self.dterm(self.y, prev), prev.shape)
            for l in range(len(zs) - 1, -1, -1):
                dl_da[l] = upstream
                if self.coupled[l]:  # softmax: the diagonal a(1 − a) is shown; δ uses the whole Jacobian
                    a = as_[l]
                    da_dz[l] = a * (1 - a)
                    deltas[l] = a * (upstream - np.sum(upstream * a, axis=1, keepdims=True))
                else:
                    da_dz[l] = np.broadcast_to(self.funcs[l][1](zs[l], as_[l]), zs[l].shape).astype(float)
                    deltas[l] = upstream * da_dz[l]
                below = self.x if l == 0 else as_[l - 1]
                np.add.at(g, self.weights[l], deltas[l].T @ below)
                if self.biases[l] is not None:
                    np.add.at(g, self.biases[l], deltas[l].sum(axis=0))
                upstream = deltas[l] @ theta[self.weights[l]]
        g[~self.trainable] = 0.0
        loss = float(shares.sum())
        return State(tuple(zs), tuple(as_), tuple(da_dz), tuple(dl_da), tuple(deltas), loss, shares, g)

    def step(self, theta: np.ndarray, state: State) -> np.ndarray:
        return theta - self.eta * state.gradients

    def theta(self, params: Mapping[str, object]) -> np.ndarray:
        return np.array([float(params[p.key]) for p in self.net.params])  # type: ignore[arg-type]


def compile_network(net: Network) -> Fast | None:
    """The fast path for ``net``, or None when an activation couples units (e.g. softmax)."""
    funcs = []
    for l in range(1, net.depth + 1):
        found = _activation(net.activation(l))
        if found is None:
            return None
        funcs.append(found)
    return Fast(net, funcs)


class Values(Mapping[str, float]):
    """An iteration's values by canonical key. Only the parameters and the loss are kept;
    the rest is recomputed from them when first asked for (a 100 000-iteration run keeps
    a few megabytes, not every unit's numbers of every iteration)."""

    def __init__(self, fast: Fast, theta: np.ndarray, loss: float, updated: np.ndarray) -> None:
        self._parts = (fast, theta, updated)
        self._loss = loss
        self._table: dict[str, float] | None = None

    def _build(self) -> dict[str, float]:
        fast, theta, new = self._parts
        s = fast.state(theta)
        net = fast.net
        out: dict[str, float] = {p.key: float(theta[i]) for i, p in enumerate(net.params)}
        out["L"] = s.loss
        out["eta"] = fast.eta
        for n in net.samples():
            for key_, value in net.sample_values(n).items():
                out[key_.name] = float(value)
            if net.batch:
                out[net.loss_key(n)] = float(s.shares[n - 1])
            for l in range(1, net.depth + 1):
                for j in range(1, net.sizes[l] + 1):
                    zk, ak = net.z(l, j, n), net.a(l, j, n)
                    out[zk] = float(s.z[l - 1][n - 1, j - 1])
                    out[ak] = float(s.a[l - 1][n - 1, j - 1])
                    out[grad(ak)] = float(s.dl_da[l - 1][n - 1, j - 1])
                    out[partial(ak, zk)] = float(s.da_dz[l - 1][n - 1, j - 1])
                    out[net.delta(l, j, n)] = float(s.delta[l - 1][n - 1, j - 1])
        for i, p in enumerate(net.params):
            if p.trainable:
                out[grad(p.key)] = float(s.gradients[i])
                out[p.key + "+"] = float(new[i])
        return out

    def _get(self) -> dict[str, float]:
        if self._table is None:
            self._table = self._build()
        return self._table

    def __getitem__(self, key: str) -> float:
        if key == "L":
            return self._loss
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())
