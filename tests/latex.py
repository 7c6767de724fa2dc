"""Compile LaTeX to PDF the way the tests need it: safely and loudly.

pdflatex runs in a directory of its own with \\write18 off (-no-shell-escape) and kpathsea's
paranoid settings (openin_any=p, openout_any=p): no file outside that directory can be read or
written by name (files found through TeX's own search path, the installed packages and fonts,
still load). Any error raises AssertionError with the "!" lines of the log and the lines after
them, and so does a glyph missing from its font (text that would silently not appear).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.mathcheck import needs_tool

JOB = "document"
TIMEOUT = 120  # seconds for one pdflatex run
MAX_RUNS = 3
# What the tests' documents load: amsmath, booktabs, xcolor, graphicx, tikz (texlive-pictures),
# and CJKutf8 with the gbsn font for Chinese (c70gbsn.fd is in latex-cjk-chinese-arphic-gbsn00lp).
PACKAGES = ("amsmath.sty", "booktabs.sty", "xcolor.sty", "tikz.sty", "CJKutf8.sty", "c70gbsn.fd")
_RERUN = re.compile(r"Rerun to get|Rerun LaTeX|Please rerun LaTeX|Label\(s\) may have changed")
_MISSING_CHAR = re.compile(r"^Missing character: .*$", re.MULTILINE)


@functools.cache
def latex_ready() -> bool:
    """pdflatex, kpsewhich and pdftoppm on PATH, and every package in PACKAGES installed."""
    if not all(shutil.which(tool) for tool in ("pdflatex", "kpsewhich", "pdftoppm")):
        return False
    found = subprocess.run(
        ["kpsewhich", *PACKAGES], capture_output=True, text=True, timeout=60, check=False
    ).stdout.split()
    return len(found) == len(PACKAGES)


requires_latex = needs_tool(latex_ready(), "pdflatex, TeX packages or pdftoppm not installed")


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "openin_any": "p",
        "openout_any": "p",
        "shell_escape": "f",
        # Log lines unwrapped, so an error message and its context read as TeX wrote them.
        "max_print_line": "10000",
        "error_line": "254",
        "half_error_line": "238",
    }


def log_errors(log: str, after: int = 8) -> str:
    """The lines of a TeX log that start with "!", each with the ``after`` lines that follow."""
    lines = log.splitlines()
    keep: list[str] = []
    last = -1
    for i, line in enumerate(lines):
        if line.startswith("!") and i > last:
            if keep:
                keep.append("...")
            keep.append(line)
            last = i
            for following in lines[i + 1 : i + after + 1]:
                if following.startswith(("!", "Here is how much of TeX's memory")):
                    break
                keep.append(following)
                last += 1
    return "\n".join(keep)


def compile_pdf(tex_source: str, workdir: Path, *, missing_chars_ok: bool = False) -> Path:
    """Write ``tex_source`` to workdir/document.tex, run pdflatex there (again while the log asks
    for a rerun, at most 3 times) and return the PDF's path. Raises AssertionError on failure."""
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / f"{JOB}.tex").write_text(tex_source, encoding="utf-8")
    pdf, log_path = workdir / f"{JOB}.pdf", workdir / f"{JOB}.log"
    command = [
        "pdflatex",
        "-interaction=nonstopmode",
        "-halt-on-error",
        "-no-shell-escape",
        "-no-file-line-error",  # errors as "! message" lines, which log_errors picks out
        f"-jobname={JOB}",
        f"{JOB}.tex",
    ]
    for _ in range(MAX_RUNS):
        try:
            run = subprocess.run(
                command,
                cwd=workdir,
                env=_env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as err:
            raise AssertionError(f"pdflatex took over {TIMEOUT} s in {workdir}") from err
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
        if run.returncode != 0 or not pdf.exists():
            # kpathsea says on stderr which names the paranoid settings refused.
            said = (run.stderr + run.stdout).splitlines()
            refused = "\n".join(dict.fromkeys(s.strip() for s in said if "_any = p)" in s))
            detail = log_errors(log) or "\n".join((log or run.stdout).splitlines()[-30:])
            raise AssertionError(
                f"pdflatex failed (exit {run.returncode}) in {workdir}:\n{detail}"
                + (f"\n{refused}" if refused else "")
            )
        if not _RERUN.search(log):
            break
    if not missing_chars_ok:
        missing = _MISSING_CHAR.findall(log)
        assert not missing, "glyphs missing from their fonts:\n" + "\n".join(dict.fromkeys(missing))
    return pdf


def pdf_pages_to_png(pdf: Path, outdir: Path, dpi: int = 60) -> list[Path]:
    """Render every page of ``pdf`` to outdir/page-N.png with pdftoppm; the pages in order."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(outdir / "page")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert run.returncode == 0, f"pdftoppm failed on {pdf}: {run.stderr[-2000:]}"
    pages = sorted(outdir.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    assert pages, f"pdftoppm wrote no page for {pdf}"
    return pages
