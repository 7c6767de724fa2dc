"""A scene as TikZ: the same positions as the SVG (1 px = 0.75 pt), names typeset by TeX in
math mode from the notation's LaTeX, text in the nearest standard font size at or below the
SVG's (Computer Modern is narrower than the estimate, so nothing that is apart in the SVG
touches here). Uses only TikZ and xcolor, which the LaTeX report already loads.
"""

from __future__ import annotations

from tracer.report.diagram.scene import BACK, DASH, Label, Scene
from tracer.report.diagram.svg import num

PT = 0.75  # pt per px
TEXT_WIDTH = 455.0  # pt: a picture wider than this is scaled down to fit an A4 page with 2 cm margins


def _colour(hex_code: str) -> str:
    return "tracer" + hex_code.lstrip("#")


def _font(size: float) -> str:
    pt = max(5, min(10, int(size * PT)))  # Computer Modern's sizes; never above the SVG's size
    return rf"\fontsize{{{pt}}}{{{pt + 2}}}\selectfont"


def to_tikz(s: Scene, fit: bool = True) -> str:
    """A ``tikzpicture``; ``fit`` scales it down to the text width of the report when wider."""
    colours = sorted(
        {c.fill for c in s.circles}
        | {c.colour for c in s.circles}
        | {r.fill for r in s.rects}
        | {r.colour for r in s.rects}
        | {line.colour for line in s.lines}
        | {lab.colour for lab in s.labels}
    )
    scale = min(1.0, TEXT_WIDTH / (s.width * PT)) if fit else 1.0
    out = [
        rf"\begin{{tikzpicture}}[x={PT}pt, y=-{PT}pt, scale={scale:.3f}, "
        r"every node/.style={transform shape, inner sep=0pt, outer sep=0pt}]"
    ]
    out += [rf"\definecolor{{{_colour(c)}}}{{HTML}}{{{c.lstrip('#')}}}" for c in colours]
    out.append(rf"\useasboundingbox (0,0) rectangle ({num(s.width)},{num(s.height)});")
    for line in s.lines:
        dash = f", dash pattern=on {num(DASH[0] * PT)}pt off {num(DASH[1] * PT)}pt" if line.dashed else ""
        out.append(
            rf"\draw[{_colour(line.colour)}, line width={line.stroke * PT:.2f}pt{dash}] "
            f"({num(line.x1)},{num(line.y1)}) -- ({num(line.x2)},{num(line.y2)});"
        )
    for c in s.circles:
        out.append(
            rf"\filldraw[fill={_colour(c.fill)}, draw={_colour(c.colour)}, line width=0.9pt] "
            f"({num(c.x)},{num(c.y)}) circle[radius={num(c.r)}];"
        )
    for r in s.rects:
        b = r.box
        out.append(
            rf"\filldraw[fill={_colour(r.fill)}, draw={_colour(r.colour)}, line width=0.9pt, "
            f"rounded corners={num(r.rounded * PT)}pt] ({num(b.left)},{num(b.top)}) rectangle "
            f"({num(b.right)},{num(b.bottom)});"
        )
    for lab in s.labels:
        if lab.halo:
            b = lab.box.grown(BACK)
            corners = f"({num(b.left)},{num(b.top)}) rectangle ({num(b.right)},{num(b.bottom)})"
            out.append(rf"\fill[white, opacity=0.92] {corners};")
    out += [_node(lab) for lab in s.labels]
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)


def _node(lab: Label) -> str:
    anchor = {"start": "base west", "middle": "base", "end": "base east"}[lab.anchor]
    style = [f"anchor={anchor}", f"text={_colour(lab.colour)}", f"font={_font(lab.size)}"]
    body = rf"\textbf{{{lab.text.tex}}}" if lab.bold else lab.text.tex
    return rf"\node[{', '.join(style)}] at ({num(lab.x)},{num(lab.y)}) {{{body}}};"


def document(picture: str, width: float, height: float, chinese: bool = False) -> str:
    """A LaTeX document whose page is the picture (``width`` × ``height`` px) and a margin."""
    page_w, page_h = width * PT + 12, height * PT + 14
    package, begin, end = (
        ("\\usepackage{CJKutf8}\n", "\\begin{CJK}{UTF8}{gbsn}%\n", "\\end{CJK}%\n")
        if chinese
        else ("", "", "")
    )
    # every line of the body ends in % so that no space follows the picture on its line
    return (
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{tikz}\n"
        f"\\usepackage[paperwidth={page_w:.1f}pt, paperheight={page_h:.1f}pt, margin=6pt]{{geometry}}\n"
        f"{package}\\pagestyle{{empty}}\n\\setlength{{\\parindent}}{{0pt}}\n\\begin{{document}}\n{begin}"
        f"{picture}%\n{end}\\end{{document}}\n"
    )
