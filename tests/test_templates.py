"""User template folders (``tracer report -t DIR``): shadowing, extending through
``builtin/``, language-file overrides, and how template mistakes are reported."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from tests.shared import Traces
from tracer.cli import main
from tracer.evaluate.tracing import Trace
from tracer.report.render import render

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "templates"
SPEC = "sigmoid-222-bias"
EXTRA = "Answer sheet: work the exercise first, then compare your gradients with the table at the end."
TRACES = Traces((SPEC,))


def TR() -> Trace:
    """The example's trace: made on first use, once per session."""
    return TRACES[SPEC]


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def _cli(tmp_path: Path, *args: str, name: str = "out.md") -> tuple[int, Path]:
    out = tmp_path / name
    return main(["report", SPEC, *args, "-o", str(out)]), out


def _inserted(before: str, after: str) -> list[str]:
    """The non-blank lines ``after`` adds to ``before``; fails if it changes or drops any."""
    a, b = before.split("\n"), after.split("\n")
    added = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op == "delete" or (op == "replace" and any(line.strip() for line in a[i1:i2])):
            raise AssertionError(f"lines changed or dropped: {a[i1:i2]!r} -> {b[j1:j2]!r}")
        added += [line for line in b[j1:j2] if line.strip()]
    return added


def _table_rows(md: str, heading: str) -> list[list[str]]:
    """The body rows of the first table after ``heading``, as lists of cells."""
    lines = md[md.index(heading) :].split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


# -- (a) the example folder in docs/templates ------------------------------------------------


def test_example_folder_changes_only_the_title_line_and_the_summary(tmp_path: Path) -> None:
    code, out = _cli(tmp_path, "-t", str(EXAMPLE))
    assert code == 0
    custom = out.read_text(encoding="utf-8")
    code, plain = _cli(tmp_path, name="default.md")
    assert code == 0
    default = plain.read_text(encoding="utf-8")

    # title block: the heading as before, then the added line
    assert custom.startswith(f"# {TR().spec.title}\n\n{EXTRA}\n\n")
    # the overridden string: the summary heading, and nothing else says "Answer key"
    assert "## 6. Answer key\n" in custom and "## 6. Summary" not in custom
    assert custom.count("Answer key") == 1
    # the new two-column table with every parameter's gradient as the default report shows it
    assert "\n| parameter | gradient |\n|---|---:|\n" in custom
    wide = _table_rows(default, "## 6. Summary")
    narrow = _table_rows(custom, "## 6. Answer key")
    assert len(wide) == len(TR().network.params) == 12
    assert narrow == [[name, gradient] for name, _before, gradient, _after in wide]
    # everything outside the two blocks is unchanged
    head, tail = default.split("## 6. Summary")
    custom_head, custom_tail = custom.split("## 6. Answer key")
    assert custom_head.replace(f"{EXTRA}\n\n", "", 1) == head
    assert custom_tail[custom_tail.index("\n## Checks") :] == tail[tail.index("\n## Checks") :]


def test_example_folder_leaves_the_other_formats_and_languages_to_the_shipped_templates() -> None:
    # no report.tex.jinja2 in the folder: the shipped LaTeX, only the English string changed
    tex = render(TR(), "tex", template_dir=EXAMPLE)
    assert tex == render(TR(), "tex").replace(r"\section{Summary}", r"\section{Answer key}")
    # the English override does not reach a Chinese report; the Markdown template still does
    zh = render(TR(), "md", lang="zh", template_dir=EXAMPLE)
    assert "## 6. 汇总\n" in zh and "Answer key" not in zh
    assert "\n| 参数 | 梯度 |\n|---|---:|\n" in zh


# -- (b) a template with a syntax error ---------------------------------------------------------


@pytest.mark.parametrize(
    "name, text",
    [
        (
            "default/report.md.jinja2",
            '{% extends "builtin/default/report.md.jinja2" %}\n'
            "{% block summary %}\n{% if %}\n{% endblock %}\n",
        ),
        # the shared body, reached from the shipped Markdown template's {% extends %}
        (
            "default/report.jinja2",
            '{% extends "builtin/default/report.jinja2" %}\n{% block checks %}\n{{ 1 + }}\n{% endblock %}\n',
        ),
    ],
)
def test_a_syntax_error_is_one_line_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str
) -> None:
    folder = _write(tmp_path / "tpl", {name: text})
    out = tmp_path / "out.md"
    out.write_text("old report\n", encoding="utf-8")
    code = main(["report", SPEC, "-t", str(folder), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("tracer: ") and "Traceback" not in err
    assert str(folder / name) in err and "line 3" in err
    assert out.read_text(encoding="utf-8") == "old report\n"  # left as it was
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["out.md"]  # no temporary file left


def test_a_syntax_error_writes_no_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _write(tmp_path / "tpl", {"default/report.md.jinja2": "{% block title %}\n"})
    code, out = _cli(tmp_path, "-t", str(folder))
    assert code == 2 and not out.exists()
    assert "report.md.jinja2" in capsys.readouterr().err


# -- (c) -t not a folder ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_templates_must_be_an_existing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    target = tmp_path / "no-such-folder"
    if kind == "file":
        target = tmp_path / "a-file"
        target.write_text("x", encoding="utf-8")
    code, out = _cli(tmp_path, "-t", str(target))
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1 and str(target) in err and "Traceback" not in err
    assert not out.exists()


# -- (d) language files -------------------------------------------------------------------------------


def test_a_lang_file_changes_only_its_string(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"lang/en.yaml": "sections:\n  checks: Self-check\n"})
    default = render(TR())
    assert render(TR(), template_dir=folder) == default.replace("\n## Checks\n", "\n## Self-check\n")
    assert default.count("\n## Checks\n") == 1


def test_a_nested_override_keeps_its_siblings(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"lang/en.yaml": "summary_head:\n  gradient: ∂L/∂w\n"})
    old, new = "| parameter | before | gradient | after |", "| parameter | before | ∂L/∂w | after |"
    default = render(TR())
    assert default.count(old) == 1
    assert render(TR(), template_dir=folder) == default.replace(old, new)


def test_a_chinese_heading_changed_in_lang_zh(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"lang/zh.yaml": "sections:\n  summary: 答案与核对\n"})
    zh = render(TR(), lang="zh")
    assert zh.count("## 6. 汇总\n") == 1
    assert render(TR(), lang="zh", template_dir=folder) == zh.replace("## 6. 汇总\n", "## 6. 答案与核对\n")
    assert render(TR(), template_dir=folder) == render(TR())  # the English report is untouched


def test_lang_beside_default_wins_over_default_lang(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        {
            "default/lang/en.yaml": "sections:\n  checks: From default/lang\n  rules: Rules\n",
            "lang/en.yaml": "sections:\n  checks: From lang\n",
        },
    )
    md = render(TR(), template_dir=folder)
    assert "\n## Checks\n" not in md and "\n## From lang\n" in md and "From default/lang" not in md
    assert "\n## 2. Rules\n" in md


def test_a_lang_file_may_add_strings_for_the_users_templates(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        {
            "lang/en.yaml": "mine:\n  footer: 'Course notes, week {week}: $\\eta$ is the step size.'\n",
            "default/report.md.jinja2": '{% extends "builtin/default/report.md.jinja2" %}\n'
            "{% block checks %}\n{{ super() }}\n\n{{ f.note(t('mine.footer', week=3)) }}\n{% endblock %}\n",
        },
    )
    md = render(TR(), template_dir=folder)
    assert md.endswith("\n\n> Course notes, week 3: $\\eta$ is the step size.\n")
    assert md[: md.rindex("\n\n> Course notes")] + "\n" == render(TR())


# -- (e) LaTeX and HTML are extended the same way ----------------------------------------------------


def test_latex_title_block_can_be_overridden(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        {
            "default/report.tex.jinja2": '{% extends "builtin/default/report.tex.jinja2" %}\n'
            "{% block title %}\n"
            '{{ f.paragraph(f.bold(f.literal("Week 3 & exercise 2"))) }}\n\n'
            "{% endblock %}\n",
        },
    )
    tex = render(TR(), "tex", template_dir=folder)
    default = render(TR(), "tex")
    assert _inserted(default, tex) == [r"\textbf{Week 3 \& exercise 2}"]
    assert tex.index(r"\maketitle") < tex.index(r"\textbf{Week 3") < tex.index(r"\section{The network}")
    # the Markdown report does not see a LaTeX-only template
    assert render(TR(), "md", template_dir=folder) == render(TR(), "md")


def test_html_title_and_style_blocks_can_be_overridden(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        {
            "default/report.html.jinja2": '{% extends "builtin/default/report.html.jinja2" %}\n'
            "{% block title %}\n{{ super() }}\n"
            '<p class="course">{{ f.literal("Week 3 & exercise 2") }}</p>\n\n'
            "{% endblock %}\n"
            "{% block style %}\n{{ super() }}\np.course { color: #a00; }\n{% endblock %}\n",
        },
    )
    html = render(TR(), "html", template_dir=folder)
    default = render(TR(), "html")
    assert _inserted(default, html) == [
        "p.course { color: #a00; }",
        '<p class="course">Week 3 &amp; exercise 2</p>',
    ]
    assert html.index("<h1>") < html.index('<p class="course">') < html.index("<h2>")


@pytest.mark.parametrize("fmt", ["md", "tex", "html"])
def test_the_shared_body_reaches_every_format(tmp_path: Path, fmt: str) -> None:
    folder = _write(
        tmp_path,
        {
            "default/report.jinja2": '{% extends "builtin/default/report.jinja2" %}\n'
            '{% block checks %}\n{{ f.paragraph(f.literal("Checks left out.")) }}\n{% endblock %}\n',
        },
    )
    out = render(TR(), fmt, template_dir=folder)
    default = render(TR(), fmt)
    assert "Checks left out." in out and "Checks left out." not in default
    assert "passed" in default and "passed" not in out


def test_a_file_that_shadows_without_extending_replaces_the_report(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"default/report.md.jinja2": "{{ f.heading(1, f.literal(title)) }}\n"})
    assert render(TR(), template_dir=folder) == f"# {TR().spec.title}\n"
    assert render(TR(), "html", template_dir=folder) == render(TR(), "html")


# -- mistakes that should also be one line and exit code 2 (not yet: see each reason) ----------------


def _one_line_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str]) -> str:
    folder = _write(tmp_path / "tpl", files)
    code, out = _cli(tmp_path, "-t", str(folder))
    err = capsys.readouterr().err
    assert (code, len(err.splitlines()), out.exists()) == (2, 1, False), err
    return err


def test_a_template_extending_its_own_name_is_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _one_line_bad_input(
        tmp_path, capsys, {"default/report.md.jinja2": '{% extends "default/report.md.jinja2" %}\n'}
    )
    assert "builtin/default/report.md.jinja2" in err


def test_a_broken_lang_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _one_line_bad_input(tmp_path, capsys, {"lang/en.yaml": "sections: [\n  summary: x\n"})
    assert "en.yaml" in err


def test_bad_markup_in_a_lang_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _one_line_bad_input(tmp_path, capsys, {"lang/en.yaml": 'sections:\n  summary: "Cost $x"\n'})
    assert "sections.summary" in err


def test_an_undefined_name_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _one_line_bad_input(
        tmp_path,
        capsys,
        {
            "default/report.md.jinja2": '{% extends "builtin/default/report.md.jinja2" %}\n'
            "{% block summary %}\n{{ no_such_name }}\n{% endblock %}\n"
        },
    )
    assert "report.md.jinja2" in err and "line 3" in err
