"""Sphinx extension: the ``tracer`` directive puts a derivation into a page as Sphinx nodes.

In ``conf.py``: ``extensions = ["tracer.sphinx"]`` (add ``"myst_parser"`` for Markdown pages).

.. code-block:: rst

   .. tracer:: specs/net.yaml
      :notation: node
      :only: dL/dw5
      :digits: 4

The argument is a spec file (relative to the page; ``/specs/net.yaml`` from the source
folder) or a built-in example name; without one, the directive's content is the spec itself
(YAML). Options: ``notation``, ``only`` (or its alias ``section``; as ``tracer report
--only``), ``digits``, ``lang``, ``iterations``, the flags ``exact`` and ``carry-rounded``, and
``headings`` (``sections``, the default, or ``rubrics``).
In MyST Markdown it is ``{tracer}`` in a fence (```` ```{tracer} specs/net.yaml ````).

The report is rendered as reStructuredText (:mod:`tracer.report.embedded`) and parsed by docutils
into its own document, whatever the page's own syntax, so the page gets real nodes: math
blocks and inline math (drawn by the builder: MathJax for HTML, amsmath for LaTeX),
paragraphs, tables and headings. The headings are sections nested under the page's current
one, which the table of contents lists; text after the directive in the same section then
follows them, so a part shown in the middle of a section is better with ``:headings:
rubrics`` (headings that are not sections; also what a directive inside another element gets).
The spec file is recorded as a dependency, so the page is rebuilt when it changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import Parser, directives
from docutils.utils import new_document
from sphinx.util.docutils import SphinxDirective

from tracer import __version__, api
from tracer.embed import source as embedsource
from tracer.errors import TracerError
from tracer.notation import NOTATIONS
from tracer.report.lang import LANGUAGES
from tracer.spec import examples

if TYPE_CHECKING:
    from sphinx.application import Sphinx

_HEADING = "tracer-h"  # the class of the rubrics that stand for headings (tracer.report.embedded.Rst)


def _digits(text: str | None) -> int:
    value = directives.positive_int(text)
    if value > 50:
        raise ValueError("digits go from 1 to 50")
    return value


class TracerDirective(SphinxDirective):
    """``.. tracer:: SPEC|EXAMPLE`` (or the spec as content): the derivation as nodes."""

    has_content = True
    optional_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {
        "notation": lambda text: directives.choice(text, NOTATIONS),
        "only": directives.unchanged_required,
        "section": directives.unchanged_required,
        "digits": _digits,
        "lang": lambda text: directives.choice(text, LANGUAGES),
        "iterations": directives.positive_int,
        "exact": directives.flag,
        "carry-rounded": directives.flag,
        "headings": lambda text: directives.choice(text, ("sections", "rubrics")),
    }

    def run(self) -> list[nodes.Node]:
        try:
            traced = self._traced()
            text = traced.render(
                "rst",
                fragment=True,
                notation=self.options.get("notation"),
                lang=self.options.get("lang", "en"),
                digits=self.options.get("digits", 8),
                exact="exact" in self.options,
                carry_rounded="carry-rounded" in self.options,
                only=self.options.get("only", self.options.get("section")),
            )
        except TracerError as err:
            raise self.error(f"tracer: {err}") from None
        return self._nodes(text)

    def _traced(self) -> api.Traced:
        if self.arguments and self.content:
            raise TracerError("give a spec file or example name, or the spec as content, not both")
        iterations = self.options.get("iterations")
        if not self.arguments:
            if not self.content:
                raise TracerError("give a spec file, a built-in example name, or the spec as content")
            return embedsource.traced_text("\n".join(self.content), iterations)
        name = self.arguments[0]
        rel, path = self.env.relfn2path(name, self.env.docname)
        if Path(path).is_file():
            self.env.note_dependency(rel)
            return embedsource.traced_file(path, iterations)
        if name in examples.names():
            return embedsource.traced_example(name, iterations)
        raise embedsource.not_found(name, path)

    def _nodes(self, text: str) -> list[nodes.Node]:
        """Parse the reStructuredText in a document of its own, then move its nodes here."""
        host = self.state.document
        scratch = new_document(host.get("source", "tracer"), host.settings)
        Parser().parse(text, scratch)
        source, line = self.get_source_info()
        for node in scratch.findall():
            node.document = host
            if isinstance(node, nodes.Element):
                node.source, node.line = source, line
        children = list(scratch.children)
        for child in children:
            child.parent = None
        if self.options.get("headings") == "rubrics":
            return children
        if not isinstance(self._parent(), (nodes.section, nodes.document)):
            return children  # sections may only stand in sections: keep the rubrics
        return _sectioned(children, host)

    def _parent(self) -> nodes.Node | None:
        """The node the directive's output goes into (docutils' state, or MyST's inliner)."""
        try:
            return self.state.parent
        except Exception:  # MyST's mock state raises its own error for what it lacks
            return getattr(getattr(self.state, "inliner", None), "parent", None)


def _level(node: nodes.Node) -> int | None:
    if isinstance(node, nodes.rubric):
        for cls in node["classes"]:
            if cls.startswith(_HEADING) and cls[len(_HEADING) :].isdigit():
                return int(cls[len(_HEADING) :])
    return None


def _sectioned(children: list[nodes.Node], host: nodes.document) -> list[nodes.Node]:
    """Heading rubrics become sections, nested by level, holding what follows them."""
    out: list[nodes.Node] = []
    open_sections: list[tuple[int, nodes.section]] = []
    for node in children:
        level = _level(node)
        if level is None:
            (open_sections[-1][1] if open_sections else out).append(node)  # type: ignore[union-attr]
            continue
        while open_sections and open_sections[-1][0] >= level:
            open_sections.pop()
        title = nodes.title(node.rawsource, "", *node.children)
        section = nodes.section("", title, classes=[f"{_HEADING}{level}"])
        section.source, section.line = node.source, node.line
        section["names"].append(nodes.fully_normalize_name(title.astext()))
        host.note_implicit_target(section)
        (open_sections[-1][1] if open_sections else out).append(section)  # type: ignore[union-attr]
        open_sections.append((level, section))
    return out


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive (``tracer``) and the LaTeX package its loss curves need."""
    app.add_directive("tracer", TracerDirective)
    app.add_latex_package("pgfplots")
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
