"""Make the package importable when the tests run from a checkout without installing it, and
keep the markers of pyproject.toml honest.

Markers (pyproject.toml leaves every marked test out of the default run, the fast suite):
``slow`` (expensive), ``render`` (needs node with KaTeX/MathJax, TeX, pdftoppm or Chromium:
given by tests.mathcheck.needs_tool), ``fuzz`` (Hypothesis: every @given test gets it here
if it was not marked by hand) and ``torch``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A Hypothesis test is a fuzz test, marked or not (a new one cannot slip into the fast suite)."""
    for item in items:
        hypothesis = getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
        if hypothesis and not item.get_closest_marker("fuzz"):
            item.add_marker(pytest.mark.fuzz)
