"""The Python API (tracer.trace(spec).to_markdown() …), its Jupyter reprs, and the two formats for
embedding: reStructuredText (parsed by docutils) and arithmatex HTML, whose math must be the
Markdown report's math, formula for formula."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import tracer
from tests import smallnet
from tests.shared import by_size
from tracer.cli import main
from tracer.errors import TracerError
from tracer.spec import examples
from tracer.spec.model import NetworkSpec

ROOT = Path(__file__).resolve().parents[1]
BIAS = yaml.safe_load(examples.text("sigmoid-222-bias"))
T = tracer.trace("sigmoid-222-bias", check=False)


def test_import_is_light() -> None:
    heavy = "('sympy', 'jinja2', 'numpy', 'yaml')"
    code = f"import sys, tracer; print(sorted(m for m in {heavy} if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_trace_is_the_function_after_the_module_is_imported() -> None:
    import tracer.evaluate.tracing as module_or_function  # noqa: F401  (the import itself is the test)
    from tracer.evaluate.tracing import Trace

    assert callable(tracer.trace) and tracer.trace.__module__ == "tracer.api"
    assert sys.modules["tracer.evaluate.tracing"].Trace is Trace
    assert isinstance(T, tracer.Traced) and isinstance(T.trace, Trace)


@pytest.mark.parametrize(
    "source",
    [
        "sigmoid-222-bias",
        str(ROOT / "tracer" / "spec" / "examples" / "sigmoid-222-bias.yaml"),
        ROOT / "tracer" / "spec" / "examples" / "sigmoid-222-bias.yaml",
        BIAS,
        examples.text("sigmoid-222-bias"),
        json.dumps(BIAS),
    ],
    ids=["example", "path", "pathlib", "dict", "yaml-text", "json-text"],
)
def test_load_takes_every_kind_of_source(source: object) -> None:
    spec = tracer.load(source)  # type: ignore[arg-type]
    assert isinstance(spec, NetworkSpec)
    assert spec == tracer.load("sigmoid-222-bias")
    assert tracer.load(spec) is spec


def test_load_errors() -> None:
    text = examples.text("sigmoid-222-bias").replace("learning_rate: 0.5", "learning_rate: fast")
    line = text.split("\n").index("learning_rate: fast") + 1
    with pytest.raises(TracerError, match=rf"^learning_rate \(line {line}\): expected a number"):
        tracer.load(text)
    with pytest.raises(TracerError, match="no such file or built-in example"):
        tracer.load("no-such-example")
    with pytest.raises(TypeError, match="not int"):
        tracer.load(3)  # type: ignore[arg-type]


def test_numbers_agree_with_numpy() -> None:
    ora = smallnet.run(BIAS)
    first = T.to_dict()["iterations"][0]
    assert first["loss"] == pytest.approx(ora.loss, rel=1e-13)
    for (l, j, i), value in [((2, 1, 1), ora.dW[1][0, 0]), ((1, 2, 1), ora.dW[0][1, 0])]:
        assert first["gradients"][f"W{l}[{j},{i}]"] == pytest.approx(value, rel=1e-12)
    assert first["gradients"]["b1[2]"] == pytest.approx(ora.db[0][1], rel=1e-12)
    assert json.loads(T.to_json()) == T.to_dict()


def test_the_cli_is_a_thin_layer(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    args = ["report", "sigmoid-222-bias", "--notation", "flat", "--digits", "5", "--lang", "zh"]
    assert main([*args, "--only", "forward,dL/dw5", "--no-check", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == T.to_markdown(
        notation="flat", digits=5, lang="zh", only="forward,dL/dw5"
    )


def test_defaults_and_overrides() -> None:
    t = tracer.trace("sigmoid-222-bias", notation="flat", digits=4, check=False)
    assert t.to_markdown() == T.to_markdown(notation="flat", digits=4)
    assert t.to_markdown(notation="layer") == T.to_markdown(digits=4, notation="layer")
    assert t.render("tex", fragment=True) == t.to_latex(fragment=True)
    assert "\\documentclass" not in t.to_latex(fragment=True) and "\\documentclass" in t.to_latex()
    assert t.to_html().startswith("<!DOCTYPE html>")
    with pytest.raises(TypeError, match="unknown render option 'notaton'"):
        t.to_markdown(notaton="node")
    with pytest.raises(TypeError, match="unknown render option 'detail'"):
        t.to_markdown(detail=(2,))  # chosen when tracing: tracer.trace(spec, detail=…)
    with pytest.raises(ValueError, match="notation must be one of"):
        t.to_markdown(notation="nodes")


def test_detail_and_iterations() -> None:
    t = tracer.trace("sigmoid-222-nobias", iterations=3, detail=[1, 3], check=False)
    md = t.to_markdown()
    assert "## 3. Iteration 1" in md and "## 4. Iteration 3" in md
    with pytest.raises(TracerError, match="detail: 4 is beyond the last iteration \\(3\\)"):
        tracer.trace("sigmoid-222-nobias", iterations=3, detail=4)


def test_save_writes_the_format_of_the_suffix(tmp_path: Path) -> None:
    for suffix, check in [(".md", "## 1. The network"), (".tex", "\\documentclass"), (".html", "<!DOCTYPE")]:
        path = T.save(tmp_path / f"r{suffix}")
        assert path == tmp_path / f"r{suffix}" and check in path.read_text(encoding="utf-8")
    assert json.loads(T.save(tmp_path / "r.json").read_text(encoding="utf-8")) == T.to_dict()
    assert T.save(tmp_path / "r.txt", "md", only="summary").read_text(encoding="utf-8").count("## ") == 1
    with pytest.raises(TracerError, match=r"nowhere/r\.md: folder .* does not exist"):
        T.save(tmp_path / "nowhere" / "r.md")


def test_jupyter_reprs() -> None:
    assert T._repr_markdown_() == T.to_markdown(fragment=True)
    assert T._repr_html_().startswith('<div class="tracer-report">') and "<math" in T._repr_html_()
    assert T._repr_latex_() == T.to_latex(fragment=True)
    assert repr(T) == "<tracer.Traced '2-2-2 sigmoid network with biases': 2-2-2 network, 1 iteration(s)>"


def test_template_errors_are_tracer_errors(tmp_path: Path) -> None:
    (tmp_path / "default").mkdir()
    (tmp_path / "default" / "report.md.jinja2").write_text("{{ nothing_here }}\n", encoding="utf-8")
    with pytest.raises(TracerError, match="template: UndefinedError: 'nothing_here' is undefined"):
        T.to_markdown(template_dir=tmp_path)


# -- formats for embedding


def _md_math(md: str) -> tuple[list[str], list[str]]:
    """The display and inline formulas of a Markdown report, in order."""
    displays = re.findall(r"^\$\$\n(.*?)\n\$\$$", md, flags=re.S | re.M)
    rest = re.sub(r"^\$\$\n.*?\n\$\$$", "", md, flags=re.S | re.M)
    inline = re.findall(r"(?<![\\$])\$([^$\n]+?)(?<!\\)\$", rest)
    return displays, inline


@pytest.mark.parametrize("name", by_size(examples.names()))
def test_rst_parses_into_the_same_math(name: str) -> None:
    from docutils import nodes
    from docutils.core import publish_doctree

    t = tracer.trace(name, iterations=2, check=False)
    doc = publish_doctree(t.render("rst"), settings_overrides={"report_level": 5, "halt_level": 5})
    assert not list(doc.findall(nodes.system_message))
    displays, inline = _md_math(t.to_markdown())
    assert [n.astext() for n in doc.findall(nodes.math_block)] == displays
    assert [n.astext() for n in doc.findall(nodes.math)] == inline
    rubrics = [n.astext() for n in doc.findall(nodes.rubric)]
    headings = [h.split(" ", 1)[1] for h in re.findall(r"^#+ .*$", t.to_markdown(), flags=re.M)]
    headings = [re.sub(r"\\(.)", r"\1", h) for h in headings]  # Markdown's escapes
    assert rubrics == headings
    assert len(list(doc.findall(nodes.table))) == t.to_markdown().count("\n|---")
    # the network diagram, then the loss curve: each as SVG for HTML and TikZ/pgfplots for LaTeX
    assert [n["format"] for n in doc.findall(nodes.raw)] == ["html", "latex"] * 2


def test_rst_keeps_user_text_literal() -> None:
    from docutils.core import publish_doctree

    title = "`a` *b* _c_ |d| :e: [f]_ <g> $h$ 1. - \\x"
    t = tracer.trace({**BIAS, "title": title, "description": title}, check=False)
    doc = publish_doctree(t.render("rst"), settings_overrides={"report_level": 5})
    assert doc.children[0].astext() == title  # the title, as a heading rubric
    assert doc.children[1].astext() == title  # the description, as a paragraph


@pytest.mark.parametrize("name", ["sigmoid-222-bias", "xor-231"])
def test_arithmatex_html_holds_the_same_math(name: str) -> None:
    t = tracer.trace(name, check=False)
    page = t.render("arithmatex", fragment=True)
    displays, inline = _md_math(t.to_markdown())
    found_displays = re.findall(r'<div class="arithmatex">\\\[\n(.*?)\n\\\]</div>', page, flags=re.S)
    found_inline = re.findall(r'<span class="arithmatex">\\\((.*?)\\\)</span>', page)
    assert [html.unescape(d) for d in found_displays] == displays
    assert [html.unescape(i) for i in found_inline] == inline
    assert "<math" not in page and page.startswith('<div class="tracer-report">')
