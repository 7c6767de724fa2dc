"""The command line: ``tracer report | examples | schema``. All file I/O lives here."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from tracer import __version__, examples
from tracer.errors import TracerError

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
        choices=("md", "json"),
        default="md",
        help="output format: Markdown report or JSON trace (default: md)",
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
        "--no-check", action="store_true", help="skip the symbolic and numeric self-check of the gradients"
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
    from tracer.render import render
    from tracer.spec import load
    from tracer.trace import trace

    target = _check_output(args.output)
    spec = load(args.spec)
    text = render(trace(spec, check=not args.no_check), args.format, digits=args.digits)
    _emit(text, target)
    return EXIT_OK


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
