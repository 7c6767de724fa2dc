"""The format-agnostic result: the derivation, its numbers per iteration, and its checks.

:func:`trace` is the pipeline spec → network → derivation → numbers → checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, overload

import sympy as sp

from tracer.derive import steps as derive
from tracer.derive.network import Network, build
from tracer.errors import TracerError
from tracer.evaluate import exact as evaluate
from tracer.evaluate.gcpause import paused
from tracer.evaluate.selfcheck import Check, self_check
from tracer.evaluate.workers import Background
from tracer.notation import grad
from tracer.spec.model import NetworkSpec

if TYPE_CHECKING:  # the fast path (and NumPy) is imported by runs that need it
    import numpy as np

    from tracer.evaluate import fastpath


@dataclass(frozen=True)
class Iteration:
    index: int  # 1-based
    params: Mapping[str, sp.Expr | float]  # parameter values used in this iteration's forward pass
    values: Mapping[str, sp.Expr | float]  # every quantity computed in this iteration
    updated: Mapping[str, sp.Expr | float]  # parameter values after this iteration's update
    exact: bool = True  # computed by the exact / 50-digit path (False: the float64 fast path)

    @property
    def loss(self) -> sp.Expr | float:
        return self.values["L"]


@dataclass(frozen=True)
class Stop:
    """A run that ended early: how many iterations were asked for, and why it could not go on."""

    requested: int
    #: "overflow": the loss after the last update is beyond a double's range (a diverging run);
    #: "budget": float64 could not go on and the rest was too much work to compute exactly.
    reason: str


@dataclass(frozen=True)
class Trace:
    network: Network
    iterations: Sequence[Iteration]  # see Iterations
    final_loss: sp.Expr  # the loss after the last update
    checked: Check | Background[Check]  # see check
    stop: Stop | None = None  # why a run ended before the iterations asked for; None if it did not

    @property
    def check(self) -> Check:
        """The self-check of the gradients (of a large network, computed by a forked copy of the
        process while the report is derived: waited for here)."""
        checked = self.checked
        return checked.result() if isinstance(checked, Background) else checked

    @cached_property
    def steps(self) -> tuple[derive.Step, ...]:
        """The symbolic derivation of one iteration (built on first use: JSON needs none)."""
        return derive.steps(self.network)

    @property
    def spec(self) -> NetworkSpec:
        return self.network.spec

    @property
    def trained(self) -> bool:
        """Whether a report has a training part: more than one iteration, or a run that stopped."""
        return len(self.iterations) > 1 or self.stop is not None

    @property
    def first(self) -> Iteration:
        return self.iterations[0]

    def gradients(self, iteration: Iteration) -> dict[str, sp.Expr]:
        return {p.key: iteration.values[grad(p.key)] for p in self.network.trainable}


@paused
def trace(
    spec: NetworkSpec,
    check: bool = True,
    detail: tuple[int, ...] = (1,),
    iterations: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Trace:
    """Derive, evaluate every iteration of ``spec`` and check the gradients.

    Iterations up to the last one in ``detail`` are computed exactly (rationals, or 50
    significant digits), so the report can show any of them step by step; the rest take
    the float64 fast path (:mod:`tracer.evaluate.fastpath`), which keeps every loss and the
    parameters of the checkpoints only. A batch too large for the exact path (more than
    :data:`EXACT_LIMIT` samples × (parameters + units)) takes the fast path from iteration 1,
    and its gradients are not self-checked (the check compares exact values to 25 digits).
    ``iterations`` overrides the spec's; ``progress(done, total)`` is called as iterations
    finish (the CLI draws a bar with it).
    """
    net = build(spec)
    total = iterations if iterations is not None else spec.iterations
    exact_until = min(max(detail, default=1), total)
    if net.n_samples * (len(net.params) + sum(net.sizes[1:])) > EXACT_LIMIT:
        exact_until = 0
    params: Mapping = {p.key: p.value for p in net.params}
    exact: list[Iteration] = []
    fast = None
    if total > exact_until:
        from tracer.evaluate import fastpath  # NumPy loads only for runs past the exact iterations

        fast = fastpath.compile_network(net)
    for index in range(1, total + 1):
        if index > exact_until and fast is not None:
            break
        values = _evaluated(net, params, index, total)
        new = evaluate.step(net, params, values)
        exact.append(Iteration(index, params, values, new))
        params = new
        if progress is not None:
            progress(index, total)
    its = Iterations(exact)
    stop = end = None
    if len(exact) < total:
        assert fast is not None
        its = _fast_iterations(fast, exact, params, total, progress)
        if len(its) < total:  # float64 overflowed: go on exactly, if that is not too much work
            its, stop, end = _exact_tail(net, its, total, progress)
    last = its[-1]
    if end is not None:  # the loss that stopped the exact tail: already computed
        final = end
    elif last.exact:
        final = evaluate.forward(net, dict(last.updated), backward=False)["L"]
    else:
        assert fast is not None
        final = fast.state(fast.theta(last.updated)).loss
    result: Check | Background[Check]
    if not check:
        result = Check.skipped()
    elif not exact:
        result = Check(TOO_LARGE, TOO_LARGE)
    else:
        args = (net, exact[0].params, exact[0].values)
        large = net.n_samples * len(net.trainable) >= BACKGROUND_CHECK
        result = Background(self_check, *args) if large else self_check(*args)
    return Trace(net, its, final, result, stop)


def _evaluated(net: Network, params: Mapping, index: int, total: int) -> evaluate.Values:
    """One iteration's values; a step that is not a real number is named with its iteration."""
    try:
        return evaluate.forward(net, params)
    except evaluate.Undefined as err:
        if total == 1:
            raise
        raise evaluate.Undefined(err.problem, f"iteration {index}, {err.where}") from None


def _exact_tail(
    net: Network, its: Iterations, total: int, progress: Callable[[int, int], None] | None
) -> tuple[Iterations, Stop | None, sp.Expr | None]:
    """The iterations after those float64 could compute, on the exact path from the last
    parameters it left (doubles, taken exactly): a saturated unit whose ln(1 − a) underflowed
    in float64 goes on; a loss beyond a double's range even when exact stops the run there.
    Also returns that loss (the final loss, computed once), or None."""
    done = len(its)
    work = (total - done) * net.n_samples * (len(net.params) + sum(net.sizes[1:]))
    if work > TAIL_LIMIT:
        return its, Stop(total, "budget"), None
    last = its[-1].updated
    params = {k: sp.Rational(v) if isinstance(v, float) else v for k, v in last.items()}
    tail: list[Iteration] = []
    for index in range(done + 1, total + 1):
        values = _evaluated(net, params, index, total)
        if tail and abs(values["L"]) > DOUBLE_MAX:
            return its.extended(tail), Stop(total, "overflow"), values["L"]
        new = evaluate.step(net, params, values)
        tail.append(Iteration(index, params, values, new))
        params = new
        if progress is not None:
            progress(index, total)
    return its.extended(tail), None, None


def checkpoints(total: int) -> list[int]:
    """The iterations a summary shows: all of a short run; else 1, 2, 3, 5, 10, 20, 50, … and the last."""
    if total <= 20:
        return list(range(1, total + 1))
    marks = {1, total}
    step = 1
    while step <= total:
        marks |= {k * step for k in (1, 2, 5) if k * step <= total}
        step *= 10
    return sorted(marks | {3} if total >= 3 else marks)


#: Samples × (parameters + units) beyond which no iteration is computed exactly: the exact
#: path and its check cost about 0.1 ms per unit (a few seconds at the bound), and memory.
EXACT_LIMIT = 100_000
#: Work (iterations × samples × (parameters + units)) the exact path takes on after float64
#: overflowed (about 0.1 ms a unit: a few seconds at the bound).
TAIL_LIMIT = 50_000
#: Parameter-sample pairs from which the self-check runs in a forked copy of the process (when
#: the machine has two cores) while the report is derived: about 0.35 s at 8577 pairs.
BACKGROUND_CHECK = 2000
DOUBLE_MAX = sp.Float("1.7976931348623157e308")
#: The self-check's result when the first iteration took the fast path.
TOO_LARGE = f"skipped (more than {EXACT_LIMIT} sample × (parameter + unit) values: computed in float64)"

#: A fast run keeps the parameters of every iteration while they take at most this many
#: numbers (2 MB); beyond, those of the checkpoints and of the iterations after them.
KEEP_ALL = 250_000


class _Params(Mapping[str, float]):
    """Parameter values by key, read from a float64 vector."""

    def __init__(self, keys: dict[str, int], theta: np.ndarray) -> None:
        self._keys, self._theta = keys, theta

    def __getitem__(self, key: str) -> float:
        return float(self._theta[self._keys[key]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class _NotKept(Mapping[str, float]):
    """The values of a fast iteration that is not a checkpoint: its loss only."""

    def __init__(self, index: int, loss: float | None = None) -> None:
        self._index, self._loss = index, loss

    def __getitem__(self, key: str) -> float:
        if key == "L" and self._loss is not None:
            return self._loss
        raise KeyError(f"{key}: iteration {self._index} keeps its loss only (full values at the checkpoints)")

    def __iter__(self) -> Iterator[str]:
        return iter(() if self._loss is None else ("L",))

    def __len__(self) -> int:
        return 0 if self._loss is None else 1


class Iterations(Sequence[Iteration]):
    """Every iteration of a run: the exactly computed ones as they are; of the fast ones the
    loss, and the full values (recomputed when first asked for, by each Iteration made) at
    the iterations whose parameters were kept."""

    def __init__(
        self,
        exact: list[Iteration],
        fast: fastpath.Fast | None = None,
        run: fastpath.Run | None = None,
        tail: list[Iteration] | None = None,
    ) -> None:
        self._exact, self._fast, self._run = exact, fast, run
        self._tail = tail or []  # exactly computed again after the fast run (float64 overflowed)
        self._keys = {} if fast is None else {p.key: i for i, p in enumerate(fast.net.params)}

    def extended(self, tail: list[Iteration]) -> Iterations:
        """These iterations and then ``tail``."""
        return Iterations(self._exact, self._fast, self._run, self._tail + tail)

    @property
    def tail_start(self) -> int | None:
        """The first iteration (1-based) computed exactly again after float64 could not go on."""
        return len(self) - len(self._tail) + 1 if self._tail else None

    def _fast_count(self) -> int:
        return 0 if self._run is None else len(self._run.losses)

    def __len__(self) -> int:
        return len(self._exact) + self._fast_count() + len(self._tail)

    @overload
    def __getitem__(self, i: int) -> Iteration: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Iteration]: ...

    def __getitem__(self, i: int | slice) -> Iteration | Sequence[Iteration]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i < len(self._exact):
            return self._exact[i]
        if i >= len(self._exact) + self._fast_count():
            return self._tail[i - len(self._exact) - self._fast_count()]
        return self._make(i)  # not kept: a checkpoint's values of a large batch take megabytes

    def _make(self, i: int) -> Iteration:
        assert self._fast is not None and self._run is not None
        k = i - len(self._exact)  # the run's own count, from 0
        loss = float(self._run.losses[k])
        theta = self._run.parameters(k)
        new = self._run.parameters(k + 1)
        if theta is None or new is None:  # only the loss; not kept: the dictionary would be empty
            return Iteration(i + 1, _NotKept(i + 1), _NotKept(i + 1, loss), _NotKept(i + 1), exact=False)

        from tracer.evaluate.fastpath import Values  # as in trace: NumPy only for fast-path runs

        values = Values(self._fast, theta, loss, new)
        return Iteration(i + 1, _Params(self._keys, theta), values, _Params(self._keys, new), exact=False)


def _fast_iterations(
    fast: fastpath.Fast,
    exact: list[Iteration],
    params: Mapping,
    total: int,
    progress: Callable[[int, int], None] | None = None,
) -> Iterations:
    """The iterations after the exact ones on the fast path, from ``params``, keeping the
    checkpoints' parameters."""
    first = len(exact) + 1
    count = total - len(exact)
    if count * len(fast.net.params) <= KEEP_ALL:
        keep = frozenset(range(count))
    else:
        keep = frozenset(k - first for m in checkpoints(total) for k in (m, m + 1) if first <= k <= total)
    report = None if progress is None else (lambda done: progress(first - 1 + done, total))
    run = fast.train(fast.theta(params), count, keep, report)
    finite = run.finite_count()
    if finite == count:
        return Iterations(exact, fast, run)
    if finite:  # diverged: run again up to where it overflowed, keeping that run's checkpoints
        return _fast_iterations(fast, exact, params, len(exact) + finite)
    if not exact:
        raise TracerError(
            "the first update takes the loss beyond the range of float64 (±1.8e308), and the batch "
            "is too large to compute exactly; try a smaller learning rate or smaller inputs",
            "iteration 1",
        )
    return Iterations(exact)
