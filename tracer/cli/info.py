"""``tracer examples`` and ``tracer schema``: what is built in."""

from __future__ import annotations

import argparse
import json

from tracer.cli.common import EXIT_OK
from tracer.report.output import emit


def register(sub: argparse._SubParsersAction) -> None:
    ex = sub.add_parser(
        "examples",
        help="list the built-in examples, or print one",
        description="List the built-in examples; with NAME, print its spec (a starting point).",
    )
    ex.add_argument("name", nargs="?", metavar="NAME", help="print this example's YAML spec")
    ex.set_defaults(run=_examples)

    schema = sub.add_parser(
        "schema",
        help="print the JSON Schema of the spec file (--trace: of the JSON trace)",
        description="Print the JSON Schema (draft 2020-12) of the spec file, or with --trace of the "
        "JSON trace that tracer report -f json writes.",
    )
    schema.add_argument("--trace", action="store_true", help="the schema of the JSON trace instead")
    schema.set_defaults(run=_schema)


def _examples(args: argparse.Namespace) -> int:
    from tracer.spec import examples  # SymPy loads on use: --help stays quick

    if args.name:
        emit(examples.text(args.name), None)
        return EXIT_OK
    width = max(len(n) for n in examples.names())
    lines = []
    for name in examples.names():
        mark = " (default)" if name == examples.DEFAULT else ""
        lines.append(f"{name:<{width}}  {examples.load(name).description}{mark}")
    emit("\n".join(lines) + "\n", None)
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    if args.trace:
        from tracer.report.traceschema import trace_schema  # SymPy loads on use: --help stays quick

        emit(json.dumps(trace_schema(), indent=2, ensure_ascii=False) + "\n", None)
        return EXIT_OK
    from tracer.spec.schema import schema  # SymPy loads on use: --help stays quick

    emit(json.dumps(schema(), indent=2) + "\n", None)
    return EXIT_OK
