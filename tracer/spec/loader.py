"""Any form of a spec — a file path, a built-in example's name, YAML or JSON text, a mapping
or a spec already read — made into the validated :class:`~tracer.spec.model.NetworkSpec`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Union

from tracer.spec import model as specs
from tracer.spec.model import NetworkSpec
from tracer.spec.source import read_text

#: What :func:`load` and :func:`tracer.trace` accept: a file path, a built-in example name, the
#: spec's YAML or JSON text (a string with a line break, or starting with ``{``), a mapping,
#: or a spec.
SpecLike = Union[str, os.PathLike[str], Mapping[str, Any], NetworkSpec]  # noqa: UP007


def load(spec: SpecLike, force: bool = False) -> NetworkSpec:
    """The validated spec: from a file, an example name, YAML/JSON text, a mapping or a spec.

    Raises :class:`~tracer.errors.TracerError` naming the first problem; ``force`` lifts the
    soft size limits (:mod:`tracer.spec.limits`), never the hard ones.
    """
    if isinstance(spec, specs.NetworkSpec):
        return spec
    if isinstance(spec, Mapping):
        return specs.load(dict(spec), force=force)
    if isinstance(spec, str) and ("\n" in spec or spec.lstrip().startswith("{")):
        return specs.parse(read_text(spec, "spec"), "spec", force)
    if isinstance(spec, (str, os.PathLike)):
        return specs.load(os.fspath(spec), force=force)
    raise TypeError(f"a spec is a path, an example name, YAML text or a mapping, not {type(spec).__name__}")


