"""Look at an HTML report the way a reader does: Debian's headless Chromium loads it from a file://
URL, and either prints the DOM after its scripts ran or takes a screenshot.

Each run gets a new, throw-away profile directory; networking extras (sync, component updates,
background requests, QUIC) are off, and a run that outlives its timeout is killed with all its
child processes. ``visible_text`` turns a DOM into the text on the screen: no scripts, styles or
MathML annotations (the TeX source kept beside server-side MathML).
"""

from __future__ import annotations

import contextlib
import functools
import html.parser
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from tests.mathcheck import needs_tool

CHROMIUM = os.environ.get("CHROMIUM") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium") or "chromium"
)
TIMEOUT = 60  # seconds for one page
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=3000",
)


@functools.cache
def chromium_ready() -> bool:
    """Chromium is installed (at $CHROMIUM, else /usr/bin/chromium, else on PATH)."""
    path = shutil.which(CHROMIUM)
    return path is not None and os.access(path, os.X_OK)


requires_chromium = needs_tool(chromium_ready(), "chromium not installed")


def _url(html_path: Path) -> str:
    path = Path(html_path).resolve()
    assert path.is_file(), f"no such page: {path}"
    return path.as_uri()


def _chromium(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run Chromium with FLAGS, a fresh profile and ``args``; kill its whole process group when
    it takes longer than ``timeout`` seconds."""
    with tempfile.TemporaryDirectory(prefix="tracer-chromium-") as profile:
        command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,  # its own process group, so a hang can be ended whole
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise AssertionError(f"chromium took over {timeout} s: {' '.join(args)}") from exc
        finally:
            # Chromium's helpers share its process group; end any that outlived it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    result = subprocess.CompletedProcess(command, proc.returncode, out, err)
    assert result.returncode == 0, f"chromium exited {result.returncode}:\n{err[-3000:]}"
    return result


def dump_dom(html_path: Path, timeout: float = TIMEOUT) -> str:
    """The page's DOM as HTML, serialised after its scripts ran (--dump-dom)."""
    dom = _chromium(["--dump-dom", _url(html_path)], timeout).stdout
    assert "<html" in dom.lower(), f"chromium printed no DOM for {html_path}: {dom[:500]!r}"
    return dom


def screenshot(
    html_path: Path, png_path: Path, width: int = 900, height: int = 1400, timeout: float = TIMEOUT
) -> Path:
    """A width x height PNG screenshot of the page's top, written to ``png_path``."""
    png_path = Path(png_path).resolve()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    png_path.unlink(missing_ok=True)
    _chromium([f"--screenshot={png_path}", f"--window-size={width},{height}", _url(html_path)], timeout)
    assert png_path.is_file() and png_path.stat().st_size > 0, f"chromium wrote no screenshot of {html_path}"
    return png_path


# Elements whose content a reader never sees. annotation(-xml) holds the TeX source of MathML.
_HIDDEN = {"script", "style", "template", "noscript", "title", "annotation", "annotation-xml"}
# Elements that start a new line of text.
_BLOCK = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul",
}  # fmt: skip


class _TextParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden: list[str] = []  # open hidden elements, innermost last
        self.pre = 0  # depth of open <pre> elements
        self.math = 0  # depth of open <math> elements

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _HIDDEN:
            self.hidden.append(tag)
        elif tag == "math":
            self.math += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
            self.pre += tag == "pre"

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            if tag in self.hidden:
                while self.hidden.pop() != tag:
                    pass
        elif tag == "math":
            self.math -= self.math > 0
        elif tag in _BLOCK:
            self.parts.append("\n")
            self.pre -= tag == "pre" and self.pre > 0

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.math:
            # MathML shows no white space around its tokens (nor between its elements).
            self.parts.append(re.sub(r"\s+", " ", data).strip())
        else:
            # Source line breaks are white space, except inside <pre>.
            self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))


def visible_text(dom: str) -> str:
    """The text a reader sees in ``dom``: tags, scripts, styles, the title and MathML annotations
    removed, entities decoded, white space collapsed, one line per block element."""
    parser = _TextParser()
    parser.feed(dom)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)
