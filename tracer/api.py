"""The Python API: trace a network once, then render its report in any format or part.

>>> import tracer
>>> t = tracer.trace("sigmoid-222-bias", notation="node")
>>> md = t.to_markdown()                       # the whole report
>>> part = t.to_html(only="dL/dw5", fragment=True)   # one gradient, for a web page
>>> t.save("report.tex")                       # format from the suffix  # doctest: +SKIP

In Jupyter a :class:`Traced` shows itself as its report. The command line (``tracer report``),
the Sphinx directive (:mod:`tracer.sphinx`) and the MkDocs fence (:mod:`tracer.markdown_fence`)
are thin layers over this module. ``tracer.check(spec, answers)`` marks a student's answers
and ``tracer.variants(spec, n, seed)`` draws variants of a problem (:mod:`tracer.checking`).

Importing this module is cheap: SymPy and the templates load on the first trace.
"""

from __future__ import annotations

import os

# Not typing.TYPE_CHECKING, and tracer.errors imported where needed: both import typing,
# which alone would take ten times as long as importing tracer does.
TYPE_CHECKING = False
if TYPE_CHECKING:  # imported on first use instead, as these load SymPy
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path
    from typing import Any, Union

    from tracer.render import Options
    from tracer.spec import NetworkSpec
    from tracer.trace import Trace

    #: What :func:`load` and :func:`trace` accept: a file path, a built-in example name, the
    #: spec's YAML or JSON text (a string with a line break, or starting with ``{``), a mapping,
    #: or a spec.
    SpecLike = Union[str, os.PathLike[str], Mapping[str, Any], NetworkSpec]  # noqa: UP007

#: Render options a call may change (the fields of :class:`tracer.render.Options` but ``detail``).
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


def load(spec: SpecLike, force: bool = False) -> NetworkSpec:
    """The validated spec: from a file, an example name, YAML/JSON text, a mapping or a spec.

    Raises :class:`~tracer.errors.TracerError` naming the first problem; ``force`` lifts the
    soft size limits (:mod:`tracer.limits`), never the hard ones.
    """
    from collections.abc import Mapping

    from tracer import spec as specs

    if isinstance(spec, specs.NetworkSpec):
        return spec
    if isinstance(spec, Mapping):
        return specs.load(dict(spec), force=force)
    if isinstance(spec, str) and ("\n" in spec or spec.lstrip().startswith("{")):
        from tracer.source import read_text

        return specs.parse(read_text(spec, "spec"), "spec", force)
    if isinstance(spec, (str, os.PathLike)):
        return specs.load(os.fspath(spec), force=force)
    raise TypeError(f"a spec is a path, an example name, YAML text or a mapping, not {type(spec).__name__}")


def trace(
    spec: SpecLike,
    *,
    iterations: int | None = None,
    detail: int | Sequence[int] = 1,
    check: bool = True,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> Traced:
    """Derive, compute and check every step of ``spec``; render the result with the methods of
    the returned :class:`Traced`.

    ``iterations`` overrides the spec's; ``detail`` chooses the iterations shown step by step
    (computed exactly; default 1); ``check=False`` skips the self-checks of the gradients;
    ``progress(done, total)`` is called after each iteration. Keyword ``options`` are the
    default render options of the result (``notation``, ``lang``, ``digits``, ``exact``,
    ``carry_rounded``, ``fragment``, ``template_dir``, ``only``, ``view``, ``sample_values``), which
    each render call may change.
    """
    from tracer.errors import TracerError
    from tracer.render import Options
    from tracer.trace import trace as run

    chosen = tuple(sorted({detail} if isinstance(detail, int) else set(detail)))
    network = load(spec, force=force)
    total = iterations if iterations is not None else network.iterations
    if not chosen or chosen[0] < 1:
        raise TracerError(f"iterations are numbered from 1, got {list(chosen)}", "detail")
    if chosen[-1] > total:
        raise TracerError(f"{chosen[-1]} is beyond the last iteration ({total})", "detail")
    _check_names(options)
    defaults = Options(detail=chosen, **options)
    result = run(network, check=check, detail=chosen, iterations=iterations, progress=progress)
    return Traced(result, defaults)


def _check_names(options: dict[str, Any]) -> None:
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
        self.trace = result  #: the format-agnostic data (:class:`tracer.trace.Trace`)
        self.options = options  #: the default render options (:class:`tracer.render.Options`)

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
        import jinja2

        from tracer.errors import TracerError
        from tracer.render import render_lines

        _check_names(options)
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
        sample's values at every checkpoint (see :data:`tracer.limits.SAMPLE_VALUES`)."""
        return self.render("json", **options)

    def to_dict(self, **options: Any) -> dict[str, Any]:
        """The JSON trace as Python data: numbers are floats (nearest doubles)."""
        from dataclasses import replace

        from tracer.jsontrace import to_json

        _check_names(options)
        opts = replace(self.options, **options)
        return to_json(self.trace, opts.detail, opts.sample_values)

    def save(self, path: str | os.PathLike[str], fmt: str | None = None, **options: Any) -> Path:
        """Write the report to ``path`` atomically; the format defaults to the suffix's
        (``.md``, ``.tex``, ``.html``, ``.json``, else Markdown). Returns the path."""
        from tracer.cli.common import check_output, emit, format_of
        from tracer.errors import TracerError

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
    import traceback

    import jinja2

    where = ""
    if isinstance(err, jinja2.TemplateSyntaxError):
        where = f" ({err.filename or err.name}, line {err.lineno})"
    else:  # Jinja2 rewrites the traceback so that its frames name the template file and line
        frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename.endswith(".jinja2")]
        if frames:
            where = f" ({frames[-1].filename}, line {frames[-1].lineno})"
    return f"{type(err).__name__}: {err}{where}".replace("\n", " ")
