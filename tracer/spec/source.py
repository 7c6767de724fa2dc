"""Read a spec or answers document (YAML or JSON) into plain Python data.

Numbers are kept as their written text (``Decimal`` strings) so that the spec reader can
turn them into exact rationals: 0.1 stays one tenth, never the nearest binary float.
Every mapping and list remembers the line it starts on, for error messages (for JSON, found
on demand: only an error message needs one).

Hostile input is refused before it costs much (bounds in :mod:`tracer.spec.limits`): the file's
size before it is read, the number of values while YAML is composed and again while YAML
aliases are expanded, nesting depth by Python's recursion limit. Every refusal is a
TracerError of one line.
"""

from __future__ import annotations

import contextlib
import json
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import yaml

from tracer.errors import TracerError
from tracer.spec.limits import MAX_FILE_BYTES, MAX_NUMBER_CHARS, MAX_VALUES
from tracer.spec.paths import dotted


class NumberText(str):
    """A number as written in the document (YAML float or JSON number), kept exact."""


@dataclass
class Document:
    """Parsed data plus the line on which each path (tuple of keys/indices) starts.

    ``locate``, when given, computes ``lines`` the first time a line is asked for.
    """

    data: object
    lines: dict[tuple, int] = field(default_factory=dict)
    locate: Callable[[], dict[tuple, int]] | None = field(default=None, repr=False, compare=False)

    def line(self, path: tuple) -> int | None:
        """The line of ``path`` or of its nearest enclosing item that has one."""
        if self.locate is not None:
            locate, self.locate = self.locate, None
            self.lines = locate()
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def quoted(text: str, limit: int = 40) -> str:
    """``repr`` of user text for a message: at most ``limit`` characters, on one line."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def shown_path(path: tuple) -> str:
    """``dotted(path)`` with each key that is long, empty or not printable shown quoted."""
    return dotted(tuple(quoted(k) if isinstance(k, str) and not _plain(k) else k for k in path))


def _plain(key: str) -> bool:
    return 0 < len(key) <= 40 and key.isprintable()


def read_file(path: str | Path) -> Document:
    """Read a YAML or JSON file; a problem with the file itself raises TracerError."""
    p = Path(path)
    name = str(p)
    try:
        if p.is_dir():
            raise TracerError("is a directory, expected a YAML or JSON file", name)
        size = p.stat().st_size
        if size > MAX_FILE_BYTES and p.is_file():
            raise TracerError(f"the file has {size} bytes; the limit is {MAX_FILE_BYTES}", name)
        with p.open("rb") as handle:
            raw = _read_bounded(handle)
    except FileNotFoundError:
        raise TracerError("no such file", name) from None
    except OSError as exc:
        raise TracerError(f"cannot read the file ({exc.strerror or exc})", name) from None
    return read_text(raw, name, json_hint=p.suffix.lower() == ".json")


_OTHER_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)


def _read_bounded(handle: BinaryIO) -> bytes:
    """At most one byte past MAX_FILE_BYTES (so /dev/zero ends too), 64 KiB at a time."""
    data = bytearray()
    while len(data) <= MAX_FILE_BYTES:
        chunk = handle.read(min(1 << 16, MAX_FILE_BYTES + 1 - len(data)))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def read_text(raw: bytes | str, name: str, json_hint: bool = False) -> Document:
    """Parse document text; JSON when the name ends in .json, YAML otherwise."""
    if len(raw) > MAX_FILE_BYTES:
        raise TracerError(f"more than {MAX_FILE_BYTES} bytes; the limit is {MAX_FILE_BYTES}", name)
    if isinstance(raw, bytes):
        for bom, encoding in _OTHER_BOMS:
            if raw.startswith(bom):
                raise TracerError(f"{encoding} text; save the file as UTF-8", name)
        if b"\x00" in raw:  # before decoding: a PNG is binary data, not text with a bad byte
            raise TracerError("binary data, expected a YAML or JSON text file", name)
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


# -- JSON -----------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    """Raised inside the JSON parser; the key's path and line are then found by _JsonLines."""


def _read_json(text: str, name: str) -> Document:
    def pairs(items: list[tuple[str, object]]) -> dict:
        out = dict(items)
        if len(out) != len(items):
            raise _DuplicateKey
        return out

    try:
        data = json.loads(
            text,
            parse_float=NumberText,
            parse_int=_integer,
            parse_constant=NumberText,
            object_pairs_hook=pairs,
        )
    except json.JSONDecodeError as exc:
        problem = exc.msg.removesuffix(" at")  # "Invalid control character at" (a position)
        raise TracerError(f"not valid JSON: {problem} (column {exc.colno})", name, exc.lineno) from None
    except _DuplicateKey:
        _JsonLines(text, name).run()  # raises the TracerError naming the first duplicate
        raise TracerError("duplicate key in a mapping nested too deeply to say which", name) from None
    except ValueError as exc:  # e.g. a number Python itself refuses to convert
        raise TracerError(f"not valid JSON: {_one_line(str(exc))}", name) from None
    except RecursionError:
        raise TracerError("nested too deeply", name) from None
    _count_values(data, name)
    return Document(data, locate=_JsonLines(text, name).run)


def _count_values(data: object, name: str) -> None:
    """Refuse a JSON document of more than MAX_VALUES values (as YAML is refused)."""
    stack, count = [data], 0
    while stack:
        value = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise TracerError(f"more than {MAX_VALUES} values; the limit is {MAX_VALUES}", name)
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")


class _JsonLines:
    """The line of every key and list item of a JSON text that json.loads has accepted.

    A second, slower pass over the text (json.loads gives no positions), run only when a
    message needs a line or a key is duplicated: it raises the TracerError for the first
    duplicate key in document order, with its path and line, as the YAML reader does.
    """

    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.name = name
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.lines: dict[tuple, int] = {}

    def run(self) -> dict[tuple, int]:
        with contextlib.suppress(RecursionError):  # too deep for this pass: keep the lines found
            self.value(0, ())
        return self.lines

    def line(self, pos: int) -> int:
        return bisect_left(self.newlines, pos) + 1

    def value(self, pos: int, path: tuple) -> int:
        """Record the line of the value at ``pos`` (whitespace first) and return its end."""
        text = self.text
        pos = _WS.match(text, pos).end()
        self.lines.setdefault(path, self.line(pos))
        char = text[pos]
        if char == '"':
            return json.decoder.scanstring(text, pos + 1)[1]
        if char not in "{[":
            return _SCALAR.match(text, pos).end()
        close = "}" if char == "{" else "]"
        keys: set[str] = set()
        pos = _WS.match(text, pos + 1).end()
        index = 0
        while text[pos] != close:
            if char == "{":
                key, end = json.decoder.scanstring(text, pos + 1)
                if key in keys:
                    raise TracerError(f"duplicate key {quoted(key)}", _where(path, self.name), self.line(pos))
                keys.add(key)
                self.lines[(*path, key)] = self.line(pos)
                pos = self.value(_WS.match(text, end).end() + 1, (*path, key))  # past the ':'
            else:
                pos = self.value(pos, (*path, index))
                index += 1
            pos = _WS.match(text, pos).end()
            if text[pos] == ",":
                pos = _WS.match(text, pos + 1).end()
        return pos + 1


def _integer(text: str) -> int | NumberText:
    """An int, or the text itself when it is too long to be a sensible number (checked later)."""
    return int(text) if len(text) <= MAX_NUMBER_CHARS else NumberText(text)


# -- YAML -----------------------------------------------------------------------------------


class _TooManyValues(Exception):
    def __init__(self, mark: yaml.Mark) -> None:
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """The safe loader's composer, refusing a document of more than MAX_VALUES nodes.

    Composing costs about 20 µs a node in pure Python: without this, a 5 MB flow list
    (1.6 million numbers) would take half a minute before any check could run.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.composed = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        self.composed += 1
        if self.composed > MAX_VALUES:
            raise _TooManyValues(self.peek_event().start_mark)
        return super().compose_node(parent, index)


def _read_yaml(text: str, name: str) -> Document:
    loader = None
    try:
        loader = _Loader(text)  # checks every character first: a ReaderError
        node = loader.get_single_node()
    except _TooManyValues as exc:
        raise TracerError(
            f"more than {MAX_VALUES} values; the limit is {MAX_VALUES}", name, exc.mark.line + 1
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise TracerError(f"not valid YAML: {_yaml_problem(exc)}", name, _yaml_line(exc)) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as \x1b
        line = text.count("\n", 0, exc.position) + 1
        what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "character"
        raise TracerError(f"not valid YAML: control character {what} is not allowed", name, line) from None
    except yaml.YAMLError as exc:
        raise TracerError(f"not valid YAML: {_one_line(str(exc))}", name) from None
    except RecursionError:
        raise TracerError("nested too deeply", name) from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        raise TracerError("the file is empty", name)
    doc = Document(None)
    try:
        doc.data = _Builder(doc, name).build(node, ())
    except RecursionError:
        raise TracerError("nested too deeply", name) from None
    return doc


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's problem, with its context when that helps: where an unclosed list started."""
    context, problem = exc.context or "", exc.problem or ""
    start = exc.context_mark.line + 1 if exc.context_mark else None
    if "duplicate anchor" in context and start:
        return f"{context.partition(';')[0]} (first at line {start})"
    if context and problem.startswith("but "):  # "expected a single document in the stream"
        return _one_line(f"{context}, {problem}")
    if context and problem and start and exc.problem_mark and start != exc.problem_mark.line + 1:
        return _one_line(f"{problem} ({context} from line {start})")
    return _one_line(problem or context or "syntax error")


def _yaml_line(exc: yaml.MarkedYAMLError) -> int | None:
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 1 if mark else None


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


_TAG = "tag:yaml.org,2002:"
_BOOLEANS = {"yes": True, "true": True, "on": True, "no": False, "false": False, "off": False}


class _Builder:
    """Plain data from composed YAML nodes: aliases expanded within MAX_VALUES, cycles refused."""

    def __init__(self, doc: Document, name: str) -> None:
        self.doc = doc
        self.name = name
        self.budget = MAX_VALUES
        self.open: set[int] = set()  # the collections being built: an alias to one is a cycle

    def fail(self, problem: str, path: tuple, line: int | None) -> TracerError:
        return TracerError(problem, _where(path, self.name), line)

    def build(self, node: yaml.Node, path: tuple) -> object:
        doc = self.doc
        self.budget -= 1
        line = node.start_mark.line + 1
        if self.budget < 0:  # an aliased node has the line of its anchor: name the top-level entry
            raise self.fail(
                f"more than {MAX_VALUES} values once YAML aliases are expanded; the limit is {MAX_VALUES}",
                path[:1],
                doc.lines.get(path[:1], line),
            )
        if isinstance(node, yaml.ScalarNode):
            doc.lines.setdefault(path, line)
            return self.scalar(node, path, line)
        if node.tag not in (_TAG + "map", _TAG + "seq"):
            raise self.fail(f"unsupported YAML tag {_one_line(node.tag, 80)}", path, line)
        if id(node) in self.open:
            raise self.fail("a YAML alias inside its own anchor (an endless structure)", path, doc.line(path))
        doc.lines.setdefault(path, line)
        self.open.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            out: object = [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        else:
            out = self.mapping(node, path)
        self.open.discard(id(node))
        return out

    def mapping(self, node: yaml.MappingNode, path: tuple) -> dict:
        out: dict = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == _TAG + "merge":
                raise self.fail("YAML merge keys (<<) are not supported", path, key_line)
            key = self.build(key_node, path)
            if not isinstance(key, str):
                raise self.fail("keys must be text", path, key_line)
            if key in out:
                raise self.fail(f"duplicate key {quoted(key)}", path, key_line)
            self.doc.lines[(*path, key)] = key_line
            out[key] = self.build(value_node, (*path, key))
        return out

    def scalar(self, node: yaml.ScalarNode, path: tuple, line: int) -> object:
        tag, value = node.tag, node.value
        if tag == _TAG + "null" and value in ("", "~", "null", "Null", "NULL"):
            return None
        if tag == _TAG + "bool" and value.lower() in _BOOLEANS:
            return _BOOLEANS[value.lower()]
        if tag == _TAG + "int":
            text = value.replace("_", "")
            return _integer(text) if re.fullmatch(r"[+-]?[0-9]+", text) else NumberText(value)
        if tag == _TAG + "float":
            return NumberText(value)
        if tag == _TAG + "str":
            return value
        if tag in (_TAG + "null", _TAG + "bool"):  # an explicit !!bool or !!null on other text
            raise self.fail(f"{quoted(value)} is not a YAML {tag[len(_TAG) :]}", path, line)
        raise self.fail(f"unsupported YAML tag {_one_line(tag, 80)}", path, line)


def _where(path: tuple, name: str) -> str:
    return shown_path(path) or name
