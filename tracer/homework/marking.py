"""Mark a student's answers: a verdict for every quantity, the first wrong step, the likely
mistake.

Verdicts:

- ``correct``: within the tolerance of the true value;
- ``carried``: wrong compared with the true value, but right when recomputed from the
  student's own earlier answers (:mod:`tracer.homework.recompute`, the same derivation graph), and
  downstream of an answer marked wrong: the earlier slip costs once. An answer is never
  ``carried`` on its own account: the first wrong answer of a chain is always ``wrong``,
  and a value is ``carried`` only when a quantity it depends on was marked wrong (or
  carried) — giving wrong intermediates cannot earn credit for themselves;
- ``wrong``: neither; the catalog (:mod:`tracer.homework.mistakes`) is tried on it;
- ``missing``: asked for (left blank in the answers file) and not answered.

Answers at later iterations are judged against correct training. When an iteration follows
an answered one, it starts from the student's own updated parameters where they gave them
(so a wrong update is carried into the next iteration, not charged again). When a later
iteration is wrong, every catalog mistake that can be made at every step of a training run
is tried, and those that reproduce all the later answers are named.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp

from tracer.derive.network import Network
from tracer.derive.steps import Step
from tracer.evaluate.tracing import Trace
from tracer.homework import mistakes, recompute
from tracer.homework.answers import Answer, Answers
from tracer.notation import updated
from tracer.spec.tolerance import Tolerance

#: Seconds the search for a mistake made at every iteration may take (estimated up front).
TRAINING_BUDGET = 8.0
#: Answered iterations up to this one are computed exactly (rationals / 50 digits); later
#: ones from the float64 fast path's parameters, at FLOAT_DIGITS digits.
EXACT_ITERATIONS = 10
FLOAT_DIGITS = 30  # precision of training runs evaluated at the fast path's iterations


@dataclass(frozen=True)
class Diagnosis:
    mistake: str  # a catalog id
    detail: Mapping[str, str]
    value: sp.Expr  # what the mistake gives


@dataclass(frozen=True)
class Mark:
    answer: Answer
    verdict: str  # correct | wrong | carried | missing
    expected: sp.Expr
    own: sp.Expr  # recomputed from the student's earlier answers
    fewer_digits: bool = False  # judged at the digits written, fewer than the rule asks
    because: tuple[str, ...] = ()  # carried: the answers marked wrong upstream (canonical keys)
    diagnoses: tuple[Diagnosis, ...] = ()

    @property
    def key(self) -> str:
        return self.answer.key

    @property
    def iteration(self) -> int:
        return self.answer.iteration


@dataclass(frozen=True)
class Training:
    """Mistakes made at every iteration that reproduce the later-iteration answers."""

    tried: bool
    found: tuple[str, ...] = ()  # catalog ids
    reason: str | None = None  # why not tried


@dataclass
class Marking:
    trace: Trace
    answers: Answers
    tolerance: Tolerance
    marks: list[Mark] = field(default_factory=list)
    own: dict[int, recompute.Own] = field(default_factory=dict)
    truth: dict[int, Mapping[str, sp.Expr]] = field(default_factory=dict)
    training: Training | None = None

    @property
    def first_wrong(self) -> Mark | None:
        return next((m for m in self.marks if m.verdict == "wrong"), None)

    def count(self, verdict: str) -> int:
        return sum(1 for m in self.marks if m.verdict == verdict)

    @property
    def score(self) -> dict[str, int | float]:
        asked = len(self.marks)
        credit = self.count("correct") + self.count("carried")
        return {
            "correct": self.count("correct"),
            "carried": self.count("carried"),
            "wrong": self.count("wrong"),
            "missing": self.count("missing"),
            "asked": asked,
            "score": round(credit / asked, 4) if asked else 1.0,
        }

    @property
    def all_right(self) -> bool:
        return self.count("wrong") == 0


class Graph:
    """Which quantities each quantity is computed from, read off the derivation's steps."""

    def __init__(self, trace: Trace) -> None:
        net = trace.network
        self.steps: dict[str, Step] = {s.key: s for s in trace.steps}
        self.parents: dict[str, set[str]] = {
            s.key: {sym.name for form in s.forms for sym in form.free_symbols} for s in trace.steps
        }
        self.parents["L+"] = {updated(p.key) for p in net.trainable}
        self._ancestors: dict[str, frozenset[str]] = {}
        self.order = {s.key: i for i, s in enumerate(trace.steps)}  # the report's order
        self.order["L+"] = len(self.order)

    def unanswered_before(self, key: str, answered: set[str]) -> list[str]:
        """Steps before ``key`` reached without passing an answered one, nearest first."""
        out: list[str] = []
        queue = [p for p in sorted(self.parents.get(key, ())) if p in self.steps]
        while queue:
            k = queue.pop(0)
            if k in answered or k in out:
                continue
            out.append(k)
            queue += [p for p in sorted(self.parents.get(k, ())) if p in self.steps]
        return out

    def ancestors(self, key: str) -> frozenset[str]:
        found = self._ancestors.get(key)
        if found is None:
            out: set[str] = set()
            stack = list(self.parents.get(key, ()))
            while stack:
                k = stack.pop()
                if k not in out:
                    out.add(k)
                    stack.extend(self.parents.get(k, ()))
            out.discard(key)  # δ is defined as ∂L/∂z: a step may name its own quantity
            found = self._ancestors[key] = frozenset(out)
        return found


def mark(trace: Trace, answers: Answers, tolerance: Tolerance, graph: Graph | None = None) -> Marking:
    """Every answer's verdict (in iteration and dependency order), with diagnoses."""
    net = trace.network
    graph = graph or Graph(trace)
    result = Marking(trace, answers, tolerance)
    chained: dict[str, sp.Expr] | None = None
    tainted: set[str] = set()
    previous = 0
    for n in answers.iterations():
        truth = true_values(trace, n)
        start = dict(chained) if chained is not None and previous == n - 1 else _params(trace, n)
        bad = set(tainted) if chained is not None and previous == n - 1 else set()
        mine = answers.of(n)
        given = {a.key: a.value for a in mine if a.value is not None}
        for key in [k for k in given if k in start]:  # parameters written for a later iteration
            start[key] = given[key]
        own, nxt = recompute.iteration(net, start, given)
        where = _Where(net, graph, tolerance, start, given, {a.key for a in mine})
        for a in sorted(mine, key=lambda a: graph.order.get(a.key, -1)):
            m = _judge(where, a, truth, own, bad)
            result.marks.append(m)
            if m.verdict in ("wrong", "carried"):
                bad.add(a.key)
        answered = {a.key for a in mine}
        tainted = {
            p.key
            for p in net.trainable
            if updated(p.key) in bad
            or updated(p.key) not in answered
            and graph.ancestors(updated(p.key)) & bad
        }
        result.own[n], result.truth[n] = own, truth
        chained, previous = nxt, n
    if any(m.iteration > 1 and m.verdict == "wrong" for m in result.marks):
        result.training = _training(trace, answers, tolerance)
    return result


@dataclass(frozen=True)
class _Where:
    """What judging one iteration's answers needs besides the answer."""

    net: Network
    graph: Graph
    tolerance: Tolerance
    start: Mapping[str, sp.Expr]  # the parameters the iteration started from
    given: Mapping[str, sp.Expr]  # the student's numbers of the iteration
    answered: set[str]


def _judge(
    w: _Where,
    a: Answer,
    truth: Mapping[str, sp.Expr],
    own: recompute.Own,
    bad: set[str],
) -> Mark:
    tolerance = w.tolerance
    expected = truth[a.key]
    mine = own.computed.get(a.key, expected)
    if a.missing:
        return Mark(a, "missing", expected, mine)
    if a.value is None:
        return Mark(a, "wrong", expected, mine)
    right, note = tolerance.judge(a.text or "", a.value, expected)
    fewer = note == "fewer"
    if right:
        return Mark(a, "correct", expected, mine, fewer)
    upstream = w.graph.ancestors(a.key) & bad
    if upstream:
        ok, _ = tolerance.judge(a.text or "", a.value, mine)
        if ok:
            roots = tuple(
                sorted(upstream, key=lambda k: list(own.computed).index(k) if k in own.computed else -1)
            )
            return Mark(a, "carried", expected, mine, fewer, roots)
    return Mark(a, "wrong", expected, mine, fewer, (), _diagnose(w, a, own))


#: Alternative values tried at unanswered steps before a wrong answer (each a recomputation).
MAX_UPSTREAM_TRIES = 40


def _diagnose(w: _Where, a: Answer, own: recompute.Own) -> tuple[Diagnosis, ...]:
    """The catalog mistakes that give the student's value: made at this step, or at a step
    before it that they did not write down (a bias left out of z shows in the a they wrote)."""
    if a.value is None:
        return ()
    found: dict[str, Diagnosis] = {}
    tries = 0
    for key in [a.key, *w.graph.unanswered_before(a.key, w.answered)]:
        step = w.graph.steps.get(key)
        if step is None:
            continue
        situation = mistakes.Situation(w.net, key, step, own, own.computed)
        for mistake, detail, value in mistakes.alternatives(situation):
            if mistake.id in found or not value.is_finite:
                continue
            if key != a.key:
                if tries >= MAX_UPSTREAM_TRIES:
                    continue
                tries += 1
                value = recompute.value_of(w.net, w.start, {**w.given, key: value}, a.key)
                if value is None or not value.is_finite:
                    continue
                detail = {**detail, "at": key}
            if w.tolerance.judge(a.text or "", a.value, value)[0]:
                found[mistake.id] = Diagnosis(mistake.id, detail, value)
    return tuple(found.values())


def true_values(trace: Trace, n: int) -> Mapping[str, sp.Expr]:
    """Every value of iteration ``n`` of correct training, with ``L+`` (the loss after it)."""
    it = trace.iterations[n - 1]
    if it.exact:
        after = trace.iterations[n].loss if n < len(trace.iterations) else trace.final_loss
        return {**it.values, "L+": after}
    own, _ = recompute.iteration(trace.network, _params(trace, n), {})
    return own.computed


def _params(trace: Trace, n: int) -> dict[str, sp.Expr]:
    it = trace.iterations[n - 1]
    if it.exact:
        return dict(it.params)
    return {k: sp.Float(float(v), FLOAT_DIGITS) for k, v in it.params.items()}


def _training(trace: Trace, answers: Answers, tolerance: Tolerance) -> Training:
    """The every-step mistakes whose training run reproduces every answer after iteration 1."""
    net = trace.network
    later = [a for a in answers.items if a.iteration > 1 and a.value is not None]
    last = max(a.iteration for a in later)
    alive = {m.id: m for m in mistakes.CATALOG if m.every_step is not None}
    start = {k: sp.Float(v, FLOAT_DIGITS) if not v.is_Integer else v for k, v in trace.first.params.items()}
    params = {mid: dict(start) for mid in alive}
    hooks = {mid: mistakes.hook(net, m) for mid, m in alive.items()}
    began = time.perf_counter()
    runs = 0  # mistake × iteration runs done, to estimate the cost of the next ones
    marks = sorted({a.iteration for a in later})
    for n in range(1, last + 1):
        for mid in list(alive):
            own, params[mid] = recompute.iteration(net, params[mid], {}, hooks[mid])
            runs += 1
            for a in (a for a in later if a.iteration == n):
                value = own.computed.get(a.key)
                if (
                    value is None
                    or not value.is_finite
                    or not tolerance.judge(a.text or "", a.value, value)[0]
                ):
                    del alive[mid]
                    break
        if not alive:
            break
        # Up to the next answered iteration every surviving run goes on: is that affordable?
        spent = time.perf_counter() - began
        upcoming = next(k for k in marks if k > n) if n < last else n
        if spent + spent / runs * len(alive) * (upcoming - n) > TRAINING_BUDGET:
            return Training(False, reason=f"{last} iterations × {len(alive)} mistakes")
    return Training(True, tuple(alive))
