"""reports/ holds what tracer generates for the built-in examples, byte for byte."""

from __future__ import annotations

import pytest

from tests.latex import compile_pdf, requires_latex
from tests.regenerate_reports import COMMAND, HOMEWORK, REPORTS, expected, pdf_text

EXPECTED = expected()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_report_is_up_to_date(name: str) -> None:
    path = REPORTS / name
    assert path.exists(), f"reports/{name} is missing; regenerate with: {COMMAND}"
    assert path.read_text(encoding="utf-8") == EXPECTED[name], (
        f"reports/{name} differs from what tracer generates; regenerate with: {COMMAND}"
    )


def test_no_stale_reports() -> None:
    pdfs = {n[: -len(".tex")] + ".pdf" for n in EXPECTED if n.endswith(".tex")}
    inputs = {f"homework/{seed}.answers.yaml" for seed in HOMEWORK}  # written by hand
    known = set(EXPECTED) | pdfs | inputs | {"README.md"}
    files = (p.relative_to(REPORTS).as_posix() for p in REPORTS.rglob("*") if p.is_file())
    stale = sorted(name for name in files if name not in known)
    assert not stale, f"reports/ has files no example generates: {stale}; remove them"


@requires_latex
@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.endswith(".tex")))
def test_pdf_matches_its_latex(name: str, tmp_path) -> None:
    """Each PDF in reports/ holds the text its LaTeX report compiles to now."""
    pdf = REPORTS / (name[: -len(".tex")] + ".pdf")
    assert pdf.exists(), f"reports/{pdf.name} is missing; regenerate with: {COMMAND}"
    fresh = compile_pdf(EXPECTED[name], tmp_path)
    assert pdf_text(pdf) == pdf_text(fresh), f"reports/{pdf.name} is out of date; regenerate with: {COMMAND}"
