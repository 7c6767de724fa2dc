"""A traced network ready to render: :class:`Traced`, what :func:`tracer.trace` returns.

Every ``to_*`` method renders the same :class:`~tracer.evaluate.tracing.Trace` with the
render options given, over the defaults the trace was made with.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2

from tracer.errors import TracerError
from tracer.evaluate.tracing import Trace
from tracer.report.jsontrace import to_json
from tracer.report.output import check_output, emit, format_of
from tracer.report.render import Options, render_lines
from tracer.spec.model import NetworkSpec

#: Render options a call may change (the fields of :class:`tracer.report.render.Options` but ``detail``).
OPTION_NAMES = (
    "notation",
    "lang",
    "digits",
    "exact",
    "carry_rounded",
    "fragment",
    "template_dir",
    "only",
    "view",
    "sample_values",
)


def check_names(options: dict[str, Any]) -> None:
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise TypeError(f"unknown render option {unknown[0]!r}; options: {', '.join(OPTION_NAMES)}")


class Traced:
    """A traced network: its derivation, numbers and checks, ready to render.

    Every ``to_*`` method and :meth:`render` take the render options as keywords
    (``notation="node"``, ``lang="zh"``, ``digits=4``, ``only="forward"``, ``fragment=True``…);
    options not given are the ones :func:`trace` was called with.
    """

    def __init__(self, result: Trace, options: Options) -> None:
        self.trace = result  #: the format-agnostic data (:class:`tracer.evaluate.tracing.Trace`)
        self.options = options  #: the default render options (:class:`tracer.report.render.Options`)

    @property
    def spec(self) -> NetworkSpec:
        return self.trace.spec

    def render(self, fmt: str = "md", **options: Any) -> str:
        """The report as text: ``md``, ``tex``, ``html``, ``json``, or for embedding ``rst``
        (the Sphinx directive) and ``arithmatex`` (HTML with LaTeX math, the MkDocs fence)."""
        return "\n".join(self.render_lines(fmt, **options))

    def render_lines(self, fmt: str = "md", **options: Any) -> list[str]:
        """:meth:`render`'s text as the lines that ``"\\n"`` joins (the last one empty), to write
        a large report out piece by piece."""
        check_names(options)
        opts = self.options
        try:
            return render_lines(self.trace, opts, fmt=fmt, **options)
        except jinja2.TemplateError as err:
            raise TracerError(_template_problem(err), "template") from None
        except RecursionError:
            where = options.get("template_dir", opts.template_dir)
            raise TracerError(
                f"a template extends itself: default/report.{fmt}.jinja2 in {where} replaces the "
                f'shipped one; extend "builtin/default/report.{fmt}.jinja2" instead',
                "template",
            ) from None

    def to_markdown(self, **options: Any) -> str:
        """Markdown with ``$…$`` math (GitHub, MkDocs, Jupyter, Pandoc)."""
        return self.render("md", **options)

    def to_latex(self, **options: Any) -> str:
        """A standalone LaTeX article for pdflatex (``fragment=True``: the body alone)."""
        return self.render("tex", **options)

    def to_html(self, **options: Any) -> str:
        """A self-contained HTML page with MathML (``fragment=True``: a ``<div>``)."""
        return self.render("html", **options)

    def to_json(self, **options: Any) -> str:
        """The JSON trace (CONTRACT.md §3) as text; ``sample_values="all"`` keeps every
        sample's values at every checkpoint (see :data:`tracer.spec.limits.SAMPLE_VALUES`)."""
        return self.render("json", **options)

    def to_dict(self, **options: Any) -> dict[str, Any]:
        """The JSON trace as Python data: numbers are floats (nearest doubles)."""
        check_names(options)
        opts = replace(self.options, **options)
        return to_json(self.trace, opts.detail, opts.sample_values)

    def save(self, path: str | os.PathLike[str], fmt: str | None = None, **options: Any) -> Path:
        """Write the report to ``path`` atomically; the format defaults to the suffix's
        (``.md``, ``.tex``, ``.html``, ``.json``, else Markdown). Returns the path."""
        text = self.render_lines(fmt or format_of(os.fspath(path)), **options)
        try:
            target = check_output(os.fspath(path))
            assert target is not None
            emit(text, target)
        except TracerError as err:
            raise TracerError(err.problem, os.fspath(path)) from None
        return target

    # Jupyter and IPython: the frontend picks the richest form it can show.
    def _repr_markdown_(self) -> str:
        return self.to_markdown(fragment=True)

    def _repr_html_(self) -> str:
        return self.to_html(fragment=True)

    def _repr_latex_(self) -> str:
        return self.to_latex(fragment=True)

    def __repr__(self) -> str:
        sizes = "-".join(str(n) for n in self.trace.network.sizes)
        count = len(self.trace.iterations)
        return f"<tracer.Traced {self.spec.title!r}: {sizes} network, {count} iteration(s)>"


def _template_problem(err: Exception) -> str:
    """One line naming a template error and, where known, its file and line."""
    where = ""
    if isinstance(err, jinja2.TemplateSyntaxError):
        where = f" ({err.filename or err.name}, line {err.lineno})"
    else:  # Jinja2 rewrites the traceback so that its frames name the template file and line
        frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename.endswith(".jinja2")]
        if frames:
            where = f" ({frames[-1].filename}, line {frames[-1].lineno})"
    return f"{type(err).__name__}: {err}{where}".replace("\n", " ")
