"""Network diagrams: the network drawn as columns of units joined by weighted edges, with the
values of one forward pass (and, optionally, the gradients of its backward pass) written on
them, in the report's notation. SVG for Markdown and HTML, TikZ for LaTeX.

A network of at most :data:`MAX_LAYERS` layers of at most :data:`MAX_UNITS` units (inputs
included) is drawn unit by unit; a larger one as a box per layer (:mod:`.compact`).

    >>> picture = build(trace, names, strings, grads=True)   # doctest: +SKIP
    >>> picture.svg(), picture.tikz()                         # doctest: +SKIP

Pipeline: :mod:`.content` (what is said) → :mod:`.layout` / :mod:`.compact` (where) →
:mod:`.scene` → :mod:`.svg` / :mod:`.tikz` (how it is written); :mod:`.placer` stacks measured
text into blocks, :mod:`.edges` draws each weight and its label, :mod:`.text` is the text both
writers print from one source.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from tracer.errors import TracerError
from tracer.evaluate.tracing import Trace
from tracer.notation import Notation
from tracer.report.diagram import compact, content, layout
from tracer.report.diagram.scene import Scene
from tracer.report.diagram.svg import to_svg
from tracer.report.diagram.text import SANS, TEX, Metrics
from tracer.report.diagram.tikz import document, to_tikz
from tracer.report.lang import Strings

DEFAULT_DIGITS = 4
MAX_LAYERS, MAX_UNITS = 4, 6
TALL = 900.0  # px: a picture taller than this shows only a (and δ) under each unit
#: px: the widest picture a report shows (scaled to a page or screen, its text stays legible);
#: beyond it a report leaves out the gradients, and then draws a box per layer
REPORT_WIDTH = 1150.0

__all__ = ["DEFAULT_DIGITS", "Picture", "build", "for_report"]


@dataclass(frozen=True)
class Picture:
    """What a diagram says; laid out on demand for the font of each format (an SVG is drawn
    in a browser's sans-serif, a TikZ picture in Computer Modern)."""

    title: str
    detailed: content.Detailed | None  # None: too large to draw unit by unit
    short: content.Detailed | None  # the same with fewer values under each unit
    compact: content.Compact
    chinese: bool = False

    @property
    def alt(self) -> str:
        return self.title

    def scene(self, metrics: Metrics) -> Scene:
        """Unit by unit when it can be, else a box per layer."""
        if self.detailed is not None:
            found = layout.place(self.detailed, metrics)
            if found is not None and found.height > TALL and self.short is not None:
                found = layout.place(self.short, metrics) or found
            if found is not None:
                return found
        return compact.place(self.compact, metrics)

    @cached_property
    def svg_scene(self) -> Scene:
        return self.scene(SANS)

    @cached_property
    def tex_scene(self) -> Scene:
        return self.scene(TEX)

    def svg(self) -> str:
        """A complete ``<svg>`` element (valid as a file, or inline in HTML)."""
        return to_svg(self.svg_scene)

    def tikz(self, fit: bool = True) -> str:
        """A ``tikzpicture``; ``fit`` scales it down to an A4 text width when it is wider."""
        return to_tikz(self.tex_scene, fit)

    def document(self) -> str:
        """A LaTeX document holding the picture alone, its page cut to the picture's size."""
        s = self.tex_scene
        return document(to_tikz(s, fit=False), s.width, s.height, self.chinese)


def build(
    trace: Trace,
    names: Notation,
    strings: Strings,
    digits: int = DEFAULT_DIGITS,
    grads: bool = False,
    iteration: int = 1,
    sample: int = 1,
) -> Picture:
    """The diagram of ``iteration`` (from 1) as seen by ``sample`` (from 1)."""
    net = trace.network
    if not 1 <= iteration <= len(trace.iterations) or not trace.iterations[iteration - 1].exact:
        raise TracerError(f"iteration {iteration} was not computed exactly by this trace", "--iteration")
    if not 1 <= sample <= net.n_samples:
        raise TracerError(f"sample {sample} is not one of 1 to {net.n_samples}", "--sample")
    view = content.View(trace, names, strings, digits, iteration, sample, grads)
    small = net.depth <= MAX_LAYERS and max(net.sizes) <= MAX_UNITS
    whole = content.detailed(view) if small else None
    short = content.detailed(view, short=True) if small else None
    layers = content.compact(view)
    return Picture(layers.title, whole, short, layers, strings.lang == "zh")


def for_report(trace: Trace, names: Notation, strings: Strings, digits: int, iteration: int = 1) -> Picture:
    """The picture a report shows (sample 1): with the gradients when it stays narrow enough
    to read on a page, else without them, else a box per layer."""
    shown = min(digits, DEFAULT_DIGITS)  # a picture, not the place for every digit
    picture = build(trace, names, strings, shown, grads=True, iteration=iteration)
    if picture.svg_scene.width <= REPORT_WIDTH:
        return picture
    picture = build(trace, names, strings, shown, grads=False, iteration=iteration)
    if picture.svg_scene.width <= REPORT_WIDTH:
        return picture
    return replace(picture, detailed=None, short=None)
