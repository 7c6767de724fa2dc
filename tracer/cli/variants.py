"""``tracer variants``: N seeded variants of a problem, each with a student sheet, a worked
solution and an answer key, plus an index (and, with ``-f tex``, one document of all sheets
and one of all solutions)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tracer.cli.common import EXIT_OK, digits
from tracer.errors import TracerError
from tracer.notation import NOTATIONS
from tracer.report.lang import LANGUAGES
from tracer.report.output import emit

VARIANT_FORMATS = ("md", "tex", "html")


def count(text: str) -> int:
    from tracer.homework.variation import MAX_VARIANTS  # SymPy loads on use: --help stays quick

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 1 to {MAX_VARIANTS}, got {text!r}"
        ) from None
    if not 1 <= value <= MAX_VARIANTS:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_VARIANTS}, got {value}")
    return value


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 0 to 2^63 - 1, got {text!r}"
        ) from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 2^63 - 1, got {value}")
    return value


def chosen(text: str) -> tuple[int, ...]:
    try:
        values = tuple(sorted({count(part) for part in text.split(",")}))
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected variant numbers such as 3 or 2,7, got {text!r}") from None
    return values


def register(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser(
        "variants",
        help="a problem set: N seeded variants of a spec with sheets, solutions and answer keys",
        description="Draw N variants of SPEC as its vary: section says (default: weights, biases and "
        "inputs near the spec's own, 2 decimals), each meeting the fairness constraints. For each "
        "variant write, into DIR/variant-007/: spec.yaml, sheet (the problem and a blank answers "
        "file), solution (the full report), answers.yaml (blank), key.yaml and key.json (an answers "
        "file tracer check marks all correct); and DIR/index.csv, DIR/index.md. With -f tex also "
        "DIR/sheets.tex and DIR/solutions.tex, every variant from a new page. Variant k depends "
        "only on SPEC, the seed and k.",
    )
    cmd.add_argument("spec", metavar="SPEC|EXAMPLE", help="the problem: a spec file or built-in example")
    cmd.add_argument("-n", "--count", type=count, metavar="N", help="how many variants (1-999)")
    cmd.add_argument("--seed", type=seed, default=0, metavar="S", help="the seed (a whole number, default 0)")
    cmd.add_argument(
        "-o", "--output", required=True, metavar="DIR", help="folder for the files (created if missing)"
    )
    cmd.add_argument(
        "-f",
        "--format",
        choices=VARIANT_FORMATS,
        default="md",
        help="sheets and solutions as md, tex or html",
    )
    cmd.add_argument(
        "--only",
        type=chosen,
        metavar="K[,K…]",
        help="write only these variants again (the same files as in the whole set; no index)",
    )
    cmd.add_argument("--notation", choices=NOTATIONS, help="names of the quantities (default: the spec's)")
    cmd.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the files (default: en)")
    cmd.add_argument(
        "--digits", type=digits, default=8, metavar="N", help="significant digits shown (default 8)"
    )
    cmd.add_argument("-t", "--templates", metavar="DIR", help="a folder of templates searched first")
    cmd.add_argument(
        "--symbolic-check",
        action="store_true",
        help="run the symbolic self-check on every variant (slow; the numeric one always runs)",
    )
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tracer import api  # SymPy loads on use: --help stays quick
    from tracer.homework.problemset import Maker, folder
    from tracer.homework.variation import generate
    from tracer.report.render import Options
    from tracer.spec.vary import DEFAULT_ASK

    if args.count is None and args.only is None:
        raise TracerError(
            "give the number of variants with -n N (or --only K to write variant K again)", "-n"
        )
    if args.count is not None and args.only is not None and args.only[-1] > args.count:
        raise TracerError(f"variant {args.only[-1]} is beyond -n {args.count}", "--only")
    if args.templates is not None and not Path(args.templates).is_dir():
        raise TracerError("not a folder (-t needs a folder of templates)", args.templates)
    out = _folder(args.output)
    spec = api.load(args.spec)
    options = Options(
        fmt=args.format,
        notation=args.notation,
        lang=args.lang,
        digits=args.digits,
        template_dir=args.templates,
    )
    maker = Maker(options, spec.vary.ask if spec.vary else DEFAULT_ASK, args.symbolic_check)
    upto = args.only[-1] if args.only else args.count
    variants = generate(spec, args.seed, upto, maker.raw("variants.title"))
    picked = [v for v in variants if args.only is None or v.index in args.only]
    writes: list[tuple[Path, str]] = []
    for v in picked:
        name = folder(v.index)
        for file, text in maker.files(v, f"{name}/spec.yaml").items():
            writes.append((out / name / file, text))
    if args.only is None:
        writes += [(out / name, text) for name, text in maker.index(spec, variants).items()]
        if args.format == "tex":
            writes += [(out / name, text) for name, text in maker.collections(spec).items()]
    # Everything is made before anything is written: a failure leaves no half-made set.
    out.mkdir(exist_ok=True)
    for path, text in writes:
        path.parent.mkdir(exist_ok=True)
        emit(text, path)
    return EXIT_OK


def _folder(output: str) -> Path:
    target = Path(output)
    if target.exists() and not target.is_dir():
        raise TracerError("is a file; variants need a folder", f"-o {output}")
    if not target.parent.is_dir():
        raise TracerError(
            f"folder {str(target.parent)!r} does not exist (tracer creates only the last one)", f"-o {output}"
        )
    return target
