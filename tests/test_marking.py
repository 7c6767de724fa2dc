"""tracer check: tolerance rules, verdicts, carried errors, the mistake catalog, later iterations.

Injected mistakes are computed here, independently of tracer.homework.mistakes, from the true values
with the formula a student would have used by mistake (z − b, −∂L/∂a, w + η g, …); tracer must
name that mistake and mark the later answers that follow from it ``carried``.
"""

from __future__ import annotations

import math
from functools import cache

import mpmath
import pytest
import sympy as sp

from tracer.evaluate.tracing import trace
from tracer.homework import answers, marking, mistakes, recompute
from tracer.notation import grad, partial, updated
from tracer.spec import examples
from tracer.spec.tolerance import DEFAULT, Tolerance, parse_option, written

# -- tolerance ------------------------------------------------------------------------------------


def judge(rule: Tolerance, text: str, expected: str) -> bool:
    return rule.judge(text, sp.Rational(text), sp.Rational(expected))[0]


@pytest.mark.parametrize(
    ("text", "expected", "right"),
    [
        ("0.6236", "0.62363362", True),
        ("0.6237", "0.62363362", True),  # last digit off by one (default)
        ("0.6238", "0.62363362", False),
        ("0.1000", "0.09996", True),  # rounding 0.09996 to 4 figures gives 0.1000
        ("0.50274997", "0.62504087", False),
        ("-0.02113", "-0.021134", True),
        ("1.2e-3", "0.0012", True),
    ],
)
def test_sig_figs(text, expected, right):
    assert judge(DEFAULT, text, expected) is right


def test_last_digit_option_and_decimals_rel_abs():
    strict = Tolerance("sig_figs", sp.Integer(4), last_digit=False)
    assert not judge(strict, "0.6237", "0.62363362")
    assert judge(strict, "0.6236", "0.62363362")
    dec = parse_option("decimals=2,last_digit=false")
    assert judge(dec, "0.62", "0.6249") and not judge(dec, "0.62", "0.6251")
    assert judge(parse_option("rel=1e-3"), "1.001", "1.0") and not judge(
        parse_option("rel=1e-3"), "1.002", "1.0"
    )
    assert judge(parse_option("abs=0.01"), "0.500", "0.509") and not judge(
        parse_option("abs=0.01"), "0.500", "0.52"
    )


def test_fewer_digits_are_judged_at_the_digits_written_or_refused():
    right, note = DEFAULT.judge("0.62", sp.Rational("0.62"), sp.Rational("0.62363362"))
    assert right and note == "fewer"
    assert not DEFAULT.judge("0.65", sp.Rational("0.65"), sp.Rational("0.62363362"))[0]
    strict = parse_option("sig_figs=4,fewer_digits=wrong")
    assert strict.judge("0.62", sp.Rational("0.62"), sp.Rational("0.62363362"))[0] is False


def test_written_precision():
    assert written("0.0450") == written("4.50e-2")
    assert written("0.0450").sig_figs == 3 and written("0.0450").last_place == -4
    assert written("1200").sig_figs == 2
    assert written("1/3").sig_figs is None


# -- the true values as answers --------------------------------------------------------------------


@cache
def traced(name: str):
    """A built-in example; ``name:sum`` is it with half_sse summed over the samples."""
    base, _, variant = name.partition(":")
    spec = examples.load(base)
    if variant == "sum":
        from dataclasses import replace

        spec = replace(spec, loss="half_sse", reduction="sum")
    return trace(spec, check=False)


def answer_items(t, values: dict, notation: str | None = None, digits: int = 10) -> str:
    """An answers file (YAML text) giving every answerable quantity of iteration 1."""
    names = t.network.notation(notation or t.spec.notation)
    lines = []
    if notation:
        lines.append(f"notation: {notation}")
    for key in keys_of(t):
        value = values[key]
        lines.append(f"'{names.text(key)}': {mpmath.nstr(mpmath.mpf(str(sp.Float(value, 30))), digits)}")
    return "\n".join(lines) + "\n"


def keys_of(t) -> list[str]:
    return [s.key for s in t.steps]


def mark_text(t, text: str, rule: Tolerance = DEFAULT) -> marking.Marking:
    valid = set(t.first.values) | {"L+"}
    parsed = answers.parse_text(text, "answers.yaml", t.network, t.spec.iterations, valid)
    return marking.mark(t, parsed, rule)


#: The built-in examples small enough to write every answer of (relu-deep has 8 577 parameters).
SMALL = [n for n in examples.names() if n != "relu-deep"]


@pytest.mark.parametrize("name", SMALL)
@pytest.mark.parametrize("notation", ["layer", "node", "flat"])
def test_true_values_are_all_correct(name, notation):
    t = traced(name)
    m = mark_text(t, answer_items(t, t.first.values, notation))
    assert m.count("correct") == len(keys_of(t)) and m.all_right
    assert m.first_wrong is None


# -- injected mistakes, computed independently ------------------------------------------------------


def sigmoid(z):
    return 1 / (1 + mpmath.exp(-mpmath.mpf(z)))


def f(value) -> mpmath.mpf:
    return mpmath.mpf(str(sp.Float(value, 40)))


def inject(name: str, key: str, value) -> tuple:
    """Answers for every step of iteration 1 when ``key`` is written as ``value``: the values
    after it follow from the student's number (error carried forward)."""
    t = traced(name)
    net = t.network
    start = dict(t.first.params)
    wrong = sp.Float(str(mpmath.nstr(value, 15)), 30)
    own, _ = recompute.iteration(net, start, {key: wrong})
    values = {k: (wrong if k == key else own.computed[k]) for k in keys_of(t)}
    return t, mark_text(t, answer_items(t, values))


CASES = {
    # mistake id: (example, key, the wrong value a student writes)
    "bias_left_out": ("sigmoid-222-bias", "z1[2]", lambda v: f(v["z1[2]"]) - f(v["b1[2]"])),
    "activation_forgotten": ("sigmoid-222-bias", "a1[1]", lambda v: f(v["z1[1]"])),
    "derivative_forgotten": ("sigmoid-222-bias", "delta2[1]", lambda v: f(v["dL/da2[1]"])),
    "derivative_of_z": (
        "sigmoid-222-bias",
        "da2[1]/dz2[1]",
        lambda v: f(v["z2[1]"]) * (1 - f(v["z2[1]"])),
    ),
    "sign_flipped": ("sigmoid-222-bias", "dL/da2[1]", lambda v: -f(v["dL/da2[1]"])),
    "half_dropped": ("sigmoid-222-bias", "L", lambda v: 2 * f(v["L"])),
    "half_doubled": ("sigmoid-222-bias", "L", lambda v: f(v["L"]) / 2),
    "indices_swapped": (
        "sigmoid-222-bias",
        "dL/dW2[1,1]",
        lambda v: f(v["delta2[1]"]) * f(v["a1[2]"]),  # δ5·a4 where δ5·a3 belongs
    ),
    "updated_weights_used": (
        "sigmoid-222-bias",
        "dL/da1[1]",
        lambda v: f(v["delta2[1]"]) * f(v["W2[1,1]+"]) + f(v["delta2[2]"]) * f(v["W2[2,1]+"]),
    ),
    "step_added": (
        "sigmoid-222-bias",
        "W2[1,1]+",
        lambda v: f(v["W2[1,1]"]) + f(v["eta"]) * f(v["dL/dW2[1,1]"]),
    ),
    "rate_left_out": ("sigmoid-222-bias", "W2[1,1]+", lambda v: f(v["W2[1,1]"]) - f(v["dL/dW2[1,1]"])),
    "sum_not_mean": ("xor-231", "L", lambda v: f(v["L"]) * 4),  # mse over 4 samples
    "mean_not_sum": ("xor-231:sum", "L", lambda v: f(v["L"]) / 4),
    "rounded_early": (
        "sigmoid-222-bias",
        "a1[1]",
        lambda v: sigmoid(mpmath.nstr(f(v["z1[1]"]), 2)),  # σ(z) with z rounded to 2 figures
    ),
}


def test_every_catalog_entry_has_a_case():
    assert set(CASES) == {m.id for m in mistakes.CATALOG}


@pytest.mark.parametrize("mistake", sorted(CASES))
def test_injected_mistake_is_diagnosed_and_later_answers_carried(mistake):
    name, key, make = CASES[mistake]
    t = traced(name)
    value = make(t.first.values)
    t, m = inject(name, key, value)
    first = m.first_wrong
    assert first is not None and first.key == key
    assert mistake in [d.mistake for d in first.diagnoses], [d.mistake for d in first.diagnoses]
    graph = marking.Graph(t)
    after = [mk for mk in m.marks if key in graph.ancestors(mk.key)]
    changed = [mk for mk in after if not DEFAULT.judge(mk.answer.text, mk.answer.value, mk.expected)[0]]
    assert all(mk.verdict == "carried" for mk in changed), [(mk.key, mk.verdict) for mk in changed]
    assert m.count("wrong") == 1  # the slip costs once


def test_seed000_a4_is_diagnosed_as_the_bias_left_out():
    """The seed article's a4 = 0.50274997 is σ(0.011): the bias left out of z4 (not written)."""
    t = traced("sigmoid-222-bias")
    m = mark_text(t, "a3: 0.6236336\na4: 0.50274997\n")
    first = m.first_wrong
    assert first.key == "a1[2]" and first.diagnoses[0].mistake == "bias_left_out"
    assert first.diagnoses[0].detail == {"bias": "b1[2]", "at": "z1[2]"}
    assert [mk.verdict for mk in m.marks] == ["correct", "wrong"]


# -- carried: computed independently for the 2-2-2 network ----------------------------------------


def test_carried_values_follow_the_students_numbers():
    """a4 written wrong; z5, a5 and L computed from it (here, with mpmath) are carried."""
    t = traced("sigmoid-222-bias")
    v = t.first.values
    a3, a4 = f(v["a1[1]"]), mpmath.mpf("0.5")
    z5 = f(v["W2[1,1]"]) * a3 + f(v["W2[1,2]"]) * a4 + f(v["b2[1]"])
    z6 = f(v["W2[2,1]"]) * a3 + f(v["W2[2,2]"]) * a4 + f(v["b2[2]"])
    a5, a6 = sigmoid(z5), sigmoid(z6)
    loss = ((f(v["y[1]"]) - a5) ** 2 + (f(v["y[2]"]) - a6) ** 2) / 2
    shown = {"a3": a3, "a4": "0.5000", "z5": z5, "a5": a5, "L": loss}
    text = "".join(f"{k}: {v if isinstance(v, str) else mpmath.nstr(v, 8)}\n" for k, v in shown.items())
    m = mark_text(t, text)
    assert [(mk.answer.name, mk.verdict) for mk in m.marks] == [
        ("a3", "correct"),
        ("a4", "wrong"),
        ("z5", "carried"),
        ("a5", "carried"),
        ("L", "carried"),
    ]
    assert m.marks[2].because == ("a1[2]",)
    assert m.score["score"] == 0.8


def test_a_wrong_value_with_no_wrong_answer_before_it_is_never_carried():
    """Guard rail: consistent wrong intermediates do not earn credit for themselves."""
    t = traced("sigmoid-222-bias")
    # z5 wrong (a3, a4 not given): nothing upstream is marked wrong, so z5 is wrong, and a5
    # computed from the wrong z5 is carried — z5 itself is not.
    z5 = mpmath.mpf("1.0")
    text = f"z5: 1.0\na5: {mpmath.nstr(sigmoid(z5), 8)}\n"
    m = mark_text(t, text)
    assert [mk.verdict for mk in m.marks] == ["wrong", "carried"]


# -- the answers file ------------------------------------------------------------------------------


def test_blank_is_missing_and_text_is_unreadable_but_the_rest_is_marked():
    t = traced("sigmoid-222-bias")
    m = mark_text(t, "a3: ~\na4: about 0.6\nL: 0.04343\n")
    verdicts = {mk.answer.name: mk.verdict for mk in m.marks}
    assert verdicts == {"a3": "missing", "a4": "wrong", "L": "correct"}
    assert next(mk for mk in m.marks if mk.answer.name == "a4").answer.unreadable


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- 1\n- 2\n", "expected a mapping of quantity names to numbers"),
        ("a9: 0.5\n", "'a9' names nothing in the node notation"),
        ("a33: 0.5\n", "did you mean"),
        ("x1: 0.5\n", "is given in the problem"),
        ("w53: 0.5\n", "is given in the spec"),
        ("iteration 5:\n  L: 0.1\n", "iteration 5 is not one the spec runs (1 to 1)"),
        ("a3: [1, 2]\n", "expected one number, got a list of 2"),
        ("a3: 0.6\nA3: 0.6\n", "names the same quantity"),
        ("tolerance: {sig_figs: 0}\n", "expected a whole number from 1 to 30"),
        ("tolerance: {bogus: 1}\n", "unknown key 'bogus'"),
    ],
)
def test_bad_answers_files_get_one_line(text, message):
    from tracer.errors import TracerError

    t = traced("sigmoid-222-bias")
    with pytest.raises(TracerError) as err:
        answers.parse_text(text, "answers.yaml", t.network, 1, set(t.first.values) | {"L+"})
    assert message in str(err.value) and "\n" not in str(err.value)


def test_names_of_every_notation_resolve():
    t = traced("sigmoid-222-bias")
    r = answers.Resolver(t.network, "node", set(t.first.values) | {"L+"})
    assert r.resolve("a4") == r.resolve("a1[2]") == "a1[2]"
    assert r.resolve("dL/dw53") == grad("W2[1,1]")
    assert r.resolve("w53+") == updated("W2[1,1]")
    assert r.resolve("dL/dz5") == "delta2[1]"
    assert r.resolve("da5/dz5") == partial("a2[1]", "z2[1]")
    assert r.resolve("E_total") == "L" and r.resolve("L+") == "L+"


# -- later iterations --------------------------------------------------------------------------------


def test_later_iterations_chain_from_the_students_updates():
    """A wrong update in iteration 1 is carried into iteration 2's loss, not charged again."""
    t = trace(examples.load("sigmoid-222-nobias"), check=False, detail=(2,))
    net = t.network
    v = t.first.values
    wrong = {updated(p.key): v[updated(p.key)] for p in net.trainable}
    wrong["W2[1,1]+"] = v["W2[1,1]"] + v["eta"] * v["dL/dW2[1,1]"]  # step added
    nxt = {k[:-1]: val for k, val in wrong.items()}
    loss2 = recompute.iteration(net, nxt, {})[0].computed["L"]
    names = net.notation("flat")
    lines = [f"'{names.text(k)}': {float(val):.10g}" for k, val in wrong.items()]
    lines += ["iteration 2:", f"  L: {float(loss2):.10g}"]
    m = mark_text(t, "\n".join(lines) + "\n")
    verdicts = {(mk.iteration, mk.key): mk.verdict for mk in m.marks}
    assert verdicts[(1, "W2[1,1]+")] == "wrong"
    assert verdicts[(2, "L")] == "carried"
    assert m.first_wrong.diagnoses[0].mistake == "step_added"


def test_a_mistake_made_at_every_iteration_is_found():
    """Losses at iterations 5 and 20 of training with the ½ of the loss dropped (every
    output gradient doubled), computed here with an independent mpmath loop."""
    t = trace(examples.load("sigmoid-222-nobias"), check=False, detail=(10,), iterations=20)
    spec = t.spec
    w = [[f(x) for x in row] for layer in spec.layers for row in layer.weights]
    x = [f(v) for v in spec.samples[0].inputs]
    y = [f(v) for v in spec.samples[0].targets]
    eta = f(spec.learning_rate)
    losses = {}
    for n in range(1, 21):
        h = [sigmoid(w[j][0] * x[0] + w[j][1] * x[1]) for j in range(2)]
        o = [sigmoid(w[2 + k][0] * h[0] + w[2 + k][1] * h[1]) for k in range(2)]
        losses[n] = sum((y[k] - o[k]) ** 2 for k in range(2)) / 2
        d_o = [2 * (o[k] - y[k]) * o[k] * (1 - o[k]) for k in range(2)]  # doubled
        d_h = [sum(d_o[k] * w[2 + k][j] for k in range(2)) * h[j] * (1 - h[j]) for j in range(2)]
        for k in range(2):
            for j in range(2):
                w[2 + k][j] -= eta * d_o[k] * h[j]
        for j in range(2):
            for i in range(2):
                w[j][i] -= eta * d_h[j] * x[i]
    text = (
        f"iteration 5:\n  L: {mpmath.nstr(losses[5], 8)}\niteration 20:\n  L: {mpmath.nstr(losses[20], 8)}\n"
    )
    valid = set(t.first.values) | {"L+"}
    parsed = answers.parse_text(text, "a.yaml", t.network, 20, valid)
    m = marking.mark(t, parsed, DEFAULT)
    assert [mk.verdict for mk in m.marks] == ["wrong", "wrong"]
    assert m.training is not None and m.training.tried
    assert "half_dropped" in m.training.found and "step_added" not in m.training.found


def test_seed003_published_losses_are_wrong_and_no_single_mistake_explains_them():
    """The article's 10/100/1000-iteration losses come from two swapped indices in its code
    (tests/test_seeds.py); no single catalog mistake made at every iteration gives them."""
    t = trace(examples.load("sigmoid-222-nobias"), check=False, detail=(10,))
    text = "iteration 10:\n  L: 0.0409254668911\niteration 100:\n  L: 0.00504936047507\n"
    valid = set(t.first.values) | {"L+"}
    rule = parse_option("sig_figs=8")
    m = marking.mark(t, answers.parse_text(text, "a.yaml", t.network, 1000, valid), rule)
    assert [mk.verdict for mk in m.marks] == ["wrong", "wrong"]
    assert m.training.tried and m.training.found == ()
    assert math.isclose(float(m.marks[0].expected), 0.0409317918877, rel_tol=1e-9)


# -- every example × every catalog entry --------------------------------------------------------------


def first_applicable(t, mistake: mistakes.Mistake):
    """The first step of ``t`` where ``mistake`` gives a value clearly off the true one."""
    own, _ = recompute.iteration(t.network, dict(t.first.params), {})
    for step in t.steps:
        if step.kind not in mistake.kinds:
            continue
        situation = mistakes.Situation(t.network, step.key, step, own, own.computed)
        for _detail, value in mistake.alternatives(situation):
            true = t.first.values[step.key]
            text = mpmath.nstr(f(value), 10)
            if value.is_finite and not DEFAULT.judge(text, sp.Rational(text), true)[0]:
                return step.key, value
    return None


@pytest.mark.parametrize("name", [*SMALL, "xor-231:sum"])
def test_each_catalog_mistake_is_found_in_each_example(name):
    """The catalog's own value for a mistake, written by a student at the first step where the
    mistake shows, is named, and everything after it that follows from it is carried."""
    t = traced(name)
    graph = marking.Graph(t)
    tried = 0
    for mistake in mistakes.CATALOG:
        found = first_applicable(t, mistake)
        if found is None:
            continue
        key, value = found
        _, m = inject(name, key, f(value))
        first = m.first_wrong
        assert first is not None and first.key == key, (mistake.id, key)
        assert mistake.id in [d.mistake for d in first.diagnoses], (mistake.id, key)
        later = [mk for mk in m.marks if key in graph.ancestors(mk.key) and mk.verdict != "correct"]
        assert all(mk.verdict == "carried" for mk in later), (mistake.id, [(x.key, x.verdict) for x in later])
        tried += 1
    assert tried >= 6


# -- the Python API ---------------------------------------------------------------------------------


def test_python_api_check():
    import tracer

    marked = tracer.check("sigmoid-222-bias", {"a3": "0.6236336", "a4": "0.50274997"})
    assert marked.score["wrong"] == 1 and not marked.all_right
    assert marked.first_wrong.answer.name == "a4"
    assert marked.first_wrong.diagnoses[0].mistake == "bias_left_out"
    assert "The first wrong step" in marked.to_markdown() and "<math" in marked.to_html()
    assert marked.to_dict()["score"] == marked.score
    # a float keeps its shortest digits; a tolerance given here wins over the file's
    text = "a3: 0.62\ntolerance: {sig_figs: 2}\n"
    assert tracer.check("sigmoid-222-bias", text).all_right
    assert not tracer.check("sigmoid-222-bias", text, tolerance="sig_figs=3,fewer_digits=wrong").all_right
    assert tracer.check("sigmoid-222-bias", {"a3": 0.6236336}).all_right


def test_python_api_variants_are_checkable():
    import tracer

    drawn = tracer.variants("sigmoid-222-bias", 3, seed=5)
    assert [v.index for v in drawn] == [1, 2, 3]
    more = tracer.variants("sigmoid-222-bias", 5, seed=5)
    assert [v.numbers for v in drawn] == [v.numbers for v in more[:3]]
    v = drawn[1]
    t = tracer.trace(v.spec, check=False).trace
    assert tracer.check(v.spec, {"a3": str(sp.Float(t.first.values["a1[1]"], 12))}).all_right
