"""One step as display math: its formulas, the numbers put into them, and its value.

The rows of the ``aligned`` block it becomes are laid out by :mod:`tracer.report.layout`.
"""

from __future__ import annotations

import re

import sympy as sp

from tracer.derive.steps import Step
from tracer.evaluate.precision import Carried
from tracer.notation import Notation
from tracer.numbers import number_latex, rounded
from tracer.report.layout import VALUE, Block, Fill, Line, aligned, fits_a_slot, width
from tracer.report.markup import Math
from tracer.report.printer import SLOT_MARKS, TracerPrinter

__all__ = ["EXACT_WIDTH", "Block", "Printers", "aligned"]

EXACT_WIDTH = 40  # longest exact form shown with --exact (characters of LaTeX)
EXACT_OPS = 5  # and at most this many operations: 1/(1 + e^{-49/50}) has four


def _bare(latex: str) -> str:
    return latex.replace(" ", "")


_STAND_IN = re.compile("\x00([^\x00]*)\x00")


def _stand_in(name: str) -> str:
    return f"\x00{name}\x00"


def _skeleton(lines: list[Line], numbers: Line | None, value: Line | None, lhs_width: int) -> list[str]:
    """The rows of a templated step with stand-ins for what differs from step to step (the
    left-hand side, the value, each slot's name and number): text and stand-in names in turn.
    The stand-ins are laid out with the widths of the step's own texts, so a step of the same
    shape (the same template, widths and lines kept) has the same rows once they are filled."""
    names = Fill({m: _stand_in("n" + m) for m in lines[0].fill}, like=lines[0].fill)
    kept = [Line(line.rel, line.rhs, names) for line in lines]
    if numbers is not None:
        values = Fill({m: _stand_in("v" + m) for m in numbers.fill}, like=numbers.fill)
        kept.append(Line(numbers.rel, numbers.rhs, values))
    if value is not None:
        shown = Fill({VALUE: value.rhs})
        kept.append(Line(value.rel, VALUE, Fill({VALUE: _stand_in("V")}, like=shown)))
    text = aligned(Block(_stand_in("L"), kept, lhs_width=lhs_width))
    inner = text[len("\\begin{aligned}\n") : -len("\n\\end{aligned}")]
    return _STAND_IN.split(inner)


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
        self.numeric = TracerPrinter(digits=digits, notation=names, values=shown)
        self.fractions = TracerPrinter(digits=digits, notation=names, fractions=True)
        self.names = names
        self.values = shown
        self.digits = digits
        self.exact = exact
        self.carried = carried
        self._templates: dict[tuple[sp.Expr, ...], tuple[list[str], str, bool]] = {}  # printed once each
        self._skeletons: dict[tuple, list[str]] = {}  # rows of each shape of templated step
        self._fills: dict[tuple[tuple[str, str], ...], Fill] = {}  # see _fill

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
        if step.template is not None:
            return self._templated(step)
        lines = [Line("=", self.sym(form)) for form in step.forms]
        numbers = self.numeric.doprint(step.forms[-1])
        return self._finish(step, lines, Line(r"\approx" if self.numeric.rounded else "=", numbers))

    def _templated(self, step: Step) -> Block:
        """A step printed from the forms it shares with others of its kind, its own symbols (and
        their numbers) put into the slots: the same text as printing its own forms."""
        assert step.template is not None
        found = self._templates.get(step.template)
        if found is None:
            texts = [self.sym(form) for form in step.template]
            found = self._templates[step.template] = (
                texts,
                self.numeric.doprint(step.template[-1]),
                self.numeric.rounded,
            )
        texts, numbers, approx = found
        by_name = self._fill(step.fill, self.symbolic)
        self.numeric.rounded = False
        by_value = self._fill(step.fill, self.numeric)
        approx = approx or self.numeric.rounded  # the template's numbers or the filled ones were rounded
        lines = [Line("=", text, by_name) for text in texts]
        numbers_line = Line(r"\approx" if approx else "=", numbers, by_value)
        if self.exact is not None or self.carried is not None or not (by_name.ok and by_value.ok):
            return self._finish(step, lines, numbers_line)
        # The lines _finish would keep, then the rows of this shape of step, written once with
        # stand-ins and filled in for each step of that shape.
        rel, shown = self.value(self.values[step.key], step.key)
        if not fits_a_slot(shown):  # as Fill({VALUE: shown}).ok, without measuring it
            return self._finish(step, lines, numbers_line)
        value = Line(rel, shown)
        with_numbers = not isinstance(step.template[-1], sp.Symbol) and not (
            numbers_line.same(value) or numbers_line.same(lines[-1])
        )
        with_value = not value.same(numbers_line if with_numbers else lines[-1])
        lhs = self.name(step.key)
        shape = (step.template, numbers_line.rel, rel, with_numbers, with_value, by_name.key, by_value.key)
        shape += (width(lhs), width(shown))
        skeleton = self._skeletons.get(shape)
        if skeleton is None:
            skeleton = self._skeletons[shape] = _skeleton(
                lines, numbers_line if with_numbers else None, value if with_value else None, width(lhs)
            )
        own = {"L": lhs, "V": shown}
        own.update({"n" + mark: latex for mark, latex in by_name.items()})
        own.update({"v" + mark: latex for mark, latex in by_value.items()})
        return Block(lhs, [], laid_out=[own[p] if k % 2 else p for k, p in enumerate(skeleton)])

    def _fill(self, fill: tuple[tuple[sp.Symbol, str], ...], printer: TracerPrinter) -> Fill:
        """The slots of a step filled by ``printer`` (one Fill for each set of texts: the inputs'
        numbers recur in the steps of every weight they multiply)."""
        texts = tuple((SLOT_MARKS[slot], printer.print_key(key)) for slot, key in fill)
        found = self._fills.get(texts)
        if found is None:
            found = self._fills[texts] = Fill(dict(texts))
        return found

    def _finish(self, step: Step, lines: list[Line], numbers: Line) -> Block:
        """The block of ``step``: its forms, the numbers (unless they say nothing new), the
        exact value where asked and short, the value, and a note where carrying changed it."""
        rel, shown = self.value(self.values[step.key], step.key)
        value = Line(rel, shown)
        last = step.template[-1] if step.template is not None else step.forms[-1]  # a slot is a symbol
        if not isinstance(last, sp.Symbol) and not numbers.same(value) and not numbers.same(lines[-1]):
            lines.append(numbers)
        exact = self._exact(step.key)
        if exact is not None and _bare(exact) not in (_bare(shown), _bare(lines[-1].text())):
            lines.append(Line("=", exact))
        if not value.same(lines[-1]):
            lines.append(value)
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
