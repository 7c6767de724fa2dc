"""Place a layer-level diagram: a box per layer (inputs first, the loss last) in rows of
:data:`PER_ROW`, joined by arrows; a row's last box leads down and back to the next row.
"""

from __future__ import annotations

import math
from dataclasses import replace

from tracer.report.diagram import scene as sc
from tracer.report.diagram.content import Compact
from tracer.report.diagram.placer import MARGIN, VALUE_SIZE, Placer, block_height
from tracer.report.diagram.scene import Box, Scene
from tracer.report.diagram.text import Metrics

PER_ROW = 5
H_GAP, V_GAP, INSET = 44.0, 40.0, 10.0
HEAD = 5.0  # arrowhead length


def place(content: Compact, metrics: Metrics) -> Scene:
    p = Placer(metrics)
    w = max(p.widest(box, VALUE_SIZE) for box in content.boxes) + 2 * INSET
    h = max(block_height(box, VALUE_SIZE) for box in content.boxes) + 2 * INSET
    s = Scene(0, 0, content.title, detailed=False)
    boxes = []
    for n, (lines, kind) in enumerate(zip(content.boxes, content.kinds, strict=True)):
        row, col = divmod(n, PER_ROW)
        left, top = MARGIN + col * (w + H_GAP), MARGIN + row * (h + V_GAP)
        box = Box(left, top, left + w, top + h)
        boxes.append(box)
        s.rects.append(sc.Rect(box, sc.FILLS[kind]))
        labels = p.stack(lines, VALUE_SIZE, top + (h - block_height(lines, VALUE_SIZE)) / 2, left + w / 2)
        s.labels += [replace(labels[0], bold=True), *labels[1:]]
    for a, b in zip(boxes, boxes[1:], strict=False):
        if math.isclose(a.top, b.top):
            y = (a.top + a.bottom) / 2
            _arrow(s, [(a.right, y), (b.left, y)])
        else:
            mid = a.bottom + V_GAP / 2
            x_a, x_b = (a.left + a.right) / 2, (b.left + b.right) / 2
            _arrow(s, [(x_a, a.bottom), (x_a, mid), (x_b, mid), (x_b, b.top)])
    p.legend(content.legend, s, max(b.bottom for b in boxes) + 18, max(b.right for b in boxes))
    return s


def _arrow(s: Scene, points: list[tuple[float, float]]) -> None:
    """A polyline with an arrowhead at its last point."""
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        s.lines.append(sc.Line(x1, y1, x2, y2, sc.MUTED, 1.2))
    (x1, y1), (x2, y2) = points[-2], points[-1]
    length = math.hypot(x2 - x1, y2 - y1)
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    for side in (1, -1):
        hx = x2 - HEAD * ux + side * HEAD * 0.6 * uy
        hy = y2 - HEAD * uy - side * HEAD * 0.6 * ux
        s.lines.append(sc.Line(hx, hy, x2, y2, sc.MUTED, 1.2))
