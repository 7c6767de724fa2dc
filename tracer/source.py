"""Read a spec or answers document (YAML or JSON) into plain Python data.

Numbers are kept as their written text (``Decimal`` strings) so that the spec reader can
turn them into exact rationals: 0.1 stays one tenth, never the nearest binary float.
Every mapping and list remembers the line it starts on, for error messages.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tracer.errors import TracerError
from tracer.paths import dotted

#: More nodes than this (e.g. from YAML aliases expanding) is refused before building data.
MAX_NODES = 200_000
MAX_BYTES = 5_000_000
MAX_NUMBER_CHARS = 100


class NumberText(str):
    """A number as written in the document (YAML float or JSON number), kept exact."""


@dataclass
class Document:
    """Parsed data plus the line on which each path (tuple of keys/indices) starts."""

    data: object
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, path: tuple) -> int | None:
        """The line of ``path`` or of its nearest enclosing item that has one."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def read_file(path: str | Path) -> Document:
    """Read a YAML or JSON file; a problem with the file itself raises TracerError."""
    p = Path(path)
    if p.is_dir():
        raise TracerError("is a directory, expected a YAML or JSON file", str(p))
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise TracerError("no such file", str(p)) from None
    except OSError as exc:
        raise TracerError(f"cannot read the file ({exc.strerror})", str(p)) from None
    return read_text(raw, str(p), json_hint=p.suffix.lower() == ".json")


def read_text(raw: bytes | str, name: str, json_hint: bool = False) -> Document:
    """Parse document text; JSON when the name ends in .json, YAML otherwise."""
    if len(raw) > MAX_BYTES:
        raise TracerError(f"file is larger than {MAX_BYTES} bytes", name)
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise TracerError(f"not UTF-8 text (byte {exc.start + 1} of the file)", name, line) from None
    else:
        text = raw
    if "\x00" in text:
        raise TracerError("binary data, expected a YAML or JSON text file", name)
    if not text.strip():
        raise TracerError("the file is empty", name)
    return _read_json(text, name) if json_hint else _read_yaml(text, name)


def _read_json(text: str, name: str) -> Document:
    def pairs(items: list[tuple[str, object]]) -> dict:
        out: dict = {}
        for key, value in items:
            if key in out:
                raise TracerError(f"duplicate key {key!r}", name)
            out[key] = value
        return out

    def constant(word: str) -> NumberText:
        return NumberText(word)

    try:
        data = json.loads(
            text,
            parse_float=NumberText,
            parse_int=_integer,
            parse_constant=constant,
            object_pairs_hook=pairs,
        )
    except json.JSONDecodeError as exc:
        raise TracerError(f"not valid JSON: {exc.msg}", name, exc.lineno) from None
    except ValueError as exc:  # e.g. a number Python itself refuses to convert
        raise TracerError(f"not valid JSON: {exc}", name) from None
    except RecursionError:
        raise TracerError("nested too deeply", name) from None
    return Document(data)


def _integer(text: str) -> int | NumberText:
    """An int, or the text itself when it is too long to be a sensible number (checked later)."""
    return int(text) if len(text) <= MAX_NUMBER_CHARS else NumberText(text)


def _read_yaml(text: str, name: str) -> Document:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "syntax error").strip()
        raise TracerError(f"not valid YAML: {problem}", name, mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise TracerError(f"not valid YAML: {exc}", name) from None
    except RecursionError:
        raise TracerError("nested too deeply", name) from None
    if node is None:
        raise TracerError("the file is empty", name)
    doc = Document(None)
    budget = [MAX_NODES]
    try:
        doc.data = _build(node, (), doc, budget, name)
    except RecursionError:
        raise TracerError("nested too deeply", name) from None
    return doc


_TAG = "tag:yaml.org,2002:"


def _build(node: yaml.Node, path: tuple, doc: Document, budget: list[int], name: str) -> object:
    budget[0] -= 1
    if budget[0] < 0:
        raise TracerError(f"more than {MAX_NODES} values (YAML aliases expanding?); refused", name)
    line = node.start_mark.line + 1
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in (
        _TAG + "map",
        _TAG + "seq",
    ):
        raise TracerError(f"unsupported YAML tag {node.tag}", _dotted(path, name), line)
    if isinstance(node, yaml.MappingNode):
        doc.lines.setdefault(path, line)
        out: dict = {}
        for key_node, value_node in node.value:
            key = _build(key_node, path, doc, budget, name)
            if not isinstance(key, str):
                raise TracerError("keys must be text", _dotted(path, name), key_node.start_mark.line + 1)
            if key in out:
                raise TracerError(f"duplicate key {key!r}", _dotted(path, name), key_node.start_mark.line + 1)
            doc.lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, (*path, key), doc, budget, name)
        return out
    if isinstance(node, yaml.SequenceNode):
        doc.lines.setdefault(path, line)
        return [_build(item, (*path, i), doc, budget, name) for i, item in enumerate(node.value)]
    doc.lines.setdefault(path, line)
    tag, value = node.tag, node.value
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "bool":
        return value.lower() in ("yes", "true", "on", "y")
    if tag == _TAG + "int":
        text = value.replace("_", "")
        return _integer(text) if re.fullmatch(r"[+-]?[0-9]+", text) else NumberText(value)
    if tag == _TAG + "float":
        return NumberText(value)
    if tag == _TAG + "str":
        return value
    raise TracerError(f"unsupported YAML tag {tag}", _dotted(path, name), line)


def _dotted(path: tuple, name: str) -> str:
    return dotted(path) or name
