"""Weights left out of a spec are drawn reproducibly from init: and shown in the report."""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
import sympy as sp

from tracer.errors import TracerError
from tracer.evaluate.tracing import trace
from tracer.report.render import render
from tracer.spec.loader import load


def spec(init: dict, first: dict | None = None, second: dict | None = None):
    return load(
        {
            "inputs": ["0.5", "0.2"],
            "targets": ["1"],
            "init": init,
            "layers": [
                {"units": 3, "activation": "tanh", "biases": 0, **(first or {})},
                {"units": 1, "activation": "sigmoid", **(second or {})},
            ],
            "loss": "half_sse",
            "learning_rate": "0.1",
        }
    )


def by_hand(seed: int, sizes: tuple[int, ...], draw, decimals: int) -> list[list[list[sp.Rational]]]:
    """The draws done independently: Mersenne Twister, layer by layer, row by row, then rounded."""
    rng = random.Random(seed)
    q = Decimal(1).scaleb(-decimals)
    out = []
    for n_in, n_out in zip(sizes, sizes[1:], strict=False):
        rows = [[draw(rng, n_in, n_out) for _ in range(n_in)] for _ in range(n_out)]
        out.append(
            [[sp.Rational(str(Decimal(repr(x)).quantize(q, ROUND_HALF_EVEN))) for x in r] for r in rows]
        )
    return out


@pytest.mark.parametrize(
    ("init", "draw"),
    [
        (
            {"method": "uniform", "seed": 1, "low": "-0.5", "high": "0.5"},
            lambda r, i, o: r.uniform(-0.5, 0.5),
        ),
        ({"method": "normal", "seed": 2, "std": "0.1"}, lambda r, i, o: r.gauss(0.0, 0.1)),
        (
            {"method": "xavier", "seed": 3},
            lambda r, i, o: r.uniform(-math.sqrt(6 / (i + o)), math.sqrt(6 / (i + o))),
        ),
        ({"method": "he", "seed": 4, "decimals": 4}, lambda r, i, o: r.gauss(0.0, math.sqrt(2 / i))),
    ],
)
def test_every_method_draws_what_its_definition_says(init: dict, draw) -> None:
    s = spec(init)
    expected = by_hand(init["seed"], (2, 3, 1), draw, init.get("decimals", 2))
    assert [[list(r) for r in layer.weights] for layer in s.layers] == expected
    assert s.drawn == (1, 2)


def test_xavier_stays_within_its_bound() -> None:
    s = spec({"method": "xavier", "seed": 11, "decimals": 6})
    bound = math.sqrt(6 / (2 + 3))
    assert all(abs(float(w)) <= bound for row in s.layers[0].weights for w in row)


def test_giving_one_layer_does_not_change_what_another_draws() -> None:
    both = spec({"method": "uniform", "seed": 5})
    one = spec({"method": "uniform", "seed": 5}, second={"weights": [["1", "2", "3"]]})
    assert one.layers[0].weights == both.layers[0].weights
    assert one.layers[1].weights == ((1, 2, 3),) != both.layers[1].weights
    assert one.drawn == (1,)


def test_the_report_says_how_the_weights_were_drawn() -> None:
    tr = trace(spec({"method": "he", "seed": 3, "decimals": 3}))
    md = render(tr)
    assert "**Initial weights:** drawn from a normal distribution" in md and "seed 3" in md
    assert "rounded to 3 decimals (layers 1, 2)" in md
    assert "Initial weights" not in render(trace(load("sigmoid-222-bias")))
    assert "初始权重" in render(tr, lang="zh")


@pytest.mark.parametrize(
    ("init", "message"),
    [
        ({"seed": 1}, "init: missing required key 'method' (uniform, normal, xavier, he)"),
        (
            {"method": "magic"},
            "init.method: unknown init method 'magic'; allowed: uniform, normal, xavier, he",
        ),
        ({"method": "he", "low": 1}, "init.low: low applies to method uniform only, not to he"),
        ({"method": "uniform", "low": 1, "high": 1}, "init.high: expected high > low (1), got 1"),
        ({"method": "normal", "std": 0}, "init.std: expected a positive standard deviation, got 0"),
        ({"method": "normal", "seed": -1}, "init.seed: expected a whole number from 0 to 4294967295, got -1"),
        ({"method": "normal", "colour": 1}, "init.colour: unknown key 'colour'"),
    ],
)
def test_bad_init_is_one_clear_message(init: dict, message: str) -> None:
    with pytest.raises(TracerError) as err:
        spec(init)
    assert str(err.value).startswith(message)


def test_weights_are_required_without_init() -> None:
    with pytest.raises(
        TracerError, match=r"layers\[0\]: missing required key 'weights' \(or give init: to draw them\)"
    ):
        load(
            {
                "inputs": ["1"],
                "targets": ["1"],
                "layers": [{"units": 1, "activation": "tanh"}],
                "loss": "half_sse",
                "learning_rate": "0.1",
            }
        )
