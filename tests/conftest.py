"""Make the package importable when the tests run from a checkout without installing it; the
shared session fixtures; and the markers of pyproject.toml kept honest.

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

from tests.shared import Traces  # noqa: E402  (after the path above)


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A Hypothesis test is a fuzz test, marked or not (a new one cannot slip into the fast suite)."""
    for item in items:
        hypothesis = getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
        if hypothesis and not item.get_closest_marker("fuzz"):
            item.add_marker(pytest.mark.fuzz)


@pytest.fixture(scope="session")
def traces() -> Traces:
    """Every built-in example's trace (default options), each made on first use, once per session."""
    return Traces()


@pytest.fixture(scope="session")
def unchecked_traces() -> Traces:
    """Every built-in example's trace made with ``check=False``, each on first use."""
    return Traces(check=False)
