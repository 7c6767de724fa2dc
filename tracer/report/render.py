"""Turn a Trace into a report: Markdown, LaTeX, HTML (Jinja2 templates) or JSON.

Templates live in ``templates/`` (shipped in the wheel as ``tracer/templates``); a user's
folder given with ``-t`` goes in front, so a user template can extend
``builtin/default/report.md.jinja2`` and replace one block. See ``templates/README.md`` for the
blocks and the context.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import jinja2

from tracer.errors import TracerError
from tracer.evaluate.gcpause import paused
from tracer.evaluate.tracing import Trace
from tracer.notation import NOTATIONS, Notation
from tracer.numbers import DEFAULT_DIGITS
from tracer.report import context, diagram, formats, lang
from tracer.report import embedded as embedformats
from tracer.report import only as sections
from tracer.report.jsontrace import dumps, to_json
from tracer.report.markup import Markup, Math
from tracer.spec import limits

FORMATS = formats.FORMATS
#: Every format :func:`render` writes: the command line's, and those for embedding (rst, arithmatex).
ALL_FORMATS = (*FORMATS, *embedformats.FORMATS)


@dataclass(frozen=True)
class Options:
    """How to render: every choice a user can make on the command line."""

    fmt: str = "md"
    notation: str | None = None  # None: the spec's own notation
    lang: str = "en"
    digits: int = DEFAULT_DIGITS
    exact: bool = False  # also show exact values where they are short
    carry_rounded: bool = False  # compute each step from the rounded values before it
    fragment: bool = False  # the body only, to embed in a larger page or document
    detail: tuple[int, ...] = (1,)  # the iterations shown step by step
    template_dir: str | Path | None = None
    only: tuple[str, ...] = ()  # parts of the report shown (tracer.report.only); () is all of it
    view: str | None = None  # neuron | matrix; None: by size (tracer.spec.limits.view_for)
    sample_values: str = "auto"  # JSON: iterations with every sample's values (tracer.report.jsontrace)

    def __post_init__(self) -> None:
        object.__setattr__(self, "only", sections.split(self.only))
        checks = (
            ("fmt", self.fmt, ALL_FORMATS),
            ("notation", self.notation, (*NOTATIONS, None)),
            ("lang", self.lang, lang.LANGUAGES),
            ("view", self.view, (*limits.VIEWS, None)),
            ("sample_values", self.sample_values, limits.SAMPLE_VALUES),
        )
        for name, value, allowed in checks:
            if value not in allowed:
                shown = ", ".join(a for a in allowed if a)
                raise ValueError(f"{name} must be one of {shown}, not {value!r}")
        if not isinstance(self.digits, int) or not 1 <= self.digits <= 50:
            raise ValueError(f"digits must be an integer from 1 to 50, not {self.digits!r}")
        if self.view == "matrix" and (self.exact or self.carry_rounded):
            raise ValueError("exact and carry_rounded apply to the neuron view only, not the matrix view")


def template_dirs() -> list[Path]:
    """The packaged templates (wheel) or the repository's top-level folder (source tree)."""
    package = Path(__file__).resolve().parents[1]
    return [p for p in (package / "templates", package.parent / "templates") if p.is_dir()]


def template_folders(template_dir: str | Path | None) -> list[Path]:
    return ([Path(template_dir)] if template_dir else []) + template_dirs()


def make_env(template_dir: str | Path | None = None, fmt: str = "md") -> jinja2.Environment:
    """The Jinja2 environment: the user's folder first, then the shipped templates.

    A user file shadows the shipped one of the same name (``default/report.md.jinja2``);
    the shipped ones stay reachable as ``builtin/…``, so a user template can
    ``{% extends "builtin/default/report.md.jinja2" %}`` and replace one block.
    """
    shipped = jinja2.FileSystemLoader([str(p) for p in template_dirs()])
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({"builtin": shipped}),  # first: a user folder cannot shadow builtin/
            jinja2.FileSystemLoader([str(p) for p in template_folders(template_dir)]),
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # every string is escaped for its format in Python (tracer.report.formats)
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["f"] = _format(fmt)
    env.filters["prose"] = env.globals["f"].prose
    env.globals["Math"] = Math
    env.globals["Markup"] = Markup
    return env


def notation_of(trace: Trace, name: str | None = None) -> Notation:
    """The notation object for ``trace`` (``name`` overrides the spec's choice)."""
    return trace.network.notation(name or trace.spec.notation)


def view_of(trace: Trace, view: str | None = None) -> str:
    """The view of a report: ``view`` if given, else by the network's size: neuron by neuron
    up to ``limits.MAX_REPORT_STEPS`` parameter × sample pairs, in matrices above."""
    net = trace.network
    return view or limits.view_for(len(net.params) * net.n_samples)


def render(trace: Trace, options: Options | str | None = None, **changes: object) -> str:
    """The report of ``trace`` as text.

    ``options`` is an :class:`Options` or just a format name; keyword arguments change
    single options: ``render(t, "tex", notation="node", lang="zh")``.
    """
    return "\n".join(render_lines(trace, options, **changes))


@paused  # the template pass too: collections there walked the whole context (0.2 s at [2,64,64,64,1])
def render_lines(trace: Trace, options: Options | str | None = None, **changes: object) -> list[str]:
    """:func:`render`'s text as the pieces that ``"\\n"`` joins: a 55 MB report can be written
    out piece by piece, never whole in memory (where one arrow would make it 2 bytes a character)."""
    base = Options(fmt=options) if isinstance(options, str) else options or Options()
    opts = replace(base, **changes)  # type: ignore[arg-type]
    if opts.fmt == "json":
        if opts.only:
            raise TracerError("the JSON trace is always whole; --only is for md, tex and html", "only")
        return [dumps(to_json(trace, opts.detail, opts.sample_values))]
    strings = lang.Strings(opts.lang, template_folders(opts.template_dir))
    env = make_env(opts.template_dir, opts.fmt)
    fmt = env.globals["f"]
    ctx = report_context(trace, opts, strings, fmt)
    lines = _lines(env.get_template(f"default/report.{fmt.name}.jinja2").generate(ctx))
    del ctx  # its strings are in the lines now: a large report would hold them twice
    return _tidied(lines)


def report_context(trace: Trace, opts: Options, strings: lang.Strings, fmt: formats.Format) -> dict:
    """Everything the report templates use, for either view (the one place that assembles it:
    :func:`render`, and the problem sets of :mod:`tracer.homework.problemset`)."""
    names = notation_of(trace, opts.notation)
    selection = sections.parse(opts.only, trace, names)
    first = min(opts.detail)
    if view_of(trace, opts.view) == "matrix":
        if opts.exact or opts.carry_rounded:
            raise ValueError("exact and carry_rounded apply to the neuron view only, not the matrix view")
        if opts.only:
            raise TracerError(
                "parts of a report (--only) are for the neuron view; this is the matrix view", "only"
            )

        from tracer.report import matrix  # NumPy loads only for the matrix view

        ctx = matrix.build(trace, names, strings, opts.digits, opts.detail)
        ctx["shows"] = lambda part: True
    else:
        ctx = context.build(trace, names, strings, opts.digits, opts.exact, opts.carry_rounded, opts.detail)
        ctx["view"] = "neuron"
        first = ctx["details"][0]["index"]
    ctx["diagram"] = diagram.for_report(trace, names, strings, opts.digits, first)
    if ctx["view"] == "neuron":
        ctx = sections.narrow(ctx, trace, selection)
        ctx["shows"] = selection.shows
    ctx["fragment"] = opts.fragment
    ctx["eta_zero"] = trace.spec.learning_rate == 0
    ctx["lang"] = opts.lang
    ctx["t"] = lambda key, /, **values: fmt.prose(strings(key, **values))
    ctx["p"] = fmt.prose
    ctx["shown"] = lambda item: _shown(fmt, item)
    return ctx


def _format(name: str) -> formats.Format:
    """The format helpers ``f`` of a format name (``arithmatex`` is HTML with LaTeX math)."""
    return embedformats.FORMATS[name]() if name in embedformats.FORMATS else formats.get(name)


def _shown(fmt: formats.Format, item: dict) -> str:
    """A display block and the notes after it, each followed by a blank line."""
    parts = [fmt.display(item["math"])] + [fmt.note(fmt.prose(n)) for n in item["notes"]]
    return "\n\n".join(parts) + "\n"


def _lines(chunks: Iterable[str]) -> list[str]:
    """``"".join(chunks).split("\n")`` without the joined text: one arrow in a 55 MB report makes
    its text take 2 bytes a character, and the lines of the template's chunks are ASCII."""
    lines: list[str] = []
    current: list[str] = []  # the pieces of the line not yet ended
    for chunk in chunks:
        if "\n" not in chunk:
            current.append(chunk)
            continue
        first, *middle, last = chunk.split("\n")
        current.append(first)
        lines.append("".join(current))
        lines += middle
        current = [last]
    lines.append("".join(current))
    return lines


def tidy(text: str) -> str:
    """At most one blank line in a row, one newline at the end (one copy of the text made)."""
    return _tidy_lines(text.split("\n"))


def _tidy_lines(lines: list[str]) -> str:
    """:func:`tidy` of the text of these lines."""
    return "\n".join(_tidied(lines))


def _tidied(lines: list[str]) -> list[str]:
    """The lines of :func:`_tidy_lines`'s text (the last one empty: the text ends in a newline)."""
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if line or (out and out[-1]):  # a blank line only after a line with text
            out.append(line)
    if out and not out[-1]:
        out.pop()
    out.append("")
    return out if len(out) > 1 else ["", ""]
