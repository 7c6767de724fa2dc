"""Rows of display math: how wide LaTeX looks and where a long right-hand side breaks.

A step becomes rows of an ``aligned`` block: ``lhs = form = … = numbers ≈ value``. Short
lines share a row (formula = numbers = value on one line); a right-hand side too wide for a
page is broken before a top-level ``+`` or ``−`` onto continuation rows.

A step printed from a template (:class:`tracer.derive.steps.Step`) arrives as text with slot
markers and what fills them. Its rows are laid out on that text, which is the same for
every step of its kind, and filled at the end: the width of a filled text is the width of
the text without its markers plus that of each fill, because a marker stands alone between
spaces at brace depth 0, where none of the patterns of :func:`width` can reach across it.
Texts or fills that do not meet those conditions are filled first and measured as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracer.report.printer import SLOT_MARKS

ROW_WIDTH = 72  # about the width of an A4 text column in characters of typeset math

_INVISIBLE = re.compile(r"\\(left|right|mathrm|operatorname|begin\{[a-z]*\}|end\{[a-z]*\})")
_FRAC = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")
_COMMAND = re.compile(r"\\[a-zA-Z]+")
_SCRIPT = re.compile(r"[_^]\{([^{}]*)\}")
_OPERATOR = re.compile(r" [-+=] |\\cdot|\\approx")
_UNCOUNTED = re.compile(r"[{}\s_^]")
_SIGN = re.compile(r"(?= [-+] )")  # where a term may begin
VALUE = r"\tracervalue"  # a slot for a step's whole value (Printers._templated)
_MARKS = (*SLOT_MARKS.values(), VALUE)
_MARKED = re.compile("(" + "|".join(re.escape(mark) for mark in _MARKS) + ")")  # split keeping them
_MEMO_LENGTH = 400  # longer strings (a 64-term sum) rarely come back; their templates do


class Fill(dict[str, str]):
    """Slot marker → the LaTeX that replaces it; ``ok`` when every one can stand in its slot
    without changing how the text around it splits or measures (see :func:`fits_a_slot`)."""

    def __init__(self, pairs: dict[str, str] | None = None, like: Fill | None = None) -> None:
        super().__init__(pairs or {})
        if like is not None:  # stand-ins laid out as ``like`` is (see Printers._templated)
            self.ok, self.widths = like.ok, like.widths
        else:
            self.ok = all(fits_a_slot(v) for v in self.values())
            self.widths = {mark: width(latex) for mark, latex in self.items()} if self.ok else {}
        self.key = tuple(self.widths.items())  # what the layout of a slotted text depends on
        self.longer = {mark: len(latex) - len(mark) for mark, latex in self.items()}  # than the marker


_EMPTY = Fill()


@dataclass(frozen=True)
class Line:
    """``relation right-hand side``; the right-hand side may have slot markers, filled by ``fill``."""

    rel: str
    rhs: str
    fill: Fill = field(default_factory=lambda: _EMPTY)

    def text(self) -> str:
        return filled(self.rhs, self.fill)

    def same(self, other: Line) -> bool:
        """Whether both right-hand sides read the same once filled (lengths compared first)."""
        if not self.fill and not other.fill:
            return self.rhs == other.rhs
        return _length(self.rhs, self.fill) == _length(other.rhs, other.fill) and self.text() == other.text()


@dataclass
class Block:
    lhs: str
    lines: list[Line]  # in reading order
    notes: list[str] = field(default_factory=list)  # markup shown after the block
    lhs_width: int | None = None  # laid out as if the left-hand side were this wide
    laid_out: list[str] | None = None  # its rows already written, as pieces (see rows)


class _Memo(dict):
    """A dictionary that forgets everything when it grows large (a long-running process
    renders many reports)."""

    def put(self, key: object, value: object) -> None:
        if len(self) > 100_000:
            self.clear()
        self[key] = value


_widths, _splits, _templates, _fills, _wraps, _parts = _Memo(), _Memo(), _Memo(), _Memo(), _Memo(), _Memo()


def width(latex: str) -> int:
    """Roughly how many characters wide ``latex`` looks when typeset."""
    found = _widths.get(latex)
    if found is None:
        if len(latex) > _MEMO_LENGTH:
            return _product_width(latex) if _DOT in latex else _width(latex)
        shape = latex.translate(_ZEROS)  # W^{[2]}_{49,1} is as wide as W^{[0]}_{00,0}: see _ZEROS
        found = _widths.get(shape)
        if found is None:
            found = _product_width(shape) if _DOT in shape else _width(shape)
            _widths.put(shape, found)
        _widths.put(latex, found)
    return found


#: Every digit written as 0: no pattern of :func:`_width`, :func:`_product_width` or
#: :func:`fits_a_slot` tells one digit from another, and each counts a digit as one character,
#: so a text and its shape measure alike; the 8577 weights of a large network have a few shapes.
_ZEROS = str.maketrans("123456789", "000000000")


_DOT = r" \cdot "


def _product_width(latex: str) -> int:
    """The width of ``a \\cdot b \\cdot …`` as the factors' widths plus 2 per sign, where each
    sign stands between spaces at brace depth 0 with no sign or space beside it: no pattern of
    :func:`_width` reaches across such a space (the factors come back again and again)."""
    parts = latex.split(_DOT)
    total, depth, last = 2 * (len(parts) - 1), 0, len(parts) - 1
    for k, part in enumerate(parts):
        if k < last:
            if "{" in part or "}" in part:
                depth += part.count("{") - part.count("}")
            if depth or not part or part[-1] in "-+= ":
                return _width(latex)
        if k and (not part or part[0] == " " or part[:2] in _SIGNS):
            return _width(latex)
        found = _widths.get(part)
        total += width(part) if found is None else found
    return total


_SIGNS = ("- ", "+ ", "= ")
_PLAIN_OUT = frozenset("\\{}_^ ")  # what a text without commands, groups, scripts or spaces lacks


def _width(latex: str) -> int:
    if _PLAIN_OUT.isdisjoint(latex) and latex.isprintable():  # a number or a plain name: no
        return len(latex)  # pattern below can match (each needs a backslash, brace, script or space)
    text = latex
    if "\\" in text:  # (each pattern needs its backslash or brace: skip what cannot match)
        text = _INVISIBLE.sub("", text)
        if "{" in text:
            text = _FRAC.sub(lambda m: "x" * max(len(m[1]), len(m[2])), text)
        text = _COMMAND.sub("x", text)
    if "{" in text:
        text = _SCRIPT.sub(lambda m: "x" * ((len(m[1]) + 1) // 2), text)
    operators = len(_OPERATOR.findall(latex))  # each adds space around it
    return len(_UNCOUNTED.sub("", text)) + operators


def split_terms(latex: str) -> list[str]:
    """``a + b - c`` → ``['a', '+ b', '- c']``, splitting only outside braces and brackets."""
    parts, depth, start, seen = [], 0, 0, 0
    for m in _SIGN.finditer(latex):  # where a sign could split; the depth there by counting
        at = m.start()
        depth += latex.count("{", seen, at) - latex.count("}", seen, at)
        depth += latex.count("\\left", seen, at) - latex.count("\\right", seen, at)
        seen = at
        if depth == 0 and at > start:
            parts.append(latex[start:at].strip())
            start = at + 1
    parts.append(latex[start:].strip())
    return parts


# -- slotted text --------------------------------------------------------------------------


def filled(text: str, fill: Fill) -> str:
    """``text`` with each slot marker replaced by its fill."""
    if not fill:
        return text
    parts = _parts.get(text)
    if parts is None:  # the text between the markers, and the markers, once per text
        parts = _MARKED.split(text)
        _parts.put(text, parts)
    if len(parts) == 1:
        return text
    return "".join([fill.get(p, p) if k % 2 else p for k, p in enumerate(parts)])


def _template(text: str) -> tuple[int, dict[str, int]] | None:
    """(width without the markers, how often each occurs), or None when a marker is not alone
    between spaces at brace depth 0 (then the text is measured filled)."""
    if text in _templates:
        return _templates[text]
    counts = {}
    for mark in _MARKS:
        for m in re.finditer(re.escape(mark), text):
            k, end = m.start(), m.end()
            alone = (k == 0 or text[k - 1] == " ") and (end == len(text) or text[end] == " ")
            if not alone or text.count("{", 0, k) != text.count("}", 0, k):
                _templates.put(text, None)
                return None
            counts[mark] = counts.get(mark, 0) + 1
    bare = text
    for mark in counts:
        bare = bare.replace(mark, "")
    found = (_width(bare), counts)
    _templates.put(text, found)
    return found


def _length(text: str, fill: Fill) -> int:
    """``len(filled(text, fill))`` without filling a long text."""
    shape = _template(text)
    counts = shape[1] if shape is not None else {mark: text.count(mark) for mark in fill}
    length = len(text)
    for mark, n in counts.items():
        length += n * fill.longer.get(mark, 0)
    return length


def fits_a_slot(latex: str) -> bool:
    """Whether ``latex`` can stand in a slot without changing how the text around it splits or
    measures: balanced, no sign between spaces, no space or sign at either end."""
    found = _fills.get(latex)
    if found is None:
        shape = latex.translate(_ZEROS) if len(latex) <= _MEMO_LENGTH else latex
        found = _fills.get(shape)
        if found is None:
            found = (
                shape == shape.strip()
                and shape != ""
                and shape.count("{") == shape.count("}")
                and shape.count(r"\left") == shape.count(r"\right")
                and " + " not in shape
                and " - " not in shape
                and shape[:2] not in ("- ", "+ ", "= ")
                and shape[-2:] not in (" -", " +", " =")
            )
            _fills.put(shape, found)
        _fills.put(latex, found)
    return found


def measure(text: str, fill: Fill) -> int:
    """The width of ``text`` with its slots filled."""
    if not fill:
        return width(text)
    shape = _template(text)
    if shape is None or not fill.ok:
        return width(filled(text, fill))
    bare, counts = shape
    for mark, n in counts.items():
        bare += n * fill.widths[mark]
    return bare


def _split(text: str, fill: Fill) -> list[str]:
    """The terms of ``text`` (still slotted where the fill allows splitting the template)."""
    if not fill:
        return split_terms(text)
    if not fill.ok:
        return split_terms(filled(text, fill))
    found = _splits.get(text)
    if found is None:
        found = split_terms(text)
        _splits.put(text, found)
    return found


def wrap(rhs: str, limit: int = ROW_WIDTH, fill: Fill = _EMPTY) -> tuple[str, ...]:
    """A wide right-hand side as pieces, each within ``limit`` where the terms allow."""
    if not fill:
        return _wrap(rhs, limit, fill)
    key = (rhs, limit, fill.key)  # a slotted text breaks the same way for fills of the same widths
    found = _wraps.get(key)
    if found is None:
        found = _wrap(rhs, limit, fill)
        _wraps.put(key, found)
    return found


def _wrap(rhs: str, limit: int, fill: Fill) -> tuple[str, ...]:
    terms = _split(rhs, fill) if len(rhs) > _MEMO_LENGTH else None  # a long text: by its terms
    total = _sum_width(terms, fill) if terms is not None else None
    if (measure(rhs, fill) if total is None else total) <= limit:
        return (rhs,)
    pieces: list[str] = []
    widths: list[int] = []
    for term in terms if terms is not None else _split(rhs, fill):
        term_width = measure(term, fill)
        if pieces and widths[-1] + term_width <= limit:
            joined = pieces[-1] + " " + term
            # as in _sum_width: the two widths and the sign's, unless a sign stands at the join
            additive = _ends_cleanly(pieces[-1]) and term[:2] in ("+ ", "- ")
            widths[-1] = widths[-1] + term_width + 1 if additive else measure(joined, fill)
            pieces[-1] = joined
        else:
            pieces.append(term)
            widths.append(term_width)
    return tuple(pieces)


def _sum_width(terms: list[str], fill: Fill) -> int | None:
    """The width of ``a + b - c`` from its terms ``a``, ``+ b``, ``- c``: theirs plus one per
    sign between spaces, as nothing else reaches across a space at depth 0; None where a term
    ends in a sign or a space (then the text is measured whole)."""
    if not all(_ends_cleanly(term) for term in terms[:-1]):
        return None
    return sum(measure(term, fill) for term in terms) + len(terms) - 1


def _ends_cleanly(term: str) -> bool:
    """Whether nothing of ``term``'s end reaches across a space put after it."""
    return bool(term) and term[-1] != " " and term[-2:] not in (" -", " +", " =")


def rows(block: Block) -> list[str]:
    """The rows of one block in an aligned environment."""
    return ["".join(row) for row in _rows(block)]


def _rows(block: Block) -> list[list[str]]:
    """Each row as the strings that make it up (joined once, in :func:`aligned`)."""
    if block.laid_out is not None:
        return [block.laid_out]
    out: list[list[str]] = []
    lhs_width = width(block.lhs) if block.lhs_width is None else block.lhs_width
    used = lhs_width
    current: list[str] = [block.lhs, " &"]
    for line in block.lines:
        rel, text, fill = line.rel, line.rhs, line.fill
        if not fill.ok:  # lay out the filled text itself
            text, fill = filled(text, fill), _EMPTY
        pieces = wrap(text, fill=fill)
        # width(rel + " " + piece) = width(rel) + width(piece): no pattern of width() reaches
        # across the space after a relation (no space, no brace in it), unless the piece begins
        # with a sign standing alone, " - " once the space is put in front
        if pieces[0][:2] in ("- ", "+ ", "= "):
            item_width = measure(f"{rel} {pieces[0]}", fill)
        else:
            item_width = width(rel) + measure(pieces[0], fill)
        if len(current) > 2 and used + item_width > ROW_WIDTH:
            out.append(current)
            current, used = [" &"], lhs_width
        if len(current) > 2:
            current.append(" ")
        current += (rel, " ")
        _put_filled(current, pieces[0], fill)
        used += item_width + 1
        for piece in pieces[1:]:
            out.append(current)
            current = [" &", "\\quad "]
            _put_filled(current, piece, fill)
            used = lhs_width + measure(piece, fill)
    out.append(current)
    return out


def _put_filled(out: list[str], text: str, fill: Fill) -> None:
    """Append ``filled(text, fill)`` to ``out`` as its pieces."""
    if not fill:
        out.append(text)
        return
    parts = _parts.get(text)
    if parts is None:
        parts = _MARKED.split(text)
        _parts.put(text, parts)
    out += [fill.get(p, p) if k % 2 else p for k, p in enumerate(parts)]


def aligned(*blocks: Block) -> str:
    """One aligned environment holding the blocks, a little space between them."""
    out = ["\\begin{aligned}\n"]
    for b, block in enumerate(blocks):
        if b:
            out.append(" \\\\[6pt]\n")
        for r, row in enumerate(_rows(block)):
            if r:
                out.append(" \\\\\n")
            out += row
    out.append("\n\\end{aligned}")
    return "".join(out)
