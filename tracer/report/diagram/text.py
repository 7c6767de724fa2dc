"""Text in a diagram: what SVG draws (runs of plain, subscript and superscript text) and what
TikZ typesets (LaTeX), made from one source so the two pictures say the same thing.

Names come from :mod:`tracer.notation` as LaTeX (``w_{31}``, ``\\mathrm{out}_{h_{1}}``,
``W^{[2]}_{11}``); :func:`runs` reads that small subset of LaTeX into runs. Sizes are
estimated from the font size and the characters, generously (at least 0.6 em a character),
so that boxes laid out from the estimate do not touch when drawn in a real sans-serif font.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracer.numbers import number_latex
from tracer.report import markup
from tracer.report.formats import Tex

SUB_SCALE = 0.72  # font size of a subscript or superscript, relative to its line
SHIFT = {0: 0.0, -1: 0.28, 1: -0.42}  # baseline shift of a level, in em of the line (down > 0)
ASCENT, DESCENT = 0.93, 0.24  # a line box above and below its baseline, in em (DejaVu Sans: 0.928, 0.236)

_SYMBOLS = {
    "partial": "∂",
    "delta": "δ",
    "eta": "η",
    "sigma": "σ",
    "alpha": "α",
    "times": "×",
    "cdot": "·",
    "approx": "≈",
    "dots": "…",
    "ldots": "…",
    "left": "",
    "right": "",
    "quad": " ",
    "lbrace": "{",
    "rbrace": "}",
}
_WRAPPERS = ("mathrm", "text", "operatorname", "mathit", "mathbf")
_WIDE = set("mwMW@%∂…")
_TEX = Tex()


@dataclass(frozen=True)
class Run:
    """Characters on one level: 0 the baseline, -1 a subscript, 1 a superscript."""

    text: str
    level: int = 0


@dataclass(frozen=True)
class Text:
    """One line of a label: runs for SVG, LaTeX (text mode) for TikZ, and the canonical key of
    the value it shows, if any (SVG writes it as ``data-key`` so a reader can find it)."""

    runs: tuple[Run, ...]
    tex: str
    key: str | None = None

    @property
    def plain(self) -> str:
        return "".join(r.text for r in self.runs)


def runs(latex: str) -> tuple[Run, ...]:
    """The runs of a name or number in the notation's LaTeX (a subscript inside a subscript
    stays a subscript: ``\\mathrm{out}_{h_{1}}`` is out, then h1 below)."""
    reader = _Reader(latex)
    found = reader.group(0)
    if reader.i != len(latex):
        raise ValueError(f"unbalanced braces in {latex!r}")
    return merge(found)


def merge(items: list[Run] | tuple[Run, ...]) -> tuple[Run, ...]:
    """Adjacent runs on the same level joined; empty runs dropped."""
    out: list[Run] = []
    for r in items:
        if not r.text:
            continue
        if out and out[-1].level == r.level:
            out[-1] = Run(out[-1].text + r.text, r.level)
        else:
            out.append(r)
    return tuple(out)


class _Reader:
    def __init__(self, src: str) -> None:
        self.src = src
        self.i = 0

    def group(self, level: int) -> list[Run]:
        """Runs up to a closing brace (not consumed) or the end."""
        out: list[Run] = []
        while self.i < len(self.src) and self.src[self.i] != "}":
            out += self.atom(level)
        return out

    def atom(self, level: int) -> list[Run]:
        """One character, braced group or command, with its scripts as the next atoms do."""
        c = self.src[self.i]
        self.i += 1
        if c == "{":
            inner = self.group(level)
            if self.i >= len(self.src):
                raise ValueError(f"unclosed brace in {self.src!r}")
            self.i += 1
            return inner
        if c in "_^":
            if self.i >= len(self.src):
                raise ValueError(f"a script with nothing after it in {self.src!r}")
            shifted = level or (-1 if c == "_" else 1)  # scripts of scripts stay on their level
            return self.atom(shifted)
        if c == "\\":
            return self.command(level)
        if c.isspace():
            return []
        return [Run("−" if c == "-" else c, level)]

    def command(self, level: int) -> list[Run]:
        start = self.i
        while self.i < len(self.src) and self.src[self.i].isalpha():
            self.i += 1
        name = self.src[start : self.i]
        if not name:  # \, \; \{ and the like: one character
            c = self.src[self.i]
            self.i += 1
            return [Run(" " if c in ",;: " else c, level)]
        if name == "frac":
            top, bottom = self.atom(level), self.atom(level)
            return [*top, Run("/", level), *bottom]
        if name in _WRAPPERS:
            return self.atom(level)
        if name in _SYMBOLS:
            return [Run(_SYMBOLS[name], level)]
        raise ValueError(f"no plain-text form for \\{name} (in {self.src!r})")


# -- building lines


def math(latex: str, key: str | None = None) -> Text:
    """A name or formula set as math."""
    return Text(runs(latex), f"${latex}$", key)


def pair(name: str, value: object, digits: int, key: str | None = None) -> Text:
    """``name = value``: ``name`` in the notation's LaTeX, ``value`` a SymPy number."""
    number = number_latex(value, digits)
    return Text(merge([*runs(name), Run(" = "), *runs(number)]), f"${name} = {number}$", key)


def gradient_name(of_loss: str, of: str) -> str:
    """∂L/∂w written inline (a fraction is too tall for a label), from the notation's names."""
    return rf"\partial {of_loss}/\partial {of}"


def prose(text: str) -> Text:
    """A line of markup (from the language files): plain text, with ``$…$`` as math."""
    items: list[Run] = []

    def add(segments: tuple[markup.Segment, ...]) -> None:
        for s in segments:
            if s.kind == "math":
                items.extend(runs(s.text))
            elif s.kind == "bold":
                add(s.children)
            else:
                items.append(Run(s.text))

    add(markup.parse(text))
    return Text(merge(items), _TEX.prose(text))


# -- sizes


@dataclass(frozen=True)
class Metrics:
    """Estimated advances, in em, of the characters of the font a picture is drawn in."""

    name: str
    normal: float  # digits, lower-case letters, most symbols
    upper: float
    wide: float  # m, w, M, W and the like
    cjk: float
    special: tuple[tuple[str, float], ...] = ()  # characters with their own advance

    def char(self, c: str) -> float:
        for chars, advance in self.special:
            if c in chars:
                return advance
        if c in _WIDE:
            return self.wide
        if ord(c) >= 0x2E80:  # CJK ideographs and punctuation are square
            return self.cjk
        return self.upper if c.isupper() else self.normal

    def width(self, text: Text, size: float) -> float:
        """Estimated width of a line set at ``size`` px."""
        return sum(
            self.char(c) * size * (1 if r.level == 0 else SUB_SCALE) for r in text.runs for c in r.text
        )


#: Any sans-serif a browser may pick, sized for the widest common one (DejaVu Sans, whose
#: digits are 0.636 em); never less than 0.6 em a character.
SANS = Metrics("sans", normal=0.64, upper=0.78, wide=1.0, cjk=1.05)
#: Computer Modern as TeX sets the labels: narrower letters and digits, but a wide =, − and ×
#: with thick spaces around =; 8 % added for safety.
TEX = Metrics(
    "tex",
    normal=0.6,
    upper=0.86,
    wide=1.12,
    cjk=1.08,
    special=((".,;:·'", 0.32), (" ", 0.32), ("()[]", 0.43), ("=−×+≈", 0.86), ("0123456789", 0.54)),
)


def extent(text: Text, size: float) -> tuple[float, float]:
    """(above, below) the baseline, in px, of a line set at ``size`` px."""
    above = ASCENT * size
    below = DESCENT * size
    for r in text.runs:
        if r.level:
            shift = SHIFT[r.level] * size
            above = max(above, ASCENT * SUB_SCALE * size - shift)
            below = max(below, DESCENT * SUB_SCALE * size + shift)
    return above, below
