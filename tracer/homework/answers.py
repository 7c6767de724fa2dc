"""Read a student's answers file (CONTRACT.md §5) into canonical keys and written values.

The file is a flat mapping from a quantity's name to the value the student wrote; names
may be canonical keys (``a2[1]``) or names in any notation (``a4``, ``w53``, ``out_h1``,
``dL/dw5``, ``w5+``), the spec's own tried first. Later iterations go under
``iteration N:``; ``tolerance:``, ``student:`` and ``notation:`` are settings.

Structural problems (not a mapping, an unknown or ambiguous name, an iteration the spec does
not run, a list where a number belongs) raise one TracerError. A value that is merely not a
number (``"about 0.6"``) is kept as unreadable: it is marked wrong and the rest is marked.
A blank value (``a4: ~``) is a quantity asked for and not answered: ``missing``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from tracer.derive.network import Network
from tracer.errors import TracerError
from tracer.notation import NOTATIONS, Notation, split_derived
from tracer.spec import tolerance as tol
from tracer.spec.reading import kind
from tracer.spec.source import Document, quoted, read_file, read_text

SETTINGS = ("tolerance", "student", "notation")
LOSS_NAMES = ("L", "loss", "E", "E_total", "Etotal", "J", "C")
_ITERATION = re.compile(r"^iter(?:ation)?[ _]?(\d+)$", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_FRACTION = re.compile(r"^[+-]?\d+/\d+$")
MAX_ANSWERS = 20_000


@dataclass(frozen=True)
class Answer:
    iteration: int
    key: str  # canonical key (``L+`` is the loss after the iteration's update)
    name: str  # as written in the file
    text: str | None  # the value as written; None when left blank (missing)
    value: sp.Rational | None  # None when blank or unreadable
    line: int | None = None

    @property
    def missing(self) -> bool:
        return self.text is None

    @property
    def unreadable(self) -> bool:
        return self.text is not None and self.value is None


@dataclass(frozen=True)
class Answers:
    items: tuple[Answer, ...]
    tolerance: tol.Tolerance | None = None
    student: str | None = None
    notation: str | None = None
    source: str = "answers"

    def iterations(self) -> list[int]:
        return sorted({a.iteration for a in self.items})

    def of(self, iteration: int) -> list[Answer]:
        return [a for a in self.items if a.iteration == iteration]


def load(path: str | Path, net: Network, iterations: int, valid: set[str] | None = None) -> Answers:
    """Read the answers file at ``path`` for ``net`` trained for ``iterations`` iterations;
    ``valid`` is the set of keys one iteration computes (names outside it are refused)."""
    return parse(read_file(path), str(path), net, iterations, valid)


def parse_text(text: str, name: str, net: Network, iterations: int, valid: set[str] | None = None) -> Answers:
    return parse(read_text(text, name), name, net, iterations, valid)


def parse(doc: Document, name: str, net: Network, iterations: int, valid: set[str] | None = None) -> Answers:
    data = doc.data
    if not isinstance(data, dict):
        raise TracerError(f"expected a mapping of quantity names to numbers, got {kind(data)}", name)
    notation = _setting_notation(data, name, net)
    resolver = Resolver(net, notation, valid)
    items: list[Answer] = []
    seen: dict[tuple[int, str], str] = {}

    def add(entries: Mapping, iteration: int, path: tuple) -> None:
        for written_name, value in entries.items():
            where = _where(name, (*path, written_name), doc)
            if not isinstance(written_name, str):
                raise TracerError(f"expected a quantity name, got {kind(written_name)}", where)
            try:
                key = resolver.resolve(written_name, iteration)
            except KeyError as err:
                raise TracerError(str(err.args[0]), where) from None
            if iteration == 1 and _is_param(net, key):
                raise TracerError(
                    f"{quoted(written_name)} is given in the spec; its value after the update is "
                    f"{quoted(written_name + '+')}",
                    where,
                )
            if (iteration, key) in seen:
                raise TracerError(
                    f"{quoted(written_name)} names the same quantity as {quoted(seen[(iteration, key)])}",
                    where,
                )
            seen[(iteration, key)] = written_name
            text, number = _value(value, where)
            items.append(Answer(iteration, key, written_name, text, number, doc.line((*path, written_name))))
            if len(items) > MAX_ANSWERS:
                raise TracerError(f"more than {MAX_ANSWERS} answers", name)

    quantities = {k: v for k, v in data.items() if k not in SETTINGS and _section(k) is None}
    add(quantities, 1, ())
    for k, v in data.items():
        number = _section(k)
        if number is None:
            continue
        where = _where(name, (k,), doc)
        if not 1 <= number <= iterations:
            raise TracerError(
                f"iteration {number} is not one the spec runs (1 to {iterations}); "
                "set iterations: in the spec or use --iterations",
                where,
            )
        if not isinstance(v, dict):
            raise TracerError(f"expected a mapping of quantity names to numbers, got {kind(v)}", where)
        add(v, number, (k,))
    rule = None
    if "tolerance" in data:
        rule = tol.read(data["tolerance"], f"{name}: tolerance", "answers", doc.line(("tolerance",)))
    student = data.get("student")
    if student is not None and not isinstance(student, str):
        raise TracerError(f"expected text, got {kind(student)}", _where(name, ("student",), doc))
    return Answers(tuple(items), rule, student, notation, name)


def _section(k: object) -> int | None:
    m = _ITERATION.match(k) if isinstance(k, str) else None
    return int(m.group(1)) if m else None


def _where(name: str, path: tuple, doc: Document) -> str:
    line = doc.line(path)
    shown = ".".join(str(p) for p in path)
    return f"{name}: {shown}" + (f" (line {line})" if line else "")


def _setting_notation(data: dict, name: str, net: Network) -> str:
    chosen = data.get("notation", net.spec.notation)
    if chosen not in NOTATIONS:
        raise TracerError(
            f"unknown notation {kind(chosen)}; allowed: {', '.join(NOTATIONS)}", f"{name}: notation"
        )
    return str(chosen)


def _is_param(net: Network, key: str) -> bool:
    return any(p.key == key for p in net.params)


def _value(value: object, where: str) -> tuple[str | None, sp.Rational | None]:
    """(text as written, number) of an answer; (None, None) when blank."""
    if value is None:
        return None, None
    if isinstance(value, (list, dict)):
        raise TracerError(f"expected one number, got {kind(value)}", where)
    if isinstance(value, bool):
        return str(value).lower(), None
    text = str(value).strip()
    if text in ("", "?"):
        return None, None
    clean = text.replace("−", "-").replace("\u2212", "-").replace(" ", "")
    if _NUMBER.match(clean) and abs(int(clean.lower().partition("e")[2] or 0)) <= 300:
        return text, sp.Rational(clean)
    if _FRACTION.match(clean) and int(clean.split("/")[1]) != 0:
        top, bottom = clean.split("/")
        return text, sp.Rational(int(top), int(bottom))
    return text[:60], None


class Resolver:
    """Names → canonical keys, in the answers' notation first, then in the others."""

    def __init__(self, net: Network, notation: str, valid: set[str] | None = None) -> None:
        self.net = net
        self.valid = valid  # the keys an iteration computes (None: not checked)
        self.samples = net.n_samples if net.batch else 1
        self.first = net.notation(notation)
        self.others = [net.notation(n) for n in NOTATIONS if n != notation]
        self.params = {p.key for p in net.params}
        self.trainable = {p.key for p in net.trainable}

    def resolve(self, name: str, iteration: int = 1) -> str:
        text = name.strip()
        if text.endswith("+") and text[:-1].strip() in LOSS_NAMES:
            return "L+"
        if text in LOSS_NAMES:
            return "L"
        key = self._any(text)
        self._answerable(key, name)
        return key

    def _any(self, text: str) -> str:
        try:
            return self._in(self.first, text)
        except KeyError as first_error:
            found = set()
            for notation in self.others:
                try:
                    found.add(self._in(notation, text))
                except KeyError:
                    continue
            if len(found) == 1:
                return found.pop()
            if len(found) > 1:
                names = ", ".join(sorted(self.first.text(k) for k in found))
                raise KeyError(f"{text!r} is ambiguous: it could be {names}") from None
            raise first_error from None

    def _in(self, notation: Notation, text: str) -> str:
        sample = re.match(r"^dL/d(?P<p>.+)@(?P<n>\d+)$", text)
        if sample and self.samples > 1:  # one sample's share of a parameter's gradient
            try:
                param = notation.resolve(sample.group("p"), self.samples)
            except KeyError:
                param = ""
            if param in self.params and 1 <= int(sample.group("n")) <= self.samples:
                return f"dL@{sample.group('n')}/d{param}"
        if text.startswith("dL/dz") or text.startswith("dL/dnet"):
            key = notation.resolve(text, self.samples)
            inner = split_derived(key)[1][0]
            return "delta" + inner[1:] if inner.startswith("z") else key
        partial = re.match(r"^d(?P<top>[^/]+)/d(?P<bottom>.+)$", text)
        if partial and partial.group("top") != "L":
            top = notation.resolve(partial.group("top"), self.samples)
            bottom = notation.resolve(partial.group("bottom"), self.samples)
            return f"d{top}/d{bottom}"
        return notation.resolve(text, self.samples)

    def _answerable(self, key: str, name: str) -> None:
        kind_, parts = split_derived(key)
        base = parts[0] if parts else key
        if kind_ == "base" and (key == "eta" or key[:1] in ("x", "y")):
            raise KeyError(f"{name!r} is given in the problem, not an answer")
        if kind_ == "updated" and base not in self.trainable:
            raise KeyError(f"{name!r}: {self.first.text(base)} is not trained (frozen or not a parameter)")
        if kind_ == "grad" and base in self.params and base not in self.trainable:
            raise KeyError(f"{name!r}: {self.first.text(base)} is frozen; it has no gradient here")
        if self.valid is not None and key not in self.valid and key != "L+" and key not in self.params:
            raise KeyError(f"{name!r} is not a quantity this derivation computes")
