"""``tracer diagram``: a picture of the network with the values of one forward pass on it."""

from __future__ import annotations

import argparse
from pathlib import Path

from tracer.cli.common import EXIT_OK, add_spec, digits, iterations
from tracer.errors import TracerError
from tracer.notation import NOTATIONS
from tracer.report.lang import LANGUAGES
from tracer.report.output import check_output, emit
from tracer.spec.limits import LimitError

DIAGRAM_FORMATS = ("svg", "tikz")
_SUFFIXES = {".svg": "svg", ".tex": "tikz", ".tikz": "tikz"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "diagram",
        help="draw the network with its values (SVG or TikZ)",
        description="Draw the network as layers of units joined by weighted edges, with the values "
        "of one forward pass on it (and, with --grads, the gradients of the backward pass): "
        "SVG, or TikZ for LaTeX. Networks of more than 4 layers or 6 units in a layer are "
        "drawn as one box per layer.",
    )
    add_spec(p)
    p.add_argument(
        "-o", "--output", metavar="PATH", help="write to PATH instead of stdout (its folder must exist)"
    )
    p.add_argument(
        "-f",
        "--format",
        choices=DIAGRAM_FORMATS,
        default=None,
        help="svg, or tikz (a LaTeX document holding the picture; with --fragment the tikzpicture "
        "alone); default: from the -o file's suffix (.svg, .tex), else svg",
    )
    p.add_argument(
        "--notation",
        choices=NOTATIONS,
        default=None,
        help="names of the quantities (default: the spec's own, else layer)",
    )
    p.add_argument(
        "--digits",
        type=digits,
        default=4,
        metavar="N",
        help="significant digits of the values shown (1-50, default 4)",
    )
    p.add_argument("--grads", action="store_true", help="also show the gradients ∂L/∂… of the backward pass")
    p.add_argument(
        "--iteration",
        type=iterations,
        default=1,
        metavar="K",
        help="show the values of gradient-descent iteration K, up to the spec's iterations "
        "(default 1: the spec's own weights)",
    )
    p.add_argument(
        "--sample",
        type=_positive,
        default=1,
        metavar="S",
        help="in a batch, show the values of sample S (default 1)",
    )
    p.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the captions (default: en)")
    p.add_argument(
        "--fragment",
        action="store_true",
        help="TikZ: the tikzpicture alone, to \\input into a document that loads tikz",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="go beyond the soft size limits of a spec; never the hard ones",
    )
    p.set_defaults(run=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 up, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 up, got {value}")
    return value


def format_of(output: str | None, given: str | None) -> str:
    """-f if given; else from the -o file's suffix; else SVG. An unknown suffix is an error."""
    if given is not None:
        return given
    if output is None:
        return "svg"
    suffix = Path(output).suffix.lower()
    if suffix not in _SUFFIXES:
        shown = suffix or "no suffix"
        raise TracerError(
            f"cannot tell the format from {shown}: use .svg or .tex, or give -f svg|tikz", f"-o {output}"
        )
    return _SUFFIXES[suffix]


def run(args: argparse.Namespace) -> int:
    from tracer.evaluate.tracing import trace  # SymPy loads on use: --help stays quick
    from tracer.report.diagram import build
    from tracer.report.lang import Strings
    from tracer.report.render import template_dirs
    from tracer.spec.loader import load

    target = check_output(args.output)
    fmt = format_of(args.output, args.format)
    try:
        spec = load(args.spec, force=args.force)
    except LimitError as err:
        if err.soft:
            raise LimitError(f"{err.problem} (--force goes beyond it)", err.where, err.line) from None
        raise
    if args.sample > len(spec.samples):
        raise TracerError(f"the spec has {len(spec.samples)} sample(s); no sample {args.sample}", "--sample")
    if args.iteration > spec.iterations:
        raise TracerError(
            f"iteration {args.iteration} is beyond the spec's last iteration ({spec.iterations}); "
            "raise iterations: in the spec to draw it",
            "--iteration",
        )
    # the iterations after K do not change K's values, so the run stops at K
    result = trace(spec, check=False, detail=(args.iteration,), iterations=args.iteration)
    names = result.network.notation(args.notation or spec.notation)
    picture = build(
        result,
        names,
        Strings(args.lang, template_dirs()),
        digits=args.digits,
        grads=args.grads,
        iteration=args.iteration,
        sample=args.sample,
    )
    if fmt == "svg":
        text = picture.svg()
    else:
        text = picture.tikz(fit=False) + "\n" if args.fragment else picture.document()
    emit(text, target)
    return EXIT_OK
