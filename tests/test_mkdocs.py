"""The MkDocs fence: docs/mkdocs builds with ``mkdocs build --strict`` and its pages hold the
derivations, as arithmatex math, with the numbers of an independent NumPy pass; a problem in a
fence is a warning (so --strict fails) and shows in the page."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest
import yaml

from tests import smallnet
from tests.mathcheck import skip_unless
from tracer.spec import examples

pytestmark = skip_unless(
    bool(find_spec("mkdocs") and find_spec("pymdownx")), "mkdocs or pymdown-extensions missing"
)

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "docs" / "mkdocs"
FENCES = {
    "pymdownx.arithmatex": {"generic": True},
    "pymdownx.superfences": {
        "custom_fences": [
            {
                "name": "tracer",
                "class": "tracer",
                "validator": "tracer.markdown_fence.validate",
                "format": "tracer.markdown_fence.fence",
            }
        ]
    },
}


def mkdocs_build(folder: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` run in ``folder`` (fence paths are relative to it)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", "site"]
    return subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mkdocs") / "site-source"
    shutil.copytree(SITE, folder, ignore=shutil.ignore_patterns("site"))
    run = mkdocs_build(folder)
    assert run.returncode == 0, run.stderr
    assert "WARNING" not in run.stderr
    return folder / "site"


def _math(page: str) -> str:
    return "\n".join(re.findall(r'class="arithmatex">(.*?)</(?:div|span)>', page, flags=re.S))


def test_the_site_holds_the_derivations(built: Path) -> None:
    spec = yaml.safe_load((SITE / "specs" / "tanh-21.yaml").read_text(encoding="utf-8"))
    ora = smallnet.run(spec)
    page = (built / "index.html").read_text(encoding="utf-8")
    first, second = page.split("Its whole backward pass")
    for value in [ora.z[0][0], ora.a[0][0], ora.loss]:
        assert smallnet.shown(value, _math(first)), value
    lr, (w1, w2), (b,) = spec["learning_rate"], spec["layers"][0]["weights"][0], spec["layers"][0]["biases"]
    backward = _math(second)
    for value in [ora.delta[0][0], ora.dW[0][0, 0], ora.dW[0][0, 1], ora.db[0][0]]:
        assert smallnet.shown(value, backward, digits=4), value
    for w, g in [(w1, ora.dW[0][0, 0]), (w2, ora.dW[0][0, 1]), (b, ora.db[0][0])]:
        assert smallnet.shown(w - lr * g, backward, digits=4)
    assert "W^{[1]}_{11}" in backward and "w_{31}" in _math(first)  # the layer notation, then the spec's
    assert page.count('<div class="tracer-report">') == 2


def test_an_example_and_an_inline_spec(built: Path) -> None:
    page = (built / "parts" / "index.html").read_text(encoding="utf-8")
    spec = yaml.safe_load(examples.text("sigmoid-222-nobias"))
    ora = smallnet.run(spec)
    math = _math(page)
    assert smallnet.shown(ora.dW[1][0, 0], math) and smallnet.shown(ora.delta[1][0], math)
    assert not smallnet.shown(ora.dW[1][1, 0], math)  # dL/dw7: another unit's gradient
    # the one linear unit: a = 0.8·1.5 + 0.2 = 1.4; dL/dw = 1.4·1.5 = 2.1, dL/db = 1.4
    cells = re.findall(r'<td class="r">([^<]*)</td>', page)
    assert cells == ["0.8", "2.1", "0.59", "0.2", "1.4", "0.06"]


def test_a_bad_fence_fails_the_strict_build(tmp_path: Path) -> None:
    shutil.copytree(SITE, tmp_path / "s", ignore=shutil.ignore_patterns("site"))
    page = tmp_path / "s" / "docs" / "parts.md"
    page.write_text(
        page.read_text(encoding="utf-8") + '\n```tracer only="dL/dw55"\nxor-231\n```\n', encoding="utf-8"
    )
    run = mkdocs_build(tmp_path / "s")
    assert run.returncode != 0
    assert "WARNING -  tracer fence: only dL/dw55: not a part of the report; choose from" in run.stderr
    assert "Aborted with 1 warnings in strict mode" in run.stdout + run.stderr


@pytest.mark.parametrize(
    ("fence", "problem"),
    [
        ('```tracer only="summary" colour="red"\nxor-231\n```', "```tracer: unknown option 'colour'"),
        ('```tracer digits="0"\nxor-231\n```', "digits must be a whole number from 1 to 50, got '0'"),
        ('```tracer notation="nodes"\nxor-231\n```', "notation must be one of layer, node, flat"),
        ("```tracer\nno-such-spec\n```", "no-such-spec: no such file"),
        ("```tracer\ninputs: [1]\nlayers: []\n```", "spec"),
    ],
)
def test_fence_errors(fence: str, problem: str, caplog: pytest.LogCaptureFixture) -> None:
    import markdown

    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.tracer"):
        out = markdown.markdown(fence, extensions=list(FENCES), extension_configs=_configs())
    assert '<div class="tracer-error"><p>tracer: ' in out and "tracer-report" not in out
    assert len(caplog.records) == 1 and problem in caplog.records[0].getMessage()


def test_fence_in_python_markdown() -> None:
    import markdown

    text = '```tracer only="dL/dw5" exact\nsigmoid-222-nobias\n```\n'
    out = markdown.markdown(text, extensions=list(FENCES), extension_configs=_configs())
    assert out.startswith('<div class="tracer-report">\n<h2>4. Backward pass</h2>')
    assert "<math" not in out and '<div class="arithmatex">\\[' in out


def _configs() -> dict:
    """FENCES with the functions themselves (mkdocs.yml names them with !!python/name)."""
    from tracer.embed import mkdocs as markdown_fence

    fence = {**FENCES["pymdownx.superfences"]["custom_fences"][0]}
    fence.update(validator=markdown_fence.validate, format=markdown_fence.fence)
    return {**FENCES, "pymdownx.superfences": {"custom_fences": [fence]}}
