"""A laid-out picture: shapes and text at absolute positions (px, y down), ready to be
written as SVG or TikZ. The writers only translate; every position is decided in the
layout, so both formats show the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from tracer.report.diagram.text import Text, extent

# A restrained palette; every colour also has a non-colour cue (dash, fill, position).
INK = "#222222"
MUTED = "#555555"
POSITIVE = "#2F5D8A"  # edges of weights ≥ 0: solid
NEGATIVE = "#B0452F"  # edges of weights < 0: dashed
FILLS = {"input": "#F0F0F0", "hidden": "#E3EDF7", "output": "#FBEBDD", "loss": "#F4F4F4"}
DASH = (6.0, 4.0)
BACK = 1.5  # how far the white box behind a label reaches beyond its text


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )

    def grown(self, by: float) -> Box:
        return Box(self.left - by, self.top - by, self.right + by, self.bottom + by)

    def hits_circle(self, cx: float, cy: float, r: float) -> bool:
        nx = min(max(cx, self.left), self.right)
        ny = min(max(cy, self.top), self.bottom)
        return (nx - cx) ** 2 + (ny - cy) ** 2 < r * r


@dataclass(frozen=True)
class Label:
    """One line of text; ``x`` is its start, middle or end (``anchor``), ``y`` its baseline."""

    x: float
    y: float
    text: Text
    size: float
    width: float  # as estimated for the font it will be drawn in
    anchor: str = "middle"  # start | middle | end
    colour: str = INK
    halo: bool = False  # on a white box, so that lines passing under it do not cross the text
    bold: bool = False

    @cached_property
    def box(self) -> Box:
        w = self.width
        left = {"start": self.x, "middle": self.x - w / 2, "end": self.x - w}[self.anchor]
        above, below = extent(self.text, self.size)
        return Box(left, self.y - above, left + w, self.y + below)


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str = MUTED
    stroke: float = 1.0
    dashed: bool = False


@dataclass(frozen=True)
class Circle:
    x: float
    y: float
    r: float
    fill: str
    colour: str = MUTED


@dataclass(frozen=True)
class Rect:
    box: Box
    fill: str
    colour: str = MUTED
    rounded: float = 6.0


@dataclass
class Scene:
    """Everything drawn, in drawing order: lines, then shapes, then text."""

    width: float
    height: float
    title: str  # what the picture shows, for screen readers
    detailed: bool = True  # unit by unit (False: a box per layer)
    lines: list[Line] = field(default_factory=list)
    circles: list[Circle] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
