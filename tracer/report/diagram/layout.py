"""Place a detailed diagram: one column of circles per layer, values under each unit, its
bias above it, weights on the edges, targets and the loss on the right, a legend below.

Fixed parts (columns, captions, targets, loss) are placed by construction so that they
cannot overlap. Each weight's label is then put on its own edge, as near to the source end
as it fits without touching a circle or another label, preferring spots where no other edge
passes (so labels stagger along the fan of edges leaving a unit). When one does not fit,
the gap between its two columns widens and everything is placed again; :func:`place` gives
up (returns None) only past :data:`MAX_GAP`.

Sizes are estimated with the :class:`~tracer.report.diagram.text.Metrics` of the font the picture
will be drawn in, so the SVG (any sans-serif) and the TikZ (Computer Modern) each get a
layout of their own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from tracer.report.diagram import edges
from tracer.report.diagram import scene as sc
from tracer.report.diagram.content import Detailed
from tracer.report.diagram.placer import (
    CAPTION_SIZE,
    EDGE_SIZE,
    MARGIN,
    NAME_SIZE,
    PAD,
    VALUE_SIZE,
    Placer,
    R,
    block_height,
)
from tracer.report.diagram.scene import Box, Label, Scene
from tracer.report.diagram.text import Metrics, Text, extent

GAP = 4.0  # between a circle and its blocks
UNIT_GAP = 16.0  # between the blocks of neighbouring units
CAPTION_GAP = 14.0  # between the captions and the tallest column
MIN_GAP = 120.0  # smallest distance between two columns
MAX_GAP = 1200.0


class _Unit:
    """A unit's geometry relative to its circle's centre."""

    def __init__(self, p: Placer, above: Sequence[Text], below: Sequence[Text]) -> None:
        self.above, self.below = above, below
        self.up = R + (GAP + block_height(above, VALUE_SIZE) if above else 0.0)
        self.down = R + GAP + block_height(below, VALUE_SIZE)
        self.half = max(R, p.widest(above, VALUE_SIZE) / 2, p.widest(below, VALUE_SIZE) / 2)


def place(content: Detailed, metrics: Metrics) -> Scene | None:
    """The scene of ``content``, or None when its weights' labels cannot be placed.

    The gaps between columns are settled from left to right: a gap widens until the labels
    of its edges fit, then stays; a gap only depends on its two columns and the gap before.
    """
    p = Placer(metrics)
    units = [[_Unit(p, u.above, u.below) for u in col.units] for col in content.columns]
    halves = [
        max([u.half for u in col] + [p.widest(c.caption, CAPTION_SIZE) / 2])
        for col, c in zip(units, content.columns, strict=True)
    ]
    captions_h = max(
        [block_height(c.caption, CAPTION_SIZE) for c in content.columns]
        + [block_height(content.loss_caption, CAPTION_SIZE)]
    )
    body_top = MARGIN + captions_h + CAPTION_GAP - UNIT_GAP / 2
    ys, body_h = _rows(units, body_top)
    s = Scene(0, 0, content.title)
    done = _Done(p, content, units, ys, s, [MARGIN + halves[0]], [], [])
    done.fixed = _column(p, content, units, s, 0, done.xs[0], ys[0])
    for c in range(len(units) - 1):
        settled = _narrowest(partial(done.attempt, c), _first_gap(p, content, units, halves, c))
        if settled is None:
            return None
        done.accept(*settled)
    xs = done.xs
    s.lines += [line for _, line in edges.edge_lines(content.edges, xs, ys)]
    right = _targets_and_loss(p, content, s, done.fixed, xs, ys, halves[-1])
    s.labels = done.fixed + done.placed
    bottom = max(
        [body_top + body_h] + [r.box.bottom for r in s.rects] + [lab.box.bottom for lab in done.fixed]
    )
    p.legend(content.legend, s, bottom + 18, right)
    return s


@dataclass
class _Step:
    """A column placed at a trial distance from the one before, with the labels of the gap."""

    circles: list[sc.Circle]
    column: list[Label]
    labels: list[Label]


@dataclass
class _Done:
    """The columns placed so far, from the left, and their labels."""

    p: Placer
    content: Detailed
    units: list[list[_Unit]]
    ys: list[list[float]]
    scene: Scene
    xs: list[float]
    fixed: list[Label]  # captions, names, values
    placed: list[Label]  # weights

    def attempt(self, c: int, gap: float) -> _Step | None:
        """Column c + 1 at ``gap`` from column c, if the labels of the edges between fit."""
        trial = Scene(0, 0, "")
        x = self.xs[c] + gap
        column = _column(self.p, self.content, self.units, trial, c + 1, x, self.ys[c + 1])
        between = [e for e in self.content.edges if e.column == c]
        group = edges.edge_lines(between, [*self.xs, x], self.ys)
        taken = [lab.box for lab in self.fixed + self.placed + column if lab.box.right > self.xs[c] - R]
        found = edges.sweep(self.p, group, taken, self.scene.circles + trial.circles)
        return None if found is None else _Step(trial.circles, column, found)

    def accept(self, gap: float, step: _Step) -> None:
        self.xs.append(self.xs[-1] + gap)
        self.scene.circles += step.circles
        self.fixed += step.column
        self.placed += step.labels


def _narrowest(attempt: Callable[[float], _Step | None], start: float) -> tuple[float, _Step] | None:
    """The narrowest gap from ``start`` (to within 3 %) at which ``attempt`` succeeds, and its
    result: widen by a quarter until it fits, then halve the last step three times."""
    low, gap = None, start
    result = attempt(gap)
    while result is None:
        low, gap = gap, math.ceil(gap * 1.25)
        if gap > MAX_GAP:
            return None
        result = attempt(gap)
    if low is None:
        return gap, result
    for _ in range(3):
        middle = math.ceil((low + gap) / 2)
        found = attempt(middle)
        if found is None:
            low = middle
        else:
            gap, result = middle, found
    return gap, result


def _first_gap(p: Placer, content: Detailed, units: list[list[_Unit]], halves: list[float], c: int) -> float:
    """Where to start looking: room for the columns of weight labels that the gap's edges
    need when each column of labels is filled to about two thirds of the height."""
    group = [e for e in content.edges if e.column == c]
    tall = max(block_height(e.lines, EDGE_SIZE) for e in group) + 2 * PAD
    wide = max(p.widest(e.lines, EDGE_SIZE) for e in group) + 2 * PAD
    height = max(sum(u.up + u.down + UNIT_GAP for u in col) for col in units)
    stacks = math.ceil(len(group) * tall / (0.66 * height))
    return max(MIN_GAP, halves[c] + halves[c + 1] + 24, halves[c] + halves[c + 1] + stacks * wide)


def _rows(units: list[list[_Unit]], top: float) -> tuple[list[list[float]], float]:
    """The centres of the circles, and the height of the body. Every column gets the same
    height, shared out evenly among its units, so that the edges fan out as wide as they can."""
    slots = [max(u.up + u.down for u in col) + UNIT_GAP for col in units]
    body = max(len(col) * slot for col, slot in zip(units, slots, strict=True))
    ys = []
    for col in units:
        share = body / len(col)
        ys.append([top + k * share + (share - u.up - u.down) / 2 + u.up for k, u in enumerate(col)])
    return ys, body - UNIT_GAP


def _column(
    p: Placer, content: Detailed, units: list[list[_Unit]], s: Scene, c: int, x: float, ys: list[float]
) -> list[Label]:
    """Column ``c`` at ``x``: its caption, circles (added to ``s``), names and values."""
    col = content.columns[c]
    out = p.stack(col.caption, CAPTION_SIZE, MARGIN, x)
    for unit, geo, y in zip(col.units, units[c], ys, strict=True):
        s.circles.append(sc.Circle(x, y, R, sc.FILLS[unit.kind]))
        out.append(_name(p, unit.name, x, y))
        if geo.above:
            top = y - R - GAP - block_height(geo.above, VALUE_SIZE)
            out += p.stack(geo.above, VALUE_SIZE, top, x, halo=True)
        out += p.stack(geo.below, VALUE_SIZE, y + R + GAP, x, halo=True)
    return out


def _name(p: Placer, name: Text, x: float, y: float) -> Label:
    """The unit's name inside its circle, shrunk if it would not fit."""
    size = NAME_SIZE
    while size > 7 and p.width(name, size) > 2 * R - 8:
        size -= 0.5
    return p.centred(name, x, y, size)


def _targets_and_loss(
    p: Placer,
    content: Detailed,
    s: Scene,
    fixed: list[Label],
    xs: list[float],
    ys: list[list[float]],
    half: float,
) -> float:
    """Targets beside the outputs, lines from them to the loss box; returns the right edge."""
    x_out, outs = xs[-1], ys[-1]
    targets = []
    for t, y in zip(content.targets, outs, strict=True):
        above, below = extent(t, VALUE_SIZE)
        targets.append(p.label(x_out + R + 8, y + (above - below) / 2, t, VALUE_SIZE, "start", halo=True))
    t_right = max(lab.box.right for lab in targets)
    box_w = max(p.width(content.loss_name, VALUE_SIZE) + 20, 48.0)
    caption_w = p.widest(content.loss_caption, CAPTION_SIZE)
    lines_w = p.widest(content.loss_lines, VALUE_SIZE)
    last_caption = x_out + p.widest(content.columns[-1].caption, CAPTION_SIZE) / 2
    centre = max(
        t_right + 36 + max(box_w, lines_w) / 2,
        last_caption + 16 + caption_w / 2,
        x_out + half + 12 + lines_w / 2,
    )
    cy = sum(outs) / len(outs)
    box = Box(centre - box_w / 2, cy - 13, centre + box_w / 2, cy + 13)
    s.rects.append(sc.Rect(box, sc.FILLS["loss"]))
    fixed.append(p.centred(content.loss_name, centre, cy, VALUE_SIZE))
    fixed += p.stack(content.loss_lines, VALUE_SIZE, box.bottom + GAP, centre, halo=True)
    fixed += p.stack(content.loss_caption, CAPTION_SIZE, MARGIN, centre)
    for lab in targets:
        b = lab.box
        s.lines.append(sc.Line(b.right + 3, (b.top + b.bottom) / 2, box.left, cy, sc.MUTED, 0.8))
    fixed += targets
    return max(box.right, centre + lines_w / 2, centre + caption_w / 2, t_right)
