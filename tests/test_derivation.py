"""The numbers a report shows come from the formulas it shows.

For every step of every built-in example, each symbolic form, with the trace's own
values put in, evaluates (at 60 digits, independently of tracer's compiled rules) to the
value the report prints. This ties the displayed derivation to the displayed numbers.
"""

from __future__ import annotations

import pytest
import sympy as sp

from tests.shared import Traces
from tracer.evaluate.tracing import trace
from tracer.functions import activations, losses
from tracer.functions.algebra import tidy
from tracer.notation import latex
from tracer.spec import examples
from tracer.spec.loader import load

#: The examples reported neuron by neuron: relu-deep (68 616 chain-rule steps) takes the matrix
#: view, whose numbers tests/test_matrix.py checks.
NAMES = [n for n in examples.names() if n != "relu-deep"]
TRACES = Traces(NAMES)  # each traced on first use, once per session


def _numeric(expr: sp.Expr, values: dict[str, sp.Expr]) -> sp.Expr:
    """Evaluate a displayed form: every symbol replaced by its value; display functions by their rule."""
    for name, act in activations.ACTIVATIONS.items():
        expr = expr.replace(sp.Function(f"act_{name}"), sp.Lambda(activations.Z, act.expr))
    expr = expr.doit()  # ∂/∂a of the loss share is taken before numbers go in
    return sp.N(expr.xreplace({s: values[s.name] for s in expr.free_symbols}), 60)


@pytest.mark.parametrize("name", NAMES)
def test_every_form_evaluates_to_the_shown_value(name: str) -> None:
    tr = TRACES[name]
    values = tr.first.values
    checked = 0
    for step in tr.steps:
        expected = values[step.key]
        for form in step.forms:
            got = _numeric(form, values)
            assert got.is_number, (step.key, form)
            assert abs(got - expected) <= sp.Float("1e-40") * max(1, abs(expected)), (
                step.key,
                form,
                got,
                expected,
            )
            checked += 1
    assert checked > 3 * len(tr.network.params)


@pytest.mark.parametrize("name", NAMES)
def test_every_shown_symbol_has_a_canonical_name(name: str) -> None:
    for step in TRACES[name].steps:
        latex(step.key)
        for form in step.forms:
            for s in form.free_symbols:
                assert latex(s.name)


def test_local_derivatives_are_sympys() -> None:
    """Each activation's rule is sympy.diff of its expression; the a-form is the same function."""
    for name, act in activations.ACTIVATIONS.items():
        rule = activations.rule(name)
        assert rule.dz == sp.diff(act.expr, activations.Z)
        if rule.da is not None:
            assert sp.simplify(rule.da.subs(activations.A, act.expr) - rule.dz) == 0
    assert activations.rule("sigmoid").da == tidy(activations.A * (1 - activations.A))
    assert activations.rule("tanh").da == 1 - activations.A**2
    assert activations.rule("relu").dz.subs(activations.Z, 0) == 0  # documented convention
    for name, loss in losses.LOSSES.items():
        assert sp.simplify(losses.rule(name).da - sp.diff(loss.term, losses.A)) == 0


def test_values_are_exact_where_the_arithmetic_is() -> None:
    tr = TRACES["relu-mean"]
    v = tr.first.values
    assert v["z1[1]"] == sp.Rational(27, 100)
    assert v["z1[3]"] == sp.Rational(-46, 100)
    assert v["a1[3]"] == 0 and v["a2[1]"] == sp.Rational(-1, 10)
    assert v["dL/dW2[1,3]"] == 0 and v["dL/dW1[3,1]"] == 0
    assert v["dL/db2[1]"] == sp.Rational(-3, 10)
    assert v["L"] == sp.Rational(9, 200)
    # A ReLU/linear network with a squared loss is piecewise polynomial: nothing may be a float.
    assert all(isinstance(x, sp.Rational) for x in v.values()), [k for k, x in v.items() if not x.is_Rational]
    assert all(x.is_Rational for x in tr.first.updated.values()) and tr.final_loss.is_Rational
    sig = TRACES["sigmoid-222-bias"].first.values
    assert sig["z1[1]"] == sp.Rational(101, 200)
    assert isinstance(sig["a1[1]"], sp.Float) and sig["a1[1]"]._prec >= 160  # at least 48 digits


def test_shared_bias_gradient_sums_over_the_units() -> None:
    spec = load(
        {
            "inputs": [1, 2],
            "targets": [0],
            "layers": [
                {
                    "units": 2,
                    "activation": "tanh",
                    "weights": [["0.1", "0.2"], ["-0.3", "0.4"]],
                    "biases": "0.5",
                },
                {"units": 1, "activation": "linear", "weights": [["0.7", "-0.6"]]},
            ],
            "loss": "sse",
            "learning_rate": "0.1",
        }
    )
    tr = trace(spec)
    v = tr.first.values
    assert [p.key for p in tr.network.params if p.kind == "bias"] == ["b1"]
    assert v["dL/db1"] == v["delta1[1]"] + v["delta1[2]"]
    assert tr.check.passed and tr.check.symbolic == "passed"


def test_frozen_parameters_keep_their_values() -> None:
    spec = load(
        {
            "inputs": [1],
            "targets": [1],
            "layers": [{"units": 1, "activation": "sigmoid", "weights": [["0.5"]], "biases": ["0.1"]}],
            "loss": "half_sse",
            "learning_rate": "1",
            "frozen": ["biases"],
        }
    )
    tr = trace(spec)
    assert [p.key for p in tr.network.trainable] == ["W1[1,1]"]
    assert tr.first.updated["b1[1]"] == sp.Rational(1, 10)
    assert tr.first.updated["W1[1,1]"] != sp.Rational(1, 2)


def test_batch_gradients_pass_the_symbolic_check_sample_by_sample() -> None:
    spec = load(
        {
            "samples": [
                {"inputs": ["0.02", "0.04"], "targets": ["0.5", "0.9"]},
                {"inputs": ["0.1", "0.2"], "targets": ["0.3", "0.6"]},
                {"inputs": ["0.5", "-0.3"], "targets": ["0.1", "0.8"]},
            ],
            "layers": [
                {
                    "units": 2,
                    "activation": "sigmoid",
                    "weights": [["0.05", "0.1"], ["0.15", "0.2"]],
                    "biases": ["0.5", "0.5"],
                },
                {
                    "units": 2,
                    "activation": "tanh",
                    "weights": [["0.25", "0.3"], ["0.35", "0.4"]],
                    "biases": ["0.9", "0.9"],
                },
            ],
            "loss": "mse",
            "learning_rate": "0.5",
        }
    )
    tr = trace(spec)
    assert tr.check.symbolic == "passed" and tr.check.numeric == "passed"


def test_a_wrong_local_derivative_fails_both_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The self-check is not a rubber stamp: sabotage σ′ (doubled) and both checks fail."""
    right = activations.rule("sigmoid")
    wrong = right.__class__(
        right.activation,
        2 * right.dz,
        2 * right.da,
        right.f,
        lambda z, a: 2 * right.df(z, a),
    )
    real_rule = activations.rule
    monkeypatch.setattr(activations, "rule", lambda name: wrong if name == "sigmoid" else real_rule(name))
    tr = trace(examples.load("sigmoid-222-bias"))
    assert tr.check.symbolic == "failed"
    assert tr.check.numeric == "failed"
    assert not tr.check.passed


def test_relu_kink_parameters_are_left_to_the_symbolic_check() -> None:
    spec = load(
        {
            "inputs": ["0.2", "0.1"],
            "targets": [1],
            "layers": [
                {
                    "units": 2,
                    "activation": "relu",
                    "weights": [["0.5", 0], ["0.3", "0.4"]],
                    "biases": ["-0.1", "0.2"],
                },
                {"units": 1, "activation": "linear", "weights": [["0.7", "-0.6"]], "biases": "0.1"},
            ],
            "loss": "half_sse",
            "learning_rate": "0.1",
        }
    )
    tr = trace(spec)
    assert tr.first.values["z1[1]"] == 0 and tr.first.values["dL/dW1[1,1]"] == 0  # relu'(0) = 0
    assert tr.check.excluded == ("W1[1,1]", "W1[1,2]", "b1[1]")
    assert tr.check.symbolic == "passed" and tr.check.numeric == "passed"
