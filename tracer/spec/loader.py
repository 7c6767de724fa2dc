"""Any form of a spec — a file path, a built-in example's name, YAML or JSON text, a mapping
or a spec already read — made into the validated :class:`~tracer.spec.model.NetworkSpec`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

from tracer.errors import TracerError
from tracer.spec import examples
from tracer.spec.limits import Lift
from tracer.spec.model import NetworkSpec, parse
from tracer.spec.source import Document, read_file, read_text

#: What :func:`load` and :func:`tracer.trace` accept: a file path, a built-in example name, the
#: spec's YAML or JSON text (a string with a line break, or starting with ``{``), a mapping,
#: or a spec.
SpecLike = Union[str, os.PathLike[str], Mapping[str, Any], NetworkSpec]  # noqa: UP007


def load(spec: SpecLike, force: bool | Lift = False) -> NetworkSpec:
    """The validated spec: from a file, an example name, YAML/JSON text, a mapping or a spec.

    Raises :class:`~tracer.errors.TracerError` naming the first problem; ``force`` lifts the
    soft size limits (:mod:`tracer.spec.limits`; a ``Lift``: some), never the hard ones.
    """
    if isinstance(spec, NetworkSpec):
        return spec
    if isinstance(spec, Mapping):
        return parse(Document(dict(spec)), "spec", force)
    if isinstance(spec, str) and ("\n" in spec or spec.lstrip().startswith("{")):
        return parse(read_text(spec, "spec"), "spec", force)
    if not isinstance(spec, (str, os.PathLike)):
        kind = type(spec).__name__
        raise TypeError(f"a spec is a path, an example name, YAML text or a mapping, not {kind}")
    text = os.fspath(spec)
    if text in examples.names() and not Path(text).exists():
        return examples.load(text)
    path = Path(text)
    if not path.exists() and not path.suffix and "/" not in text and "\\" not in text:
        raise TracerError(
            f"no such file or built-in example; built-in examples: {', '.join(examples.names())}", text
        )
    return parse(read_file(text), text, force)
