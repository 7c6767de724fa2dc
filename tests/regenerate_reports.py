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


def expected() -> dict[str, str]:
    """File name → the text tracer generates now."""
    from tracer import examples
    from tracer.render import render
    from tracer.trace import trace

    out = {}
    for name in examples.names():
        tr = trace(examples.load(name))
        out[f"{name}.md"] = render(tr, "md")
        if name not in MD_ONLY:
            out[f"{name}.json"] = render(tr, "json")
        for suffix, options in SHOWCASE.get(name, ()):
            out[f"{name}{suffix}"] = render(tr, **options)
    out.update(homework())
    return out


#: The seed articles' published numbers, marked as homework: answers file → example.
HOMEWORK = {"seed-000": "sigmoid-222-bias", "seed-003": "sigmoid-222-nobias", "seed-004": "relu-mean"}


def homework() -> dict[str, str]:
    """``tracer check`` feedback on each seed article's numbers (reports/homework/)."""
    from tracer.cli import main

    out = {}
    for seed, example in HOMEWORK.items():
        answers = REPORTS / "homework" / f"{seed}.answers.yaml"
        for fmt in ("md", "json"):
            with tempfile.TemporaryDirectory() as tmp:
                target = Path(tmp) / f"feedback.{fmt}"
                rc = main(["check", example, str(answers), "-o", str(target)])
                assert rc in (0, 1), (seed, rc)
                text = target.read_text(encoding="utf-8")
            shown = f"reports/homework/{answers.name}"  # not this machine's path
            out[f"homework/{seed}.feedback.{fmt}"] = text.replace(str(answers), shown)
    return out


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
    for name, text in expected().items():
        (REPORTS / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote reports/{name}")
    compile_reports(sorted(n for n in expected() if n.endswith(".tex")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
