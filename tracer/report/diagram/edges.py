"""The weights of a detailed diagram: a line per edge, and each edge's label on it.

Labels are placed by a sweep along a gap between two columns, from the source side: at each
position, as many waiting labels as fit there (ordered from the top). Boxes are filed in
horizontal bands so that each test looks only at its neighbours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from tracer.report.diagram import scene as sc
from tracer.report.diagram.content import Edge
from tracer.report.diagram.placer import EDGE_SIZE, PAD, Placer, R, block_height
from tracer.report.diagram.scene import Box, Label

STEPS = 60  # candidate positions of a label along its edge
DENSE = 16  # edges in a gap beyond which labels may sit on crossings from the start


def edge_lines(edges: Sequence[Edge], xs: list[float], ys: list[list[float]]) -> list[tuple[Edge, sc.Line]]:
    """Each edge's line, from circle to circle: dashed when its weight is negative, thicker
    for larger weights (relative to the largest of its layer)."""
    biggest: dict[int, float] = {}
    for e in edges:
        biggest[e.column] = max(biggest.get(e.column, 0.0), abs(e.value))
    out = []
    for e in edges:
        x1, y1 = xs[e.column], ys[e.column][e.source]
        x2, y2 = xs[e.column + 1], ys[e.column + 1][e.target]
        length = math.hypot(x2 - x1, y2 - y1)
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        negative = e.value < 0
        colour = sc.NEGATIVE if negative else sc.POSITIVE
        scale = abs(e.value) / biggest[e.column] if biggest[e.column] else 0.0
        stroke = round(1.0 + 1.4 * scale, 2)  # at least 1 px
        out.append((e, sc.Line(x1 + ux * R, y1 + uy * R, x2 - ux * R, y2 - uy * R, colour, stroke, negative)))
    return out


def sweep(
    p: Placer, group: list[tuple[Edge, sc.Line]], taken: list[Box], circles: list[sc.Circle]
) -> list[Label] | None:
    """The labels of one gap's edges, each centred on its edge. Sweeping from the source side,
    each position takes as many waiting labels as fit there (in their order from the top);
    a first sweep only uses spots that no other edge crosses (a label on a crossing would be
    ambiguous), a second places the rest. None when some label finds no room."""
    lines = [line for _, line in group]
    protos, shapes, reach = [], [], []
    for e, line in group:
        h = block_height(e.lines, EDGE_SIZE)
        proto = p.stack(e.lines, EDGE_SIZE, -h / 2, 0.0, colour=line.colour, halo=True)  # centred on 0, 0
        boxes = [lab.box.grown(PAD) for lab in proto]
        protos.append(proto)
        shapes.append(boxes)
        span = _union(boxes)
        reach.append(
            Box(
                min(line.x1, line.x2) + span.left,
                min(line.y1, line.y2) + span.top,
                max(line.x1, line.x2) + span.right,
                max(line.y1, line.y2) + span.bottom,
            )
        )
    index = _Bands(taken)
    rings = [[c for c in circles if r.hits_circle(c.x, c.y, c.r + PAD)] for r in reach]
    crossing = [[o for o in lines if o is not lines[k] and _crosses(r, o)] for k, r in enumerate(reach)]
    where: dict[int, tuple[float, float]] = {}
    # a label on a crossing would be ambiguous; in a dense fan there is no avoiding it
    for strict in (True, False) if len(lines) <= DENSE else (False,):
        for step in range(1, STEPS):
            f = step / STEPS
            points = {
                k: (ln.x1 + (ln.x2 - ln.x1) * f, ln.y1 + (ln.y2 - ln.y1) * f) for k, ln in enumerate(lines)
            }
            for k in sorted((k for k in points if k not in where), key=lambda k: (points[k][1], k)):
                px, py = points[k]
                boxes = [Box(b.left + px, b.top + py, b.right + px, b.bottom + py) for b in shapes[k]]
                if any(index.hits(b) for b in boxes):
                    continue
                if any(b.hits_circle(c.x, c.y, c.r + PAD) for b in boxes for c in rings[k]):
                    continue
                if strict and any(_crosses(b, o) for b in boxes for o in crossing[k]):
                    continue
                where[k] = (px, py)
                index.add(boxes)
        if len(where) == len(lines):
            break
    if len(where) < len(lines):
        return None
    return [
        replace(lab, x=lab.x + where[k][0], y=lab.y + where[k][1])
        for k in range(len(lines))
        for lab in protos[k]
    ]


class _Bands:
    """Boxes filed by horizontal bands, so that a test looks only at its neighbours."""

    HEIGHT = 32.0

    def __init__(self, boxes: Sequence[Box]) -> None:
        self.bands: dict[int, list[Box]] = {}
        self.add(boxes)

    def _span(self, b: Box) -> range:
        return range(math.floor(b.top / self.HEIGHT), math.floor(b.bottom / self.HEIGHT) + 1)

    def add(self, boxes: Sequence[Box]) -> None:
        for b in boxes:
            for band in self._span(b):
                self.bands.setdefault(band, []).append(b)

    def hits(self, box: Box) -> bool:
        return any(box.overlaps(o) for band in self._span(box) for o in self.bands.get(band, ()))


def _union(boxes: Sequence[Box]) -> Box:
    return Box(
        min(b.left for b in boxes),
        min(b.top for b in boxes),
        max(b.right for b in boxes),
        max(b.bottom for b in boxes),
    )


def _crosses(box: Box, line: sc.Line) -> bool:
    """Whether the segment passes through the box (Liang-Barsky clipping)."""
    dx, dy = line.x2 - line.x1, line.y2 - line.y1
    low, high = 0.0, 1.0
    for d, q in (
        (-dx, line.x1 - box.left),
        (dx, box.right - line.x1),
        (-dy, line.y1 - box.top),
        (dy, box.bottom - line.y1),
    ):
        if d == 0:
            if q < 0:
                return False
            continue
        r = q / d
        if d < 0:
            low = max(low, r)
        else:
            high = min(high, r)
        if low > high:
            return False
    return True
