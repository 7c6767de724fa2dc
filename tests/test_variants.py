"""``tracer variants``: answer keys that tracer check marks all correct, solutions against an
independent NumPy oracle, the fairness constraints on 1,000 draws, determinism, the command line
and the combined LaTeX documents."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import yaml

import tracer
from tests.latex import compile_pdf, latex_ready
from tests.mathcheck import katex_errors, needs_tool, requires_node
from tests.test_cli import run
from tests.test_formats import md_formulas
from tracer.homework.variation import generate
from tracer.spec.loader import load

SMALL = """\
title: small relu-sigmoid net
inputs: [0.5, -0.3]
targets: [0.8]
layers:
  - {units: 2, activation: relu, weights: [[0.4, -0.2], [0.3, 0.6]], biases: [0.1, 0.2]}
  - {units: 1, activation: sigmoid, weights: [[0.7, -0.5]], biases: [0.05]}
loss: half_sse
learning_rate: 0.5
vary:
  weights: {low: -1, high: 1, step: 0.05}
  biases: {spread: 0.3}
  inputs: {low: -1, high: 1, step: 0.1}
  targets: {values: [0.2, 0.8]}
  learning_rate: {values: [0.1, 0.25, 0.5]}
  constraints: {min_gradient: 0.0001, saturation: 3}
"""


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("set") / "set"
    assert run("variants", "sigmoid-222-bias", "-n", "4", "--seed", "11", "-o", str(out))[0] == 0
    return out


@pytest.mark.parametrize("example", ["sigmoid-222-bias", "xor-231", "softmax-233-ce", "shallow-341-bce"])
def test_every_key_is_marked_all_correct_and_the_blank_template_all_missing(
    tmp_path: Path, example: str
) -> None:
    out = tmp_path / "set"
    assert run("variants", example, "-n", "3", "--seed", "2", "-o", str(out))[0] == 0
    for k in (1, 2, 3):
        d = out / f"variant-{k:03d}"
        for key in ("key.yaml", "key.json"):
            marked = tracer.check(d / "spec.yaml", d / key)
            assert marked.all_right and marked.score["correct"] == marked.score["asked"] > 0, (
                example,
                k,
                key,
            )
        blank = tracer.check(d / "spec.yaml", d / "answers.yaml")
        assert blank.score["missing"] == blank.score["asked"] == marked.score["asked"]


def _oracle(spec: dict) -> dict[str, float]:
    """Forward, backward and update of a 2-layer sigmoid net with half_sse, in NumPy float64."""
    x = np.array(spec["inputs"], float)
    y = np.array(spec["targets"], float)
    (w1, b1), (w2, b2) = [
        (np.array(l["weights"], float), np.array(l["biases"], float)) for l in spec["layers"]
    ]
    eta = float(spec["learning_rate"])
    z1 = w1 @ x + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = w2 @ a1 + b2
    a2 = 1 / (1 + np.exp(-z2))
    d2 = (a2 - y) * a2 * (1 - a2)
    d1 = (w2.T @ d2) * a1 * (1 - a1)
    out = {"L": float(0.5 * np.sum((y - a2) ** 2))}
    for l, (z, a, d, w, prev) in enumerate([(z1, a1, d1, w1, x), (z2, a2, d2, w2, a1)], 1):
        for j in range(len(z)):
            out[f"z{l}[{j + 1}]"], out[f"a{l}[{j + 1}]"], out[f"dL/dz{l}[{j + 1}]"] = z[j], a[j], d[j]
            out[f"dL/db{l}[{j + 1}]"] = d[j]
            out[f"b{l}[{j + 1}]+"] = [b1, b2][l - 1][j] - eta * d[j]
            for i in range(len(prev)):
                out[f"dL/dW{l}[{j + 1},{i + 1}]"] = d[j] * prev[i]
                out[f"W{l}[{j + 1},{i + 1}]+"] = w[j, i] - eta * d[j] * prev[i]
    return out


def test_solutions_match_an_independent_numpy_oracle(tmp_path: Path) -> None:
    out = tmp_path / "set"
    assert (
        run("variants", "sigmoid-222-bias", "-n", "5", "--seed", "3", "--notation", "layer", "-o", str(out))[
            0
        ]
        == 0
    )
    for k in range(1, 6):
        d = out / f"variant-{k:03d}"
        spec = yaml.safe_load((d / "spec.yaml").read_text())
        key = yaml.safe_load((d / "key.yaml").read_text())
        expected = _oracle(spec)
        assert set(key) - {"tolerance"} == set(expected)
        for name, value in expected.items():
            assert float(key[name]) == pytest.approx(value, rel=1e-9, abs=1e-12), (k, name)
        # the worked solution shows the same loss, to its 8 digits
        assert f"{expected['L']:.8g}"[:8] in (d / "solution.md").read_text()


def _numpy_small(spec: dict) -> tuple[np.ndarray, float, np.ndarray]:
    x = np.array(spec["inputs"], float)
    (w1, b1), (w2, b2) = [
        (np.array(l["weights"], float), np.array(l["biases"], float)) for l in spec["layers"]
    ]
    z1 = w1 @ x + b1
    a1 = np.maximum(z1, 0)
    z2 = w2 @ a1 + b2
    a2 = 1 / (1 + np.exp(-z2))
    d2 = (a2 - np.array(spec["targets"], float)) * a2 * (1 - a2)
    d1 = (w2.T @ d2) * (z1 > 0)
    grads = np.concatenate([np.outer(d1, x).ravel(), d1, np.outer(d2, a1).ravel(), d2])
    return z1, float(z2[0]), grads


@pytest.mark.slow
def test_constraints_hold_on_1000_variants() -> None:
    spec = load_text(SMALL)
    variants = generate(spec, 9, 1000)
    seen = set()
    for v in variants:
        numbers = dict(v.numbers)
        assert tuple(numbers.values()) not in seen
        seen.add(tuple(numbers.values()))
        doc = {
            "inputs": [float(numbers["x[1]"]), float(numbers["x[2]"])],
            "targets": [float(numbers["y[1]"])],
            "layers": [
                {"weights": [[float(numbers[f"W1[{j},{i}]"]) for i in (1, 2)] for j in (1, 2)],
                 "biases": [float(numbers["b1[1]"]), float(numbers["b1[2]"])]},
                {"weights": [[float(numbers["W2[1,1]"]), float(numbers["W2[1,2]"])]],
                 "biases": [float(numbers["b2[1]"])]},
            ],
        }  # fmt: skip
        z1, z2, grads = _numpy_small(doc)
        assert (z1 > 0).all(), "a dead ReLU"
        assert abs(z2) <= 3, "a saturated sigmoid"
        assert (np.abs(grads) >= 1e-4).all(), "a vanishing gradient"
        weights = [numbers[k] for k in numbers if k.startswith("W")]
        assert all(w != 0 and -1 <= w <= 1 and (w * 20).is_integer for w in weights)
        assert all(-1 <= numbers[f"x[{i}]"] <= 1 and (numbers[f"x[{i}]"] * 10).is_integer for i in (1, 2))
        assert abs(numbers["b1[1]"] - spec.layers[0].biases[0]) <= sp.Rational(3, 10)
        assert numbers["y[1]"] in (sp.Rational(1, 5), sp.Rational(4, 5))
        assert numbers["eta"] in (sp.Rational(1, 10), sp.Rational(1, 4), sp.Rational(1, 2))


def load_text(text: str):
    return tracer.load(text)


def test_variant_k_does_not_depend_on_n_and_runs_are_byte_identical(tmp_path: Path, made: Path) -> None:
    spec = load("sigmoid-222-bias")
    assert [v.numbers for v in generate(spec, 11, 4)] == [v.numbers for v in generate(spec, 11, 50)[:4]]
    again = tmp_path / "again"
    assert run("variants", "sigmoid-222-bias", "-n", "4", "--seed", "11", "-o", str(again))[0] == 0
    assert files(again) == files(made)
    alone = tmp_path / "alone"
    assert run("variants", "sigmoid-222-bias", "--only", "3", "--seed", "11", "-o", str(alone))[0] == 0
    assert set(files(alone)) == {f"variant-003/{n}" for n in files(made / "variant-003")}
    assert files(alone / "variant-003") == files(made / "variant-003")
    other = generate(spec, 12, 4)
    assert [v.numbers for v in other] != [v.numbers for v in generate(spec, 11, 4)]


def test_index_lists_every_variant_with_its_seed(made: Path) -> None:
    rows = (made / "index.csv").read_text().splitlines()
    assert rows[0].startswith("variant,seed,draw,folder,L,")
    assert [r.split(",")[:2] for r in rows[1:]] == [[str(k), "11"] for k in range(1, 5)]
    md = (made / "index.md").read_text()
    assert "--seed 11 --only k" in md and "`variant-004`" in md
    key = json.loads((made / "variant-002" / "key.json").read_text())
    assert key["tolerance"] == {"sig_figs": 4}


@requires_node
def test_sheets_math_parses_in_katex(made: Path) -> None:
    items = md_formulas((made / "variant-001" / "sheet.md").read_text())
    assert items and not katex_errors(items)


def test_help_and_bad_input(tmp_path: Path) -> None:
    rc, out, _ = run("variants", "--help")
    assert rc == 0 and "--seed" in out and "--only" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("step: 0.05}", "step: -0.05}"))
    rc, _, err = run("variants", str(bad), "-n", "2", "-o", str(tmp_path / "o"))
    assert rc == 2 and err.count("\n") == 1 and "vary.weights.step" in err and "expected a step > 0" in err
    assert not (tmp_path / "o").exists()
    bad.write_text(SMALL.replace("saturation: 3", "saturation: 0.001, tries: 3"))
    rc, _, err = run("variants", str(bad), "-n", "2", "-o", str(tmp_path / "o"))
    assert rc == 2 and err.count("\n") == 1 and "after 3 tries" in err and "most often: " in err
    assert not (tmp_path / "o").exists()
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert run("variants", "sigmoid-222-bias", "-n", "1", "-o", str(a_file))[0] == 2
    rc, _, err = run("variants", "sigmoid-222-bias", "-n", "1", "-o", str(tmp_path / "no" / "such"))
    assert rc == 2 and "does not exist" in err
    rc, _, err = run("variants", "sigmoid-222-bias", "-o", str(tmp_path / "o"))
    assert rc == 2 and "-n" in err
    assert run("variants", "sigmoid-222-bias", "-n", "0", "-o", str(tmp_path / "o"))[0] == 2


def test_too_few_choices_for_distinct_variants_is_one_line(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(
        SMALL.split("vary:")[0]
        + "vary: {weights: false, biases: false, inputs: false, targets: {values: [0.2, 0.8]}, "
        "constraints: {tries: 20}}\n"
    )
    rc, _, err = run("variants", str(spec), "-n", "3", "-o", str(tmp_path / "o"))
    assert rc == 2 and "no draw for variant 3" in err and "the same numbers as an earlier variant" in err


def test_spec_file_round_trips_exactly(made: Path) -> None:
    spec = load(str(made / "variant-001" / "spec.yaml"))
    variant = generate(load("sigmoid-222-bias"), 11, 1)[0]
    assert spec.layers == variant.spec.layers and spec.samples == variant.spec.samples


@needs_tool(latex_ready(), "pdflatex not installed")
@pytest.mark.parametrize("language", ["en", "zh"])
def test_combined_latex_compiles(tmp_path: Path, language: str) -> None:
    out = tmp_path / "tex"
    assert (
        run("variants", "sigmoid-222-bias", "-n", "2", "-f", "tex", "--lang", language, "-o", str(out))[0]
        == 0
    )
    for name in ("sheets.tex", "solutions.tex"):
        text = (out / name).read_text()
        assert text.count(r"\newpage") == 2
        assert compile_pdf(text, tmp_path / f"pdf-{name}").stat().st_size > 0
