"""LaTeX → MathML for the HTML report, so it needs no script, font or network to show math.

``latex2mathml`` converts single expressions; the ``aligned`` blocks that tracer writes
(rows split by ``\\\\`` or ``\\\\[6pt]``, cells by ``&``) are laid out here as an
``mtable`` whose cells are converted one by one. Every ``<math>`` element carries its
LaTeX source in an ``<annotation encoding="application/x-tex">`` (copy-paste, tests).
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

_ROW = re.compile(r"\s*\\\\(?:\[(?P<gap>[^\]]*)\])?\s*")
_NS = 'xmlns="http://www.w3.org/1998/Math/MathML"'


def _inner(latex: str) -> str:
    """The MathML children of one expression (without the outer <math> element)."""
    out = convert(latex)
    start = out.index(">") + 1
    return out[start : out.rindex("</math>")]


def _split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside braces and outside nested environments (a pmatrix in a cell)."""
    parts, depth, start = [], 0, 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            depth += text.startswith("\\begin{", i) - text.startswith("\\end{", i)
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
        i += 1
    parts.append(text[start:])
    return parts


def _rows(body: str) -> list[tuple[str, bool]]:
    """(row source, whether a gap precedes it) for the rows of an aligned body."""
    rows: list[tuple[str, bool]] = []
    gap = False
    pos = 0
    for m in _ROW.finditer(body):
        if _depth(body[: m.start()]) != 0:
            continue
        rows.append((body[pos : m.start()], gap))
        gap = bool(m.group("gap"))
        pos = m.end()
    rows.append((body[pos:], gap))
    return rows


def _depth(text: str) -> int:
    """Open braces and environments at the end of ``text`` (0: a row break there is the aligned's)."""
    braces = text.count("{") - text.count("\\{") - (text.count("}") - text.count("\\}"))
    return braces + text.count("\\begin{") - text.count("\\end{")


def _aligned(body: str) -> str:
    trs = []
    for source, gap in _rows(body):
        cells = _split_top(source, "&")
        tds = []
        for k, cell in enumerate(cells):
            side = "right" if k % 2 == 0 else "left"
            content = _inner(cell.strip()) if cell.strip() else ""
            if k % 2 == 1:  # the relation starts the right-hand cell: keep its space
                content = "<mrow></mrow>" + content
            tds.append(f'<mtd columnalign="{side}" class="{side}">{content}</mtd>')
        attr = ' class="gap"' if gap else ""
        trs.append(f"<mtr{attr}>" + "".join(tds) + "</mtr>")
    return '<mtable displaystyle="true" columnspacing="0" rowspacing="0.3em">' + "".join(trs) + "</mtable>"


def to_mathml(latex: str, display: bool) -> str:
    """One ``<math>`` element for a LaTeX expression."""
    text = latex.strip()
    m = re.fullmatch(r"\\begin\{aligned\}(.*)\\end\{aligned\}", text, flags=re.S)
    body = _aligned(m.group(1)) if m and "\\begin{aligned}" not in m.group(1) else _inner(text)
    mode = ' display="block"' if display else ""
    source = html.escape(latex, quote=False)
    return (
        f"<math {_NS}{mode}><semantics><mrow>{body}</mrow>"
        f'<annotation encoding="application/x-tex">{source}</annotation></semantics></math>'
    )
