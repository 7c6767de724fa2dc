"""Where a report goes: the format a file name asks for, and writing it without a partial file.

Used by the command line and by :meth:`tracer.report.traced.Traced.save`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from tracer.errors import TracerError
from tracer.report.formats import FORMATS


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
        write_lines(sys.stdout, text)
        sys.stdout.flush()
        return
    where = f"-o {target}"
    try:
        real = target.resolve()
        if real.exists() and not real.is_file():
            with open(real, "w", encoding="utf-8", newline="\n") as handle:
                write_lines(handle, text)
            return
        mode = real.stat().st_mode & 0o7777 if real.exists() else 0o666 & ~umask()
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    except OSError as exc:
        raise TracerError(f"cannot write here ({exc.strerror or exc})", where) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            write_lines(handle, text)
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise TracerError(f"cannot write here ({exc.strerror or exc})", where) from None
        raise


BATCH = 2000  # lines written at a time


def write_lines(stream: TextIO, text: str | list[str]) -> None:
    """``stream.write(text)``, or of the lines joined by newlines, a batch at a time."""
    if isinstance(text, str):
        stream.write(text)
        return
    for start in range(0, len(text), BATCH):
        if start:
            stream.write("\n")
        stream.write("\n".join(text[start : start + BATCH]))


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
