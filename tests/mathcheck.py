"""Parse TeX formulas with KaTeX (strict) and MathJax 3 under node, for tests that prove every
formula of a report renders.

Items are lists of ``{"tex": str, "display": bool}``; the checkers return the list of
``{"tex": ..., "error": ...}`` for the formulas that fail (empty: every formula parses). The npm
packages come from $KATEX_PATH / $MATHJAX_PATH, else from .ci/js/node_modules (what .ci/run
installs). The skip rule of every harness lives here: a test whose tool is missing is skipped on a
developer's machine, but never when $CI is set (.ci/run sets it), where it runs and fails instead.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "tests" / "js"
NODE_MODULES = ROOT / ".ci" / "js" / "node_modules"
T = TypeVar("T")
TIMEOUT = 300  # seconds for one batch; a few thousand formulas take a few seconds


def in_ci() -> bool:
    """True when $CI is set (to anything but the empty string): no harness test may be skipped."""
    return bool(os.environ.get("CI"))


def skip_unless(ready: bool, reason: str) -> pytest.MarkDecorator:
    """A skip marker for a test needing a tool: skips when not ``ready``, except under CI."""
    return pytest.mark.skipif(not ready and not in_ci(), reason=f"{reason} (.ci/run installs it)")


def needs_tool(ready: bool, reason: str) -> Callable[[T], T]:
    """For a test of a render tool (node with KaTeX/MathJax, TeX, pdftoppm, Chromium): marked
    ``render`` (left out of the default run, see pyproject.toml) and skipped as by
    :func:`skip_unless` when the tool is missing."""
    skip = skip_unless(ready, reason)

    def decorate(test: T) -> T:
        return pytest.mark.render(skip(test))

    return decorate


def katex_path() -> Path:
    return Path(os.environ.get("KATEX_PATH") or NODE_MODULES / "katex")


def mathjax_path() -> Path:
    return Path(os.environ.get("MATHJAX_PATH") or NODE_MODULES / "mathjax-full")


@functools.cache
def node_ready() -> bool:
    """node is on PATH and both npm packages are installed where the checkers look."""
    return (
        shutil.which("node") is not None
        and (katex_path() / "package.json").is_file()
        and (mathjax_path() / "package.json").is_file()
    )


requires_node = needs_tool(node_ready(), "node with katex and mathjax-full not installed")


def _run(script: str, items: Iterable[dict]) -> list[dict]:
    batch = [{"tex": str(i["tex"]), "display": bool(i["display"])} for i in items]
    if not batch:
        return []
    env = {**os.environ, "KATEX_PATH": str(katex_path()), "MATHJAX_PATH": str(mathjax_path())}
    result = subprocess.run(
        ["node", str(JS / script)],
        input=json.dumps(batch),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        check=False,
    )
    assert result.returncode == 0, f"{script} exited {result.returncode}:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout)


def katex_errors(items: Iterable[dict]) -> list[dict]:
    """Formulas KaTeX rejects in strict mode with throwOnError (tests/js/katex_check.js)."""
    return _run("katex_check.js", items)


def mathjax_errors(items: Iterable[dict]) -> list[dict]:
    """Formulas MathJax 3 rejects: TeX input with base, ams and newcommand; unknown macros, brace
    and environment mismatches are errors, not red text (tests/js/mathjax_check.js)."""
    return _run("mathjax_check.js", items)
