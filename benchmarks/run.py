"""The performance targets of issue 4, and timings of every example (run: python benchmarks/run.py).

Prints one table, a row per target with its baseline measured in the same run, the ratio
and PASS or FAIL, then the notes of each target and the timings of the built-in examples.
Every figure is the best of ``--repeat`` runs (default 3; 20 for the short 003 loop).
BLAS runs one thread unless OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) says otherwise: on a
shared 2-core machine competing BLAS threads make 64-wide matrix products ten times slower
and the timings noise; tracer and the article's code use the same setting.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy is imported

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks import reports, training  # noqa: E402


def _row(cells: list[str]) -> str:
    widths = [34, 11, 11, 9, 16, 6]
    pairs = enumerate(zip(cells, widths, strict=True))
    return " ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in pairs)


def report_targets(repeat: int, floor: float, folder: Path) -> list[tuple[list[str], bool, str]]:
    rows = []
    flags = reports.neuron_view_flags()
    for label, (spec, limit) in reports.write_specs(folder).items():
        cmd = [sys.executable, "-m", "tracer", "report", str(spec), *flags, "-o", str(folder / "out.md")]
        m = reports.measure(cmd, repeat)
        size = (folder / "out.md").stat().st_size / 1e6
        ok = m.seconds < limit and m.peak_mb < reports.MEMORY_LIMIT_MB
        cells = [
            label,
            f"{floor:.2f} s",
            f"{m.seconds:.2f} s",
            f"{m.seconds / floor:.1f}",
            f"<{limit:g} s, <{reports.MEMORY_LIMIT_MB} MB",
            "PASS" if ok else "FAIL",
        ]
        note = (
            f"{label}: {' '.join(flags)}, {size:.1f} MB of Markdown, peak memory {m.process_mb:.0f} MB "
            f"(largest process), {m.summed_mb:.0f} MB (PSS summed over tracer and its forked copies)"
        )
        rows.append((cells, ok, note))
    return rows


def examples_table(repeat: int, floor: float) -> None:
    from tracer.spec import examples

    print(f"\nbuilt-in examples, whole process (ratio to the import-sympy floor {floor:.2f} s):")
    print(f"{'example':<24} {'md (s)':>8} {'ratio':>7} {'json (s)':>9} {'ratio':>7}")
    for name in examples.names():
        md = reports.measure([sys.executable, "-m", "tracer", "report", name], repeat).seconds
        js = reports.measure([sys.executable, "-m", "tracer", "report", name, "-f", "json"], repeat).seconds
        print(f"{name:<24} {md:>8.2f} {md / floor:>7.1f} {js:>9.2f} {js / floor:>7.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best counts")
    parser.add_argument("--targets-only", action="store_true", help="leave out the examples' timings")
    args = parser.parse_args(argv)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"machine: {os.cpu_count()} cores, load average {load}; Python {platform.python_version()}, "
        f"NumPy {np.__version__}, BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}; best of {args.repeat}"
    )
    floor = reports.measure([sys.executable, "-c", "import sympy"], args.repeat).seconds
    print(_row(["target", "baseline", "tracer", "ratio", "bound", "result"]))
    notes: list[str] = []
    passed = True
    for result in (training.target_003(max(20, args.repeat)), training.target_004(args.repeat)):
        cells = [
            result.target,
            f"{result.baseline:.4f} s",
            f"{result.tracer:.4f} s",
            f"{result.ratio:.2f}",
            f"ratio <= {result.limit:g}",
            "PASS" if result.passed else "FAIL",
        ]
        print(_row(cells), flush=True)
        notes += [f"{result.target}: {n}" for n in result.notes]
        notes.append(f"{result.target}: tracer's one-off setup {result.setup:.3f} s (not in the ratio)")
        passed &= result.passed
    with tempfile.TemporaryDirectory() as tmp:
        for cells, ok, note in report_targets(args.repeat, floor, Path(tmp)):
            print(_row(cells), flush=True)
            notes.append(note)
            passed &= ok
    print("\nbaselines: the articles' own NumPy code (benchmarks/articles.py) for training; for reports,")
    print("a Python process that only imports sympy (tracer's floor)")
    for note in notes:
        print(f"- {note}")
    if not args.targets_only:
        examples_table(args.repeat, floor)
    print(f"\nload average after the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
