"""The command line: ``tracer report | examples | schema``. All file I/O lives here."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

import jinja2

from tracer import __version__, examples
from tracer.errors import TracerError
from tracer.formats import FORMATS
from tracer.lang import LANGUAGES
from tracer.limits import LimitError
from tracer.notation import NOTATIONS

EXIT_OK, EXIT_WRONG_ANSWER, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _digits(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 50, got {text!r}") from None
    if not 1 <= value <= 50:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 50, got {value}")
    return value


def _iterations(text: str) -> int:
    from tracer.limits import MAX_ITERATIONS

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= MAX_ITERATIONS:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_ITERATIONS}, got {value}")
    return value


def _detail(text: str) -> tuple[int, ...]:
    try:
        values = tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected iteration numbers such as 1,2,10, got {text!r}") from None
    if not values or values[0] < 1 or len(values) > 10:
        raise argparse.ArgumentTypeError(f"expected 1 to 10 iteration numbers from 1 up, got {text!r}")
    return values


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tracer",
        description="Backpropagation, step by step: every forward, backward and update step "
        "of a small neural network, derived by SymPy.",
    )
    parser.add_argument("--version", action="version", version=f"tracer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    report = sub.add_parser(
        "report",
        help="derive and explain one network (the default example if no SPEC)",
        description="Write the step-by-step report of a spec file or built-in example.",
    )
    report.add_argument(
        "spec",
        nargs="?",
        default=examples.DEFAULT,
        metavar="SPEC|EXAMPLE",
        help=f"a YAML/JSON spec file or a built-in example name (default: {examples.DEFAULT})",
    )
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
        type=_digits,
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
        type=_iterations,
        metavar="N",
        help="gradient-descent iterations (overrides the spec's iterations)",
    )
    report.add_argument(
        "--detail",
        type=_detail,
        default=(1,),
        metavar="K[,K…]",
        help="iterations shown step by step, e.g. 1,2,10 (default 1); the others are summarised",
    )
    report.add_argument(
        "--no-check", action="store_true", help="skip the symbolic and numeric self-check of the gradients"
    )
    report.add_argument(
        "--force",
        action="store_true",
        help="go beyond the soft size limits (report length, training time); never the hard ones",
    )
    report.set_defaults(run=_report)

    ex = sub.add_parser(
        "examples",
        help="list the built-in examples, or print one",
        description="List the built-in examples; with NAME, print its spec (a starting point).",
    )
    ex.add_argument("name", nargs="?", metavar="NAME", help="print this example's YAML spec")
    ex.set_defaults(run=_examples)

    schema = sub.add_parser(
        "schema",
        help="print the JSON Schema of the spec file",
        description="Print the JSON Schema (draft 2020-12) of the spec file.",
    )
    schema.set_defaults(run=_schema)
    return parser


def _report(args: argparse.Namespace) -> int:
    from tracer.render import Options, render
    from tracer.spec import load
    from tracer.trace import trace

    target = _check_output(args.output)
    fmt = args.format or _format_of(args.output)
    if args.templates is not None and not Path(args.templates).is_dir():
        raise TracerError("not a folder (-t needs a folder of templates)", args.templates)
    try:
        spec = load(args.spec, force=args.force)
    except LimitError as err:
        if err.soft:
            raise LimitError(f"{err.problem} (--force goes beyond it)", err.where, err.line) from None
        raise
    options = Options(
        fmt=fmt,
        notation=args.notation,
        lang=args.lang,
        digits=args.digits,
        exact=args.exact,
        carry_rounded=args.carry_rounded,
        fragment=args.fragment,
        template_dir=args.templates,
        detail=args.detail,
    )
    total = args.iterations or spec.iterations
    if args.detail[-1] > total:
        raise TracerError(f"--detail {args.detail[-1]} is beyond the last iteration ({total})", "--detail")
    from tracer.progress import Bar

    bar = Bar("training")
    result = trace(
        spec, check=not args.no_check, detail=args.detail, iterations=args.iterations, progress=bar
    )
    try:
        text = render(result, options)
    except jinja2.TemplateError as err:
        raise TracerError(_template_problem(err), "template") from None
    except RecursionError:
        raise TracerError(
            f"a template extends itself: default/report.{fmt}.jinja2 in {args.templates} replaces the "
            f'shipped one; extend "builtin/default/report.{fmt}.jinja2" instead',
            "template",
        ) from None
    _emit(text, target)
    return EXIT_OK


def _format_of(output: str | None) -> str:
    """The format a file name asks for (``.tex``, ``.html``, ``.json``), else Markdown."""
    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    return (
        {"htm": "html", "markdown": "md", "latex": "tex"}.get(suffix, suffix)
        if suffix
        in (
            *FORMATS,
            "htm",
            "markdown",
            "latex",
        )
        else "md"
    )


def _template_problem(err: Exception) -> str:
    where = ""
    if isinstance(err, jinja2.TemplateSyntaxError):
        where = f" ({err.filename or err.name}, line {err.lineno})"
    else:  # Jinja2 rewrites the traceback so that its frames name the template file and line
        frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename.endswith(".jinja2")]
        if frames:
            where = f" ({frames[-1].filename}, line {frames[-1].lineno})"
    return f"{type(err).__name__}: {err}{where}".replace("\n", " ")


def _examples(args: argparse.Namespace) -> int:
    if args.name:
        _emit(examples.text(args.name), None)
        return EXIT_OK
    width = max(len(n) for n in examples.names())
    lines = []
    for name in examples.names():
        mark = " (default)" if name == examples.DEFAULT else ""
        lines.append(f"{name:<{width}}  {examples.load(name).description}{mark}")
    _emit("\n".join(lines) + "\n", None)
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from tracer.schema import schema

    _emit(json.dumps(schema(), indent=2) + "\n", None)
    return EXIT_OK


def _check_output(path: str | None) -> Path | None:
    """Refuse an unusable output path before any work is done."""
    if path is None:
        return None
    target = Path(path)
    if target.is_dir():
        raise TracerError("is a directory; give a file name", f"-o {path}")
    if not target.parent.is_dir():
        raise TracerError(
            f"folder {str(target.parent)!r} does not exist (tracer does not create it)", f"-o {path}"
        )
    return target


def _emit(text: str, target: Path | None) -> None:
    """Write to stdout, or to ``target`` so that a failure never leaves a partial file.

    A regular file is replaced atomically (temporary file in the same folder, then a
    rename), keeping the mode of the file it replaces, or else the umask's default; a
    symbolic link is written through to its target; a device or pipe (``/dev/null``,
    ``/dev/stdout``) is written to directly.
    """
    if target is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    where = f"-o {target}"
    try:
        real = target.resolve()
        if real.exists() and not real.is_file():
            with open(real, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            return
        mode = real.stat().st_mode & 0o7777 if real.exists() else 0o666 & ~_umask()
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    except OSError as exc:
        raise TracerError(f"cannot write here ({exc.strerror or exc})", where) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise TracerError(f"cannot write here ({exc.strerror or exc})", where) from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except TracerError as exc:
        print(f"tracer: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("tracer: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: one line, no traceback unless asked for
        if os.environ.get("TRACER_DEBUG"):
            raise
        print(
            f"tracer: internal error ({type(exc).__name__}: {exc}); "
            "set TRACER_DEBUG=1 for the traceback and please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
