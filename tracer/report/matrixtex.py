"""LaTeX for the matrix view: matrices of numbers and element-by-element formulas.

A matrix with more than :data:`FULL` rows (or columns) shows its first :data:`HEAD` and last
:data:`TAIL` ones, with ``\\vdots``, ``\\cdots`` and ``\\ddots`` for the rest, and its shape as
a subscript; a smaller one is shown whole. Numbers are printed by :mod:`tracer.report.printer`,
like every other number of a report.

Formulas such as f′(Z) or ∂ℓ/∂A are the registries' SymPy expressions in z, a, y, printed
with matrix symbols in their place: a product of two matrices element by element is
``\\odot``, a quotient ``\\frac`` (element by element too, as the report says), and a
piecewise derivative with constant pieces (ReLU′) an indicator ``\\mathbf{1}[Z > 0]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from tracer.numbers import number_latex, rounded
from tracer.report.printer import TracerPrinter

FULL = 6  # a dimension up to this size is shown whole
HEAD, TAIL = 3, 2  # else its first HEAD and last TAIL entries


def shown(size: int) -> list[int | None]:
    """The 1-based indices shown of a dimension of ``size``; None where the dots stand."""
    if size <= FULL:
        return list(range(1, size + 1))
    return [*range(1, HEAD + 1), None, *range(size - TAIL + 1, size + 1)]


@dataclass(frozen=True)
class Grid:
    """A rows × cols matrix of numbers, read entry by entry (1-based row, column)."""

    rows: int
    cols: int
    entry: Callable[[int, int], object]

    @property
    def T(self) -> Grid:  # noqa: N802 - the transpose, named as in mathematics
        return Grid(self.cols, self.rows, lambda i, j: self.entry(j, i))

    def scaled(self, factor: object) -> Grid:
        return Grid(self.rows, self.cols, lambda i, j: factor * self.entry(i, j))  # type: ignore[operator]


def shape(rows: int, cols: int) -> str:
    return rf"{rows} \times {cols}"


def matrix(grid: Grid, digits: int) -> tuple[str, bool]:
    """(LaTeX of ``grid``, whether every number shown is exact)."""
    exact = True
    lines = []
    columns = shown(grid.cols)
    for i in shown(grid.rows):
        cells = []
        for j in columns:
            if i is None:
                cells.append(r"\ddots" if j is None else r"\vdots")
            elif j is None:
                cells.append(r"\cdots")
            else:
                value = grid.entry(i, j)
                exact = exact and rounded(value, digits)[1]
                cells.append(number_latex(value, digits))
        lines.append(" & ".join(cells))
    body = r"\begin{pmatrix} " + r" \\ ".join(lines) + r" \end{pmatrix}"
    if grid.rows > FULL or grid.cols > FULL:  # braces: the shape subscripts the whole matrix
        body = "{" + body + "}_{" + shape(grid.rows, grid.cols) + "}"
    return body, exact


def scalar(value: object, digits: int) -> tuple[str, bool]:
    """(LaTeX of one number, whether it is exact): the counterpart of :func:`matrix`."""
    return number_latex(value, digits), rounded(value, digits)[1]


class Elementwise(TracerPrinter):
    """Prints a registry expression with matrix symbols for z, a and y.

    ``symbols`` maps each SymPy symbol to its LaTeX; with ``entrywise`` False the expression
    is read as one entry (plain products and powers), else products of non-numbers become
    ``\\odot`` and powers repeated ``\\odot``.
    """

    def __init__(self, symbols: dict[sp.Symbol, str], digits: int, entrywise: bool = True) -> None:
        super().__init__(digits=digits)
        self.symbols = symbols
        self.entrywise = entrywise

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        if expr in self.symbols:
            return self.symbols[expr]
        return super()._print_Symbol(expr, style)

    def _coefficient(self, value: sp.Number) -> str:
        """A rational coefficient as an exact fraction (2/3, not 0.66666667)."""
        if value.is_Rational and value.q != 1:
            sign = "-" if value < 0 else ""
            return rf"{sign}\frac{{{abs(value.p)}}}{{{value.q}}}"
        return self._print(value)

    def _factor(self, expr: sp.Expr) -> str:
        text = self._print(expr)
        return rf"\left({text}\right)" if expr.is_Add else text

    def _print_Mul(self, expr: sp.Mul) -> str:
        if not self.entrywise:
            return super()._print_Mul(expr)
        coeff, rest = expr.as_coeff_Mul()
        if coeff != 1 and rest != 1:  # a number times a matrix: no ⊙
            text = self._factor(rest)
            return "-" + text if coeff == -1 else rf"{self._coefficient(coeff)} \cdot {text}"
        numer, denom = expr.as_numer_denom()
        if denom != 1:
            sign = "-" if numer.could_extract_minus_sign() else ""
            top = -numer if sign else numer
            return rf"{sign}\frac{{{self._print(top)}}}{{{self._print(denom)}}}"
        factors = sp.Mul.make_args(expr)
        return r" \odot ".join(self._factor(f) for f in factors)

    def _print_Pow(self, expr: sp.Pow) -> str:
        base, power = expr.args
        if self.entrywise and power.is_Integer and 2 <= power <= 4:
            return r" \odot ".join([self._factor(base)] * int(power))
        if self.entrywise and power.is_Integer and power < 0:
            return rf"\frac{{1}}{{{self._print(base**-power)}}}"
        return super()._print_Pow(expr)

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        """Constant pieces as indicators: ReLU′ = 𝟏[Z > 0], leaky ReLU′ = α 𝟏[Z ≤ 0] + 𝟏[Z > 0]."""
        if not all(value.is_Number for value, _ in expr.args):
            return super()._print_Piecewise(expr)
        terms, earlier = [], sp.false
        for value, condition in expr.args:
            applies = sp.And(condition, sp.Not(earlier)) if earlier != sp.false else condition
            applies = sp.simplify(applies) if applies != sp.true else sp.Not(earlier)
            earlier = sp.Or(earlier, condition)
            if value == 0:
                continue
            indicator = rf"\mathbf{{1}}\left[{self._print(sp.simplify(applies))}\right]"
            terms.append(indicator if value == 1 else rf"{self._print(value)} \, {indicator}")
        return " + ".join(terms) if terms else "0"


def times(factor: sp.Rational, expr: sp.Expr) -> sp.Expr:
    """``factor · expr`` with the numbers combined and the rest kept as written: 1/3 · 2(a − y)
    is (2/3)(a − y), not (2a − 2y)/3."""
    coeff, rest = expr.as_coeff_Mul()
    combined = factor * coeff
    return rest if combined == 1 else sp.Mul(combined, rest, evaluate=False)


def elementwise(expr: sp.Expr, symbols: dict[sp.Symbol, str], digits: int) -> str:
    """``expr`` as a formula of matrices, element by element."""
    return Elementwise(symbols, digits).doprint(expr)


def entry(expr: sp.Expr, symbols: dict[sp.Symbol, str], digits: int) -> str:
    """``expr`` as a formula of single entries (``Y_{kn}``, ``A_{kn}``)."""
    return Elementwise(symbols, digits, entrywise=False).doprint(expr)
