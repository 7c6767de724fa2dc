"""What the report says and how it writes numbers."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from tests.shared import Lazy, Traces
from tracer.evaluate.tracing import trace
from tracer.numbers import number_latex, number_text
from tracer.report.printer import TracerPrinter
from tracer.report.render import render, to_json
from tracer.spec import examples

TRACES = Traces(("sigmoid-222-bias", "relu-mean", "xor-231"))  # traced on first use
MD = Lazy(TRACES, lambda name: render(TRACES[name]))


def test_exact_values_get_equals_and_rounded_values_approx() -> None:
    md = MD["sigmoid-222-bias"]
    # node notation (the spec's choice); short steps read formula = numbers = value on one row
    row = "z_{3} &= w_{31} \\cdot x_{1} + w_{32} \\cdot x_{2} + w_{3b} = "
    assert row + "0.05 \\cdot 0.02 + 0.1 \\cdot 0.04 + 0.5 = 0.505 \\\\[6pt]" in md
    assert " = \\frac{1}{1 + e^{- 0.505}} \\approx 0.62363363\n" in md


def test_negative_numbers_are_bracketed_when_substituted() -> None:
    md = MD["sigmoid-222-bias"]
    assert "0.047978814 \\cdot 0.25 + \\left(-0.016641416\\right) \\cdot 0.35" in md
    assert "\\cdot -0." not in md and "+ -0." not in md


def test_the_update_substitutes_the_learning_rate() -> None:
    md = MD["sigmoid-222-bias"]
    assert "0.25 - 0.5 \\cdot 0.029921202" in md
    assert "\\eta \\cdot 0." not in md


def test_inactive_relu_unit_is_pointed_out() -> None:
    assert MD["relu-mean"].count("is inactive") == 1
    assert "Unit 3 is inactive: $\\mathrm{net}_{h_{3}} = -0.46$" in MD["relu-mean"]  # flat notation
    assert "inactive" not in MD["sigmoid-222-bias"]


def test_batch_report_has_per_sample_sections_and_the_sum() -> None:
    md = MD["xor-231"]
    for n in range(1, 5):
        assert f"### Sample {n}" in md
    assert "### Summing over the samples" in md
    assert "L &= L^{(1)} + L^{(2)} + L^{(3)} + L^{(4)}" in md


def test_digits_change_only_the_display() -> None:
    tr = TRACES["sigmoid-222-bias"]
    short = render(tr, digits=3)
    assert "\\approx 0.624\n" in short and "0.62363363" not in short
    assert render(tr, digits=8) == MD["sigmoid-222-bias"]


def test_render_is_deterministic() -> None:
    again = trace(examples.load("xor-231"))
    assert render(again) == MD["xor-231"]
    assert render(again, "json") == render(TRACES["xor-231"], "json")


def test_json_trace_follows_the_contract() -> None:
    tr = TRACES["xor-231"]
    data = json.loads(render(tr, "json"))
    assert data == to_json(tr)
    it = data["iterations"][0]
    assert set(it) >= {"index", "forward", "loss", "gradients", "updated"}
    assert it["index"] == 1 and data["history"][0] == it["loss"] and len(data["history"]) == 10000
    values = tr.first.values
    assert set(it["forward"]) == {k for k in values if k[0] in "za" and "/" not in k}
    assert it["forward"]["a2[1]@3"] == float(values["a2[1]@3"])
    assert set(it["gradients"]) == {p.key for p in tr.network.trainable}
    assert it["updated"]["W2[1,1]"] == float(tr.first.updated["W2[1,1]"])
    assert data["final_loss"] == float(tr.final_loss) < it["loss"]


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (sp.Rational(1, 10), 8, "0.1"),
        (sp.Rational(-3, 10), 8, "-0.3"),
        (sp.Rational(1, 3), 8, "0.33333333"),
        (sp.Rational(2, 3), 3, "0.667"),
        (sp.Rational(5, 8), 2, "0.63"),  # half up, as students round
        (sp.Integer(0), 8, "0"),
        (sp.Float("0.0000123456789", 50), 4, "1.235e-05"),
        (sp.Float("-2.5e-7", 50), 3, "-2.50e-07"),
        (sp.Rational(123456789, 1), 4, "1.235e+08"),
    ],
)
def test_number_text(value: sp.Expr, digits: int, text: str) -> None:
    assert number_text(value, digits) == text


def test_number_latex_brackets_negatives_and_writes_powers_of_ten() -> None:
    assert number_latex(sp.Rational(-1, 2), bracket=True) == r"\left(-0.5\right)"
    assert number_latex(sp.Float("1.5e-9", 50), 3) == r"1.50 \times 10^{-9}"


def test_printer_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="notation must be a tracer.notation.Notation"):
        TracerPrinter(notation="bogus")
    with pytest.raises(ValueError, match="digits must be an integer from 1 to 50"):
        TracerPrinter(digits=0)


def test_iterations_give_the_history_and_a_training_table() -> None:
    from tracer.spec.loader import load

    spec = load({
        "inputs": ["0.1", "0.88"], "targets": ["0.55", "1"],
        "layers": [
            {"units": 2, "activation": "sigmoid", "weights": [[1, 1], [1, 1]]},
            {"units": 2, "activation": "sigmoid", "weights": [[1, 1], [1, 1]]},
        ],
        "loss": "half_sse", "learning_rate": "0.5", "iterations": 3,
    })
    tr = trace(spec)
    assert [it.index for it in tr.iterations] == [1, 2, 3]
    # Iteration k+1 starts from iteration k's updated parameters.
    assert {k: float(v) for k, v in tr.iterations[1].params.items()} == {
        k: float(v) for k, v in tr.iterations[0].updated.items()
    }
    data = json.loads(render(tr, "json"))
    assert data["history"] == [float(it.loss) for it in tr.iterations]
    assert data["history"][0] > data["history"][1] > data["history"][2] > data["final_loss"]
    md = render(tr)
    training = md.split("## 7. Training", 1)[1].split("The network's outputs", 1)[0]
    rows = [line for line in training.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [row.split("|")[1].strip() for row in rows] == ["1", "2", "3"]
    assert "With the updated parameters the loss is $L^{+} \\approx" in md


def test_a_bare_symbol_is_not_substituted_twice() -> None:
    """a = z for a linear unit: the value follows directly, not after a bracketed copy of it."""
    assert "\\mathrm{out}_{o_{1}} &= \\mathrm{net}_{o_{1}} = -0.1\n" in MD["relu-mean"]
