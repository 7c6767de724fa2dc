"""``tracer check``: mark a student's answers (one file, or many files into a folder)."""

from __future__ import annotations

import argparse
import csv
import io
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from tracer.cli.common import EXIT_OK, EXIT_WRONG_ANSWER, digits, iterations
from tracer.errors import TracerError
from tracer.notation import NOTATIONS
from tracer.report.lang import LANGUAGES
from tracer.report.output import check_output, emit, format_of

if TYPE_CHECKING:
    from tracer.homework.marking import Marking

CHECK_FORMATS = ("md", "html", "tex", "json")
SUFFIX = {"md": ".md", "html": ".html", "tex": ".tex", "json": ".json"}
CSV_HEAD = ["file", "student", "correct", "carried", "wrong", "missing", "asked", "score", "first_wrong"]


def register(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser(
        "check",
        help="mark a student's answers: verdicts, the first wrong step, the likely mistake",
        description="Mark the answers in ANSWERS (a YAML/JSON file, CONTRACT §5) against the derivation "
        "of SPEC. With several files or a folder, write one feedback report per file and scores.csv "
        "into the folder given with -o. Exit code 0 when every answer is correct or carried, 1 when "
        "one is wrong, 2 on bad input.",
    )
    check.add_argument("spec", metavar="SPEC|EXAMPLE", help="the problem: a spec file or built-in example")
    check.add_argument(
        "answers",
        nargs="+",
        metavar="ANSWERS",
        help="answers files, or folders of them (*.yaml, *.yml, *.json)",
    )
    check.add_argument(
        "-f",
        "--format",
        choices=CHECK_FORMATS,
        default=None,
        help="feedback format (default: from -o, else md)",
    )
    check.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="one answers file: write the feedback to PATH; several: a folder for the reports and "
        "scores.csv (created if missing)",
    )
    check.add_argument(
        "--tolerance",
        metavar="RULE",
        help="sig_figs=N | decimals=N | rel=X | abs=X, optionally with ,last_digit=false and "
        ",fewer_digits=wrong (default: the answers file's, else the spec's, else sig_figs=4)",
    )
    check.add_argument(
        "--notation", choices=NOTATIONS, help="names shown in the feedback (default: the spec's)"
    )
    check.add_argument(
        "--lang", choices=LANGUAGES, default="en", help="language of the feedback (default: en)"
    )
    check.add_argument(
        "--digits", type=digits, default=8, metavar="N", help="significant digits shown (default 8)"
    )
    check.add_argument(
        "--iterations", type=iterations, metavar="N", help="train for N iterations (answers may go up to N)"
    )
    check.add_argument("-t", "--templates", metavar="DIR", help="a folder of templates searched first")
    check.add_argument("--fragment", action="store_true", help="the feedback body only, to embed")
    check.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tracer.homework import answers as reading  # SymPy loads on use: --help stays quick
    from tracer.homework import marking
    from tracer.homework.checking import traced_for
    from tracer.report.render import Options
    from tracer.spec import tolerance
    from tracer.spec.loader import load

    files = _answer_files(args.answers)
    many = len(files) > 1 or any(Path(a).is_dir() for a in args.answers)
    if many and args.output is None:
        raise TracerError("several answers files need -o FOLDER for their reports and scores.csv", "-o")
    target = None if many else check_output(args.output)
    folder = _folder(args.output) if many else None
    fmt = args.format or (format_of(args.output) if not many else "md")
    if args.templates is not None and not Path(args.templates).is_dir():
        raise TracerError("not a folder (-t needs a folder of templates)", args.templates)
    command_line = tolerance.parse_option(args.tolerance) if args.tolerance else None
    spec = load(args.spec)
    readers = [partial(reading.load, f) for f in files]
    result, read = traced_for(spec, readers, args.iterations)  # every file read before any is marked
    graph = marking.Graph(result)
    options = Options(
        fmt=fmt,
        notation=args.notation,
        lang=args.lang,
        digits=args.digits,
        fragment=args.fragment,
        template_dir=args.templates,
    )
    from tracer.homework.feedback import Renderer  # SymPy loads on use: --help stays quick

    feedback = Renderer(options)
    outputs: list[tuple[Path | None, str]] = []
    rows: list[list[str]] = []
    wrong = False
    for path, answers in zip(files, read, strict=True):
        rule = command_line or answers.tolerance or spec.tolerance or tolerance.DEFAULT
        marks = marking.mark(result, answers, rule, graph)
        wrong = wrong or not marks.all_right
        text = feedback(marks)
        name = folder / _report_name(path, fmt, {p for p, _ in outputs}) if folder is not None else target
        outputs.append((name, text))
        rows.append(_csv_row(path, marks))
    if folder is not None:
        outputs.append((folder / "scores.csv", _csv(rows)))
    for name, text in outputs:
        emit(text, name)
    return EXIT_WRONG_ANSWER if wrong else EXIT_OK


def _answer_files(given: list[str]) -> list[Path]:
    files: list[Path] = []
    for item in given:
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json") and p.is_file()
            )
            if not found:
                raise TracerError("no answers files (*.yaml, *.yml, *.json) in this folder", item)
            files += found
        elif not path.exists():
            raise TracerError("no such file", item)
        else:
            files.append(path)
    return files


def _folder(output: str) -> Path:
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise TracerError("is a file; several answers files need a folder", f"-o {output}")
    if not folder.parent.is_dir():
        raise TracerError(f"folder {str(folder.parent)!r} does not exist", f"-o {output}")
    folder.mkdir(exist_ok=True)
    return folder


def _report_name(path: Path, fmt: str, taken: set) -> str:
    stem = path.stem
    name = stem + SUFFIX[fmt]
    k = 2
    while any(p is not None and p.name == name for p in taken) or name == "scores.csv":
        name = f"{stem}-{k}{SUFFIX[fmt]}"
        k += 1
    return name


def _csv_row(path: Path, marks: Marking) -> list[str]:
    score = marks.score
    first = marks.first_wrong
    return [
        str(path),
        marks.answers.student or "",
        *(str(score[k]) for k in ("correct", "carried", "wrong", "missing", "asked")),
        f"{score['score']:.4f}",
        first.answer.name if first is not None else "",
    ]


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEAD)
    writer.writerows(rows)
    return out.getvalue()
