"""Where an embedded derivation's spec comes from (a file, an example name or inline text),
traced once per content: a documentation page often shows several parts of one network.

Used by the Sphinx directive (:mod:`tracer.sphinx`) and the MkDocs fence
(:mod:`tracer.markdown_fence`).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from tracer import api
from tracer.errors import TracerError
from tracer.spec import examples


def traced_file(path: str | Path, iterations: int | None = None) -> api.Traced:
    """The traced spec file; traced again only when its bytes change."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return _file(str(path), digest, iterations)


def traced_example(name: str, iterations: int | None = None) -> api.Traced:
    return _example(name, iterations)


def traced_text(text: str, iterations: int | None = None) -> api.Traced:
    """The spec written out in the page (YAML or JSON)."""
    return _text(text if "\n" in text else text + "\n", iterations)


def traced(source: str, base: Path, iterations: int | None = None) -> tuple[api.Traced, Path | None]:
    """The traced spec that ``source`` holds or names, and the file it was read from (if any).

    One line is a file (relative to ``base``) or else a built-in example name; more lines
    are the spec itself.
    """
    text = source.strip()
    if not text:
        raise TracerError("empty: give a spec file, a built-in example name, or the spec itself")
    if "\n" in text or ":" in text and not (base / text).is_file():
        return traced_text(source, iterations), None
    path = base / text
    if path.is_file():
        return traced_file(path, iterations), path
    if text in examples.names():
        return traced_example(text, iterations), None
    raise not_found(text, path)


def not_found(name: str, path: Path | str) -> TracerError:
    """The error for a name that is neither a file nor a built-in example."""
    known = ", ".join(examples.names())
    return TracerError(f"no such file ({path}) or built-in example; examples: {known}", name)


# ``digest`` (of the file's bytes) is part of the cache key, so an edited spec is traced again.
@lru_cache(maxsize=32)
def _file(path: str, digest: str, iterations: int | None) -> api.Traced:
    return api.trace(path, iterations=iterations)


@lru_cache(maxsize=32)
def _example(name: str, iterations: int | None) -> api.Traced:
    return api.trace(name, iterations=iterations)


@lru_cache(maxsize=32)
def _text(text: str, iterations: int | None) -> api.Traced:
    return api.trace(text, iterations=iterations)
