"""The small markup that report prose is written in, independent of the output format.

Prose (from the language files, or built in Python) may contain ``$…$`` inline math (LaTeX),
``**…**`` bold and ```…``` code; a backslash makes the next character literal. Everything
else is plain text, which each format escapes in its own way. User text (titles, names)
enters prose only through :func:`literal`, so it can never open math or markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPECIAL = re.compile(r"([\\$*`])")


@dataclass(frozen=True)
class Math:
    """Inline math to place into prose: LaTeX source."""

    latex: str


@dataclass(frozen=True)
class Segment:
    kind: str  # text | math | bold | code
    text: str = ""
    children: tuple[Segment, ...] = ()


def literal(text: str) -> str:
    """Markup that shows ``text`` as it is (whitespace runs become one space)."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def fill(template: str, values: dict[str, object]) -> str:
    """Replace ``{name}`` placeholders; str values are literal text, :class:`Math` is math."""

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            return m.group(0)  # braces of LaTeX inside $…$, not a placeholder
        value = values[name]
        if isinstance(value, Math):
            return f"${value.latex}$"
        if isinstance(value, Markup):
            return value.text
        return literal(str(value))

    return re.sub(r"\{([a-z_]+)\}", one, template)


@dataclass(frozen=True)
class Markup:
    """Already-made markup (e.g. a filled string) to place into another string unchanged."""

    text: str


def parse(text: str) -> tuple[Segment, ...]:
    """Segments of a markup string."""
    out: list[Segment] = []
    buf: list[str] = []
    i = 0

    def flush() -> None:
        if buf:
            out.append(Segment("text", "".join(buf)))
            buf.clear()

    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            buf.append(text[i + 1])
            i += 2
        elif c == "$":
            end = text.find("$", i + 1)
            if end < 0:
                raise ValueError(f"unclosed $ in {text!r}")
            flush()
            out.append(Segment("math", text[i + 1 : end]))
            i = end + 1
        elif c == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise ValueError(f"unclosed ` in {text!r}")
            flush()
            out.append(Segment("code", text[i + 1 : end]))
            i = end + 1
        elif text.startswith("**", i):
            end = _closing_bold(text, i + 2)
            flush()
            out.append(Segment("bold", children=parse(text[i + 2 : end])))
            i = end + 2
        else:
            buf.append(c)
            i += 1
    flush()
    return tuple(out)


def _closing_bold(text: str, start: int) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "$":
            i = text.index("$", i + 1) + 1
            continue
        if text.startswith("**", i):
            return i
        i += 1
    raise ValueError(f"unclosed ** in {text!r}")
