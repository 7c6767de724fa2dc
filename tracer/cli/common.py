"""What every subcommand shares: the parser class, argument types and exit codes."""

from __future__ import annotations

import argparse

from tracer.spec.limits import MAX_ITERATIONS

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


def add_spec(parser: argparse.ArgumentParser) -> None:
    """The optional SPEC|EXAMPLE argument (default: the default built-in example)."""
    from tracer.spec import examples  # SymPy loads on use: --help stays quick

    parser.add_argument(
        "spec",
        nargs="?",
        default=examples.DEFAULT,
        metavar="SPEC|EXAMPLE",
        help=f"a YAML/JSON spec file or a built-in example name (default: {examples.DEFAULT})",
    )
