"""One step as display math: its formulas, the numbers put into them, and its value.

A step becomes rows of an ``aligned`` block: ``lhs = form = … = numbers ≈ value``.
Short lines share a row (formula = numbers = value on one line); a right-hand side too
wide for a page is broken before a top-level ``+`` or ``−`` onto continuation rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from tracer.derive import Step
from tracer.markup import Math
from tracer.notation import Notation
from tracer.precision import Carried
from tracer.printing import TracerPrinter, number_latex, rounded

ROW_WIDTH = 72  # about the width of an A4 text column in characters of typeset math
EXACT_WIDTH = 40  # longest exact form shown with --exact (characters of LaTeX)
EXACT_OPS = 5  # and at most this many operations: 1/(1 + e^{-49/50}) has four


@dataclass
class Block:
    lhs: str
    lines: list[tuple[str, str]]  # (relation, right-hand side) in reading order
    notes: list[str] = field(default_factory=list)  # markup shown after the block


_INVISIBLE = re.compile(r"\\(left|right|mathrm|operatorname|begin\{[a-z]*\}|end\{[a-z]*\})")
_FRAC = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")
_COMMAND = re.compile(r"\\[a-zA-Z]+")
_SCRIPT = re.compile(r"[_^]\{([^{}]*)\}")
_OPERATOR = re.compile(r" [-+=] |\\cdot|\\approx")
_UNCOUNTED = re.compile(r"[{}\s_^]")
_SPLIT = re.compile(r"\\left|\\right|[{}]|(?= [-+] )")  # "" where a top-level sign may split
_widths: dict[str, int] = {}  # the same terms come back in every step of a report
_MEMO_LENGTH = 400  # longer strings (a 64-term sum) rarely come back


def width(latex: str) -> int:
    """Roughly how many characters wide ``latex`` looks when typeset."""
    found = _widths.get(latex)
    if found is None:
        found = _width(latex)
        if len(latex) <= _MEMO_LENGTH:
            if len(_widths) > 100_000:  # a long-running process renders many reports
                _widths.clear()
            _widths[latex] = found
    return found


def _width(latex: str) -> int:
    text = _INVISIBLE.sub("", latex)
    text = _FRAC.sub(lambda m: "x" * max(len(m[1]), len(m[2])), text)
    text = _COMMAND.sub("x", text)
    text = _SCRIPT.sub(lambda m: "x" * ((len(m[1]) + 1) // 2), text)
    operators = len(_OPERATOR.findall(latex))  # each adds space around it
    return len(_UNCOUNTED.sub("", text)) + operators


def split_terms(latex: str) -> list[str]:
    """``a + b - c`` → ``['a', '+ b', '- c']``, splitting only outside braces and brackets."""
    parts, depth, start = [], 0, 0
    for m in _SPLIT.finditer(latex):
        token = m.group()
        if token:
            depth += 1 if token in ("{", "\\left") else -1
        elif depth == 0 and m.start() > start:
            parts.append(latex[start : m.start()].strip())
            start = m.start() + 1
    parts.append(latex[start:].strip())
    return parts


def wrap(rhs: str, limit: int = ROW_WIDTH) -> list[str]:
    """A wide right-hand side as pieces, each within ``limit`` where the terms allow."""
    if width(rhs) <= limit:
        return [rhs]
    pieces: list[str] = []
    for term in split_terms(rhs):
        if pieces and width(pieces[-1]) + width(term) <= limit:
            pieces[-1] += " " + term
        else:
            pieces.append(term)
    return pieces


def rows(block: Block) -> list[str]:
    """The rows of one block in an aligned environment."""
    out: list[list[str]] = []  # each row: lhs, then relation + rhs pieces
    used = width(block.lhs)
    current: list[str] = []
    for rel, rhs in block.lines:
        pieces = wrap(rhs)
        item = f"{rel} {pieces[0]}"
        if current and used + width(item) > ROW_WIDTH:
            out.append(current)
            current, used = [], width(block.lhs)
        current.append(item)
        used += width(item) + 1
        for piece in pieces[1:]:
            out.append(current)
            current, used = [r"\quad " + piece], width(block.lhs) + width(piece)
    out.append(current)
    lines = []
    for k, row in enumerate(out):
        lhs = block.lhs if k == 0 else ""
        lines.append(f"{lhs} &{' '.join(row)}")
    return lines


def aligned(*blocks: Block) -> str:
    """One aligned environment holding the blocks, a little space between them."""
    return (
        "\\begin{aligned}\n"
        + " \\\\[6pt]\n".join(" \\\\\n".join(rows(b)) for b in blocks)
        + "\n\\end{aligned}"
    )


def _bare(latex: str) -> str:
    return latex.replace(" ", "")


class Printers:
    """Prints the steps of one iteration: symbols, numbers, exact and carried values."""

    def __init__(
        self,
        values: dict[str, sp.Expr],
        digits: int,
        names: Notation,
        exact: dict[str, sp.Expr | None] | None = None,
        carried: Carried | None = None,
    ) -> None:
        shown = carried.values if carried is not None else values
        self.symbolic = TracerPrinter(digits=digits, notation=names)
        self.numeric = TracerPrinter(
            digits=digits, notation=names, values={sp.Symbol(k, real=True): v for k, v in shown.items()}
        )
        self.fractions = TracerPrinter(digits=digits, notation=names, fractions=True)
        self.names = names
        self.values = shown
        self.digits = digits
        self.exact = exact
        self.carried = carried

    def sym(self, expr: sp.Expr) -> str:
        return self.symbolic.doprint(expr)

    def name(self, key: str) -> str:
        return self.names.latex(key)

    def value(self, value: sp.Expr, key: str | None = None) -> tuple[str, str]:
        """(relation, LaTeX) for a value: '=' when exact, '\\approx' when rounded."""
        exact = rounded(value, self.digits)[1]
        if self.carried is not None and key is not None and key in self.carried.values:
            exact = key not in self.carried.approximate
        return ("=" if exact else r"\approx"), number_latex(value, self.digits)

    def math(self, key: str) -> Math:
        """``name = value`` (or ≈) as inline math for prose."""
        rel, shown = self.value(self.values[key], key)
        return Math(f"{self.name(key)} {rel} {shown}")

    def step(self, step: Step) -> Block:
        lines = [("=", self.sym(form)) for form in step.forms]
        numbers = self.numeric.doprint(step.forms[-1])
        approx = self.numeric.rounded
        rel, shown = self.value(self.values[step.key], step.key)
        if not isinstance(step.forms[-1], sp.Symbol) and numbers not in (shown, lines[-1][1]):
            lines.append((r"\approx" if approx else "=", numbers))
        exact = self._exact(step.key)
        if exact is not None and _bare(exact) not in (_bare(shown), _bare(lines[-1][1])):
            lines.append(("=", exact))
        if shown != lines[-1][1]:
            lines.append((rel, shown))
        block = Block(self.name(step.key), lines)
        if self.carried is not None and step.key in self.carried.full:
            full_rel, full = self.value(self.carried.full[step.key])
            block.notes.append(Math(f"{self.name(step.key)} {full_rel} {full}").latex)
        return block

    def _exact(self, key: str) -> str | None:
        if self.exact is None or self.exact.get(key) is None:
            return None
        value = self.exact[key]
        assert value is not None
        if value.is_Rational and rounded(value, self.digits)[1]:
            return None  # already shown exactly as a decimal
        text = self.fractions.doprint(value)
        return text if len(text) <= EXACT_WIDTH and sp.count_ops(value) <= EXACT_OPS else None
