"""The seed articles' published numbers (/work/shared/seeds), checked against tracer.

Where an article is right, tracer reproduces its printed digits; where it is wrong, the
test shows what the article computed instead (an independent recomputation of its slip)
and that tracer does not repeat it. Expected values are either the articles' printed
digits or recomputed here with mpmath / plain floats, never copied from tracer.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
import yaml

from tracer.evaluate.tracing import trace
from tracer.spec import examples
from tracer.spec.loader import load


def example_dict(name: str) -> dict:
    """A built-in example as the plain dict that load() accepts."""
    return yaml.safe_load(examples.text(name))


def sigmoid_mp(z: str) -> mpmath.mpf:
    """sigmoid of a decimal written as text, at 50 digits."""
    with mpmath.workdps(50):
        return 1 / (1 + mpmath.exp(-mpmath.mpf(z)))


def agrees(value, exact: mpmath.mpf, tol: str = "1e-45") -> bool:
    """A tracer number equals a 50-digit mpmath value to ``tol`` (compared at 60 digits)."""
    with mpmath.workdps(60):
        return abs(mpmath.mpf(sp.Float(value, 60)._mpf_) - exact) < mpmath.mpf(tol)


def fixed(value, decimals: int) -> str:
    """A number as printed with ``%.{decimals}f`` (what the articles' code prints)."""
    return f"{float(value):.{decimals}f}"


def g12(value) -> str:
    """A float as the seed-003 code prints it after its loop: 12 significant digits.

    (``print(x)`` of a NumPy float64 before NumPy 1.14, like Python 2's ``str(float)``,
    is ``'%.12g' % x``.)
    """
    return f"{float(value):.12g}"


def rel_diff(a, b) -> float:
    return abs(float(a) - float(b)) / abs(float(b))


# -- seed 000 (sigmoid-222-bias): the 2-2-2 network with bias nodes


@pytest.fixture(scope="module")
def seed000():
    return trace(examples.load("sigmoid-222-bias"))


def test_seed000_a3_is_right(seed000):
    """Published a3 = sigmoid(0.05*0.02 + 0.1*0.04 + 0.5) = 0.6236336 (tracer's a1[1])."""
    v = seed000.first.values
    assert v["z1[1]"] == sp.Rational("0.505")
    assert fixed(v["a1[1]"], 7) == "0.6236336"
    assert agrees(v["a1[1]"], sigmoid_mp("0.505"))


def test_seed000_a4_leaves_out_the_bias(seed000):
    """Published a4 = 0.50274997 is wrong: it is sigmoid(0.011), the bias w4b = 0.5 left out.

    The article writes a4 = sigmoid(0.15*0.02 + 0.2*0.04 + 0.5) but evaluates 1/(1+e^-0.011);
    the right a4 (tracer's a1[2]) is sigmoid(0.511) = 0.62504087.
    """
    published = "0.50274997"
    v = seed000.first.values
    assert v["z1[2]"] == sp.Rational("0.511")  # 0.003 + 0.008 + 0.5
    assert fixed(v["a1[2]"], 8) != published
    assert agrees(v["a1[2]"], sigmoid_mp("0.511"))
    # the diagnosis: the published digits are those of sigmoid(0.011), not of sigmoid(0.511)
    assert fixed(sigmoid_mp("0.011"), 8) == published
    assert fixed(sigmoid_mp("0.511"), 8) == "0.62504087"


def test_seed000_contract_json_example(seed000):
    """CONTRACT.md §3's JSON example: z1[1] = 0.505, a1[1] = 0.6236336283, loss 0.0434257125."""
    it = seed000.first
    assert it.values["z1[1]"] == sp.Rational("0.505")
    assert fixed(it.values["a1[1]"], 10) == "0.6236336283"
    assert fixed(it.loss, 10) == "0.0434257125"
    # the loss recomputed independently: half the L2 loss of the article's forward pass
    with mpmath.workdps(50):
        a3, a4 = sigmoid_mp("0.505"), sigmoid_mp("0.511")
        a5 = 1 / (1 + mpmath.exp(-(mpmath.mpf("0.25") * a3 + mpmath.mpf("0.3") * a4 + mpmath.mpf("0.9"))))
        a6 = 1 / (1 + mpmath.exp(-(mpmath.mpf("0.35") * a3 + mpmath.mpf("0.4") * a4 + mpmath.mpf("0.9"))))
        loss = ((mpmath.mpf("0.5") - a5) ** 2 + (mpmath.mpf("0.9") - a6) ** 2) / 2
    assert agrees(it.loss, loss)


def test_seed000_bias_nodes_as_shared_biases(seed000):
    """The article's bias nodes b1 = 0.5, b2 = 0.9 as one shared bias per layer.

    Same forward pass as the per-unit weights w3b = w4b = 0.5, w5b = w6b = 0.9; the shared
    bias's gradient is the sum of the per-unit ones (it feeds every unit of its layer).
    """
    d = example_dict("sigmoid-222-bias")
    d["layers"][0]["biases"] = "0.5"
    d["layers"][1]["biases"] = "0.9"
    shared = trace(load(d))
    assert [p.key for p in shared.network.params if p.kind == "bias"] == ["b1", "b2"]
    per_unit, it = seed000.first, shared.first
    for key in ("z1[1]", "z1[2]", "a1[1]", "a1[2]", "z2[1]", "z2[2]", "a2[1]", "a2[2]", "L"):
        assert abs(it.values[key] - per_unit.values[key]) <= 1e-45
    g, g_unit = shared.gradients(it), seed000.gradients(per_unit)
    for l in (1, 2):
        total = g_unit[f"b{l}[1]"] + g_unit[f"b{l}[2]"]
        assert abs(g[f"b{l}"] - total) <= 1e-45 * abs(total)
    assert shared.check.passed


# -- seed 003 (sigmoid-222-nobias): the CSDN article's run output and its buggy loop

FLAT = {
    "w1": "W1[1,1]", "w2": "W1[1,2]", "w3": "W1[2,1]", "w4": "W1[2,2]",
    "w5": "W2[1,1]", "w6": "W2[1,2]", "w7": "W2[2,1]", "w8": "W2[2,2]",
}
# the article's run output, printed with %f
PUBLISHED_FORWARD = {
    "z1[1]": "0.980000", "z1[2]": "0.980000",  # h_in_1, h_in_2
    "a1[1]": "0.727108", "a1[2]": "0.727108",  # h_out_1, h_out_2
    "z2[1]": "1.454216", "z2[2]": "1.454216",  # o_in_1, o_in_2
    "a2[1]": "0.810646", "a2[2]": "0.810646",  # o_out_1, o_out_2
}
PUBLISHED_DIFF = {
    "w5": "0.029091", "w6": "0.029091", "w7": "-0.021134", "w8": "-0.021134",
    "w1": "0.000217", "w2": "0.001911", "w3": "0.000217", "w4": "0.001911",
}
PUBLISHED_UPDATE = {
    "w5": "0.985455", "w6": "0.985455", "w7": "1.010567", "w8": "1.010567",
    "w1": "0.999891", "w2": "0.999045", "w3": "0.999891", "w4": "0.999045",
}
# the article's later claims (the value of `lost` and of o_out_1, o_out_2 after its loop)
PUBLISHED_LOST = {1: "0.0518956728931", 10: "0.0409254668911", 100: "0.00504936047507",
                  1000: "0.000467508796192"}
PUBLISHED_Y_1000 = ("0.55002398472", "0.969421952039")


@pytest.fixture(scope="module")
def seed003():
    return trace(examples.load("sigmoid-222-nobias"))


def test_seed003_first_iteration_matches_the_run_output(seed003):
    """Every number of the article's printed run is tracer's, rounded to the printed digits."""
    it = seed003.first
    for key, printed in PUBLISHED_FORWARD.items():
        assert fixed(it.values[key], 6) == printed, key
    assert fixed(it.loss, 6) == "0.051896"  # 'lost = %f'
    assert g12(it.loss) == PUBLISHED_LOST[1]  # print(lost)
    assert g12(it.values["a2[1]"]) == g12(it.values["a2[2]"]) == "0.81064649903"
    grads = seed003.gradients(it)
    for w, printed in PUBLISHED_DIFF.items():
        assert fixed(grads[FLAT[w]], 6) == printed, f"diff_{w}"
    for w, printed in PUBLISHED_UPDATE.items():
        assert fixed(it.updated[FLAT[w]], 6) == printed, f"update_{w}"


def article_loop(iterations: int, buggy: bool):
    """The article's training loop in plain floats (its code, without the prints).

    ``buggy=True`` is the code as published: diff_w7/diff_w8 take h_out_2/h_out_1 (swapped)
    and diff_w3/diff_w4 use delta2*w6 + delta1*w8 (w6 and w8 swapped). ``buggy=False`` is
    the same loop with the chain rule of its own forward pass
    (o_in_1 = w5*h_out_1 + w6*h_out_2, o_in_2 = w7*h_out_1 + w8*h_out_2).

    Returns the loss of every forward pass (before that iteration's update), the outputs of
    the last forward pass, and the loss after the last update.
    """
    def sigmoid(x):
        return 1.0 / (1 + math.exp(-x))

    x1, x2, y1, y2 = 0.1, 0.88, 0.55, 1
    w1 = w2 = w3 = w4 = w5 = w6 = w7 = w8 = 1.0
    theta = 0.5

    def forward():
        h_out_1 = sigmoid(w1 * x1 + w2 * x2)
        h_out_2 = sigmoid(w3 * x1 + w4 * x2)
        o_out_1 = sigmoid(w5 * h_out_1 + w6 * h_out_2)
        o_out_2 = sigmoid(w7 * h_out_1 + w8 * h_out_2)
        lost = (y1 - o_out_1) ** 2 / 2 + (y2 - o_out_2) ** 2 / 2
        return h_out_1, h_out_2, o_out_1, o_out_2, lost

    history = []
    for _ in range(iterations):
        h_out_1, h_out_2, o_out_1, o_out_2, lost = forward()
        history.append(lost)
        d1 = -(y1 - o_out_1) * o_out_1 * (1 - o_out_1)
        d2 = -(y2 - o_out_2) * o_out_2 * (1 - o_out_2)
        diff_w5, diff_w6 = d1 * h_out_1, d1 * h_out_2
        if buggy:
            diff_w7, diff_w8 = d2 * h_out_2, d2 * h_out_1
            back_2 = d2 * w6 + d1 * w8
        else:
            diff_w7, diff_w8 = d2 * h_out_1, d2 * h_out_2
            back_2 = d1 * w6 + d2 * w8
        back_1 = d1 * w5 + d2 * w7
        diff_w1 = back_1 * (1 - h_out_1) * h_out_1 * x1
        diff_w2 = back_1 * (1 - h_out_1) * h_out_1 * x2
        diff_w3 = back_2 * (1 - h_out_2) * h_out_2 * x1
        diff_w4 = back_2 * (1 - h_out_2) * h_out_2 * x2
        w1, w2, w3, w4 = (w1 - theta * diff_w1, w2 - theta * diff_w2,
                          w3 - theta * diff_w3, w4 - theta * diff_w4)
        w5, w6, w7, w8 = (w5 - theta * diff_w5, w6 - theta * diff_w6,
                          w7 - theta * diff_w7, w8 - theta * diff_w8)
    last_outputs = (o_out_1, o_out_2)
    after = forward()[4]
    return history, last_outputs, after


@pytest.fixture(scope="module")
def loops():
    return {buggy: article_loop(1000, buggy) for buggy in (True, False)}


def test_seed003_published_losses_are_the_buggy_loop(loops):
    """The article's code as published reproduces its 10/100/1000-iteration numbers.

    The `lost` printed after `for i in range(N)` is the loss of the forward pass of the
    N-th (last) iteration, computed before that iteration's update: history[N-1]. The loss
    after the last update (a further forward pass) does not match. Likewise Y1, Y2 are the
    outputs of that last forward pass.
    """
    history, outputs, after = loops[True]
    for n, printed in PUBLISHED_LOST.items():
        assert g12(history[n - 1]) == printed, n
        assert g12(article_loop(n, True)[0][-1]) == printed  # a fresh N-iteration run
        assert g12(article_loop(n, True)[2]) != printed  # not the loss after the update
    assert (g12(outputs[0]), g12(outputs[1])) == PUBLISHED_Y_1000


def test_seed003_bug_is_invisible_in_the_first_iteration(loops):
    """With all weights 1, h_out_1 = h_out_2 and w6 = w8 in iteration 1, so both swaps give
    the right numbers there (and the printed run output is right); the first update keeps
    w1 = w3, w2 = w4 but makes w6 != w8, so the third forward pass is the first to differ."""
    buggy, right = loops[True][0], loops[False][0]
    assert buggy[:2] == right[:2]
    assert buggy[2] != right[2]


def test_seed003_correct_training_differs_from_the_published(loops, seed003):
    """Right training (the corrected loop, and tracer) does not give the published losses.

    Correct: after 10 iterations 0.0409317918877 (published 0.0409254668911), after 100
    0.00465138805325 (published 0.00504936047507), after 1000 0.000399983376811 (published
    0.000467508796192, Y = 0.550035, 0.971716 instead of 0.550024, 0.969422). tracer's 100
    iterations agree with the corrected loop at every step.
    """
    history, outputs, _ = loops[False]
    for n, printed in PUBLISHED_LOST.items():
        if n == 1:
            assert g12(history[0]) == printed
        else:
            assert rel_diff(history[n - 1], float(printed)) > 1e-4, n
    assert rel_diff(outputs[1], float(PUBLISHED_Y_1000[1])) > 1e-3

    d = example_dict("sigmoid-222-nobias")
    d["iterations"] = 100
    tr = trace(load(d), check=False)
    tracer_history = [it.values["L"] for it in tr.iterations]
    assert len(tracer_history) == 100
    assert tracer_history[0] == seed003.first.loss
    for k, (mine, theirs) in enumerate(zip(tracer_history, history[:100], strict=True), 1):
        assert rel_diff(mine, theirs) < 1e-11, k
    assert rel_diff(tr.final_loss, article_loop(100, False)[2]) < 1e-11
    assert g12(tracer_history[9]) != PUBLISHED_LOST[10]
    assert g12(tracer_history[99]) != PUBLISHED_LOST[100]
    assert rel_diff(tracer_history[9], float(PUBLISHED_LOST[10])) > 1e-4
    assert rel_diff(tracer_history[99], float(PUBLISHED_LOST[100])) > 1e-2


def test_seed003_ten_iterations_by_dict():
    """tracer with `iterations: 10` (the example's numbers given as a dict)."""
    tr = trace(load({
        "inputs": ["0.10", "0.88"], "targets": ["0.55", "1"],
        "layers": [{"units": 2, "activation": "sigmoid", "weights": [[1, 1], [1, 1]]},
                   {"units": 2, "activation": "sigmoid", "weights": [[1, 1], [1, 1]]}],
        "loss": "half_sse", "learning_rate": "0.5", "iterations": 10,
    }))
    history = [it.values["L"] for it in tr.iterations]
    right, buggy = article_loop(10, False), article_loop(10, True)
    for mine, theirs in zip(history, right[0], strict=True):
        assert rel_diff(mine, theirs) < 1e-12
    assert rel_diff(tr.final_loss, right[2]) < 1e-12
    assert g12(history[-1]) != PUBLISHED_LOST[10] == g12(buggy[0][-1])
    assert tr.check.passed


# -- seed 004 (relu-mean): the dead ReLU unit


@pytest.fixture(scope="module")
def seed004():
    return trace(examples.load("relu-mean"))


def test_seed004_prediction_and_error(seed004):
    """Inputs 0.1 and 0.3, target their mean 0.2, prediction -0.1, error 0.3 (all exact)."""
    v = seed004.first.values
    assert (v["x[1]"], v["x[2]"]) == (sp.Rational(1, 10), sp.Rational(3, 10))
    assert v["y[1]"] == (v["x[1]"] + v["x[2]"]) / 2 == sp.Rational(1, 5)
    assert v["a2[1]"] == sp.Rational(-1, 10) and v["a2[1]"].is_Rational
    assert v["y[1]"] - v["a2[1]"] == sp.Rational(3, 10)
    assert v["L"] == sp.Rational(3, 10) ** 2 / 2


def test_seed004_dead_unit(seed004):
    """The third hidden unit's net input is -0.46, so its ReLU output and every gradient
    through it are exactly 0 (SymPy zero, not a float), and its parameters do not move."""
    it = seed004.first
    assert it.values["z1[3]"] == sp.Rational("-0.46")
    assert it.values["a1[3]"] is sp.S.Zero
    grads = seed004.gradients(it)
    for key in ("W2[1,3]", "W1[3,1]", "W1[3,2]", "b1[3]"):
        assert grads[key] is sp.S.Zero, key
        assert it.updated[key] == it.params[key], key
    live = [k for k, g in grads.items() if g != 0]
    assert len(live) == len(grads) - 4


def test_seed004_changes_are_minus_half_sse_gradients(seed004):
    """The article's "change" of a parameter is -dL/dparam for half the squared error.

    Output bias: change = 0.3 (the error). Last-layer weights: error x the weight's input
    (0.3*0.27, 0.3*0.25, 0.3*0 for the dead unit). First hidden unit: error x w = 0.3*(-0.5)
    (ReLU passes it unchanged for a positive net input), times each input for its weights.
    """
    it = seed004.first
    grads = seed004.gradients(it)
    error = sp.Rational(3, 10)
    assert -grads["b2[1]"] == error
    for j in (1, 2, 3):
        assert -grads[f"W2[1,{j}]"] == error * it.values[f"a1[{j}]"]
    hidden = error * it.params["W2[1,1]"]
    assert -grads["b1[1]"] == hidden == sp.Rational(-3, 20)
    for i, x in ((1, sp.Rational(1, 10)), (2, sp.Rational(3, 10))):
        assert -grads[f"W1[1,{i}]"] == hidden * x
    # with the mean squared error (the article's training code) the change would be 0.6
    d = example_dict("relu-mean")
    d["loss"] = "mse"
    mse = trace(load(d), check=False)
    assert -mse.gradients(mse.first)["b2[1]"] == 2 * error


# -- seed 001 (xor-231): the article's gradient is half_sse's, twice the MSE gradient


@pytest.fixture(scope="module")
def seed001():
    runs = {}
    for loss in ("mse", "half_sse"):
        d = example_dict("xor-231")
        d["loss"] = loss
        runs[loss] = trace(load(d), check=False)
    return runs


def test_seed001_article_gradient_is_twice_the_mse_gradient(seed001):
    """output_error = y_pred - y_true summed over the 4 samples (no 2/N) is the gradient of
    half the summed squared error; MSE's is 2/N = 1/2 of it, so article = 2 x MSE."""
    mse, half = seed001["mse"], seed001["half_sse"]
    assert mse.spec.loss == "mse" and half.spec.loss == "half_sse"
    g_mse, g_half = mse.gradients(mse.first), half.gradients(half.first)
    assert list(g_mse) == list(g_half) and len(g_half) == 13
    for key in g_half:
        assert abs(2 * g_mse[key] - g_half[key]) <= 1e-45 * max(abs(g_half[key]), 1e-30), key
        assert g_half[key] != 0
    assert abs(mse.first.loss * 4 - 2 * half.first.loss) <= 1e-45  # mean of 4 vs half the sum


def test_seed001_article_code_gives_the_half_sse_gradient(seed001):
    """The article's numpy forward/backward (X @ W1 layout, W1 is tracer's W1 transposed),
    run on the example's weights, equals tracer's half_sse gradient; its mse_loss is
    tracer's mse loss."""
    d = example_dict("xor-231")
    X = np.array([s["inputs"] for s in d["samples"]], dtype=float)
    y_true = np.array([s["targets"] for s in d["samples"]], dtype=float)
    W1 = np.array(d["layers"][0]["weights"], dtype=float).T
    b1 = np.array([d["layers"][0]["biases"]], dtype=float)
    W2 = np.array(d["layers"][1]["weights"], dtype=float).T
    b2 = np.array([d["layers"][1]["biases"]], dtype=float)

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    hidden = sigmoid(np.dot(X, W1) + b1)
    y_pred = sigmoid(np.dot(hidden, W2) + b2)
    output_delta = (y_pred - y_true) * y_pred * (1 - y_pred)
    hidden_delta = np.dot(output_delta, W2.T) * hidden * (1 - hidden)
    article = {"W2": np.dot(hidden.T, output_delta), "b2": np.sum(output_delta, axis=0),
               "W1": np.dot(X.T, hidden_delta), "b1": np.sum(hidden_delta, axis=0)}

    half = seed001["half_sse"]
    g = half.gradients(half.first)
    for j in range(3):
        for i in range(2):
            assert math.isclose(float(g[f"W1[{j + 1},{i + 1}]"]), article["W1"][i, j], rel_tol=1e-9)
        assert math.isclose(float(g[f"b1[{j + 1}]"]), article["b1"][j], rel_tol=1e-9)
        assert math.isclose(float(g[f"W2[1,{j + 1}]"]), article["W2"][j, 0], rel_tol=1e-9)
    assert math.isclose(float(g["b2[1]"]), article["b2"][0], rel_tol=1e-9)
    mse = seed001["mse"]
    assert math.isclose(float(mse.first.loss), np.mean(np.square(y_true - y_pred)), rel_tol=1e-12)
