"""Every sentence of a report comes from the language files: a Chinese report has no English prose."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.shared import by_size
from tracer.cli import main
from tracer.evaluate.tracing import trace
from tracer.report.lang import LANGUAGES, Strings
from tracer.report.render import render, template_dirs
from tracer.spec import examples

LANG_DIR = template_dirs()[0] / "default" / "lang"

# Words that are names, not English prose: functions, losses, tools, units of notation.
NAMES = {
    "sigmoid",
    "relu",
    "tanh",
    "linear",
    "leaky_relu",
    "leaky",  # leaky\_relu as Markdown escapes it
    "softplus",
    "softmax",
    "half_sse",
    "sse",
    "mse",
    "bce",
    "cross_entropy",
    "SymPy",
    "sympy",
    "diff",
    "tracer",
}


def _keys(table: dict, prefix: str = "") -> set[str]:
    out: set[str] = set()
    for k, v in table.items():
        out |= _keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
    return out


def test_every_language_has_every_string() -> None:
    tables = {
        lang: yaml.safe_load((LANG_DIR / f"{lang}.yaml").read_text(encoding="utf-8")) for lang in LANGUAGES
    }
    assert _keys(tables["en"]) == _keys(tables["zh"])


def _prose(text: str, spec_text: tuple[str, ...]) -> str:
    """The report minus math, code, user text (title, description) and number-only table cells."""
    from tracer.report.formats import get

    for user in spec_text:
        text = text.replace(get("md").literal(user), " ")
    text = re.sub(r"!\[[^\]]*\]\(data:[^)]*\)", " ", text)  # the loss curve picture
    text = re.sub(r"\$\$\n.*?\n\$\$", " ", text, flags=re.S)
    text = re.sub(r"(?<!\\)\$(?:[^$\\]|\\.)+\$", " ", text)
    return re.sub(r"`[^`]*`", " ", text)


@pytest.mark.parametrize("name", by_size(examples.names()))
def test_chinese_reports_have_no_english_prose(name: str) -> None:
    tr = trace(examples.load(name))
    zh = render(tr, "md", lang="zh")
    prose = _prose(zh, (tr.spec.title, tr.spec.description))
    words = set(re.findall(r"[A-Za-z][A-Za-z_]{2,}", prose)) - NAMES
    assert not words, sorted(words)
    assert "前向传播" in zh and "反向传播" in zh and "梯度下降更新" in zh


def test_english_reports_have_no_chinese() -> None:
    md = render(trace(examples.load("xor-231")), "md", lang="en")
    assert not re.search(r"[\u4e00-\u9fff]", md)


def test_unknown_strings_and_languages_are_refused() -> None:
    with pytest.raises(ValueError, match="language must be one of en, zh"):
        Strings("fr", template_dirs())
    with pytest.raises(KeyError, match="no string 'nope'"):
        Strings("en", template_dirs())("nope")


def test_cli_language_notation_and_format_options(tmp_path, capsys) -> None:
    out = tmp_path / "r.html"
    assert main(["report", "sigmoid-222-bias", "--lang", "zh", "--notation", "flat", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in page  # format from the suffix
    assert "前向传播" in page and "<mi>out</mi>" not in page and "out" in page
    tex = tmp_path / "r.tex"
    assert main(["report", "xor-231", "-o", str(tex), "--fragment", "--digits", "4"]) == 0
    assert not tex.read_text(encoding="utf-8").startswith("\\documentclass")
    with pytest.raises(SystemExit) as stop:
        main(["report", "--lang", "fr"])
    assert stop.value.code == 2
    assert "invalid choice: 'fr'" in capsys.readouterr().err
