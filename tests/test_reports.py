"""reports/ holds what tracer generates for the built-in examples, byte for byte."""

from __future__ import annotations

import pytest

from tests.regenerate_reports import COMMAND, REPORTS, expected

EXPECTED = expected()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_report_is_up_to_date(name: str) -> None:
    path = REPORTS / name
    assert path.exists(), f"reports/{name} is missing; regenerate with: {COMMAND}"
    assert path.read_text(encoding="utf-8") == EXPECTED[name], (
        f"reports/{name} differs from what tracer generates; regenerate with: {COMMAND}"
    )


def test_no_stale_reports() -> None:
    stale = sorted(p.name for p in REPORTS.iterdir() if p.name not in EXPECTED and p.name != "README.md")
    assert not stale, f"reports/ has files no example generates: {stale}; remove them"
