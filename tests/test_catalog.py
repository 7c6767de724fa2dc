"""The activation and loss catalog: leaky_relu, softplus, softmax, cross_entropy, reduction.

Each property is checked against something computed here, independently of tracer's
evaluation: SymPy differentiating a written-out softmax, mpmath's log-sum-exp, the float64
autograd oracle of tests/test_oracle.py, or the exact arithmetic of a hand calculation.
"""

from __future__ import annotations

import dataclasses
import json

import mpmath
import pytest
import sympy as sp
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_oracle import assert_close, decimals, distributions, np_gradient, np_loss, problem
from tracer.evaluate.tracing import trace
from tracer.functions import activations, losses, softmax
from tracer.report.render import render
from tracer.spec import examples
from tracer.spec.loader import load

EXAMPLE = "softmax-233-ce"
Z = activations.Z


def _spec(layers: list[dict], loss: str, **extra: object) -> dict:
    return {"layers": layers, "loss": loss, "learning_rate": "0.1", **extra}


# -- the rules, derived by SymPy -------------------------------------------------------------


def test_softmax_jacobian_matches_a_written_out_softmax() -> None:
    """∂a_k/∂z_j of a 3-unit softmax written out here, differentiated here, is a_k(δ_kj − a_j)."""
    zs = sp.symbols("u1:4", real=True)
    outs = [sp.exp(z) / sum(sp.exp(w) for w in zs) for z in zs]
    jac = softmax.jacobian()
    for k in range(3):
        for j in range(3):
            mine = jac.entry(outs[k], outs[j], k == j)
            assert sp.simplify(sp.diff(outs[k], zs[j]) - mine) == 0, (k, j)
    assert jac.own == softmax.AK * (1 - softmax.AK)
    assert sp.expand(jac.other + softmax.AK * softmax.AJ) == 0


def test_the_collapse_to_a_minus_y_is_derived_for_cross_entropy_only() -> None:
    found = softmax.collapse("cross_entropy")
    assert found is not None and found.result == softmax.AJ - softmax.YJ
    assert found.steps[0].has(sp.KroneckerDelta) and found.steps[-1] == found.result
    for loss in ("half_sse", "sse", "mse", "bce"):
        assert softmax.collapse(loss) is None, loss


def test_leaky_relu_and_softplus_rules() -> None:
    slope = sp.Rational(1, 5)
    leaky = activations.get("leaky_relu").bind(slope)
    rule = activations.layer_rule(leaky)
    assert rule.dz == sp.diff(sp.Piecewise((slope * Z, Z <= 0), (Z, True)), Z)
    assert rule.df(sp.Integer(0), None) == slope  # at the kink: the left piece, like relu'(0) = 0
    assert rule.df(sp.Integer(-3), None) == slope and rule.df(sp.Integer(3), None) == 1
    assert activations.get("leaky_relu").bind().setting == sp.Rational(1, 100)  # the default
    soft = activations.rule("softplus")
    assert soft.dz == sp.diff(sp.log(1 + sp.exp(Z)), Z)
    assert sp.simplify(soft.dz - 1 / (1 + sp.exp(-Z))) == 0
    assert soft.named == sp.Function("act_sigmoid")(Z)  # shown as σ(z)


# -- the example and its report ------------------------------------------------------------


@pytest.fixture(scope="module")
def example():
    return trace(examples.load(EXAMPLE))


def test_example_targets_are_class_indices_read_as_one_hot(example) -> None:
    assert [s.targets for s in example.spec.samples] == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
    assert "targets: 1}" in examples.text(EXAMPLE)


def test_softmax_outputs_sum_to_one(example) -> None:
    net, v = example.network, example.first.values
    for n in net.samples():
        outs = [v[net.a(2, k, n)] for k in range(1, 4)]
        assert all(0 < a < 1 for a in outs)
        assert abs(sum(outs) - 1) < sp.Float("1e-48")


def test_cross_entropy_delta_is_a_minus_y_exactly(example) -> None:
    net, v = example.network, example.first.values
    assert net.loss_scale == sp.Rational(1, 3)
    for n in net.samples():
        for k in range(1, 4):
            a, y = v[net.a(2, k, n)], v[net.y(k, n)]
            assert v[net.delta(2, k, n)] == sp.Rational(1, 3) * (a - y)
            # and it is what the chain through the Jacobian gives, to the working precision
            chain = sum(
                v[f"dL/d{net.a(2, i, n)}"] * v[f"d{net.a(2, i, n)}/d{net.z(2, k, n)}"] for i in (1, 2, 3)
            )
            assert abs(chain - v[net.delta(2, k, n)]) < sp.Float("1e-45")


def test_example_matches_the_autograd_oracle_and_passes_its_checks(example) -> None:
    prob = problem(example.spec)
    theta = prob.theta_float()
    for key, g in zip(prob.keys, np_gradient(theta, prob), strict=True):
        assert_close(f"dL/d{key}", example.first.values[f"dL/d{key}"], g)
    assert_close("L", example.first.loss, np_loss(theta, prob))
    assert example.check.symbolic == "passed" and example.check.numeric == "passed"


def test_report_shows_the_jacobian_and_derives_a_minus_y(example) -> None:
    md = render(example, "md")
    rules = md[md.index("## 2. The local rules") : md.index("## 3. Forward pass")]
    assert r"\frac{\partial a_{k}}{\partial z_{j}} &= a_{k} \cdot \left(\delta_{j k} - a_{j}\right)" in rules
    assert r"- a_{k} \cdot a_{j} \quad (j \ne k)" in rules
    assert r"&= \frac{1}{3} \cdot \left(a_{j} \cdot \sum_{k=1}^{K} y_{k} - y_{j}\right)" in rules
    assert r"&= \frac{1}{3} \cdot \left(a_{j} - y_{j}\right)" in rules
    assert "Reduction `mean`: the sum is divided by the number of samples, $N = 3$." in rules
    backward = md[md.index("## 4. Backward pass") :]
    # δ of unit 1, sample 1: the chain rule over k, each Jacobian entry, the collapse, a − y
    assert r"\left(- a^{[2](1)}_{1} \cdot a^{[2](1)}_{2}\right)" in backward
    assert (
        r"\frac{a^{[2](1)}_{1} \cdot \left(y^{(1)}_{1} + y^{(1)}_{2} + y^{(1)}_{3}\right) - y^{(1)}_{1}}{3}"
        in backward
    )
    assert r"= \frac{a^{[2](1)}_{1} - y^{(1)}_{1}}{3} \approx \frac{0.42015352 - 1}{3}" in backward
    for bad in ("nan", "NaN", "zoo", r"\infty"):
        assert bad not in md


@pytest.mark.parametrize("options", [{"exact": True}, {"carry_rounded": True, "digits": 4}])
def test_exact_and_carried_values_follow_the_softmax_and_softplus_steps(options: dict) -> None:
    """--exact and --carry-rounded recompute every step from the ones before it: each softmax
    a_k after every z of its layer, each δ_j after every ∂L/∂a_k; σ(z) as a formula."""
    layers = [
        {"units": 2, "activation": "softplus", "weights": [["0.1", "0.2"], ["-0.3", "0.4"]]},
        {"units": 3, "activation": "softmax", "weights": [["0.5", "-0.6"], ["0.2", "0.1"], ["-0.4", "0.3"]]},
    ]
    for loss, targets in (("cross_entropy", 3), ("mse", ["0.2", "0.5", "0.3"])):
        md = render(
            trace(load(_spec(layers, loss, inputs=["0.5", "-0.3"], targets=targets))), "md", **options
        )
        assert "## 4. Backward pass" in md and "act_" not in md


# -- leaky_relu's slope, softplus, saturation ----------------------------------------------


def test_leaky_relu_slope_is_respected_exactly() -> None:
    layers = [
        {"units": 3, "activation": "leaky_relu", "slope": "0.2", "weights": [[1], [-1], [0]]},
        {"units": 1, "activation": "linear", "weights": [[1, 1, 1]]},
    ]
    tr = trace(load(_spec(layers, "half_sse", inputs=["0.5"], targets=[0])))
    v = tr.first.values
    assert (v["a1[1]"], v["a1[2]"], v["a1[3]"]) == (sp.Rational(1, 2), sp.Rational(-1, 10), 0)
    assert v["da1[2]/dz1[2]"] == sp.Rational(1, 5) and v["da1[1]/dz1[1]"] == 1
    assert v["da1[3]/dz1[3]"] == sp.Rational(1, 5)  # z = 0 exactly: the convention, the left piece
    assert tr.check.passed and tr.check.excluded == ("W1[3,1]",)  # the kink is left to SymPy
    no_slope = {k: v for k, v in layers[0].items() if k != "slope"}
    default = trace(load(_spec([no_slope, layers[1]], "half_sse", inputs=[1], targets=[0])))
    assert default.first.values["a1[2]"] == sp.Rational(-1, 100)


def test_softplus_derivative_is_sigmoid() -> None:
    layers = [{"units": 2, "activation": "softplus", "weights": [["0.3"], ["-1.7"]], "biases": ["0.1", 0]}]
    tr = trace(load(_spec(layers, "sse", inputs=["0.9"], targets=[1, 0])))
    v = tr.first.values
    with mpmath.workdps(60):
        for j in (1, 2):
            z = mpmath.mpf(sp.Float(v[f"z1[{j}]"], 60)._mpf_)
            assert abs(sp.Float(v[f"da1[{j}]/dz1[{j}]"], 60) - sp.Float(1 / (1 + mpmath.exp(-z)), 60)) < 1e-48
            assert abs(sp.Float(v[f"a1[{j}]"], 60) - sp.Float(mpmath.log1p(mpmath.exp(z)), 60)) < 1e-48
    assert tr.check.passed
    assert r"\sigma\left(z\right)" in render(tr, "md")


def _close(got: sp.Expr, want: mpmath.mpf, digits: int = 45) -> bool:
    got = mpmath.mpf(sp.Float(got, 60)._mpf_)
    return abs(got - want) <= abs(want) * mpmath.mpf(10) ** -digits


def test_saturated_softmax_and_cross_entropy_stay_finite_and_right() -> None:
    """z = 800, −800, 0: e^{800} overflows a double; tracer subtracts the largest z first."""
    layers = [{"units": 3, "activation": "softmax", "weights": [[800], [-800], [0]]}]
    tr = trace(load(_spec(layers, "cross_entropy", inputs=[1], targets=2)))
    v = tr.first.values
    with mpmath.workdps(80):
        log_total = mpmath.log(mpmath.exp(800) + mpmath.exp(-800) + 1)  # log-sum-exp, written out
        want = [mpmath.exp(z - log_total) for z in (800, -800, 0)]
        assert all(_close(v[f"a1[{k}]"], w) for k, w in zip((1, 2, 3), want, strict=True))
        assert _close(v["L"], log_total + 800)  # −ln a_2
        for k, y in zip((1, 2, 3), (0, 1, 0), strict=True):  # δ = a − y, and ∂L/∂W = δ·x
            assert v[f"delta1[{k}]"] == v[f"a1[{k}]"] - y
            assert _close(v[f"dL/dW1[{k},1]"], want[k - 1] - y)
    assert tr.check.passed
    md, js = render(tr, "md"), render(tr, "json")
    for bad in ("nan", "NaN", "zoo", r"\infty", "Infinity"):
        assert bad not in md and bad not in js
    assert json.loads(js)["iterations"][0]["loss"] == pytest.approx(1600)


def test_saturated_softplus_and_leaky_relu() -> None:
    layers = [
        {"units": 2, "activation": "softplus", "weights": [[800], [-800]]},
        {"units": 1, "activation": "leaky_relu", "slope": "0.5", "weights": [[-1, 1]]},
    ]
    tr = trace(load(_spec(layers, "half_sse", inputs=[1], targets=[0])))
    v = tr.first.values
    with mpmath.workdps(80):
        tiny = mpmath.log1p(mpmath.exp(-800))  # about 3.7e-348: 1 + e^-800 is 1 at 50 digits
        assert _close(v["a1[2]"], tiny) and _close(v["a1[1]"], 800 + tiny)
        assert _close(v["da1[2]/dz1[2]"], 1 / (1 + mpmath.exp(800)))
    assert v["a2[1]"] == v["z2[1]"] / 2 and v["da2[1]/dz2[1]"] == sp.Rational(1, 2)
    assert tr.check.passed
    assert not any(bad in render(tr, "md") for bad in ("nan", "NaN", "zoo", r"\infty"))


# -- reduction ------------------------------------------------------------------------------


def test_reduction_sets_the_scale_and_the_report_says_so() -> None:
    xor = {**yaml.safe_load(examples.text("xor-231")), "iterations": 1}
    summed = trace(load({**xor, "reduction": "sum"}))
    sse = trace(load({**xor, "loss": "sse"}))
    mean = trace(load(xor))
    assert summed.network.loss_scale == 1 and mean.network.loss_scale == sp.Rational(1, 4)
    assert summed.first.loss == sse.first.loss == 4 * mean.first.loss
    for p in summed.network.trainable:
        assert summed.first.values[f"dL/d{p.key}"] == 4 * mean.first.values[f"dL/d{p.key}"]
    md = render(summed, "md")
    assert "Reduction `sum`" in md and "the loss's own definition uses `mean`" in md
    assert json.loads(render(summed, "json"))["network"]["reduction"] == "sum"
    assert "divided by the number of terms" in render(mean, "md")


def test_cross_entropy_mean_divides_by_samples_only() -> None:
    assert losses.get("cross_entropy").scale(3, 4) == sp.Rational(1, 3)
    assert losses.get("mse").scale(3, 4) == sp.Rational(1, 12)
    assert losses.get("cross_entropy").scale(3, 4, "sum") == 1
    assert losses.get("sse").scale(3, 4, "mean") == sp.Rational(1, 12)
    assert {name: loss.reduction for name, loss in losses.LOSSES.items()} == {
        "half_sse": "sum",
        "sse": "sum",
        "mse": "mean",
        "bce": "mean",
        "cross_entropy": "mean",
    }


# -- the self-check is not a rubber stamp for softmax ----------------------------------------


def test_a_wrong_collapse_fails_both_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    right = softmax.collapse("cross_entropy")
    wrong = dataclasses.replace(right, result=2 * right.result, f=lambda a, y: 2 * right.f(a, y))
    monkeypatch.setattr(softmax, "collapse", lambda loss: wrong)
    tr = trace(examples.load(EXAMPLE))
    assert (tr.check.symbolic, tr.check.numeric) == ("failed", "failed")


def test_a_wrong_jacobian_fails_both_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """With mse there is no collapse: δ goes through every Jacobian entry; break one kind."""
    right = softmax.jacobian()
    wrong = dataclasses.replace(right, other=2 * right.other, other_f=lambda a, b: 2 * right.other_f(a, b))
    monkeypatch.setattr(softmax, "jacobian", lambda: wrong)
    layers = [{"units": 3, "activation": "softmax", "weights": [["0.5"], ["-0.2"], ["0.1"]]}]
    tr = trace(load(_spec(layers, "mse", inputs=["0.7"], targets=[1, 0, 0])))
    assert (tr.check.symbolic, tr.check.numeric) == ("failed", "failed")


# -- random softmax networks -----------------------------------------------------------------


@st.composite
def softmax_networks(draw) -> dict:
    """1-2 layers ending in softmax (2-4 units), any loss but bce, list or class-index targets."""
    n_in = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 3), max_size=1))
    k = draw(st.integers(2, 4))
    loss = draw(st.sampled_from(("cross_entropy", "cross_entropy", "mse", "half_sse")))
    layers, prev = [], n_in
    for units in hidden:
        act = draw(st.sampled_from(("leaky_relu", "softplus", "tanh")))
        weights = [[draw(decimals()) for _ in range(prev)] for _ in range(units)]
        layer = {"units": units, "activation": act, "weights": weights}
        if act == "leaky_relu":
            layer["slope"] = draw(decimals(1, 99))
        layers.append(layer)
        prev = units
    weights = [[draw(decimals(-300, 300)) for _ in range(prev)] for _ in range(k)]
    layers.append(
        {
            "units": k,
            "activation": "softmax",
            "weights": weights,
            "biases": [draw(decimals()) for _ in range(k)],
        }
    )
    if loss == "cross_entropy":
        targets = st.one_of(st.integers(1, k), distributions(k))
    else:
        targets = st.lists(decimals(), min_size=k, max_size=k)
    samples = [
        {"inputs": [draw(decimals()) for _ in range(n_in)], "targets": draw(targets)} for _ in range(2)
    ]
    return _spec(layers, loss, samples=samples, reduction=draw(st.sampled_from(("mean", "sum"))))


@pytest.mark.fuzz
@settings(max_examples=20, deadline=None, database=None, derandomize=True)
@given(softmax_networks())
def test_random_softmax_networks(d: dict) -> None:
    one_layer = len(d["layers"]) == 1  # the self-check too (with a hidden layer: seconds, not ms)
    tr = trace(load(d), check=one_layer)
    net, v = tr.network, tr.first.values
    prob = problem(tr.spec)
    for key, g in zip(prob.keys, np_gradient(prob.theta_float(), prob), strict=True):
        assert_close(f"dL/d{key}", v[f"dL/d{key}"], g)
    assert_close("L", tr.first.loss, np_loss(prob.theta_float(), prob))
    for n in net.samples():
        outs = [v[net.a(net.depth, k, n)] for k in range(1, net.sizes[-1] + 1)]
        assert abs(sum(outs) - 1) < sp.Float("1e-45")
        if net.loss.name == "cross_entropy":
            for k, a in enumerate(outs, 1):
                assert v[net.delta(net.depth, k, n)] == net.loss_scale * (a - v[net.y(k, n)])
    assert tr.check.passed and (tr.check.symbolic == "passed" or not one_layer), tr.check
