"""Write the report of every built-in example into reports/ (run: python tests/regenerate_reports.py).

Every example gets its Markdown report and (but relu-deep) its JSON trace; a few get every other format,
notation and language too (LaTeX with its PDF, HTML, Chinese), so a reader can see each
output without installing anything.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
COMMAND = "python tests/regenerate_reports.py"


def sources() -> dict[str, tuple]:
    """File name → what makes it: ``("trace", example, render options)`` or ``("homework", seed,
    format)``. Cheap (no trace is made): the snapshot tests parametrize over its keys."""
    from tracer.spec import examples

    out: dict[str, tuple] = {}
    for name in examples.names():
        out[f"{name}.md"] = ("trace", name, {"fmt": "md"})
        if name not in MD_ONLY:
            out[f"{name}.json"] = ("trace", name, {"fmt": "json"})
        for suffix, options in SHOWCASE.get(name, ()):
            out[f"{name}{suffix}"] = ("trace", name, options)
    for seed in HOMEWORK:
        for fmt in ("md", "json"):
            out[f"homework/{seed}.feedback.{fmt}"] = ("homework", seed, fmt)
    return out


def generate(name: str) -> str:
    """The text tracer generates now for the file ``name`` of reports/ (each example traced once)."""
    from tests.shared import traced
    from tracer.report.render import render

    kind, what, options = sources()[name]
    if kind == "homework":
        return feedback(what, options)
    return render(traced(what), **options)


def expected() -> dict[str, str]:
    """File name → the text tracer generates now."""
    return {name: generate(name) for name in sources()}


#: The seed articles' published numbers, marked as homework: answers file → example.
HOMEWORK = {
    "sigmoid-222-bias.article": "sigmoid-222-bias",
    "sigmoid-222-nobias.article": "sigmoid-222-nobias",
    "relu-mean.article": "relu-mean",
}


def feedback(seed: str, fmt: str) -> str:
    """``tracer check`` feedback on a seed article's numbers (reports/homework/), in ``fmt``."""
    from tracer.cli import main

    example = HOMEWORK[seed]
    answers = REPORTS / "homework" / f"{seed}.answers.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"feedback.{fmt}"
        rc = main(["check", example, str(answers), "-o", str(target)])
        assert rc in (0, 1), (seed, rc)
        text = target.read_text(encoding="utf-8")
    shown = f"reports/homework/{answers.name}"  # not this machine's path
    return text.replace(str(answers), shown)


#: Examples whose JSON trace is too large to keep here (relu-deep: 8 577 parameters, 7 MB).
MD_ONLY = {"relu-deep"}

#: The examples also shown in other formats, notations and languages: suffix → options.
SHOWCASE: dict[str, tuple[tuple[str, dict], ...]] = {
    "sigmoid-222-bias": (
        (".tex", {"fmt": "tex"}),
        (".html", {"fmt": "html"}),
        (".zh.md", {"fmt": "md", "lang": "zh"}),
        (".zh.tex", {"fmt": "tex", "lang": "zh"}),
        (".flat.md", {"fmt": "md", "notation": "flat"}),
        (".carry4.md", {"fmt": "md", "digits": 4, "carry_rounded": True}),
    ),
    "xor-231": (
        (".tex", {"fmt": "tex"}),
        (".html", {"fmt": "html", "notation": "node"}),
        (".zh.html", {"fmt": "html", "lang": "zh"}),
    ),
    "sigmoid-222-nobias": ((".exact.md", {"fmt": "md", "exact": True}),),
}


def pdf_text(pdf: Path) -> str:
    """The text of a PDF, page by page (what the snapshot test compares)."""
    import subprocess

    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def compile_reports(names: list[str]) -> None:
    """A PDF beside each LaTeX report, dated 1 Jan 1970 so that a rebuild gives the same bytes."""
    import os
    import shutil
    import tempfile

    from tests.latex import compile_pdf

    os.environ.update({"SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"})
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            pdf = compile_pdf((REPORTS / name).read_text(encoding="utf-8"), Path(tmp))
            target = REPORTS / (name[: -len(".tex")] + ".pdf")
            shutil.copyfile(pdf, target)
            print(f"wrote reports/{target.name}")


def main() -> int:
    sys.path.insert(0, str(ROOT))
    REPORTS.mkdir(exist_ok=True)
    for name in sources():
        (REPORTS / name).write_text(generate(name), encoding="utf-8", newline="\n")
        print(f"wrote reports/{name}")
    compile_reports(sorted(n for n in sources() if n.endswith(".tex")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
