"""``tracer report``: the step-by-step report of one spec or built-in example."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tracer.cli.common import EXIT_OK, add_spec, detail, digits, iterations
from tracer.errors import TracerError
from tracer.notation import NOTATIONS
from tracer.report.formats import FORMATS
from tracer.report.lang import LANGUAGES
from tracer.report.output import check_output, emit, format_of
from tracer.spec import limits
from tracer.spec.limits import JSON_SAMPLE_VALUES, SAMPLE_VALUES, VIEWS, LimitError

if TYPE_CHECKING:
    from tracer.spec.model import NetworkSpec


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser(
        "report",
        help="derive and explain one network (the default example if no SPEC)",
        description="Write the step-by-step report of a spec file or built-in example.",
    )
    add_spec(report)
    report.add_argument(
        "-f",
        "--format",
        choices=FORMATS,
        default=None,
        help="output format: Markdown, LaTeX, HTML report or JSON trace "
        "(default: from the -o file's extension, else md)",
    )
    report.add_argument(
        "-o", "--output", metavar="PATH", help="write to PATH instead of stdout (its folder must exist)"
    )
    report.add_argument(
        "--digits",
        type=digits,
        default=8,
        metavar="N",
        help="significant digits shown (1-50, default 8; computation is exact or 50 digits)",
    )
    report.add_argument(
        "--notation",
        choices=NOTATIONS,
        default=None,
        help="names of the quantities: layer (W^[l]_ji), node (w_53, nodes numbered through the "
        "network) or flat (w1, w2, …, net_h1/out_h1); default: the spec's own, else layer",
    )
    report.add_argument(
        "--lang", choices=LANGUAGES, default="en", help="language of the report's prose (default: en)"
    )
    report.add_argument(
        "--exact",
        action="store_true",
        help="also show exact values (fractions, e^…) where they are short",
    )
    report.add_argument(
        "--carry-rounded",
        action="store_true",
        help="compute every step from the rounded values before it, as on paper; "
        "notes say where that changes a digit",
    )
    report.add_argument(
        "--fragment",
        action="store_true",
        help="the body only (no preamble, no <html>, no level-1 title), to embed in a larger page",
    )
    report.add_argument(
        "-t",
        "--templates",
        metavar="DIR",
        help="a folder of templates searched before the built-in ones (see templates/README.md)",
    )
    report.add_argument(
        "--iterations",
        type=iterations,
        metavar="N",
        help="gradient-descent iterations (overrides the spec's iterations)",
    )
    report.add_argument(
        "--detail",
        type=detail,
        default=(1,),
        metavar="K[,K…]",
        help="iterations shown step by step, e.g. 1,2,10 (default 1); the others are summarised",
    )
    report.add_argument(
        "--view",
        choices=VIEWS,
        default=None,
        help="neuron: every unit and parameter step by step; matrix: each layer in matrix form "
        "(Z = WA + b, dZ, dW, db, dA). Default: neuron up to 2000 parameter x sample pairs, "
        "matrix above (a message on stderr says so)",
    )
    report.add_argument(
        "--only",
        metavar="PART[,PART…]",
        help="only these parts of the report: intro, network, rules, forward, loss, backward, "
        "update, summary, training, checks, or a gradient such as dL/dw5 (the backward pass of "
        "that one parameter); for embedding in a page",
    )
    report.add_argument(
        "--sample-values",
        choices=SAMPLE_VALUES,
        default="auto",
        help="JSON trace: which listed iterations hold every sample's z, a and delta: all, or "
        "detail (those computed exactly or chosen with --detail; the other checkpoints keep the "
        "loss, gradients and updated parameters); auto (default): all while that adds at most "
        f"{JSON_SAMPLE_VALUES:,} numbers, else detail",
    )
    report.add_argument(
        "--no-check", action="store_true", help="skip the symbolic and numeric self-check of the gradients"
    )
    report.add_argument(
        "--force",
        action="store_true",
        help="go beyond the soft size limits (neuron report length, exact work, training time); "
        "never the hard ones",
    )
    report.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tracer import api  # SymPy loads on use: --help stays quick
    from tracer.evaluate.progress import Bar, reporting

    target = check_output(args.output)
    fmt = args.format or format_of(args.output)
    if args.templates is not None and not Path(args.templates).is_dir():
        raise TracerError("not a folder (-t needs a folder of templates)", args.templates)
    spec = _load(args)
    view, note = _view(args, spec, fmt)
    total = args.iterations or spec.iterations
    if args.detail[-1] > total:
        raise TracerError(f"--detail {args.detail[-1]} is beyond the last iteration ({total})", "--detail")
    options = {
        "notation": args.notation,
        "lang": args.lang,
        "digits": args.digits,
        "exact": args.exact,
        "carry_rounded": args.carry_rounded,
        "fragment": args.fragment,
        "template_dir": args.templates,
        "only": args.only,
        "view": view,
        "sample_values": args.sample_values,
    }
    traced = api.trace(
        spec,
        iterations=args.iterations,
        detail=args.detail,
        check=not args.no_check,
        progress=Bar("training"),
        **options,
    )
    try:
        with reporting(Bar("report")):  # the step blocks of a large report
            text = traced.render_lines(fmt)
    except TracerError as err:
        if err.where.startswith("only"):  # the API's name for the option; here it is --only
            raise TracerError(err.problem, "--" + err.where) from None
        raise
    emit(text, target)
    if note:  # after the report, so that a failure is still one line on stderr
        print(f"tracer: {note}", file=sys.stderr)
    return EXIT_OK


def _load(args: argparse.Namespace) -> NetworkSpec:
    """The spec, within the size limits: the neuron report's length only for ``--view neuron``
    (the matrix view shows any size in bounded length), every soft limit unless ``--force``."""
    from tracer.api import load  # SymPy loads on use: --help stays quick

    lift = True if args.force else limits.Lift(neuron=args.view != "neuron")
    try:
        spec = load(args.spec, force=lift)
        shape = limits.Shape.of(spec)
        if args.view == "neuron" and not args.force:  # a built-in example lifts it on its own
            refused = limits.refusal(shape)
            if refused is not None and refused.bound == "neuron":
                raise refused.error(args.spec)
    except LimitError as err:
        if err.soft:
            raise LimitError(f"{err.problem} ({HINTS.get(err.bound, HINT)})", err.where, err.line) from None
        raise
    if not args.force:
        problem = limits.detail_refusal(shape, args.detail[-1])
        if problem is not None:
            raise TracerError(f"{problem} ({HINT})", "--detail")
    return spec


def _view(args: argparse.Namespace, spec: NetworkSpec, fmt: str) -> tuple[str, str | None]:
    """The view asked for, else the one the size calls for, and the note for stderr when the
    size chose the matrix view; --exact and --carry-rounded are for the neuron view only."""
    shape = limits.Shape.of(spec)
    view = args.view or limits.view_for(shape.report_steps)
    if view == "matrix" and (args.exact or args.carry_rounded):
        option = "--exact" if args.exact else "--carry-rounded"
        why = "" if args.view else f" (chosen for its size: {limits.steps_text(shape)})"
        raise TracerError(f"applies to the neuron view only; this report uses the matrix view{why}", option)
    chosen = args.view is None and view == "matrix" and fmt != "json"
    return view, limits.auto_note(shape) if chosen else None


#: What lifts a soft limit, by its bound (tracer.spec.limits.Refusal.bound).
HINT = "--force goes beyond it"
HINTS = {"neuron": "--view matrix shows it in matrix form; --force details every neuron"}
