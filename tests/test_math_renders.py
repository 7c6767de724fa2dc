"""Every formula of every example report parses in KaTeX (strict mode), and follows the
Markdown math subset of ARCHITECTURE.md (display math alone between $$ lines; short
inline math with no space inside the dollars)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.regenerate_reports import generate, sources
from tests.shared import Lazy, by_size

ROOT = Path(__file__).resolve().parent.parent
KATEX = os.environ.get("KATEX_PATH") or str(ROOT / ".ci" / "js" / "node_modules" / "katex")
REPORTS = Lazy(sorted(n for n in sources() if n.endswith(".md")), generate)  # made on first use


def formulas(markdown: str) -> list[dict]:
    """Display blocks ($$ alone on a line) and inline $…$ spans of a Markdown report."""
    out = []
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        if lines[i] == "$$":
            end = lines.index("$$", i + 1)
            assert i == 0 or lines[i - 1] == "", f"no blank line before $$ at line {i + 1}"
            assert end + 1 == len(lines) or lines[end + 1] == "", f"no blank line after $$ at line {end + 1}"
            out.append({"tex": "\n".join(lines[i + 1 : end]), "display": True})
            i = end + 1
            continue
        assert "$$" not in lines[i], f"$$ not alone on its line: {lines[i]!r}"
        for span in re.findall(r"\$([^$]+)\$", lines[i]):
            assert span == span.strip(), f"space inside inline math: ${span}$"
            assert "\\\\" not in span, f"line break inside inline math: ${span}$"
            out.append({"tex": span, "display": False})
        i += 1
    return out


@pytest.mark.parametrize("name", by_size(sorted(REPORTS)))
def test_markdown_math_subset(name: str) -> None:
    found = formulas(REPORTS[name])
    assert len(found) > (5 if name.startswith("homework/") else 20)  # feedback is short
    for f in found:
        for bad in (r"\label", r"\eqref", r"\tag"):
            assert bad not in f["tex"]
        if not f["display"]:
            assert "aligned" not in f["tex"] and "cases" not in f["tex"]


def _node_ready() -> bool:
    return shutil.which("node") is not None and Path(KATEX).exists()


@pytest.mark.render
@pytest.mark.skipif(
    not _node_ready() and not os.environ.get("CI"),
    reason="node + katex not installed (.ci/run installs them)",
)
@pytest.mark.parametrize("name", by_size(sorted(REPORTS)))
def test_katex_strict_parses_every_formula(name: str) -> None:
    items = formulas(REPORTS[name])
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "js" / "katex_check.js")],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KATEX_PATH": KATEX},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    errors = json.loads(result.stdout)
    assert errors == [], errors[:3]
