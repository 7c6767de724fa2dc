"""Custom activation formulas are parsed by a whitelist, never evaluated as Python."""

from __future__ import annotations

import pytest
import sympy as sp

from tracer.errors import TracerError
from tracer.spec.formula import Z, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("z / (1 + abs(z))", Z / (1 + sp.Abs(Z))),
        ("ln(1 + exp(z))", sp.log(1 + sp.exp(Z))),
        ("max(0.1*z, z)", sp.Max(sp.Rational(1, 10) * Z, Z)),
        ("z^2 / 2", Z**2 / 2),
        ("-z + e**z - pi", -Z + sp.exp(Z) - sp.pi),
        ("1/(1 + e^(-z))", 1 / (1 + sp.exp(-Z))),
    ],
)
def test_formulas_become_exact_sympy(text: str, expected: sp.Expr) -> None:
    assert sp.simplify(parse(text) - expected) == 0


def test_numbers_are_read_exactly() -> None:
    assert parse("0.1 * z") == sp.Rational(1, 10) * Z


def test_derivatives_come_from_sympy() -> None:
    softsign = parse("z / (1 + abs(z))")
    d = sp.diff(softsign, Z)
    assert sp.simplify(d.subs(Z, 2) - sp.Rational(1, 9)) == 0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("__import__('os').system('touch pwned')", "attribute access (.system)"),
        ("__import__('os')", "the function '__import__'"),
        ("z.__class__", "attribute access (.__class__)"),
        ("(lambda: 1)() + z", "a lambda"),
        ("lambda z: z", "a lambda"),
        ("z[0]", "indexing"),
        ("open('x') + z", "the function 'open'"),
        ("exp(z, base=2)", "a keyword or starred argument"),
        ("z if z > 0 else 0", "IfExp"),
        ("z > 0", "a comparison"),
        ("'abc' + z", "the constant 'abc'"),
        ("True + z", "the constant True"),
        ("y + z", "the name 'y'"),
        ("__builtins__", "the name '__builtins__'"),
        ("[z for z in ()]", "ListComp"),
        ("z @ z", "the operator MatMult"),
    ],
)
def test_anything_else_is_refused_with_a_reason(text: str, problem: str, tmp_path) -> None:
    with pytest.raises(TracerError, match="not allowed in a formula") as err:
        parse(text, "activations.mine")
    assert problem in str(err.value)
    assert str(err.value).startswith("activations.mine: ")
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("9**9**9 * z", "a power of two constants"),
        ("z**1000", "an exponent larger than 100"),
        ("z / 0", "division by zero"),
        ("1 + 2", "does not use z"),
        ("z +", "not a formula"),
        ("z" + " + z" * 150, "longer than 200 characters"),
        ("max(z)", r"max\(\) takes 2 arguments"),
    ],
)
def test_dangerous_or_meaningless_formulas_are_refused(text: str, problem: str) -> None:
    with pytest.raises(TracerError, match=problem):
        parse(text)


# -- in a spec --------------------------------------------------------------------------------

SOFTSIGN = {
    "inputs": ["0.5", "-0.2"],
    "targets": ["0.3"],
    "activations": {"softsign": "z / (1 + abs(z))"},
    "layers": [
        {
            "units": 2,
            "activation": "softsign",
            "weights": [["0.4", "-0.6"], ["0.3", "0.8"]],
            "biases": ["0.1", "0"],
        },
        {"units": 1, "activation": "linear", "weights": [["0.5", "-0.5"]]},
    ],
    "loss": "half_sse",
    "learning_rate": "0.1",
}


def test_a_custom_activation_is_derived_checked_and_trained() -> None:
    import dataclasses

    from tracer.evaluate.tracing import trace
    from tracer.report.render import render
    from tracer.spec.loader import load

    spec = load(SOFTSIGN)
    tr = trace(spec)
    assert tr.check.symbolic == "passed" and tr.check.numeric == "passed"
    # a = z/(1+|z|) at z = 0.5·0.4 + (−0.2)(−0.6) + 0.1 = 0.42, exactly 0.42/1.42
    assert (
        sp.nsimplify(tr.first.values["a1[1]"], rational=False) == sp.Rational(42, 142)
        or abs(float(tr.first.values["a1[1]"]) - 42 / 142) < 1e-15
    )
    md = render(tr)
    assert "\\operatorname{softsign}(z) = \\frac{z}{1 + \\left|{z}\\right|}" in md
    assert "defined by the spec as z / (1 + abs(z))" in md
    long = dataclasses.replace(spec, iterations=20)
    exact, fast = trace(long, check=False, detail=(20,)), trace(long, check=False)
    assert float(fast.final_loss) == pytest.approx(float(exact.final_loss), rel=1e-12)


@pytest.mark.parametrize(
    ("activations", "message"),
    [
        (
            {"evil": "__import__('os').system('x')"},
            "activations.evil (line 1): attribute access (.system) is not allowed",
        ),
        ({"sigmoid": "z"}, "activations.sigmoid (line 1): sigmoid is a built-in activation"),
        ({"Bad Name": "z"}, "an activation name is 1 to 20 lower-case letters"),
        ({"flat": "1 + 2"}, "activations.flat (line 1): the formula does not use z"),
    ],
)
def test_bad_custom_activations_in_a_spec(activations: dict, message: str, tmp_path) -> None:
    import yaml

    from tracer.cli import main

    spec = dict(SOFTSIGN, activations=activations)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    with pytest.raises(TracerError, match=None) as err:
        from tracer.spec.loader import load

        load(str(path))
    assert message.split(" (line")[0] in str(err.value)
    assert main(["report", str(path), "-o", str(tmp_path / "out.md")]) == 2
    assert not (tmp_path / "out.md").exists()
