"""Formats for embedding a report in documentation sites (not offered by ``-f``).

- ``rst``: reStructuredText that the Sphinx directive (:mod:`tracer.sphinx`) parses into real
  docutils nodes: ``.. math::`` blocks, ``:math:`` roles, paragraphs, list-tables. Headings are
  rubrics with a class ``tracer-h<level>`` that the directive turns into sections.
- ``arithmatex``: the HTML report with its math left as LaTeX the way
  ``pymdownx.arithmatex`` writes it in generic mode (``<span class="arithmatex">\\(…\\)</span>``,
  ``<div class="arithmatex">\\[…\\]</div>``), for MathJax or KaTeX on a MkDocs page.

Both take the same LaTeX as the Markdown report, which KaTeX and MathJax read.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from tracer.report import plots
from tracer.report.formats import Format, Html, Tex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tracer.report.diagram import Picture

_INDENT = "   "
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_ESCAPED = re.compile(r"\\(.)")


def _indented(text: str) -> str:
    return "\n".join(_INDENT + line if line.strip() else "" for line in text.split("\n"))


def _has_markup(text: str) -> bool:
    """Whether RST output text holds inline markup (a backtick that is not escaped)."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "`":
            return True
        i += 1
    return False


class Rst(Format):
    """reStructuredText for docutils and Sphinx."""

    name = "rst"

    def esc(self, text: str) -> str:
        # A backslash before any punctuation is always that character, so nothing opens
        # markup, a list, a table or a section at a line start.
        return _PUNCTUATION.sub(r"\\\1", re.sub(r"\s*\n\s*", " ", text))

    def bold(self, text: str) -> str:
        if _has_markup(text) or not text.strip():  # RST cannot nest markup inside bold
            return text
        return rf"\ **{text}**\ "

    def code(self, text: str) -> str:
        if "``" in text or text != text.strip() or not text:
            return self.esc(text)
        return rf"\ ``{text}``\ "

    def inline(self, latex: str) -> str:
        return rf"\ :math:`{latex.strip()}`\ "

    def display(self, latex: str) -> str:
        return ".. math::\n\n" + _indented(latex.strip("\n"))

    def heading(self, level: int, text: str, number: str | int | None = None) -> str:
        title = rf"{number}\. {text}" if number is not None else text
        return f".. rubric:: {title}\n{_INDENT}:class: tracer-h{level}"

    def note(self, text: str) -> str:
        # An empty comment ends the construct above, so the indented text is a block quote.
        return "..\n\n" + _INDENT + text

    def bullets(self, items: Sequence[str]) -> str:
        return "\n".join(f"- {item}" for item in items)

    def table(self, head: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
        lines = [".. list-table::", f"{_INDENT}:header-rows: 1", f"{_INDENT}:class: tracer-table", ""]
        for row in [head, *rows]:
            cells = [f"{_INDENT}{'*' if k == 0 else ' '} - {cell}".rstrip() for k, cell in enumerate(row)]
            lines += cells
        return "\n".join(lines)

    def number(self, text: str, latex: str) -> str:
        return self.esc(text)

    def loss_curve(self, history: Sequence[float], x_label: str, y_label: str) -> str:
        """The chart as SVG for HTML builders and as pgfplots for LaTeX builders."""
        x, y = _ESCAPED.sub(r"\1", x_label), _ESCAPED.sub(r"\1", y_label)
        svg = f'<figure class="plot">{plots.loss_curve_svg(history, x, y)}</figure>'
        tikz = plots.loss_curve_tikz(history, Tex().esc(x), Tex().esc(y))
        return f".. raw:: html\n\n{_indented(svg)}\n\n.. raw:: latex\n\n{_indented(tikz)}"

    def diagram(self, picture: Picture) -> str:
        """The network diagram: SVG for HTML builders, TikZ for LaTeX builders."""
        svg = f'<figure class="diagram">{picture.svg().rstrip()}</figure>'
        return f".. raw:: html\n\n{_indented(svg)}\n\n.. raw:: latex\n\n{_indented(picture.tikz())}"


class Arithmatex(Html):
    """HTML whose math is LaTeX for MathJax or KaTeX, marked up as pymdownx.arithmatex does."""

    def inline(self, latex: str) -> str:
        return f'<span class="arithmatex">\\({html.escape(latex.strip(), quote=False)}\\)</span>'

    def display(self, latex: str) -> str:
        return f'<div class="arithmatex">\\[\n{html.escape(latex.strip(), quote=False)}\n\\]</div>'


FORMATS = {"rst": Rst, "arithmatex": Arithmatex}
