"""The fast numeric path: many gradient-descent iterations without SymPy in the loop.

The derivation is done once, by SymPy, in the registries: each activation's f(z) and f′,
each loss term and its ∂/∂a. Here those expressions are compiled to float64 code, in one
of two kernels that compute the same thing:

- **vector** (every network): NumPy, a layer at a time, all samples at once. Each layer's
  weights are one matrix, so the forward pass is Z = A·Wᵀ + b, the backward pass
  ∂L/∂W = δᵀ·A and ∂L/∂A = δ·W: matrix products, whatever the width of the layer.
- **scalar** (small networks, :mod:`tracer.evaluate.fastcode`): the same rules written out as
  straight-line Python on floats, one loop for the whole run; on a 2-2-2 network NumPy's
  cost per call would be most of the time.

The report's detailed iterations use the exact / 50-digit path (:mod:`tracer.evaluate.exact`);
the iterations after them use this one, and the tests compare both kernels with it and
with an independent oracle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tracer.derive.network import Network
from tracer.evaluate import fastcode
from tracer.evaluate.fastmath import LayerMath, layer_math, loss_functions
from tracer.notation import grad, partial

#: Networks up to this many samples × (parameters + units) take the scalar kernel.
SCALAR_LIMIT = 400


def _array(value: object, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` as a float64 array of ``shape`` (a lambdified constant comes back as a number)."""
    if isinstance(value, np.ndarray) and value.shape == shape and value.dtype == np.float64:
        return value
    return np.broadcast_to(np.asarray(value, dtype=float), shape).copy()


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


@dataclass(frozen=True)
class Run:
    """What :meth:`Fast.train` returns: every loss, the parameters where asked, the end."""

    losses: np.ndarray  # losses[k]: the loss of the forward pass of iteration k (0-based), before its update
    kept: dict[int, Sequence[float]]  # parameters at the start of the iterations asked for (0-based)
    final: np.ndarray  # the parameters after the last update
    kernel: str  # "scalar" or "vector"

    def finite_count(self) -> int:
        """How many iterations, from the first, end with parameters whose loss is a float64
        number: all of them, or fewer when the run overflowed (its loss or a parameter went
        beyond ±1.8e308, or became NaN) — the iteration before the first non-finite loss is
        left out too, as its update is what overflowed."""
        finite = np.isfinite(self.losses)
        if finite.all() and np.isfinite(self.final).all():
            return len(self.losses)
        first = len(self.losses) if finite.all() else int(np.argmin(finite))
        return max(0, first - 1)

    def parameters(self, k: int) -> np.ndarray | None:
        """The parameters at the start of iteration ``k`` (after the last one: ``final``), if kept."""
        if k == len(self.losses):
            return self.final
        found = self.kept.get(k)
        return None if found is None else np.asarray(found, dtype=float)


@dataclass(frozen=True)
class _Layer:
    """Where one layer's parameters sit in the flat vector, and which of them train."""

    math: LayerMath
    weights: slice  # weights of unit j from input i at start + j * inputs + i (row by row)
    shape: tuple[int, int]  # units, inputs
    bias: slice | None  # one per unit, or one shared (length 1); None when the layer has none
    w_mask: np.ndarray | None  # 1.0 where trainable; None when everything is
    b_mask: np.ndarray | None


class Fast:
    """A network compiled for float64 training."""

    def __init__(self, net: Network, maths: list[LayerMath]) -> None:
        self.net = net
        self.term, self.dterm = loss_functions(net.loss.name)
        self.x = np.array([[float(v) for v in s.inputs] for s in net.spec.samples])
        self.y = np.array([[float(v) for v in s.targets] for s in net.spec.samples])
        self.scale = float(net.loss_scale)
        self.eta = float(net.spec.learning_rate)
        self.trainable = np.array([p.trainable for p in net.params])
        self.layers = tuple(_layout(net, maths, self.trainable))
        size = net.n_samples * (len(net.params) + sum(net.sizes[1:]))
        self.scalar = fastcode.compile_kernel(self) if size <= SCALAR_LIMIT else None

    # -- parameters: one flat vector (the order of network.params) or one array per layer

    def theta(self, params: Mapping[str, object]) -> np.ndarray:
        return np.array([float(params[p.key]) for p in self.net.params])  # type: ignore[arg-type]

    def _split(self, theta: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        ws = [theta[layer.weights].reshape(layer.shape).copy() for layer in self.layers]
        bs = [None if layer.bias is None else theta[layer.bias].copy() for layer in self.layers]
        return ws, bs

    def _join(self, ws: list[np.ndarray], bs: list[np.ndarray | None]) -> np.ndarray:
        parts: list[np.ndarray] = []
        for w, b in zip(ws, bs, strict=True):
            parts.append(w.ravel())
            if b is not None:
                parts.append(b)
        return np.concatenate(parts)

    # -- one pass

    def _forward(self, ws: list, bs: list) -> tuple[list[np.ndarray], list[np.ndarray]]:
        zs, as_ = [], []
        prev = self.x
        for layer, w, b in zip(self.layers, ws, bs, strict=True):
            z = prev @ w.T
            if b is not None:
                z += b
            prev = _array(layer.math.f_np(z), z.shape)
            zs.append(z)
            as_.append(prev)
        return zs, as_

    def _local(self, l: int, z: np.ndarray, a: np.ndarray) -> np.ndarray | float:
        """∂a/∂z of layer ``l``: a number when the derivative is a constant, else an array that
        multiplies like one of floats (a case split between constants gives booleans)."""
        m = self.layers[l].math
        if m.d_np is None:
            return float(m.d)  # type: ignore[arg-type]
        return m.d_np(a if m.uses_a else z)

    def _delta(self, l: int, upstream: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        if self.layers[l].math.coupled:  # softmax: the whole Jacobian applied to ∂L/∂a
            return a * (upstream - np.sum(upstream * a, axis=1, keepdims=True))
        local = self._local(l, z, a)
        return upstream if isinstance(local, float) and local == 1.0 else upstream * local

    def _upstream(self, out: np.ndarray) -> np.ndarray:
        return self.scale * _array(self.dterm(self.y, out), out.shape)

    def state(self, theta: np.ndarray) -> State:
        """Forward and backward pass of every sample at the parameters ``theta``."""
        ws, bs = self._split(theta)
        with np.errstate(all="ignore"):
            zs, as_ = self._forward(ws, bs)
            shares = self.scale * np.sum(_array(self.term(self.y, as_[-1]), as_[-1].shape), axis=1)
            n = len(zs)
            dl_da, da_dz, deltas = [np.empty(0)] * n, [np.empty(0)] * n, [np.empty(0)] * n
            gws: list[np.ndarray] = [np.empty(0)] * n
            gbs: list[np.ndarray | None] = [None] * n
            upstream = self._upstream(as_[-1])
            for l in range(n - 1, -1, -1):
                layer, z, a = self.layers[l], zs[l], as_[l]
                dl_da[l] = upstream
                if layer.math.coupled:  # the report shows the diagonal a(1 − a)
                    da_dz[l] = a * (1 - a)
                else:
                    da_dz[l] = _array(self._local(l, z, a), z.shape)
                deltas[l] = self._delta(l, upstream, z, a)
                gws[l] = deltas[l].T @ (self.x if l == 0 else as_[l - 1])
                if layer.bias is not None:
                    gbs[l] = _bias_gradient(layer, deltas[l])
                upstream = deltas[l] @ ws[l]
        g = self._join(gws, gbs)
        g[~self.trainable] = 0.0
        loss = float(shares.sum())
        return State(tuple(zs), tuple(as_), tuple(da_dz), tuple(dl_da), tuple(deltas), loss, shares, g)

    def step(self, theta: np.ndarray, state: State) -> np.ndarray:
        return theta - self.eta * state.gradients

    # -- many iterations

    def train(
        self,
        theta: np.ndarray,
        iterations: int,
        keep: frozenset[int] = frozenset(),
        progress: Callable[[int], None] | None = None,
        kernel: str | None = None,
    ) -> Run:
        """``iterations`` full-batch gradient-descent steps from ``theta``.

        Returns every iteration's loss, the parameters at the start of the iterations in
        ``keep`` (0-based) and after the last update. ``progress(done)`` is called now and
        then; ``kernel`` forces "scalar" or "vector" (tests), else the scalar one is used
        where it compiled. A scalar run that overflows continues on the vector kernel from
        the iteration where it stopped (NumPy carries on with inf and NaN).
        """
        losses: list[float] = []
        kept: dict[int, Sequence[float]] = {}
        theta = np.asarray(theta, dtype=float)
        chunk = max(1, iterations // 100) if progress is not None else iterations
        use_scalar = kernel != "vector" and self.scalar is not None
        if kernel == "scalar" and self.scalar is None:
            raise ValueError("this network has no scalar kernel")
        done = 0
        while done < iterations:
            count = min(chunk, iterations - done)
            marks = frozenset(k - done for k in keep if done <= k < done + count)
            if use_scalar:
                assert self.scalar is not None
                part: dict[int, tuple[float, ...]] = {}
                ran, end = self.scalar(tuple(theta.tolist()), count, marks, losses, part)
                del losses[done + ran :]  # an iteration that overflowed half-way is done again
                kept.update(part if done == 0 else {done + k: v for k, v in part.items()})
                theta = np.array(end)
                if ran < count:
                    use_scalar = False
                    done += ran
                    continue
            else:
                theta = self._vector(theta, count, marks, losses, kept, done)
            done += count
            if progress is not None:
                progress(done)
        return Run(np.array(losses), kept, theta, "scalar" if use_scalar else "vector")

    def _vector(
        self, theta: np.ndarray, count: int, marks: frozenset[int], losses: list, kept: dict, offset: int
    ) -> np.ndarray:
        """The vector kernel's loop: the same pass as :meth:`state`, into arrays allocated once
        (a fresh array per step costs page faults that can double the time of a wide layer)."""
        ws, bs = self._split(theta)
        eta, x, n, rows = self.eta, self.x, len(self.layers), self.x.shape[0]
        zbuf = [np.empty((rows, layer.shape[0])) for layer in self.layers]
        upbuf = [np.empty((rows, layer.shape[0])) for layer in self.layers]
        gwbuf = [np.empty(layer.shape) for layer in self.layers]
        with np.errstate(all="ignore"):
            for i in range(count):
                if i in marks:
                    kept[offset + i] = self._join(ws, bs)
                as_ = []
                prev = x
                for l, layer in enumerate(self.layers):
                    z = np.matmul(prev, ws[l].T, out=zbuf[l])
                    if bs[l] is not None:
                        z += bs[l]
                    prev = _array(layer.math.f_np(z), z.shape)
                    as_.append(prev)
                losses.append(self.scale * float(np.sum(self.term(self.y, prev))))
                upstream = self._upstream(prev)
                for l in range(n - 1, -1, -1):
                    layer = self.layers[l]
                    if layer.math.coupled:
                        delta = self._delta(l, upstream, zbuf[l], as_[l])
                    else:
                        local = self._local(l, zbuf[l], as_[l])
                        one = isinstance(local, float) and local == 1.0
                        delta = upstream if one else np.multiply(upstream, local, out=upstream)
                    gw = np.matmul(delta.T, x if l == 0 else as_[l - 1], out=gwbuf[l])
                    gb = None if layer.bias is None else _bias_gradient(layer, delta)
                    if l:  # with the weights before this update
                        upstream = np.matmul(delta, ws[l], out=upbuf[l - 1])
                    if layer.w_mask is not None:
                        gw *= layer.w_mask
                    gw *= eta
                    ws[l] -= gw
                    if gb is not None:
                        if layer.b_mask is not None:
                            gb *= layer.b_mask
                        bs[l] -= eta * gb  # type: ignore[operator]
        return self._join(ws, bs)


def _bias_gradient(layer: _Layer, delta: np.ndarray) -> np.ndarray:
    """Σ over samples of δ per unit; a shared bias sums over the units as well."""
    assert layer.bias is not None
    per_unit = delta.sum(axis=0)
    return per_unit if layer.bias.stop - layer.bias.start == delta.shape[1] else per_unit.sum(keepdims=True)


def _layout(net: Network, maths: list[LayerMath], trainable: np.ndarray) -> list[_Layer]:
    """Each layer's place in network.params: its weights row by row, then its biases."""
    index = {p.key: i for i, p in enumerate(net.params)}
    out = []
    for units, math in zip(net.units, maths, strict=True):
        rows, cols = len(units), len(units[0].weights)
        start = index[units[0].weights[0]]
        w = slice(start, start + rows * cols)
        assert [index[k] for u in units for k in u.weights] == list(range(w.start, w.stop))
        keys = list(dict.fromkeys(u.bias for u in units if u.bias is not None))
        b = None if not keys else slice(index[keys[0]], index[keys[0]] + len(keys))
        if b is not None:
            assert [index[k] for k in keys] == list(range(b.start, b.stop))
        w_mask = None if trainable[w].all() else trainable[w].reshape(rows, cols).astype(float)
        b_mask = None if b is None or trainable[b].all() else trainable[b].astype(float)
        out.append(_Layer(math, w, (rows, cols), b, w_mask, b_mask))
    return out


def compile_network(net: Network) -> Fast | None:
    """The fast path for ``net``, or None when an activation cannot be compiled (a free constant)."""
    maths = []
    for l in range(1, net.depth + 1):
        found = layer_math(net.activation(l))
        if found is None:
            return None
        maths.append(found)
    return Fast(net, maths)


class Values(Mapping[str, float]):
    """An iteration's values by canonical key. Only the parameters and the loss are kept;
    the rest is recomputed from them when first asked for (a 100 000-iteration run keeps
    a few megabytes, not every unit's numbers of every iteration). The parameters' numbers
    (gradients, updates) are made apart from every sample's: a checkpoint of a 1000-sample
    run needs its 8577 gradients, not its 579 000 per-sample values."""

    def __init__(self, fast: Fast, theta: np.ndarray, loss: float, updated: np.ndarray) -> None:
        self._parts = (fast, theta, updated)
        self._loss = loss
        self._state: State | None = None
        self._own: tuple[dict[str, float], dict[str, float]] | None = None  # see _parameters
        self._samples: dict[str, float] | None = None
        self._table: dict[str, float] | None = None

    def state(self) -> State:
        """The iteration's numbers as arrays (computed once from its parameters)."""
        if self._state is None:
            fast, theta, _ = self._parts
            self._state = fast.state(theta)
        return self._state

    def _parameters(self) -> tuple[dict[str, float], dict[str, float]]:
        """(the parameters, L and η; each trainable parameter's gradient and update)."""
        if self._own is None:
            fast, theta, new = self._parts
            s = self.state()
            net = fast.net
            head: dict[str, float] = {p.key: float(theta[i]) for i, p in enumerate(net.params)}
            head["L"] = s.loss
            head["eta"] = fast.eta
            tail: dict[str, float] = {}
            for i, p in enumerate(net.params):
                if p.trainable:
                    tail[grad(p.key)] = float(s.gradients[i])
                    tail[p.key + "+"] = float(new[i])
            self._own = head, tail
        return self._own

    def _per_sample(self) -> dict[str, float]:
        """Every sample's inputs, targets, loss share and every unit's numbers."""
        if self._samples is None:
            s = self.state()
            net = self._parts[0].net
            out: dict[str, float] = {}
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
            self._samples = out
        return self._samples

    def _get(self) -> dict[str, float]:
        if self._table is None:
            head, tail = self._parameters()
            self._table = {**head, **self._per_sample(), **tail}
        return self._table

    def __getitem__(self, key: str) -> float:
        if key == "L":
            return self._loss
        head, tail = self._parameters()
        found = head.get(key, tail.get(key))
        return found if found is not None else self._per_sample()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())
