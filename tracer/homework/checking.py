"""The Python API of ``tracer check`` and ``tracer variants``: mark a student's answers against
a spec; draw variants of a problem.

>>> import tracer
>>> marked = tracer.check("sigmoid-222-bias", {"a3": "0.6236336", "a4": "0.50274997"})
>>> marked.score["wrong"], marked.first_wrong.answer.name
(1, 'a4')
>>> md = marked.to_markdown()          # the feedback a student reads  # doctest: +SKIP

Answers are a path to an answers file, its YAML/JSON text, or a mapping of names to values
(write values as strings to keep the digits as written: ``"0.6200"`` has four significant
figures, the float 0.62 two). The command line (``tracer check``) is a layer over the same
modules.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Union

from tracer.derive.network import Network
from tracer.evaluate.tracing import Trace, trace
from tracer.homework import answers as reading
from tracer.homework import marking
from tracer.homework.answers import Answers
from tracer.homework.feedback import render as render_feedback
from tracer.homework.feedback import to_dict as feedback_dict
from tracer.homework.marking import Mark, Marking
from tracer.homework.variation import Variant, generate
from tracer.report.render import Options
from tracer.spec import tolerance as tol
from tracer.spec.loader import SpecLike, load
from tracer.spec.model import NetworkSpec
from tracer.spec.source import Document, NumberText, read_text

#: Reads one answers source for a network trained ``total`` iterations (valid: the keys).
Reader = Callable[[Network, int, set[str]], Answers]

AnswersLike = Union[str, os.PathLike[str], Mapping[str, Any]]  # noqa: UP007


def check(
    spec: SpecLike,
    answers: AnswersLike,
    *,
    tolerance: str | Mapping[str, Any] | None = None,
    iterations: int | None = None,
) -> Checked:
    """Mark ``answers`` against ``spec``. ``tolerance`` (``"sig_figs=3"`` or a mapping such as
    ``{"rel": "1e-4"}``) overrides the answers file's, which overrides the spec's."""
    network = load(spec)

    def read(net: Network, total: int, valid: set[str]) -> reading.Answers:
        if isinstance(answers, dict):
            return reading.parse(Document(_as_text(answers)), "answers", net, total, valid)
        if isinstance(answers, str) and "\n" in answers:
            return reading.parse(read_text(answers, "answers"), "answers", net, total, valid)
        return reading.load(os.fspath(answers), net, total, valid)

    result, (parsed,) = traced_for(network, [read], iterations)
    if isinstance(tolerance, str):
        rule = tol.parse_option(tolerance)
    elif tolerance is not None:
        rule = tol.read(dict(tolerance), "tolerance", "command line")
    else:
        rule = parsed.tolerance or network.tolerance or tol.DEFAULT
    return Checked(marking.mark(result, parsed, rule))


def traced_for(
    network: NetworkSpec, readers: Sequence[Reader], iterations: int | None = None
) -> tuple[Trace, list[Answers]]:
    """The trace answers are marked against, and the answers each reader reads.

    Iteration 1 is always computed exactly (it names every quantity a reader may ask for);
    the iterations the answers go up to, to ``marking.EXACT_ITERATIONS``, are too — traced
    again only when some answers go beyond iteration 1. Every reader reads before anything
    is marked, so a bad file stops a run of many before any output.
    """
    total = iterations or network.iterations
    result = trace(network, check=False, iterations=total)
    valid = set(result.first.values) | {"L+"}
    read = [r(result.network, total, valid) for r in readers]
    deepest = min(max((max(a.iterations(), default=1) for a in read), default=1), marking.EXACT_ITERATIONS)
    if deepest > 1:
        result = trace(network, check=False, detail=(deepest,), iterations=total)
    return result, read


def _as_text(data: Mapping[str, Any]) -> dict:
    """A mapping's numbers as the text the reader keeps (floats by their shortest repr)."""

    out: dict = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out[k] = _as_text(v)
        elif isinstance(v, float):
            out[k] = NumberText(repr(v))
        else:
            out[k] = v
    return out


def variants(spec: SpecLike, n: int, seed: int = 0) -> list[Variant]:
    """Variants 1 … ``n`` of ``spec`` as ``tracer variants`` draws them (its ``vary:`` section,
    or the defaults): each has ``index``, ``seed``, ``draw``, ``numbers`` and ``spec`` — trace
    ``v.spec`` for the worked solution, ``tracer.check(v.spec, answers)`` to mark it. Variant k
    depends only on (spec, seed, k), never on ``n``."""
    return generate(load(spec), seed, n)


class Checked:
    """Marked answers: verdicts, score, first wrong step; renders its feedback."""

    def __init__(self, marking: Marking) -> None:
        self.marking = marking  #: the verdicts (:class:`tracer.homework.marking.Marking`)

    @property
    def score(self) -> dict[str, int | float]:
        return self.marking.score

    @property
    def all_right(self) -> bool:
        """True when every answer given is correct or carried (the command's exit code 0)."""
        return self.marking.all_right

    @property
    def first_wrong(self) -> Mark | None:
        return self.marking.first_wrong

    def render(self, fmt: str = "md", **options: Any) -> str:
        """The feedback as text: ``md``, ``html``, ``tex`` or ``json``; options as for reports
        (``notation``, ``lang``, ``digits``, ``fragment``, ``template_dir``)."""
        return render_feedback(self.marking, Options(fmt=fmt, **options))

    def to_markdown(self, **options: Any) -> str:
        return self.render("md", **options)

    def to_html(self, **options: Any) -> str:
        return self.render("html", **options)

    def to_latex(self, **options: Any) -> str:
        return self.render("tex", **options)

    def to_dict(self) -> dict[str, Any]:

        return feedback_dict(self.marking)

    def _repr_markdown_(self) -> str:
        return self.to_markdown(fragment=True)

    def _repr_html_(self) -> str:
        return self.to_html(fragment=True)

    def __repr__(self) -> str:
        s = self.score
        counts = ", ".join(f"{s[k]} {k}" for k in ("correct", "carried", "wrong", "missing"))
        return f"<tracer.Checked: {counts}>"
