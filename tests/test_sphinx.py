"""The Sphinx extension: docs/sphinx builds without a warning (as with -W) for the HTML and LaTeX
builders, in reST and MyST pages; the pages hold the derivation as math nodes and sections,
with the numbers of an independent NumPy pass; an edited spec rebuilds the pages using it."""

from __future__ import annotations

import io
import re
import shutil
from importlib.util import find_spec
from pathlib import Path

import pytest
import yaml

from tests import smallnet
from tests.latex import compile_pdf, requires_latex
from tests.mathcheck import skip_unless

pytestmark = skip_unless(
    bool(find_spec("sphinx") and find_spec("myst_parser")), "sphinx or myst-parser missing"
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "sphinx"


def build(src: Path, builder: str, strict: bool = True) -> tuple[object, str]:
    """Build ``src`` in-process into src/_build/<builder>; the app and its warnings."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    warnings = io.StringIO()
    out = src / "_build"
    with patch_docutils(src), docutils_namespace():
        app = Sphinx(
            src, src, out / builder, out / f"doctrees-{builder}", builder,
            status=None, warning=warnings, warningiserror=strict,
        )  # fmt: skip
        app.build()
    return app, warnings.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("sphinx") / "docs"
    shutil.copytree(DOCS, src, ignore=shutil.ignore_patterns("_build"))
    return src


@pytest.fixture(scope="module")
def html(site: Path) -> object:
    app, warnings = build(site, "html")
    assert warnings == ""
    return app


def _tiny(site: Path) -> smallnet.Pass:
    return smallnet.run(yaml.safe_load((site / "specs" / "tiny.yaml").read_text(encoding="utf-8")))


def _math(page: str) -> str:
    """The LaTeX inside the page's math elements (what MathJax will draw)."""
    return "\n".join(re.findall(r'<(?:div|span) class="math[^"]*">(.*?)</(?:div|span)>', page, flags=re.S))


def test_html_holds_the_derivation(site: Path, html: object) -> None:
    ora = _tiny(site)
    parts = (site / "_build" / "html" / "parts.html").read_text(encoding="utf-8")
    math = _math(parts)
    for value in [*ora.z[0], *ora.a[0], *ora.z[1], *ora.a[1], ora.loss]:
        assert smallnet.shown(value, math), value
    # dL/dw5 (flat notation: the first output weight) and its delta, to five digits
    assert smallnet.shown(ora.dW[1][0, 0], math, digits=5)
    assert smallnet.shown(ora.delta[1][0], math, digits=5)
    assert r"\frac{\partial L}{\partial w_{5}}" in math and r"\frac{\partial L}{\partial w_{6}}" not in math
    # the inline spec's update: a = 0.8·1.5 + 0.2 = 1.4, dL/dw = 1.4·1.5 = 2.1, w+ = 0.8 − 0.1·2.1
    assert "0.8 - 0.1 \\cdot 2.1 = 0.59" in math and "0.2 - 0.1 \\cdot 1.4 = 0.06" in math


def test_nodes_are_math_and_sections(html: object) -> None:
    from docutils import nodes

    parts = html.env.get_doctree("parts")  # type: ignore[attr-defined]
    assert [s[0].astext() for s in parts.findall(nodes.section)] == [
        "One step at a time",
        "5. Gradient-descent update",
    ]
    rubrics = [r.astext() for r in parts.findall(nodes.rubric)]
    assert rubrics[:4] == ["3. Forward pass", "Layer 1 (hidden layer, sigmoid, 2 units)",
                           "Layer 2 (output layer, sigmoid, 1 unit)", "Loss"]  # fmt: skip
    assert len(list(parts.findall(nodes.math_block))) == 8
    assert len(list(parts.findall(nodes.math))) >= 4
    assert not list(parts.findall(nodes.raw)) and not list(parts.findall(nodes.literal_block))

    whole = html.env.get_doctree("whole")  # type: ignore[attr-defined]
    top = [s for s in whole.findall(nodes.section) if s.parent is whole.children[0]]
    assert [s[0].astext() for s in top] == [
        "1. The network", "2. The local rules", "3. Forward pass", "4. Backward pass",
        "5. Gradient-descent update", "6. Summary", "Checks",
    ]  # fmt: skip
    forward = top[2]
    assert [s[0].astext() for s in forward.children if isinstance(s, nodes.section)] == [
        "Layer 1 (hidden layer, sigmoid, 2 units)", "Layer 2 (output layer, sigmoid, 1 unit)", "Loss"
    ]  # fmt: skip
    ids = [i for s in whole.findall(nodes.section) for i in s["ids"]]
    assert len(ids) == len(set(ids))  # "Layer 2 …" in two sections, with two anchors
    assert not list(whole.findall(nodes.rubric))


def test_myst_page(site: Path, html: object) -> None:
    ora = _tiny(site)
    page = (site / "_build" / "html" / "myst.html").read_text(encoding="utf-8")
    assert "汇总" in page and "6. 汇总" in page  # the summary, in Chinese
    cells = re.findall(r"<td><p>([^<]*)</p></td>", page)
    for g, w in [(ora.dW[0][0, 0], 0.1), (ora.dW[1][0, 1], 0.9)]:
        assert smallnet.shown(g, " ".join(cells)) and smallnet.shown(w - g, " ".join(cells))
    assert "4. Backward pass" in page and r"\frac{\partial L}{\partial b^{[2]}_{1}}" in page


def test_the_spec_is_a_dependency(site: Path, html: object) -> None:
    deps = html.env.dependencies  # type: ignore[attr-defined]
    assert {Path(site, p).resolve() for p in deps["parts"]} == {(site / "specs" / "tiny.yaml").resolve()}
    assert "index" not in deps
    before = _tiny(site).a[1][0]
    spec = site / "specs" / "tiny.yaml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace("[[0.3, 0.9]]", "[[0.25, 0.9]]"), encoding="utf-8"
    )
    _, warnings = build(site, "html")
    assert warnings == ""
    ora = _tiny(site)
    for page in ("parts", "whole", "myst"):
        text = (site / "_build" / "html" / f"{page}.html").read_text(encoding="utf-8")
        assert smallnet.shown(ora.a[1][0], text) and not smallnet.shown(before, text), page


@pytest.fixture(scope="module")
def latex(site: Path) -> str:
    _, warnings = build(site, "latex")
    assert warnings == ""
    return (site / "_build" / "latex" / "tracer-demo.tex").read_text(encoding="utf-8")


def _tex_math(tex: str) -> tuple[list[str], list[str]]:
    displays = re.findall(r"\\begin\{equation\*\}.*?\\end\{equation\*\}", tex, flags=re.S)
    return displays, re.findall(r"\\\(.*?\\\)", tex)


def test_latex_builder(latex: str) -> None:
    assert r"\subsection{3. Forward pass}" in latex and r"\usepackage{pgfplots}" in latex
    displays, inline = _tex_math(latex)
    assert len(displays) > 30 and len(inline) > 10


@requires_latex
def test_latex_math_compiles(latex: str, tmp_path: Path) -> None:
    # Sphinx's own preamble needs TeX packages CI does not install; its math compiles in amsmath.
    displays, inline = _tex_math(latex)
    body = "\n\n".join(displays) + "\n\n" + " ".join(inline)
    compile_pdf(
        f"\\documentclass{{article}}\n\\usepackage{{amsmath,amssymb}}\n\\begin{{document}}\n{body}\n\\end{{document}}\n",
        tmp_path,
    )


def test_errors_are_warnings_naming_the_problem(tmp_path: Path) -> None:
    src = tmp_path / "docs"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["tracer.sphinx"]\n', encoding="utf-8")
    (src / "index.rst").write_text(
        "Title\n=====\n\n.. tracer:: sigmoid-222-bias\n   :only: dL/dw9\n\n"
        ".. tracer:: specs/none.yaml\n\n.. tracer::\n\n   inputs: [1\n",
        encoding="utf-8",
    )
    _, warnings = build(src, "html", strict=False)
    lines = [w for w in warnings.splitlines() if "ERROR" in w]
    assert len(lines) == 3, warnings
    assert "tracer: only dL/dw9: not a part of the report (did you mean" in lines[0]
    assert "tracer: specs/none.yaml: no such file" in lines[1]
    assert "tracer: spec" in lines[2]
