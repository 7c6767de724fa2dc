"""MkDocs and Python-Markdown: a ``pymdownx.superfences`` fence that shows a derivation.

In ``mkdocs.yml``::

    markdown_extensions:
      - pymdownx.arithmatex:
          generic: true
      - pymdownx.superfences:
          custom_fences:
            - name: tracer
              class: tracer
              validator: !!python/name:tracer.markdown_fence.validate
              format: !!python/name:tracer.markdown_fence.fence

and MathJax or KaTeX set up for arithmatex's generic mode. Then in a page::

    ```tracer only="dL/dw5" notation="node"
    specs/net.yaml
    ```

The fence holds a spec file (relative to the folder MkDocs runs in, where ``mkdocs.yml`` is),
a built-in example name, or the spec's YAML itself. Options, as in ``tracer report``:
``only``, ``notation``, ``digits``, ``lang``, ``iterations``, and the flags ``exact`` and
``carry_rounded``. The derivation comes out as HTML whose math is marked up as arithmatex
marks it (``\\(…\\)`` and ``\\[…\\]`` in ``arithmatex`` elements), so the page's MathJax or
KaTeX draws it. A problem (a bad spec, an unknown option) is logged as a warning, which
fails ``mkdocs build --strict``, and shown in the page in place of the derivation.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

from tracer.embed import source as embedsource
from tracer.errors import TracerError

#: The fence's options (``key="value"``; ``exact`` and ``carry_rounded`` are flags).
OPTIONS = ("only", "notation", "digits", "lang", "iterations", "exact", "carry_rounded")
_FLAGS = ("exact", "carry_rounded")
# Under "mkdocs", so that MkDocs counts the warnings (and --strict fails on them).
log = logging.getLogger("mkdocs.plugins.tracer")


def validate(language: str, inputs: dict[str, str], options: dict[str, Any], attrs: dict, md: Any) -> bool:
    """Take the fence's options; an unknown one is kept to be reported by :func:`fence`.

    (Returning False would make superfences show the fence as plain code without a word.)
    """
    for key, value in inputs.items():
        if key in OPTIONS:
            options[key] = value
        else:
            options.setdefault("unknown", []).append(key)
    return True


def fence(
    source: str, language: str, class_name: str, options: dict[str, Any], md: Any, **kwargs: Any
) -> str:
    """The derivation as HTML, or a visible error (also logged as a warning)."""
    try:
        return _render(source, options)
    except TracerError as err:
        log.warning("tracer fence: %s", err)
        return f'<div class="tracer-error"><p>tracer: {html.escape(str(err))}</p></div>'


def _render(source: str, options: dict[str, Any]) -> str:
    if options.get("unknown"):
        known = ", ".join(OPTIONS)
        raise TracerError(f"unknown option {options['unknown'][0]!r}; options: {known}", "```tracer")
    iterations = _whole(options, "iterations", 1, None)
    traced, _ = embedsource.traced(source, Path.cwd(), iterations)
    chosen = {key: value for key, value in options.items() if key in ("only", "notation", "lang")}
    try:
        return traced.render(
            "arithmatex",
            fragment=True,
            digits=_whole(options, "digits", 1, 50) or 8,
            exact="exact" in options,
            carry_rounded="carry_rounded" in options,
            **chosen,
        )
    except ValueError as err:  # a notation or language that does not exist
        raise TracerError(str(err), "```tracer") from None


def _whole(options: dict[str, Any], key: str, low: int, high: int | None) -> int | None:
    if key not in options:
        return None
    text = options[key]
    top = f" to {high}" if high else " up"
    if not str(text).isdigit() or int(text) < low or high is not None and int(text) > high:
        raise TracerError(f"{key} must be a whole number from {low}{top}, got {text!r}", "```tracer")
    return int(text)
