"""The harnesses catch what they are there to catch: KaTeX and MathJax reject broken TeX, pdflatex
fails loudly and stays inside its directory, Chromium renders a page and visible_text hides the
TeX kept in MathML annotations. Each is skipped when its tool is missing, except under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import dump_dom, requires_chromium, screenshot, visible_text
from tests.latex import compile_pdf, pdf_pages_to_png, requires_latex
from tests.mathcheck import katex_errors, mathjax_errors, requires_node

GOOD = [
    {"tex": r"\frac{1}{2}", "display": False},
    {"tex": r"\begin{aligned} a &= b \\ &= c\end{aligned}", "display": True},
]
BAD = [r"\fracc{1}{2}", r"\frac{1}{2", r"\begin{aligned} a \end{align}"]


@requires_node
@pytest.mark.parametrize("errors", [katex_errors, mathjax_errors], ids=["katex", "mathjax"])
def test_math_checkers(errors) -> None:
    assert errors(GOOD) == []
    found = errors(GOOD + [{"tex": tex, "display": display} for tex in BAD for display in (False, True)])
    assert [e["tex"] for e in found] == [tex for tex in BAD for _ in (0, 1)]
    assert all(e["error"] for e in found)


@requires_node
def test_mathjax_reports_undefined_macros_and_forgets_definitions() -> None:
    found = mathjax_errors(
        [
            {"tex": r"\newcommand{\foo}{x} \foo + \boldsymbol{x}", "display": False},
            {"tex": r"\foo", "display": False},
        ]
    )
    assert ["boldsymbol" in found[0]["error"], "foo" in found[1]["error"]] == [True, True], found


DOCUMENT = r"""\documentclass{article}
\usepackage{amsmath,booktabs,xcolor}
\begin{document}
\begin{align}
  \frac{\partial L}{\partial w} &= \textcolor{blue}{\delta} \cdot x
\end{align}
\begin{tabular}{lr}\toprule a & 1\\ \midrule b & 2\\ \bottomrule\end{tabular}
%s
\end{document}
"""
CJK = r"""\documentclass{article}
\usepackage{CJKutf8}
\begin{document}
\begin{CJK}{UTF8}{gbsn}反向传播：链式法则 $\frac{\partial L}{\partial w}$\end{CJK}
\end{document}
"""


@requires_latex
def test_pdflatex_compiles_and_renders_pages(tmp_path: Path) -> None:
    pdf = compile_pdf(DOCUMENT % "", tmp_path / "doc")
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = pdf_pages_to_png(pdf, tmp_path / "png")
    assert len(pages) == 1 and pages[0].read_bytes().startswith(b"\x89PNG")


@requires_latex
def test_pdflatex_compiles_chinese_with_cjkutf8(tmp_path: Path) -> None:
    assert compile_pdf(CJK, tmp_path).read_bytes().startswith(b"%PDF")


@requires_latex
def test_pdflatex_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(AssertionError) as failure:
        compile_pdf(DOCUMENT % r"\undefinedmacro", tmp_path)
    message = str(failure.value)
    assert "! Undefined control sequence." in message and r"\undefinedmacro" in message


@requires_latex
def test_pdflatex_flags_glyphs_missing_from_a_font(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="Missing character"):
        compile_pdf(DOCUMENT % r"{\fontencoding{OT1}\selectfont\char200}", tmp_path)


@requires_latex
def test_pdflatex_runs_no_shell_command(tmp_path: Path) -> None:
    compile_pdf(DOCUMENT % r"\immediate\write18{touch pwned}", tmp_path)
    assert not (tmp_path / "pwned").exists()
    assert not (Path.cwd() / "pwned").exists()


@requires_latex
def test_pdflatex_reads_no_file_outside_its_directory(tmp_path: Path) -> None:
    secret = tmp_path / "secret.tex"
    secret.write_text("SECRETWORD\n")
    for name in ("/etc/passwd", "../secret"):
        with pytest.raises(AssertionError, match="openin_any"):
            compile_pdf(DOCUMENT % rf"\input{{{name}}}", tmp_path / "doc")


@requires_latex
def test_pdflatex_writes_no_file_outside_its_directory(tmp_path: Path) -> None:
    source = DOCUMENT % r"\newwrite\out\immediate\openout\out=../escaped.txt \immediate\write\out{x}"
    try:
        compile_pdf(source, tmp_path / "doc")
    except AssertionError as failure:
        assert "openout_any" in str(failure)
    assert not (tmp_path / "escaped.txt").exists()


PAGE = """<!doctype html><html><head><title>TITLE</title><style>p { color: red }</style></head>
<body><p>Half is <math><semantics><mfrac><mn>1</mn><mn>2</mn></mfrac>
<annotation encoding="application/x-tex">\\frac{1}{2}</annotation></semantics></math>.</p>
<script>document.body.insertAdjacentHTML("beforeend", "<p>scripted &amp; shown</p>")</script>
</body></html>
"""


@requires_chromium
def test_chromium_dom_and_visible_text(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    dom = dump_dom(page)
    assert "\\frac{1}{2}" in dom  # the annotation is in the DOM ...
    text = visible_text(dom)
    assert "\\frac" not in text and "frac" not in text  # ... but not on the screen
    assert text.split("\n") == ["Half is 12.", "scripted & shown"]
    assert "TITLE" not in text and "color" not in text and "insertAdjacentHTML" not in text


@requires_chromium
def test_chromium_screenshot(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    png = screenshot(page, tmp_path / "shot.png", width=400, height=300)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 1000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (400, 300)
