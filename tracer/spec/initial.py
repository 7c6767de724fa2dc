"""Initial weights drawn from a seed, for a spec that gives a layer no ``weights``.

``init: {method: uniform | normal | xavier | he, seed: S, low, high, std, decimals}``.
Draws come from Python's ``random.Random(seed)`` (Mersenne Twister, the same numbers on
every machine and every supported Python), in a fixed order: layer by layer, row by row.
Each draw is rounded to ``decimals`` places and kept as an exact fraction, so the report
can show it and every later step is exact again.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import sympy as sp

from tracer.spec.reading import Reader, decimal

METHODS = ("uniform", "normal", "xavier", "he")
KEYS = ("method", "seed", "low", "high", "std", "decimals")


@dataclass(frozen=True)
class Init:
    method: str = "uniform"
    seed: int = 0
    low: sp.Rational = sp.Integer(-1)  # uniform only
    high: sp.Rational = sp.Integer(1)
    std: sp.Rational = sp.Integer(1)  # normal only
    decimals: int = 2

    def describe(self) -> str:
        """How the weights were drawn, in words for the report."""
        if self.method == "uniform":
            shape = f"uniform on [{self.low}, {self.high}]"
        elif self.method == "normal":
            shape = f"normal with mean 0 and standard deviation {self.std}"
        elif self.method == "xavier":
            shape = "uniform on [−√(6/(n_in + n_out)), √(6/(n_in + n_out))] (Xavier/Glorot)"
        else:
            shape = "normal with standard deviation √(2/n_in) (He)"
        return f"{shape}, seed {self.seed}, rounded to {self.decimals} decimals"


def read(r: Reader, value: object) -> Init:
    """The ``init:`` mapping of a spec, checked (errors name ``init.<key>`` and its line)."""
    m = r.mapping(value, ("init",), KEYS)
    if "method" not in m:
        raise r.fail(("init",), f"missing required key 'method' ({', '.join(METHODS)})")
    method = r.choice(m["method"], ("init", "method"), METHODS, "init method")
    for key, applies in (("low", "uniform"), ("high", "uniform"), ("std", "normal")):
        if key in m and method != applies:
            raise r.fail(("init", key), f"{key} applies to method {applies} only, not to {method}")
    seed = r.integer(m.get("seed", 0), ("init", "seed"), 0, 2**32 - 1)
    decimals = r.integer(m.get("decimals", 2), ("init", "decimals"), 0, 8)
    low = r.number(m.get("low", -1), ("init", "low"))
    high = r.number(m.get("high", 1), ("init", "high"))
    if not low < high:
        raise r.fail(("init", "high"), f"expected high > low ({decimal(low)}), got {decimal(high)}")
    std = r.number(m.get("std", 1), ("init", "std"))
    if std <= 0:
        raise r.fail(("init", "std"), f"expected a positive standard deviation, got {decimal(std)}")
    return Init(method, seed, low, high, std, decimals)


def draw(init: Init, sizes: tuple[int, ...], layers: tuple[int, ...]) -> dict[int, tuple]:
    """Weight matrices for the layers (1-based) listed in ``layers``; others draw nothing.

    The generator advances through every layer in order either way, so giving the weights
    of one layer does not change what another layer draws.
    """
    rng = random.Random(init.seed)
    out: dict[int, tuple] = {}
    for l in range(1, len(sizes)):
        n_in, n_out = sizes[l - 1], sizes[l]
        rows = tuple(tuple(_one(init, rng, n_in, n_out) for _ in range(n_in)) for _ in range(n_out))
        if l in layers:
            out[l] = rows
    return out


def _one(init: Init, rng: random.Random, n_in: int, n_out: int) -> sp.Rational:
    if init.method == "uniform":
        x = rng.uniform(float(init.low), float(init.high))
    elif init.method == "normal":
        x = rng.gauss(0.0, float(init.std))
    elif init.method == "xavier":
        bound = math.sqrt(6 / (n_in + n_out))
        x = rng.uniform(-bound, bound)
    else:
        x = rng.gauss(0.0, math.sqrt(2 / n_in))
    rounded = Decimal(repr(x)).quantize(Decimal(1).scaleb(-init.decimals), rounding=ROUND_HALF_EVEN)
    return sp.Rational(str(rounded))
