"""The ``vary:`` section of a spec: which numbers ``tracer variants`` redraws, and how.

```yaml
vary:
  decimals: 2                               # default step 0.01: "nice" numbers
  weights: {low: -1, high: 1, step: 0.05}   # every weight; W2: {...} for layer 2 only
  biases: {spread: 0.5}                     # the spec's value ± 0.5
  inputs: {values: [0, 0.5, 1]}             # one of these
  targets: false                            # keep the spec's
  learning_rate: {values: [0.1, 0.5]}
  ask: [forward, loss, deltas, gradients, updates]
  constraints: {distinct: true, dead_relu: false, saturated: false, zero_weight: false,
                min_gradient: 1e-4, same_difficulty: true, saturation: 4, tries: 1000}
```

A range draws a multiple of ``step`` (default 10^-decimals) between ``low`` and ``high`` (with
``spread``: the spec's value ± spread); ``values`` draws one of a list; ``false`` keeps the
spec's number. Defaults: weights and biases the spec's value ± 0.5, inputs ± 0.5 keeping their
sign, targets and learning rate as in the spec. Every error names ``vary.<key>`` and its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from tracer.functions import losses
from tracer.spec.reading import Reader, decimal, kind

GROUPS = ("inputs", "targets", "weights", "biases", "learning_rate")
ASKABLE = ("forward", "loss", "deltas", "gradients", "updates", "loss_after")
DEFAULT_ASK = ("forward", "loss", "deltas", "gradients", "updates")
CONSTRAINT_KEYS = (
    "distinct",
    "dead_relu",
    "saturated",
    "zero_weight",
    "min_gradient",
    "same_difficulty",
    "saturation",
    "tries",
)
RANGE_KEYS = ("low", "high", "step", "spread", "values")
KEYS = ("decimals", *GROUPS, "ask", "constraints")
_LAYER_GROUP = re.compile(r"^(W|b)([1-9][0-9]?)$")
MAX_TRIES = 100_000


@dataclass(frozen=True)
class Range:
    """How one group of numbers is drawn; ``None`` fields take the defaults of :data:`DEFAULTS`."""

    low: sp.Rational | None = None
    high: sp.Rational | None = None
    step: sp.Rational | None = None
    spread: sp.Rational | None = None
    values: tuple[sp.Rational, ...] | None = None
    keep_sign: bool = False  # a spread around a value never crosses zero (the inputs' default)

    def grid(self, around: sp.Rational, step: sp.Rational) -> tuple[sp.Rational, int]:
        """(first, count): the choices are first + i·step for i in 0 … count − 1."""
        if self.values is not None:
            raise ValueError("a list of values has no grid")
        low, high = self.low, self.high
        if low is None or high is None:
            spread = self.spread if self.spread is not None else sp.Rational(1, 2)
            low, high = around - spread, around + spread
            if self.keep_sign:
                low, high = (max(low, 0), high) if around >= 0 else (low, min(high, 0))
        step = self.step or step
        first = sp.ceiling(low / step)
        last = sp.floor(high / step)
        return first * step, int(last - first) + 1


@dataclass(frozen=True)
class Constraints:
    distinct: bool = True  # no two variants draw the same numbers
    dead_relu: bool = False  # allow a ReLU unit with z <= 0
    saturated: bool = False  # allow a sigmoid with |z| > saturation (tanh: saturation / 2)
    zero_weight: bool = False  # allow a drawn weight of exactly 0
    min_gradient: sp.Rational = sp.Rational(1, 10**4)  # smallest |dL/dw| allowed
    same_difficulty: bool = True  # the same quantities exactly 0 (inactive units …) as variant 1
    saturation: sp.Rational = sp.Integer(4)
    tries: int = 1000  # draws per variant before giving up


@dataclass(frozen=True)
class Vary:
    decimals: int = 2
    groups: tuple[tuple[str, Range | None], ...] = ()  # (group, range or None = keep), as given
    ask: tuple[str, ...] = DEFAULT_ASK
    constraints: Constraints = Constraints()

    @property
    def step(self) -> sp.Rational:
        return sp.Rational(1, 10**self.decimals)

    def range_of(self, group: str, layer: int | None = None) -> Range | None:
        """The range for a number of ``group`` (in ``layer``): a layer's own entry first."""
        table = dict(self.groups)
        if layer is not None:
            own = {"weights": "W", "biases": "b"}.get(group, "") + str(layer)
            if own in table:
                return table[own]
        return table.get(group, DEFAULTS[group])


DEFAULTS: dict[str, Range | None] = {
    "inputs": Range(keep_sign=True),
    "targets": None,
    "weights": Range(),
    "biases": Range(),
    "learning_rate": None,
}


def read(r: Reader, value: object, loss: str, depth: int) -> Vary:
    """The ``vary:`` mapping of a spec whose loss is ``loss`` and which has ``depth`` layers."""
    where = ("vary",)
    if value is None:
        return Vary()
    m = r.mapping(value, where, (*KEYS, *(f"{p}{l}" for l in range(1, depth + 1) for p in "Wb")))
    for k in m:
        found = _LAYER_GROUP.match(str(k))
        if found and not 1 <= int(found[2]) <= depth:
            raise r.fail((*where, k), f"no layer {found[2]}; layers count from 1 to {depth}")
    decimals = r.integer(m.get("decimals", 2), (*where, "decimals"), 0, 6)
    groups = []
    for k, v in m.items():
        if k in GROUPS or _LAYER_GROUP.match(str(k)):
            groups.append((k, _range(r, v, (*where, k))))
    entry = losses.get(loss)
    for k, rng in groups:
        if k == "targets" and rng is not None:
            if entry.distribution:
                raise r.fail((*where, k), f"targets of loss {loss} are classes; they cannot be varied")
            if entry.unit_interval and not _inside(rng, 0, 1):
                raise r.fail(
                    (*where, k), f"loss {loss} needs targets from 0 to 1: give low and high in [0, 1]"
                )
        if k == "learning_rate" and rng is not None and not _inside(rng, 0, None):
            raise r.fail((*where, k), "the learning rate must stay >= 0: give low >= 0")
    ask = _ask(r, m.get("ask", list(DEFAULT_ASK)), (*where, "ask"))
    constraints = _constraints(r, m.get("constraints", {}), (*where, "constraints"))
    return Vary(decimals, tuple(groups), ask, constraints)


def _inside(rng: Range, low: int, high: int | None) -> bool:
    values = rng.values or ()
    ends = [v for v in (rng.low, rng.high, *values) if v is not None]
    if rng.values is None and (rng.low is None or rng.high is None):
        return False  # a spread around the spec's value is not known to stay inside
    return all(v >= low and (high is None or v <= high) for v in ends)


def _range(r: Reader, value: object, path: tuple) -> Range | None:
    if value is False:
        return None
    if value is True:
        return Range()
    m = r.mapping(value, path, RANGE_KEYS)
    if "values" in m:
        if len(m) > 1:
            raise r.fail(
                path, "values is a list of choices: give it alone, without low, high, step or spread"
            )
        items = m["values"]
        if not isinstance(items, list) or not items:
            raise r.fail((*path, "values"), "expected a non-empty list of numbers")
        return Range(values=r.numbers(items, (*path, "values")))
    if "spread" in m and ("low" in m or "high" in m):
        raise r.fail(path, "give either spread (around the spec's value) or low and high, not both")
    if ("low" in m) != ("high" in m):
        raise r.fail(path, "give both low and high (or spread, around the spec's value)")
    low = r.number(m["low"], (*path, "low")) if "low" in m else None
    high = r.number(m["high"], (*path, "high")) if "high" in m else None
    if low is not None and high is not None and not low <= high:
        raise r.fail((*path, "high"), f"expected high >= low ({decimal(low)}), got {decimal(high)}")
    step = r.number(m["step"], (*path, "step")) if "step" in m else None
    if step is not None and step <= 0:
        raise r.fail((*path, "step"), f"expected a step > 0, got {decimal(step)}")
    spread = r.number(m["spread"], (*path, "spread")) if "spread" in m else None
    if spread is not None and spread < 0:
        raise r.fail((*path, "spread"), f"expected a spread >= 0, got {decimal(spread)}")
    if (
        low is not None
        and high is not None
        and step is not None
        and sp.floor(high / step) < sp.ceiling(low / step)
    ):
        raise r.fail(
            path, f"no multiple of step {decimal(step)} lies between {decimal(low)} and {decimal(high)}"
        )
    return Range(low, high, step, spread)


def _ask(r: Reader, value: object, path: tuple) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise r.fail(path, f"expected a non-empty list of: {', '.join(ASKABLE)}")
    for i, item in enumerate(value):
        r.choice(item, (*path, i), ASKABLE, "quantity group")
    return tuple(a for a in ASKABLE if a in value)


def _constraints(r: Reader, value: object, path: tuple) -> Constraints:
    m = r.mapping(value, path, CONSTRAINT_KEYS)
    flags = {}
    for k in ("distinct", "dead_relu", "saturated", "zero_weight", "same_difficulty"):
        if k in m:
            if not isinstance(m[k], bool):
                raise r.fail((*path, k), f"expected true or false, got {_kind(m[k])}")
            flags[k] = m[k]
    base = Constraints()
    least = r.number(m.get("min_gradient", base.min_gradient), (*path, "min_gradient"))
    if least < 0:
        raise r.fail((*path, "min_gradient"), f"expected a number >= 0, got {decimal(least)}")
    bound = r.number(m.get("saturation", base.saturation), (*path, "saturation"))
    if bound <= 0:
        raise r.fail((*path, "saturation"), f"expected a bound > 0, got {decimal(bound)}")
    tries = r.integer(m.get("tries", base.tries), (*path, "tries"), 1, MAX_TRIES)
    return Constraints(**flags, min_gradient=least, saturation=bound, tries=tries)


def _kind(value: object) -> str:
    return kind(value)
