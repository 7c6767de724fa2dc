"""What every subcommand shares: the parser class, argument types, output and exit codes."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from tracer.errors import TracerError
from tracer.formats import FORMATS

EXIT_OK, EXIT_WRONG_ANSWER, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see {self.prog} --help)\n")


def digits(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 50, got {text!r}") from None
    if not 1 <= value <= 50:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 50, got {value}")
    return value


def iterations(text: str) -> int:
    from tracer.limits import MAX_ITERATIONS

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= MAX_ITERATIONS:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_ITERATIONS}, got {value}")
    return value


def detail(text: str) -> tuple[int, ...]:
    try:
        values = tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected iteration numbers such as 1,2,10, got {text!r}") from None
    if not values or values[0] < 1 or len(values) > 10:
        raise argparse.ArgumentTypeError(f"expected 1 to 10 iteration numbers from 1 up, got {text!r}")
    return values


def format_of(output: str | None) -> str:
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


def check_output(path: str | None) -> Path | None:
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


def emit(text: str | list[str], target: Path | None) -> None:
    """Write to stdout, or to ``target`` so that a failure never leaves a partial file.

    ``text`` is a string, or lines that ``"\\n"`` joins (written a batch at a time: a large
    report is never held whole as one string). A regular file is replaced atomically
    (temporary file in the same folder, then a rename), keeping the mode of the file it
    replaces, or else the umask's default; a symbolic link is written through to its target;
    a device or pipe (``/dev/null``, ``/dev/stdout``) is written to directly.
    """
    if target is None:
        _write(sys.stdout, text)
        sys.stdout.flush()
        return
    where = f"-o {target}"
    try:
        real = target.resolve()
        if real.exists() and not real.is_file():
            with open(real, "w", encoding="utf-8", newline="\n") as handle:
                _write(handle, text)
            return
        mode = real.stat().st_mode & 0o7777 if real.exists() else 0o666 & ~umask()
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    except OSError as exc:
        raise TracerError(f"cannot write here ({exc.strerror or exc})", where) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            _write(handle, text)
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise TracerError(f"cannot write here ({exc.strerror or exc})", where) from None
        raise


_BATCH = 2000  # lines written at a time


def _write(stream: TextIO, text: str | list[str]) -> None:
    """``stream.write(text)``, or of the lines joined by newlines, a batch at a time."""
    if isinstance(text, str):
        stream.write(text)
        return
    for start in range(0, len(text), _BATCH):
        if start:
            stream.write("\n")
        stream.write("\n".join(text[start : start + _BATCH]))


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def add_spec(parser: argparse.ArgumentParser) -> None:
    """The optional SPEC|EXAMPLE argument (default: the default built-in example)."""
    from tracer import examples

    parser.add_argument(
        "spec",
        nargs="?",
        default=examples.DEFAULT,
        metavar="SPEC|EXAMPLE",
        help=f"a YAML/JSON spec file or a built-in example name (default: {examples.DEFAULT})",
    )
