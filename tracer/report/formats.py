"""What differs between output formats: escaping, math, headings, lists, tables.

Templates call these through the ``f`` object in their context, so one template body
serves Markdown, LaTeX and HTML. Text arriving here is markup (:mod:`tracer.report.markup`):
plain text is escaped for the format, ``$…$`` becomes the format's inline math.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tracer.report import markup, plots

if TYPE_CHECKING:
    from tracer.report.diagram import Picture

FORMATS = ("md", "tex", "html", "json")


class Format:
    """Markdown; the other formats override what differs."""

    name = "md"

    # -- text
    def esc(self, text: str) -> str:
        text = re.sub(r"([\\`*_\[\]<>#|$~&])", r"\\\1", text)
        text = re.sub(r"^([-+](?=\s|$)|=)", r"\\\1", text)  # no list or heading at a line start
        return re.sub(r"^(\d{1,9})([.)])(?=\s|$)", r"\1\\\2", text)  # "1." starts a list, "0.5" does not

    def prose(self, text: str) -> str:
        """Markup → this format."""
        return "".join(self._segment(s) for s in markup.parse(text))

    def _segment(self, s: markup.Segment) -> str:
        if s.kind == "text":
            return self.esc(s.text)
        if s.kind == "math":
            return self.inline(s.text)
        if s.kind == "code":
            return self.code(s.text)
        return self.bold("".join(self._segment(c) for c in s.children))

    def literal(self, text: str) -> str:
        """User text shown as it is."""
        return self.prose(markup.literal(text))

    def bold(self, text: str) -> str:
        return f"**{text}**"

    def code(self, text: str) -> str:
        return f"`{text}`"

    def code_block(self, text: str, language: str = "") -> str:
        """Lines shown as written, in a fixed-width font (e.g. a file to fill in)."""
        return f"```{language}\n{text.rstrip()}\n```"

    # -- math
    def inline(self, latex: str) -> str:
        return f"${latex.strip()}$"

    def display(self, latex: str) -> str:
        return f"$$\n{latex}\n$$"

    # -- structure
    def heading(self, level: int, text: str, number: str | int | None = None) -> str:
        title = f"{number}. {text}" if number is not None else text
        return "#" * level + " " + title

    def paragraph(self, text: str) -> str:
        return text

    def note(self, text: str) -> str:
        return "> " + text

    def bullets(self, items: Sequence[str]) -> str:
        return "\n".join(f"- {item}" for item in items)

    def table(self, head: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
        """``align``: one letter per column, l or r."""
        cells = [[_cell(c) for c in row] for row in [head, *rows]]
        rule = "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"
        lines = ["| " + " | ".join(cells[0]) + " |", rule]
        lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
        return "\n".join(lines)

    def number(self, text: str, latex: str) -> str:
        """A number in running text or a table cell."""
        return text

    def summary_rows(self, summary: Sequence[dict], frozen: str) -> list[list[str]]:
        """The summary table's cells: each parameter, its value before, its gradient (``frozen``
        for a frozen one) and its value after (one call for 8577 rows, not four calls a row)."""
        number = self.number
        return [
            [
                self.inline(row["name"]),
                number(row["before"]["text"], row["before"]["latex"]),
                number(row["gradient"]["text"], row["gradient"]["latex"]) if row["gradient"] else frozen,
                number(row["after"]["text"], row["after"]["latex"]),
            ]
            for row in summary
        ]

    def loss_curve(self, history: Sequence[float], x_label: str, y_label: str) -> str:
        """A picture of the loss against the iteration (Markdown: an SVG image as a data URI)."""
        return f"![{y_label}]({plots.data_uri(plots.loss_curve_svg(history, x_label, y_label))})"

    def diagram(self, picture: Picture) -> str:
        """The network diagram (Markdown: an SVG image as a data URI, like the loss curve)."""
        return f"![{self.esc(picture.alt)}]({plots.data_uri(picture.svg())})"


class Tex(Format):
    name = "tex"
    _CHARS = {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "$": r"\$",
        "%": r"\%",
        "&": r"\&",
        "#": r"\#",
        "_": r"\_",
        "^": r"\^{}",
        "~": r"\~{}",
        "<": r"\textless{}",
        ">": r"\textgreater{}",
        "|": r"\textbar{}",
        "\n": " ",
    }
    _SYMBOLS = {
        "σ": r"$\sigma$",
        "η": r"$\eta$",
        "δ": r"$\delta$",
        "Σ": r"$\Sigma$",
        "∂": r"$\partial$",
        "→": r"$\to$",
        "−": r"$-$",
        "·": r"$\cdot$",
        "½": r"$\frac{1}{2}$",
        "²": r"\textsuperscript{2}",
        "′": r"$'$",
        "≈": r"$\approx$",
        "…": r"\ldots{}",
        "×": r"$\times$",
        "–": "--",
        "—": "---",
    }

    def esc(self, text: str) -> str:
        out = []
        for c in text:
            if c in self._CHARS:
                out.append(self._CHARS[c])
            elif c in self._SYMBOLS:
                out.append(self._SYMBOLS[c])
            elif ord(c) < 128 or _cjk(c) or _latin1(c):
                out.append(c)
            else:  # anything pdflatex has no glyph for is named instead of breaking the build
                out.append(rf"\texttt{{[U+{ord(c):04X}]}}")
        return "".join(out)

    def bold(self, text: str) -> str:
        return rf"\textbf{{{text}}}"

    def code(self, text: str) -> str:
        return rf"\texttt{{{self.esc(text)}}}"

    def code_block(self, text: str, language: str = "") -> str:
        return "\\begin{verbatim}\n" + text.rstrip() + "\n\\end{verbatim}"

    def inline(self, latex: str) -> str:
        return f"${latex.strip()}$"

    def display(self, latex: str) -> str:
        return f"\\[\n{latex}\n\\]"

    def heading(self, level: int, text: str, number: str | int | None = None) -> str:
        command = {1: "title", 2: "section", 3: "subsection", 4: "subsubsection"}.get(level, "paragraph")
        star = "" if number is not None or level > 2 else "*"
        return rf"\{command}{star}{{{text}}}"

    def note(self, text: str) -> str:
        return "\\begin{quote}\\small\n" + text + "\n\\end{quote}"

    def bullets(self, items: Sequence[str]) -> str:
        body = "\n".join(rf"  \item {item}" for item in items)
        return "\\begin{itemize}\n" + body + "\n\\end{itemize}"

    def table(self, head: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
        lines = [rf"\begin{{longtable}}{{{align}}}", r"\toprule", " & ".join(head) + r" \\", r"\midrule"]
        lines += [r"\endhead"]
        lines += [" & ".join(row) + r" \\" for row in rows]
        lines += [r"\bottomrule", r"\end{longtable}"]
        return "\n".join(lines)

    def number(self, text: str, latex: str) -> str:
        return f"${latex}$"

    def loss_curve(self, history: Sequence[float], x_label: str, y_label: str) -> str:
        return plots.loss_curve_tikz(history, x_label, y_label)

    def diagram(self, picture: Picture) -> str:
        return "\\begin{center}\n" + picture.tikz() + "\n\\end{center}"


class Html(Format):
    name = "html"

    def esc(self, text: str) -> str:
        return html.escape(text, quote=True)

    def bold(self, text: str) -> str:
        return f"<strong>{text}</strong>"

    def code(self, text: str) -> str:
        return f"<code>{self.esc(text)}</code>"

    def code_block(self, text: str, language: str = "") -> str:
        return f"<pre><code>{self.esc(text.rstrip())}</code></pre>"

    def inline(self, latex: str) -> str:
        from tracer.report.mathml import to_mathml  # latex2mathml only for HTML (70 ms to import)

        return to_mathml(latex, display=False)

    def display(self, latex: str) -> str:
        from tracer.report.mathml import to_mathml  # as above

        return f'<div class="math">{to_mathml(latex, display=True)}</div>'

    def heading(self, level: int, text: str, number: str | int | None = None) -> str:
        title = f"{number}. {text}" if number is not None else text
        return f"<h{level}>{title}</h{level}>"

    def paragraph(self, text: str) -> str:
        return f"<p>{text}</p>"

    def note(self, text: str) -> str:
        return f'<p class="note">{text}</p>'

    def bullets(self, items: Sequence[str]) -> str:
        return "<ul>\n" + "\n".join(f"<li>{item}</li>" for item in items) + "\n</ul>"

    def table(self, head: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
        def row(cells: Sequence[str], tag: str) -> str:
            pairs = zip(cells, align, strict=True)
            return "<tr>" + "".join(f'<{tag} class="{a}">{c}</{tag}>' for c, a in pairs) + "</tr>"

        body = "\n".join(row(r, "td") for r in rows)
        head_row = row(head, "th")
        table = f"<table>\n<thead>{head_row}</thead>\n<tbody>\n{body}\n</tbody>\n</table>"
        return f'<div class="table">{table}</div>'

    def number(self, text: str, latex: str) -> str:
        return text.replace("-", "\u2212")

    def loss_curve(self, history: Sequence[float], x_label: str, y_label: str) -> str:
        svg = plots.loss_curve_svg(history, html.unescape(x_label), html.unescape(y_label))
        return f'<figure class="plot">{svg}</figure>'

    def diagram(self, picture: Picture) -> str:
        return f'<figure class="diagram">{picture.svg().rstrip()}</figure>'


def _cjk(c: str) -> bool:
    return "CJK" in unicodedata.name(c, "") or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"


def _latin1(c: str) -> bool:
    return 0xA0 <= ord(c) <= 0xFF and c not in "½²·×"


def get(name: str) -> Format:
    return {"md": Format, "tex": Tex, "html": Html}[name]()


_BAR = re.compile(r"(?<!\\)\|")


def _cell(text: str) -> str:
    """A Markdown table cell: a bar escaped, a newline as a space (most cells have neither)."""
    if "|" in text:
        text = _BAR.sub(r"\\|", text)
    return text.replace("\n", " ") if "\n" in text else text
