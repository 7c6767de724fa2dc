"""The command line (CONTRACT.md §4): help, examples, schema, report options, exit codes.

A few tests run the real entry point (``python -m tracer``) as a subprocess; the rest call
``tracer.cli.main`` in-process, which is much faster.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.shared import by_size
from tracer import __version__
from tracer.cli import build_parser, main
from tracer.spec import examples

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "corpus"
TINY = CORPUS / "tiny-2-1-sigmoid.yaml"
BAD = CORPUS / "bad-weights-shape.yaml"
BAD_WHERE = "layers[1].weights[0] (line 11)"
BAD_LINE = f"tracer: {BAD_WHERE}: expected 2 numbers (one per unit of the previous layer), got 3"
NAMES = examples.names()
OLD_NS = 1_000_000_000_000_000_000  # an mtime in 2001, to see whether a file was rewritten


def cli(*args: str, hashseed: str | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m tracer ARGS`` in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if k != "TRACER_DEBUG"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    if hashseed is not None:
        env["PYTHONHASHSEED"] = hashseed
    return subprocess.run(
        [sys.executable, "-m", "tracer", *args], capture_output=True, env=env, cwd=ROOT, timeout=120
    )


def run(*argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr). argparse exits count as codes."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(list(argv))
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 2
    return rc, out.getvalue(), err.getvalue()


@cache
def ok(*argv: str) -> str:
    """stdout of a run that must succeed silently (cached: reports take a moment)."""
    rc, out, err = run(*argv)
    assert (rc, err) == (0, ""), err
    return out


def one_line(err: str) -> str:
    """The single stderr line of a refused command (no traceback, no internal error)."""
    assert "Traceback" not in err, err
    assert err.endswith("\n") and err.count("\n") == 1, f"expected one line on stderr, got {err!r}"
    assert "internal error" not in err, err
    assert err.startswith("tracer"), err
    return err[:-1]


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def old_file(path: Path, content: bytes = b"the previous report\n") -> None:
    path.write_bytes(content)
    os.utime(path, ns=(OLD_NS, OLD_NS))


def untouched(path: Path, content: bytes = b"the previous report\n") -> bool:
    return path.read_bytes() == content and path.stat().st_mtime_ns == OLD_NS


# -- help and version -----------------------------------------------------------------------


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_top_level_help_via_the_real_entry_point() -> None:
    proc = cli("--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    text = proc.stdout.decode()
    assert text.startswith("usage: tracer")
    for word in ("--help", "--version", *_subparsers()):
        assert word in text, word


def test_every_documented_subcommand_exists() -> None:
    assert {"report", "examples", "schema"} <= set(_subparsers())


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("report", ["SPEC", "-f", "--format", "md", "json", "-o", "--output", "--digits", "--no-check"]),
        ("examples", ["NAME"]),
        ("schema", ["JSON Schema"]),
    ],
)
def test_subcommand_help_mentions_each_option(command: str, expected: list[str]) -> None:
    rc, out, err = run(command, "--help")
    assert (rc, err) == (0, "")
    assert out.startswith(f"usage: tracer {command}")
    declared = [s for a in _subparsers()[command]._actions for s in a.option_strings]
    for word in [*expected, *declared]:
        assert word in out, f"{command} --help does not mention {word}"


def test_version_via_the_real_entry_point() -> None:
    proc = cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.decode() == f"tracer {__version__}\n"


def test_the_program_flushes_its_output_and_runs_exit_handlers_before_its_quick_exit(tmp_path: Path) -> None:
    """tracer.cli.entry leaves freeing objects to the operating system, not the rest of an exit."""
    code = (
        "import atexit, runpy, sys; "
        "atexit.register(lambda: print('exit handler ran', file=sys.stderr)); "
        "sys.argv = ['tracer', 'examples']; runpy.run_module('tracer', run_name='__main__')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=120)
    assert (proc.returncode, proc.stderr.decode()) == (0, "exit handler ran\n")
    assert proc.stdout.decode() == ok("examples")
    # a profiler writes its results after the program returns: then the exit is the usual one
    stats = tmp_path / "profile"
    profiled = [sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "tracer", "examples"]
    assert subprocess.run(profiled, capture_output=True, cwd=ROOT, timeout=120).returncode == 0
    assert stats.stat().st_size > 0


# -- examples -------------------------------------------------------------------------------


def test_examples_lists_every_example_with_its_description_and_marks_the_default() -> None:
    lines = ok("examples").splitlines()
    assert len(NAMES) == 7  # the five seed articles, the softmax classifier, seed 004's deep network
    assert [line.split()[0] for line in lines] == list(NAMES)
    for name, line in zip(NAMES, lines, strict=True):
        description = examples.load(name).description
        assert description and description in line, line
        assert line.endswith("(default)") == (name == examples.DEFAULT), line
    assert sum("(default)" in line for line in lines) == 1


@pytest.mark.parametrize("name", by_size(NAMES))
def test_example_yaml_round_trips(name: str, tmp_path: Path) -> None:
    text = ok("examples", name)
    assert yaml.safe_load(text)["layers"]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    view = ("--view", "matrix") if name == "relu-deep" else ()  # asked for: no note on stderr
    assert ok("report", str(path), *view) == ok("report", name, *view)


def test_unknown_example_name() -> None:
    rc, out, err = run("examples", "no-such-example")
    assert (rc, out) == (2, "")
    line = one_line(err)
    assert "unknown example 'no-such-example'" in line
    for name in NAMES:
        assert name in line


# -- schema ---------------------------------------------------------------------------------


@cache
def schema() -> dict:
    return json.loads(ok("schema"))


def test_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


@pytest.mark.parametrize("name", by_size(NAMES))
def test_every_example_validates_against_the_schema(name: str) -> None:
    jsonschema.Draft202012Validator(schema()).validate(yaml.safe_load(examples.text(name)))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d.update(epochs=3), id="unknown-top-level-key"),
        pytest.param(lambda d: d["layers"][0].update(bias=1), id="unknown-layer-key"),
        pytest.param(lambda d: d.pop("layers"), id="missing-layers"),
        pytest.param(lambda d: d.update(loss="hinge"), id="unknown-loss"),
        pytest.param(
            lambda d: d.update(samples=[{"inputs": [1, 2], "targets": [1, 0]}]), id="inputs-and-samples"
        ),
    ],
)
def test_schema_rejects_a_bad_spec(change) -> None:
    spec = yaml.safe_load(examples.text(examples.DEFAULT))
    change(spec)
    assert not jsonschema.Draft202012Validator(schema()).is_valid(spec)


# -- report ---------------------------------------------------------------------------------


def test_report_without_spec_uses_the_default_example() -> None:
    assert examples.DEFAULT == "sigmoid-222-bias"
    assert ok("report") == ok("report", "sigmoid-222-bias")
    assert ok("report").startswith("# ")


def test_json_trace_has_the_documented_shape() -> None:
    trace = json.loads(ok("report", "-f", "json"))
    assert {"title", "iterations", "history", "final_loss"} <= set(trace)
    assert trace["title"] == examples.load(examples.DEFAULT).title
    assert isinstance(trace["iterations"], list) and len(trace["iterations"]) == 1
    first = trace["iterations"][0]
    assert {"index", "forward", "loss", "gradients", "updated"} <= set(first)
    assert first["index"] == 1
    assert trace["history"][0] == first["loss"]
    assert first["forward"]["a1[1]"] == pytest.approx(0.6236336283)
    assert {"W1[1,1]", "b1[1]", "W2[2,2]", "b2[2]"} <= set(first["gradients"])
    assert set(first["gradients"]) == set(first["updated"])
    assert isinstance(trace["final_loss"], float) and trace["final_loss"] < first["loss"]


def test_json_history_over_several_iterations() -> None:
    trace = json.loads(ok("report", str(TINY), "-f", "json"))
    assert [it["index"] for it in trace["iterations"]] == [1, 2, 3]
    assert trace["history"] == [it["loss"] for it in trace["iterations"]]
    assert trace["history"] == sorted(trace["history"], reverse=True)
    assert trace["final_loss"] < trace["history"][-1]


def test_output_file_is_written_and_stdout_stays_empty(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    rc, out, err = run("report", "-o", str(target))
    assert (rc, out, err) == (0, "", "")
    assert target.read_text(encoding="utf-8") == ok("report")
    assert files(tmp_path) == ["report.md"]


def test_output_file_replaces_an_existing_one_without_leftovers(tmp_path: Path) -> None:
    target = tmp_path / "trace.json"
    old_file(target)
    rc, out, err = run("report", str(TINY), "-f", "json", "-o", str(target))
    assert (rc, out, err) == (0, "", "")
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(ok("report", str(TINY), "-f", "json"))
    assert files(tmp_path) == ["trace.json"]


def test_output_into_a_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "report.md"
    rc, out, err = run("report", "-o", str(target))
    assert (rc, out) == (2, "")
    line = one_line(err)
    assert f"-o {target}" in line and "does not exist" in line and str(tmp_path / "missing") in line
    assert files(tmp_path) == []


def test_output_is_a_folder(tmp_path: Path) -> None:
    rc, out, err = run("report", "-o", str(tmp_path))
    assert (rc, out) == (2, "")
    assert "is a directory" in one_line(err)
    assert files(tmp_path) == []


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_bad_spec_leaves_an_existing_output_file_untouched(fmt: str, tmp_path: Path) -> None:
    target = tmp_path / "report.out"
    old_file(target)
    rc, out, err = run("report", str(BAD), "-f", fmt, "-o", str(target))
    assert (rc, out) == (2, "")
    assert BAD_WHERE in one_line(err)
    assert untouched(target)
    assert files(tmp_path) == ["report.out"]


def test_bad_spec_via_the_real_entry_point(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    old_file(target)
    proc = cli("report", str(BAD), "-o", str(target))
    assert proc.returncode == 2
    assert proc.stdout == b""
    line = one_line(proc.stderr.decode())
    assert line == BAD_LINE
    assert untouched(target)
    assert files(tmp_path) == ["report.md"]


def test_bad_spec_without_output_writes_nothing_to_stdout(tmp_path: Path) -> None:
    rc, out, err = run("report", str(BAD))
    assert (rc, out) == (2, "")
    assert one_line(err) == BAD_LINE
    assert files(tmp_path) == []


def test_missing_spec_file(tmp_path: Path) -> None:
    rc, out, err = run("report", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "r.md"))
    assert (rc, out) == (2, "")
    assert one_line(err) == f"tracer: {tmp_path / 'nope.yaml'}: no such file"
    assert files(tmp_path) == []


def test_spec_that_is_neither_a_file_nor_an_example() -> None:
    rc, out, err = run("report", "sigmoid-222-bais")
    assert (rc, out) == (2, "")
    assert one_line(err).startswith("tracer: sigmoid-222-bais: ")


# -- digits ---------------------------------------------------------------------------------


def test_digits_changes_the_shown_digits() -> None:
    default, three = ok("report"), ok("report", "--digits", "3")
    assert "0.62363363" in default
    assert "0.62363363" not in three and "0.624" in three
    assert ok("report", "--digits", "8") == default


@pytest.mark.parametrize("value", ["0", "x", "51", "-1", "2.5"])
def test_bad_digits(value: str) -> None:
    rc, out, err = run("report", "--digits", value)
    assert (rc, out) == (2, "")
    line = one_line(err)
    assert "--digits" in line and "1 to 50" in line and value in line


# -- usage errors ---------------------------------------------------------------------------


def test_unknown_subcommand_via_the_real_entry_point() -> None:
    proc = cli("frobnicate")
    assert proc.returncode == 2 and proc.stdout == b""
    line = one_line(proc.stderr.decode())
    assert "frobnicate" in line and "report" in line


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        pytest.param([], ["COMMAND"], id="no-command"),
        pytest.param(["frobnicate"], ["invalid choice", "'frobnicate'", "report", "examples", "schema"],
                     id="unknown-command"),
        pytest.param(["report", "-f", "xml"], ["--format", "'xml'", "md", "json"], id="unknown-format"),
        pytest.param(["report", "--bogus"], ["--bogus"], id="unknown-option"),
        pytest.param(["report", "a.yaml", "b.yaml"], ["b.yaml"], id="two-specs"),
        pytest.param(["schema", "extra"], ["extra"], id="schema-extra-argument"),
    ],
)
def test_usage_error_is_one_line_with_exit_code_2(argv: list[str], words: list[str]) -> None:
    rc, out, err = run(*argv)
    assert (rc, out) == (2, "")
    line = one_line(err)
    for word in words:
        assert word in line, line


# -- determinism ----------------------------------------------------------------------------


@pytest.mark.slow  # processes under two hash seeds (tests/test_corpus.py does every example)
@pytest.mark.parametrize("args", [(), ("-f", "json")], ids=["md", "json"])
def test_output_does_not_depend_on_the_hash_seed(args: tuple[str, ...]) -> None:
    first = cli("report", *args, hashseed="0")
    second = cli("report", *args, hashseed="12345")
    assert first.returncode == second.returncode == 0
    assert first.stderr == second.stderr == b""
    assert first.stdout == second.stdout
    assert first.stdout.decode() == ok("report", *args)


# -- known bugs (strict xfail: they start failing once fixed; then drop the marker) ---------


def test_output_file_permissions_follow_the_umask(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    target = tmp_path / "report.md"
    assert run("report", "-o", str(target), "--no-check")[0] == 0
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs (a folder nobody can write)")
def test_unwritable_output_folder_is_bad_input() -> None:
    rc, out, err = run("report", "-o", "/sys/tracer-test-report.md", "--no-check")
    assert (rc, out) == (2, "")
    assert "/sys/tracer-test-report.md" in one_line(err)


def test_output_through_a_symlink_writes_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    assert run("report", "-o", str(link), "--no-check")[0] == 0
    assert link.is_symlink(), "the link itself must stay a link"
    assert real.read_text(encoding="utf-8") == ok("report", "--no-check")


def test_output_to_dev_null_is_written_not_replaced() -> None:
    assert run("report", "-o", "/dev/null", "--no-check")[0] == 0
    assert not Path("/dev/null").is_file()  # still the device


def test_mistyped_example_name_lists_the_examples() -> None:
    rc, out, err = run("report", "sigmoid-222-bais")
    assert (rc, out) == (2, "")
    line = one_line(err)
    assert "sigmoid-222-bais: no such file or built-in example" in line
    assert "sigmoid-222-bias" in line and "relu-mean" in line


# -- interruptions: an existing report is never left half-written -----------------------------


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_leaves_the_existing_report_and_no_temporary_file(
    sig: signal.Signals, code: int, tmp_path: Path
) -> None:
    out = tmp_path / "report.md"
    out.write_bytes(b"previous report\n")
    env = {k: v for k, v in os.environ.items() if k != "TRACER_DEBUG"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    # a run of several seconds: the signal comes while it trains
    cmd = [sys.executable, "-m", "tracer", "report", "relu-deep", "--view", "matrix", "--iterations", "20000"]
    proc = subprocess.Popen([*cmd, "-o", str(out)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.0)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert (proc.returncode, stdout, stderr) == (code, b"", b"tracer: interrupted\n")
    assert out.read_bytes() == b"previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_an_interruption_while_writing_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracer.report import output as common

    out = tmp_path / "report.md"
    out.write_bytes(b"previous report\n")
    real_fdopen = os.fdopen

    class Interrupting:  # a file that takes half the text, then Ctrl-C
        def __init__(self, handle: io.TextIOWrapper) -> None:
            self.handle = handle

        def __enter__(self) -> Interrupting:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, text: str) -> None:
            self.handle.write(text[: len(text) // 2])
            self.handle.flush()
            raise KeyboardInterrupt

    from tracer.report import output  # where emit opens the temporary file

    monkeypatch.setattr(output.os, "fdopen", lambda *a, **k: Interrupting(real_fdopen(*a, **k)))
    with pytest.raises(KeyboardInterrupt):
        common.emit("a whole new report\n" * 1000, out)
    assert out.read_bytes() == b"previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_lines_are_written_as_their_joined_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report handed over as lines (a batch at a time) is the text they join, in a file, through
    a symbolic link and on stdout: batch edges, a non-ASCII line, an empty last line."""
    from tracer.report import output as common

    lines = [f"line {k}" if k != 2500 else "2 inputs → 64 relu" for k in range(4321)] + [""]
    text = "\n".join(lines)
    out = tmp_path / "report.md"
    common.emit(lines, out)
    assert out.read_text(encoding="utf-8") == text
    link = tmp_path / "link.md"
    link.symlink_to(out)
    common.emit(lines[:-1] + ["the end", ""], link)
    assert out.read_text(encoding="utf-8") == "\n".join(lines[:-1] + ["the end", ""])
    shown = io.StringIO()
    monkeypatch.setattr(sys, "stdout", shown)
    common.emit(lines, None)
    assert shown.getvalue() == text
