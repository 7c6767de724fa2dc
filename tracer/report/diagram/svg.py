"""A scene as SVG: plain string building, every text escaped, numbers with one decimal.

Subscripts and superscripts are ``tspan`` elements shifted with ``dy`` (which every SVG
renderer supports, unlike ``baseline-shift``) and set back on the next run. Labels that
edges pass under get a white box behind them, so no line runs through their text.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from tracer.report.diagram.scene import BACK, DASH, Label, Scene
from tracer.report.diagram.text import SHIFT, SUB_SCALE


def num(value: float) -> str:
    """A coordinate: one decimal, no trailing zero, never ``-0``."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def to_svg(s: Scene) -> str:
    w, h = num(s.width), num(s.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        f'role="img" aria-label={quoteattr(s.title)} font-family="sans-serif">',
        f"<title>{escape(s.title)}</title>",
        f'<rect x="0" y="0" width="{w}" height="{h}" fill="#FFFFFF"/>',
        '<g fill="none">',
    ]
    for line in s.lines:
        dash = f' stroke-dasharray="{num(DASH[0])} {num(DASH[1])}"' if line.dashed else ""
        out.append(
            f'<line x1="{num(line.x1)}" y1="{num(line.y1)}" x2="{num(line.x2)}" y2="{num(line.y2)}" '
            f'stroke="{line.colour}" stroke-width="{num(line.stroke)}"{dash}/>'
        )
    out.append("</g>")
    for c in s.circles:
        out.append(
            f'<circle cx="{num(c.x)}" cy="{num(c.y)}" r="{num(c.r)}" fill="{c.fill}" '
            f'stroke="{c.colour}" stroke-width="1.2"/>'
        )
    for r in s.rects:
        b = r.box
        out.append(
            f'<rect x="{num(b.left)}" y="{num(b.top)}" width="{num(b.right - b.left)}" '
            f'height="{num(b.bottom - b.top)}" rx="{num(r.rounded)}" fill="{r.fill}" '
            f'stroke="{r.colour}" stroke-width="1.2"/>'
        )
    out.append('<g fill="#FFFFFF" fill-opacity="0.92">')
    for lab in s.labels:
        if lab.halo:
            b = lab.box.grown(BACK)
            out.append(
                f'<rect x="{num(b.left)}" y="{num(b.top)}" width="{num(b.right - b.left)}" '
                f'height="{num(b.bottom - b.top)}"/>'
            )
    out.append("</g>")
    out += [_text(lab) for lab in s.labels]
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _text(lab: Label) -> str:
    attrs = [f'x="{num(lab.x)}"', f'y="{num(lab.y)}"', f'font-size="{num(lab.size)}"']
    if lab.anchor != "start":
        attrs.append(f'text-anchor="{lab.anchor}"')
    attrs.append(f'fill="{lab.colour}"')
    if lab.bold:
        attrs.append('font-weight="bold"')
    if lab.text.key is not None:
        attrs.append(f"data-key={quoteattr(lab.text.key)}")
    body = []
    shift = 0.0  # the current baseline offset, in px
    for run in lab.text.runs:
        target = SHIFT[run.level] * lab.size
        chars = escape(run.text)
        if run.level == 0 and target == shift:
            body.append(chars if not body else f"<tspan>{chars}</tspan>")
            continue
        size = f' font-size="{num(lab.size * SUB_SCALE)}"' if run.level else ""
        body.append(f'<tspan dy="{num(target - shift)}"{size}>{chars}</tspan>')
        shift = target
    return f"<text {' '.join(attrs)}>{''.join(body)}</text>"
