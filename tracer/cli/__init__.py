"""The command line: ``tracer report | check | variants | diagram | examples | schema``, one module
per subcommand.

All file I/O lives in this package. Each subcommand module has ``register(sub)``, which
adds its parser and sets ``run``; ``run(args)`` returns the exit code.

- ``common``: the parser class, argument types, exit codes, output
- ``report``: ``tracer report``
- ``check``: ``tracer check``
- ``variants``: ``tracer variants``
- ``diagram``: ``tracer diagram``
- ``info``: ``tracer examples`` and ``tracer schema``
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import sys
import threading
from typing import NoReturn

from tracer import __version__
from tracer.cli import check, diagram, info, report, variants
from tracer.cli.common import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, Parser
from tracer.errors import TracerError
from tracer.report.formats import FORMATS

__all__ = ["FORMATS", "build_parser", "entry", "main"]

COMMANDS = (report, check, variants, diagram, info)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="tracer",
        description="Backpropagation, step by step: every forward, backward and update step "
        "of a small neural network, derived by SymPy.",
    )
    parser.add_argument("--version", action="version", version=f"tracer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for command in COMMANDS:
        command.register(sub)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that a half-written temporary file is removed."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        return args.run(args)
    except TracerError as exc:
        print(f"tracer: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:
        print("tracer: interrupted", file=sys.stderr)
        return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)
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
    finally:
        if previous is not None:  # None: not the main thread, or a handler not set from Python
            signal.signal(signal.SIGTERM, previous)


def entry() -> NoReturn:
    """The program (``tracer``, ``python -m tracer``): :func:`main`, then an exit that leaves
    freeing the process's objects to the operating system.

    Python's own shutdown collects and frees every object still alive (the caches of SymPy and
    of the layout, the modules): about 0.5 s after a large report. The output is flushed and the
    exit handlers run first, as at a normal exit; :func:`main` itself returns as usual, for
    callers in the same process. Under a profiler or a tracer (cProfile, coverage), which write
    their results after the program returns, the exit is the usual one.
    """
    code = main()
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    atexit._run_exitfuncs()  # what a normal exit runs (coverage, logging), in the same order
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # a reader that stopped early, as main treats it
            pass
        except (OSError, ValueError):  # as Python's own exit: status 120 when stdout cannot be flushed
            code = code or 120
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
