"""Numerical edges that are mathematics, not errors: a learning rate of 0."""

from __future__ import annotations

from tracer import examples
from tracer.render import render
from tracer.spec import load
from tracer.trace import trace


def zero_rate(iterations: int = 1) -> dict:
    spec = examples.text("sigmoid-222-bias")
    import yaml

    data = yaml.safe_load(spec)
    data["learning_rate"] = 0
    data["iterations"] = iterations
    return data


def test_zero_learning_rate_keeps_every_parameter_and_says_so():
    t = trace(load(zero_rate()))
    it = t.first
    assert all(it.updated[p.key] == it.params[p.key] for p in t.network.trainable)
    assert t.final_loss == it.loss and t.check.numeric == "passed"
    text = render(t, "md")
    assert "The learning rate is 0: every parameter keeps its value" in text
    assert "did not change" in text


def test_zero_learning_rate_training_is_flat():
    t = trace(load(zero_rate(50)), check=False)
    losses = [float(i.loss) for i in t.iterations]
    # the float64 fast path after iteration 1 may differ from the exact value in the last bit
    assert max(losses) - min(losses) <= 1e-16 and abs(float(t.final_loss) - losses[0]) <= 1e-16
