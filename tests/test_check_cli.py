"""``tracer check`` on the command line: exit codes, formats, many files at once, bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.latex import compile_pdf, latex_ready
from tests.mathcheck import katex_errors, mathjax_errors, needs_tool, requires_node
from tests.test_cli import run
from tests.test_formats import html_formulas, md_formulas

SEED000 = "a3: 0.6236336\na4: 0.50274997\nL: 0.0412\n"
RIGHT = "a3: 0.62363363\na4: 0.62504087\nz5: 1.2434\n"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, text in {"wrong": SEED000, "right": RIGHT}.items():
        paths[name] = tmp_path / f"{name}.yaml"
        paths[name].write_text(text)
    return paths


def test_exit_codes(files):
    assert run("check", "sigmoid-222-bias", str(files["right"]))[0] == 0
    rc, out, err = run("check", "sigmoid-222-bias", str(files["wrong"]))
    assert (rc, err) == (1, "")
    assert "The bias $w_{4b}$ seems to be left out of the net input" in out


def test_json_output(files):
    rc, out, _ = run("check", "sigmoid-222-bias", str(files["wrong"]), "-f", "json")
    data = json.loads(out)
    assert rc == 1 and data["first_wrong"]["key"] == "a1[2]"
    assert data["first_wrong"]["mistakes"][0]["id"] == "bias_left_out"
    assert [m["verdict"] for m in data["marks"]] == ["correct", "wrong", "wrong"]
    assert data["tolerance"] == {
        "rule": "sig_figs",
        "amount": 4,
        "last_digit": True,
        "fewer_digits": "judge",
        "source": "default",
    }


def test_tolerance_precedence(files, tmp_path):
    strict = tmp_path / "strict.yaml"
    strict.write_text(RIGHT.replace("1.2434", "1.243") + "tolerance: {sig_figs: 5, fewer_digits: wrong}\n")
    rc, out, _ = run("check", "sigmoid-222-bias", str(strict), "-f", "json")
    data = json.loads(out)
    assert rc == 1 and data["tolerance"]["source"] == "answers"
    rc, out, _ = run("check", "sigmoid-222-bias", str(strict), "-f", "json", "--tolerance", "sig_figs=3")
    assert rc == 0 and json.loads(out)["tolerance"]["source"] == "command line"


def test_bad_input_is_one_line_and_exit_2(files, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a3: 0.6\nzz: 1\n")
    rc, out, err = run("check", "sigmoid-222-bias", str(bad))
    assert rc == 2 and out == "" and err.count("\n") == 1 and "zz" in err and "line 2" in err
    rc, _, err = run("check", "sigmoid-222-bias", str(files["right"]), "--tolerance", "bogus")
    assert rc == 2 and "--tolerance" in err
    rc, _, err = run("check", "sigmoid-222-bias", str(files["right"]), str(files["wrong"]))
    assert rc == 2 and "-o FOLDER" in err


def test_many_files_into_a_folder(files, tmp_path):
    out = tmp_path / "feedback"
    rc, _, err = run("check", "sigmoid-222-bias", str(files["right"]), str(files["wrong"]), "-o", str(out))
    assert (rc, err) == (1, "")
    assert sorted(p.name for p in out.iterdir()) == ["right.md", "scores.csv", "wrong.md"]
    rows = list(csv.DictReader((out / "scores.csv").open()))
    assert [(Path(r["file"]).name, r["score"], r["first_wrong"]) for r in rows] == [
        ("right.yaml", "1.0000", ""),
        ("wrong.yaml", "0.3333", "a4"),
    ]


def test_a_bad_file_among_many_writes_nothing(files, tmp_path):
    (tmp_path / "bad.yaml").write_text("a3: [1]\n")
    out = tmp_path / "feedback"
    rc, _, err = run("check", "sigmoid-222-bias", str(tmp_path), "-o", str(out))
    assert rc == 2 and "bad.yaml" in err
    assert not out.exists() or not any(out.iterdir())


def test_output_is_deterministic(files, tmp_path):
    first = run("check", "sigmoid-222-bias", str(files["wrong"]), "-f", "html")[1]
    assert first == run("check", "sigmoid-222-bias", str(files["wrong"]), "-f", "html")[1]
    assert first.count("<math") == first.count("</math>") > 5 and first.rstrip().endswith("</html>")


@requires_node
def test_feedback_math_parses_in_katex_and_mathjax(files):
    items = []
    for lang in ("en", "zh"):
        items += md_formulas(run("check", "sigmoid-222-bias", str(files["wrong"]), "--lang", lang)[1])
        items += html_formulas(run("check", "sigmoid-222-bias", str(files["wrong"]), "-f", "html")[1])
    assert len(items) > 10
    assert katex_errors(items) == []
    assert mathjax_errors(items) == []


@needs_tool(latex_ready(), "pdflatex not installed")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_feedback_latex_compiles(files, tmp_path, lang):
    tex = run("check", "sigmoid-222-bias", str(files["wrong"]), "-f", "tex", "--lang", lang)[1]
    assert compile_pdf(tex, tmp_path).stat().st_size > 0
