"""Numerical edges: a learning rate of 0, saturated units, undefined steps, diverging runs."""

from __future__ import annotations

import importlib
import json
import math
import re
from pathlib import Path

import jsonschema
import mpmath
import pytest
import sympy as sp

from tests.latex import compile_pdf, requires_latex
from tracer.evaluate.tracing import trace
from tracer.report.render import render
from tracer.spec import examples
from tracer.spec.loader import load


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


# --- Saturated units: the exact path carries |z|/ln 10 more digits, so nothing cancels to 0 ---
# The oracle is mpmath at 2000 digits, from the textbook formulas written here:
# σ(z) = 1/(1+e^{−z}), BCE = −[y ln a + (1−y) ln(1−a)], ∂L/∂a = (a−y)/(a(1−a)), σ′ = σ(1−σ).

ORACLE_DPS = 2000


def one_unit(activation: str, weight: object, target: object, loss: str, **extra: object) -> dict:
    return {
        "inputs": [1],
        "targets": [target],
        "layers": [{"units": 1, "activation": activation, "weights": [[weight]]}],
        "loss": loss,
        "learning_rate": "1/10",
        **extra,
    }


def close(value: object, expected: mpmath.mpf, rel: str = "1e-40") -> bool:
    got = mpmath.mpf(sp.Float(value, ORACLE_DPS)._mpf_)
    return abs(got - expected) <= mpmath.mpf(rel) * abs(expected)


@pytest.mark.parametrize(("z", "y"), [(1000, 0), (800, 0), (-800, 1), (-1000, 1), (800, 1)])
def test_saturated_sigmoid_with_bce_keeps_its_digits(z: int, y: int) -> None:
    t = trace(load(one_unit("sigmoid", z, y, "bce")))
    v = t.first.values
    with mpmath.workdps(ORACLE_DPS):
        zz = mpmath.mpf(z)
        a = 1 / (1 + mpmath.exp(-zz))
        rest = mpmath.exp(-zz) / (1 + mpmath.exp(-zz))  # 1 − σ(z), written without the cancellation
        loss = -(y * mpmath.log(a) + (1 - y) * mpmath.log(rest))
        dlda = (a - y) / (a * rest)
        dadz = a * rest
        assert close(v["L"], loss)
        assert close(v["dL/da1[1]"], dlda)
        assert close(v["da1[1]/dz1[1]"], dadz)
        assert close(v["dL/dW1[1,1]"], dlda * dadz)  # x = 1
    assert t.check.numeric == "passed" and t.check.digits > 60 + abs(z) / 1.16
    text = render(t, "md")
    assert "not a finite" not in text and "nan" not in text.lower()


def test_numeric_check_fails_rather_than_passes_on_nan() -> None:
    """At 60 digits 1 − σ(1000) is 0 and the composed loss is ln 0: the comparison must fail
    (NaN compares false with everything, so a max() over differences would say 'passed')."""
    from tracer.evaluate.selfcheck import _numeric

    t = trace(load(one_unit("sigmoid", 1000, 0, "bce")))
    grads = t.gradients(t.first)
    assert _numeric(t.network, dict(t.first.params), grads, 60)[0] == "failed"
    assert _numeric(t.network, dict(t.first.params), grads, t.check.digits)[0] == "passed"


@pytest.mark.parametrize("z", [800, -800])
def test_saturated_tanh_derivative_is_not_rounded_to_zero(z: int) -> None:
    t = trace(load(one_unit("tanh", z, 0, "half_sse")))
    with mpmath.workdps(ORACLE_DPS):
        sech2 = 1 / mpmath.cosh(z) ** 2  # 1 − tanh², about 4e−695
        assert close(t.first.values["da1[1]/dz1[1]"], sech2)


def test_softmax_cross_entropy_with_a_spread_of_2000() -> None:
    spec = one_unit("softmax", -1000, 1, "cross_entropy")
    spec["targets"] = [1, 0]
    spec["layers"][0].update(units=2, weights=[[-1000], [1000]])
    t = trace(load(spec))
    v = t.first.values
    with mpmath.workdps(ORACLE_DPS):
        a1 = 1 / (1 + mpmath.exp(2000))
        assert close(v["a1[1]"], a1)
        assert close(v["L"], -mpmath.log(a1))  # 2000 + ln(1 + e^{−2000})
        assert close(v["delta1[1]"] if "delta1[1]" in v else v["dL/dz1[1]"], a1 - 1)
        assert close(v["dL/dz1[2]"], 1 - a1 - 0)
    assert t.check.numeric == "passed"


# --- Undefined steps: one line naming the step, the value it came from, and the iteration ---


def _cli(spec: dict, tmp_path: Path, *options: str) -> tuple[int, str, str, Path]:
    from tests.test_cli import run

    path = tmp_path / "spec.yaml"
    import yaml

    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    out = tmp_path / "out.md"
    rc, stdout, stderr = run("report", str(path), "-o", str(out), *options)
    return rc, stdout, stderr, out


@pytest.mark.parametrize(
    ("formula", "x", "message"),
    [
        ("log(z)", 0, "a1[1]: the value is undefined (a division by 0 or the logarithm of 0?) at z1[1] = 0"),
        ("1/z", 0, "a1[1]: the value is undefined (a division by 0 or the logarithm of 0?) at z1[1] = 0"),
        (
            "sqrt(z)",
            -1,
            "a1[1]: the value is not a real number (a square root or logarithm of a negative "
            "number?) at z1[1] = -1",
        ),
        (
            "log(z)",
            -2,
            "a1[1]: the value is not a real number (a square root or logarithm of a negative "
            "number?) at z1[1] = -2",
        ),
    ],
)
def test_an_undefined_step_is_named_in_one_line(formula: str, x: int, message: str, tmp_path: Path) -> None:
    spec = one_unit("mine", 1, 1, "half_sse", activations={"mine": formula})
    spec["inputs"] = [x]
    rc, out, err, path = _cli(spec, tmp_path)
    assert (rc, out, err) == (2, "", f"tracer: {message}; the step cannot be computed\n")
    assert not path.exists()


def test_an_undefined_step_in_a_later_iteration_names_the_iteration(tmp_path: Path) -> None:
    # a = ln z, z = w·1 = 1/2, y = −5: w⁺ = w − η (ln w − y)/w ≈ 0.5 − 8.6 < 0 at iteration 2
    spec = one_unit("mine", "1/2", -5, "half_sse", activations={"mine": "log(z)"}, iterations=3)
    spec["learning_rate"] = 1
    rc, _, err, _ = _cli(spec, tmp_path, "--detail", "1,3")
    assert rc == 2 and err.startswith("tracer: iteration 2, a1[1]: the value is not a real number")
    assert err.count("\n") == 1


# --- Runs that float64 cannot carry: the exact path takes over, or the run stops and says why ---


@pytest.mark.parametrize("case", ["bce", "softmax"])
def test_saturated_units_train_on_where_float64_underflows(case: str) -> None:
    """In float64, 1 − σ(1000) and e^{−2000} are 0 and the loss ln 0: iterations 2… go on the
    exact path. The oracle trains the same unit in mpmath from the textbook gradients."""
    if case == "bce":  # y = 0: L = −ln(1 − σ(w)), ∂L/∂w = σ(w)
        spec = one_unit("sigmoid", 1000, 0, "bce", iterations=5)
    else:  # y = (1, 0): L = −ln a₁, ∂L/∂w₁ = a₁ − 1, ∂L/∂w₂ = a₂
        spec = one_unit("softmax", -1000, 1, "cross_entropy", iterations=5)
        spec["targets"] = [1, 0]
        spec["layers"][0].update(units=2, weights=[[-1000], [1000]])
    t = trace(load(spec), check=False)
    assert t.stop is None and all(it.exact for it in t.iterations[1:])
    with mpmath.workdps(ORACLE_DPS):
        eta = mpmath.mpf(1) / 10
        if case == "bce":
            w = mpmath.mpf(1000)
            for it in t.iterations:
                assert close(it.loss, mpmath.log(1 + mpmath.exp(w)))
                w -= eta / (1 + mpmath.exp(-w))
            assert close(t.final_loss, mpmath.log(1 + mpmath.exp(w)))
        else:
            w1, w2 = mpmath.mpf(-1000), mpmath.mpf(1000)
            for it in t.iterations:
                a1 = 1 / (1 + mpmath.exp(w2 - w1))
                assert close(it.loss, -mpmath.log(a1))
                w1, w2 = w1 - eta * (a1 - 1), w2 - eta * (1 - a1)
            assert close(t.final_loss, -mpmath.log(1 / (1 + mpmath.exp(w2 - w1))))
    text = render(t, "md")
    assert "Double precision could not carry on after iteration 1" in text
    assert "so iterations 2 to 5 are computed exactly again" in text


def diverging(iterations: int = 200) -> dict:
    return {
        "inputs": [1, 2],
        "targets": [3],
        "layers": [
            {"units": 2, "activation": "linear", "weights": [[1, 2], [3, 4]]},
            {"units": 1, "activation": "linear", "weights": [[1, 1]]},
        ],
        "loss": "mse",
        "learning_rate": 5,
        "iterations": iterations,
    }


def test_a_diverging_run_stops_where_the_loss_leaves_the_range_of_a_double() -> None:
    t = trace(load(diverging()), check=False)
    exact = trace(load(diverging(8)), check=False, detail=(8,))  # every iteration exact: no overflow
    assert t.stop is not None and (t.stop.requested, t.stop.reason) == (200, "overflow")
    assert len(t.iterations) == 4 and [it.exact for it in t.iterations] == [True, False, False, True]
    # every loss, and the final one (beyond a double), against the run computed exactly throughout
    for fast, ref in zip(t.iterations, exact.iterations, strict=False):
        assert float(fast.loss) == pytest.approx(float(ref.loss), rel=1e-12)
    assert sp.Abs(t.final_loss / exact.iterations[4].loss - 1) < sp.Float("1e-12")
    assert not math.isfinite(float(exact.iterations[4].loss))  # 7.8e400
    text = render(t, "md")
    assert (
        "**Training stopped after 4 of the 200 iterations asked for:** after the update of iteration 4"
        in text
    )
    assert "7.7940518 \\times 10^{400}" in text and "so iteration 4 is computed exactly again" in text
    assert not re.search(r"\b(nan|inf|infinity)\b", text, re.IGNORECASE)


def test_a_run_too_long_to_finish_exactly_stops_where_float64_does(monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module("tracer.evaluate.tracing")  # the module, not tracer.trace (a function)
    monkeypatch.setattr(module, "TAIL_LIMIT", 100)  # 197 iterations × 9 is beyond it
    t = trace(load(diverging()), check=False)
    assert t.stop is not None and t.stop.reason == "budget" and len(t.iterations) == 3
    assert float(t.final_loss) == pytest.approx(6.780698389519188e131, rel=1e-12)  # finite in float64
    text = render(t, "md")
    assert "**Training stopped after 3 of the 200 iterations asked for:** double precision" in text
    assert "the 197 iterations left are too many to compute exactly" in text


def test_a_diverging_run_in_json_and_exact_numbers_beyond_a_double() -> None:
    data = json.loads(render(trace(load(diverging()), check=False), "json"))
    assert data["stopped"] == {"after_iteration": 4, "requested": 200, "reason": "overflow"}
    assert len(data["history"]) == 4 and all(isinstance(x, float) for x in data["history"])
    assert data["final_loss"].startswith("7.79405183668637") and data["final_loss"].endswith("e+400")
    exact = trace(load(diverging(8)), check=False, detail=(8,))
    text = render(exact, "json")
    data = json.loads(text)  # strict JSON: no Infinity or NaN
    assert data["stopped"] is None
    assert data["history"][4].startswith("7.79405183668637") and data["history"][4].endswith("e+400")
    assert "Infinity" not in text and "NaN" not in text
    md = render(exact, "md")
    assert "| 8 | 1.7816769e+10894 |" in md
    from tracer.report.traceschema import trace_schema

    for run in (exact, trace(load(diverging()), check=False)):
        jsonschema.validate(json.loads(render(run, "json")), trace_schema())


@requires_latex
def test_a_diverging_run_renders_in_every_format(tmp_path: Path) -> None:
    t = trace(load(diverging()), check=False)
    html = render(t, "html")
    assert "Training stopped after 4 of the 200 iterations asked for:</strong>" in html
    tex = render(t, "tex")
    assert "Training stopped after 4 of the 200 iterations asked for:}" in tex
    compile_pdf(tex, tmp_path)
    zh = render(t, "md", lang="zh")
    assert "训练在要求的 200 次迭代中的第 4 次之后停止" in zh
    exact = trace(load(diverging(8)), check=False, detail=(8,))  # values up to 10^32688
    compile_pdf(render(exact, "tex"), tmp_path / "exact")
    assert "1.4139265 \\times 10^{32688}" in render(exact, "md")


def test_a_value_that_rounds_to_one_is_written_as_one_minus_its_distance() -> None:
    from tracer.numbers import number_latex, number_text

    near = 1 - sp.Float("2.0611536e-9", 60)  # σ(20): 1.0000000 at 8 digits
    assert number_text(near, near_one=True) == "1 - 2.0611536e-09"
    assert number_latex(-near, bracket=True, near_one=True) == r"\left(-1 + 2.0611536 \times 10^{-9}\right)"
    assert number_text(near) == "1.0000000"  # tables and pictures keep the rounded number
    assert number_text(sp.Float("0.99999999", 60), near_one=True) == "0.99999999"  # rounds to itself
    assert number_text(sp.Integer(1), near_one=True) == "1"
    assert number_text(sp.Float(1, 60), near_one=True) == "1.0000000"
    text = render(trace(load(one_unit("sigmoid", 1000, 0, "bce"))), "md")
    # ln(1 − a) with a = 1 − e^{−1000}: the reader sees why the loss is 1000, not ln 0
    assert r"\log{\left(1 - \left(1 - 5.0759589 \times 10^{-435}\right) \right)}" in text


# --- Targets a unit can never produce ---


@pytest.mark.parametrize(
    ("activation", "target", "ends"),
    [("sigmoid", "3/2", "[0, 1]"), ("tanh", -2, "[-1, 1]"), ("relu", -1, r"[0, \infty)")],
)
def test_a_target_outside_the_output_range_is_pointed_out(activation: str, target: object, ends: str) -> None:
    t = trace(load(one_unit(activation, 1, target, "half_sse")))
    text = render(t, "md")
    shown = "1.5" if target == "3/2" else str(target)
    assert (
        f"> The target $y_{{1}} = {shown}$ lies outside what a {activation} output can reach, ${ends}$: "
        "the loss cannot fall to 0"
    ) in text
    assert "lies outside" in render(t, "tex") and "lies outside" in render(t, "html")
    assert "超出了" in render(t, "md", lang="zh")


def test_targets_on_the_edge_of_the_range_are_not_pointed_out() -> None:
    for name in examples.names():  # XOR's 0 and 1 for a sigmoid, one-hot targets for softmax
        assert "lies outside" not in render(trace(examples.load(name), check=False), "md", view="matrix")


def test_a_value_beyond_what_a_report_can_write_is_named_in_one_line(tmp_path: Path) -> None:
    # softmax of z = (0, 10^30): a₁ = e^(−10^30) ≈ 10^(−4.3·10^29), beyond Decimal's exponents
    spec = one_unit("softmax", 0, 1, "mse")
    spec["targets"] = [1, 0]
    spec["layers"][0].update(units=2, weights=[[0], [10**30]])
    rc, out, err, path = _cli(spec, tmp_path)
    assert (rc, out) == (2, "") and not path.exists()
    assert err == (
        "tracer: a1[1]: the value is about 10^(-4.3e+29), beyond the numbers a report can write "
        "(exponents up to ±10^15) at z1[1] = 0; the step cannot be computed\n"
    )
    # a diverging run shown exactly reaches that bound at iteration 31 (its loss squares each time)
    spec = diverging(45)
    (tmp_path / "run").mkdir()
    rc, _, err, _ = _cli(spec, tmp_path / "run", "--detail", "1,45")
    assert rc == 2 and err.startswith(
        "tracer: iteration 31, loss term of output 1: the value is about 10^(1.0e+15), beyond"
    )
    assert "at a2[1] = about 10^(" in err


def test_a_custom_activation_with_erf_trains_on_the_fast_path() -> None:
    # NumPy has no erf: the fast path's generated code called math.erf without importing it
    spec = one_unit("mine", "3/10", "1/2", "half_sse", activations={"mine": "erf(z)"}, iterations=6)
    fast, exact = trace(load(spec), check=False), trace(load(spec), check=False, detail=(6,))
    assert not fast.iterations[-1].exact
    for a, b in zip(fast.iterations, exact.iterations, strict=True):
        assert float(a.loss) == pytest.approx(float(b.loss), rel=1e-12)
    assert float(fast.final_loss) == pytest.approx(float(exact.final_loss), rel=1e-12)
