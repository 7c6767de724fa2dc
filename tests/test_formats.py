"""Every format renders everywhere.

For every built-in example × notation × language: every formula of the Markdown and HTML
reports parses in KaTeX (strict) and MathJax 3, and the LaTeX report compiles with
pdflatex. The HTML opens in headless Chromium with its math rendered. User text is shown
literally and harmlessly in every format.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.browser import dump_dom, requires_chromium, screenshot, visible_text
from tests.latex import compile_pdf, requires_latex
from tests.mathcheck import katex_errors, mathjax_errors, requires_node
from tests.shared import Traces
from tracer.evaluate.tracing import trace
from tracer.notation import NOTATIONS
from tracer.report.render import render
from tracer.spec.loader import load

LANGS = ("en", "zh")
TRACES = Traces()  # each example traced on first use, once per session
CASES = [(name, notation, lang) for name in sorted(TRACES) for notation in NOTATIONS for lang in LANGS]


def md_formulas(text: str) -> list[dict]:
    """Display blocks ($$ alone on a line) and inline $…$ spans of a Markdown report."""
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        if lines[i] == "$$":
            end = lines.index("$$", i + 1)
            out.append({"tex": "\n".join(lines[i + 1 : end]), "display": True})
            i = end + 1
            continue
        for span in re.findall(r"(?<!\\)\$((?:[^$\\]|\\.)+)\$", lines[i]):
            out.append({"tex": span, "display": False})
        i += 1
    return out


def html_formulas(text: str) -> list[dict]:
    """The TeX source of every <math> element (kept in its annotation)."""
    found = re.findall(
        r'<math[^>]*?( display="block")?>.*?<annotation encoding="application/x-tex">(.*?)</annotation>',
        text,
        re.S,
    )
    return [{"tex": html.unescape(src), "display": bool(block)} for block, src in found]


def _all(fmt: str) -> dict[tuple[str, str, str], str]:
    return {case: render(TRACES[case[0]], fmt, notation=case[1], lang=case[2]) for case in CASES}


@pytest.fixture(scope="module")
def md_reports() -> dict:
    return _all("md")


@pytest.fixture(scope="module")
def html_reports() -> dict:
    return _all("html")


@requires_node
def test_every_markdown_and_html_formula_parses_in_katex_and_mathjax(
    md_reports: dict, html_reports: dict
) -> None:
    items: dict[str, dict] = {}
    for text in md_reports.values():
        for f in md_formulas(text):
            items[f["tex"] + str(f["display"])] = f
    html_items = 0
    for text in html_reports.values():
        for f in html_formulas(text):
            items[f["tex"] + str(f["display"])] = f
            html_items += 1
    assert len(items) > 500 and html_items > 1000
    batch = list(items.values())
    assert katex_errors(batch) == []
    assert mathjax_errors(batch) == []


@pytest.mark.slow
def test_markdown_math_follows_the_portable_subset(md_reports: dict) -> None:
    for case, text in md_reports.items():
        lines = text.split("\n")
        for n, line in enumerate(lines):
            if line == "$$":
                assert n == 0 or lines[n - 1] in ("", "\\begin{aligned}") or lines[n + 1] == "", case
            else:
                assert "$$" not in line, (case, line)
        for f in md_formulas(text):
            if not f["display"]:
                assert f["tex"] == f["tex"].strip() and "\\\\" not in f["tex"], (case, f)
                assert "aligned" not in f["tex"] and "|" not in f["tex"], (case, f)
            for bad in (r"\label", r"\eqref", r"\tag"):
                assert bad not in f["tex"], case


@pytest.mark.slow
def test_every_html_formula_is_mathml_without_errors(html_reports: dict) -> None:
    for case, text in html_reports.items():
        assert "<merror" not in text, case
        assert text.count("<math ") == len(html_formulas(text)) > 20, case
        bare = text
        for namespace in ("http://www.w3.org/1998/Math/MathML", "http://www.w3.org/2000/svg"):
            bare = bare.replace(f'xmlns="{namespace}"', "")
        assert "<script" not in text and "http://" not in bare, case
        assert "https://" not in text, case  # self-contained: nothing fetched


@requires_latex
@pytest.mark.parametrize(("name", "notation", "lang"), CASES)
def test_latex_compiles(name: str, notation: str, lang: str, tmp_path: Path) -> None:
    tex = render(TRACES[name], "tex", notation=notation, lang=lang)
    pdf = compile_pdf(tex, tmp_path)
    assert pdf.stat().st_size > 10_000


@requires_chromium
@pytest.mark.parametrize(("name", "lang"), [("sigmoid-222-bias", "en"), ("xor-231", "zh")])
def test_html_math_renders_in_chromium(name: str, lang: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render(TRACES[name], "html", lang=lang), encoding="utf-8")
    text = visible_text(dump_dom(page))
    for raw in ("$", "\\frac", "\\begin", "\\partial", "\\cdot"):
        assert raw not in text, f"raw TeX {raw!r} visible"
    assert "0.62363363" in text or "0.5" in text
    png = screenshot(page, tmp_path / "report.png", width=420, height=900)  # a phone's width
    assert png.stat().st_size > 20_000  # a blank page is a few kB


# -- escaping -------------------------------------------------------------------------------

HOSTILE = (
    r"A \input{/etc/passwd} {x} $y$ 100% & #1 _u ^v ~w <script>alert(1)</script> | *b* "
    r"\write18{ls} \catcode`\@=11"
)


def _hostile_trace():
    spec = load(
        {
            "title": HOSTILE,
            "description": HOSTILE + " <img src=x onerror=alert(2)> [l](javascript:x)",
            "inputs": ["0.5"],
            "targets": ["0.25"],
            # a custom activation: its name and formula are the user's text too (_ * ^ are active
            # in Markdown and LaTeX; the formula is shown as written)
            "activations": {"my_act__x_": "z * 2 * abs(z) ^ 1 / (1 + z**2) + 1/2*z"},
            "layers": [{"units": 1, "activation": "my_act__x_", "weights": [["0.1"]], "biases": ["0.2"]}],
            "loss": "half_sse",
            "learning_rate": "0.5",
        }
    )
    return trace(spec)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self.attrs += [a for a, _ in attrs]


def test_hostile_text_is_literal_in_html() -> None:
    for fragment in (False, True):
        out = render(_hostile_trace(), "html", fragment=fragment)
        parser = _Tags()
        parser.feed(out)
        assert "script" not in parser.tags and "img" not in parser.tags
        assert "onerror" not in parser.attrs
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_hostile_text_is_literal_in_markdown() -> None:
    out = render(_hostile_trace(), "md")
    title = out.split("\n", 1)[0]
    assert title.startswith("# A \\\\input") and "\\<script\\>" in title and "\\$y\\$" in title
    assert "\\|" in title and "\\*b\\*" in title
    # tables keep their columns: every row of a table has as many cells as its header
    for block in re.findall(r"(?:^\|.*\n)+", out, re.M):
        rows = [re.split(r"(?<!\\)\|", r)[1:-1] for r in block.strip().split("\n")]
        assert len({len(r) for r in rows}) == 1, block


@requires_latex
def test_hostile_text_compiles_in_latex_without_running_commands(tmp_path: Path) -> None:
    tex = render(_hostile_trace(), "tex")
    title = re.search(r"\\title\{(.*)\}", tex)
    assert title is not None
    assert "\\input{" not in title.group(1) and "\\write18{" not in title.group(1)
    assert "\\catcode" not in title.group(1)
    compile_pdf(tex, tmp_path)
    text = _pdf_text(tmp_path / "document.pdf")
    assert "passwd" in text and "root:" not in text  # the file name is shown, the file not read


def _pdf_text(pdf: Path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


# -- document structure ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "tex", "html"])
def test_fragment_is_the_body_only(fmt: str) -> None:
    tr = TRACES["sigmoid-222-bias"]
    whole, part = render(tr, fmt), render(tr, fmt, fragment=True)
    assert len(part) < len(whole)
    if fmt == "md":
        assert whole.startswith("# ") and not re.search(r"^# ", part, re.M)
        assert part.lstrip().startswith(tr.spec.description)  # the body opens with the description
    elif fmt == "tex":
        assert (
            "\\documentclass" in whole and "\\documentclass" not in part and "\\begin{document}" not in part
        )
        assert "\\section{The network}" in part
    else:
        assert "<html" in whole and "<html" not in part and "<head" not in part and "<h1" not in part
        assert part.startswith('<div class="tracer-report">')


def test_latex_has_numbered_sections() -> None:
    tex = render(TRACES["xor-231"], "tex")
    for section in ("The network", "Forward pass", "Loss", "Backward pass", "Gradient-descent update"):
        assert re.search(r"\\(sub)*section\{" + section, tex), section


def test_long_sums_break_across_rows() -> None:
    spec = load(
        {
            "inputs": [f"0.{i}" for i in range(1, 9)],
            "targets": ["0.5"],
            "layers": [
                {
                    "units": 1,
                    "activation": "sigmoid",
                    "weights": [[f"0.{i}" for i in range(1, 9)]],
                    "biases": ["0.1"],
                }
            ],
            "loss": "half_sse",
            "learning_rate": "0.5",
        }
    )
    md = render(trace(spec), "md")
    block = md.split("z^{[1]}_{1} &=", 1)[1].split("\\\\[6pt]", 1)[0]
    rows = block.split("\\\\\n")
    assert len(rows) >= 3 and any(r.lstrip().startswith("&\\quad + ") for r in rows)
    assert max(len(r) for r in rows) < 200
