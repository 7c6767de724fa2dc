"""Text placed in a picture: lines measured in the metrics of the font they will be drawn
in, stacked into blocks; the sizes every part of a diagram shares."""

from __future__ import annotations

import math
from collections.abc import Sequence

from tracer.report.diagram import scene as sc
from tracer.report.diagram.scene import Label, Scene
from tracer.report.diagram.text import Metrics, Run, Text, extent, merge

MARGIN = 16.0
R = 19.0  # circle radius
NAME_SIZE, VALUE_SIZE, EDGE_SIZE, CAPTION_SIZE = 13.0, 12.0, 11.0, 12.0
LINE_GAP = 2.0  # between the lines of a block
PAD = 2.0  # clearance kept around every label


def block_height(lines: Sequence[Text], size: float) -> float:
    if not lines:
        return 0.0
    return sum(sum(extent(t, size)) for t in lines) + LINE_GAP * (len(lines) - 1)


class Placer:
    """Labels measured in one font's metrics."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def width(self, text: Text, size: float) -> float:
        return self.metrics.width(text, size)

    def widest(self, lines: Sequence[Text], size: float) -> float:
        return max((self.width(t, size) for t in lines), default=0.0)

    def label(
        self, x: float, y: float, text: Text, size: float, anchor: str = "middle", **style: object
    ) -> Label:
        return Label(x, y, text, size, self.width(text, size), anchor, **style)  # type: ignore[arg-type]

    def centred(self, text: Text, x: float, y: float, size: float, **style: object) -> Label:
        """A line centred on (x, y) both ways."""
        above, below = extent(text, size)
        return self.label(x, y + (above - below) / 2, text, size, **style)

    def stack(
        self,
        lines: Sequence[Text],
        size: float,
        top: float,
        x: float,
        anchor: str = "middle",
        **style: object,
    ) -> list[Label]:
        """Lines one under the other, the first with its top at ``top``."""
        out = []
        for t in lines:
            above, below = extent(t, size)
            y = top + above
            out.append(self.label(x, y, t, size, anchor, **style))
            top = y + below + LINE_GAP
        return out

    def legend(self, items: Sequence[Text], s: Scene, top: float, right: float) -> None:
        """The legend's items joined by middle dots, wrapped to the picture's width; sets the
        scene's size."""
        limit = max(right - MARGIN, self.widest(items, VALUE_SIZE), 360.0)
        rows: list[list[Text]] = [[]]
        for t in items:
            if rows[-1] and self.width(_join(rows[-1] + [t]), VALUE_SIZE) > limit:
                rows.append([t])
            else:
                rows[-1].append(t)
        labels = self.stack([_join(r) for r in rows], VALUE_SIZE, top, MARGIN, "start", colour=sc.MUTED)
        s.labels += labels
        s.width = math.ceil(max([right] + [lab.box.right for lab in labels]) + MARGIN)
        s.height = math.ceil(labels[-1].box.bottom + MARGIN)


def _join(items: Sequence[Text]) -> Text:
    runs: list[Run] = []
    for i, t in enumerate(items):
        runs += ([Run(" · ")] if i else []) + list(t.runs)
    return Text(merge(runs), r" \quad$\cdot$\quad ".join(t.tex for t in items))
