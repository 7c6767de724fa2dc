"""Report targets of issue 4: whole-process wall time and peak memory of ``tracer report``.

A full neuron-by-neuron Markdown report of a [8, 16, 16, 4] network (484 parameters) in
under 2 s, and of the ReLU article's [2, 64, 64, 64, 1] network (8 577 parameters) in
under 5 s, each with a peak resident memory under 500 MB. Each command is a fresh Python
process (imports included); its peak memory comes from ``os.wait4``.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT_MB = 500


def random_spec(sizes: list[int], seed: int = 0) -> dict:
    """A dense sigmoid network with 2-decimal weights drawn from a fixed seed."""
    rng = random.Random(seed)

    def num() -> str:
        return f"{rng.randint(-100, 100) / 100:.2f}"

    layers = []
    for prev, units in zip(sizes, sizes[1:], strict=False):
        layers.append(
            {
                "units": units,
                "activation": "sigmoid",
                "weights": [[num() for _ in range(prev)] for _ in range(units)],
                "biases": [num() for _ in range(units)],
            }
        )
    return {
        "title": f"random {sizes} network",
        "inputs": [num() for _ in range(sizes[0])],
        "targets": [f"{rng.randint(0, 100) / 100:.2f}" for _ in range(sizes[-1])],
        "layers": layers,
        "loss": "half_sse",
        "learning_rate": "0.5",
    }


def relu_article_spec() -> dict:
    """The ReLU article's network as tracer draws it: uniform(−1, 1) weights (seed 99, two
    decimals), zero biases, ReLU hidden layers, a linear output, MSE; the article's own
    single example (inputs 0.1, 0.2; target 0.5)."""
    sizes = [2, 64, 64, 64, 1]
    layers = [
        {"units": u, "activation": "relu" if l < 3 else "linear", "biases": [0] * u}
        for l, u in enumerate(sizes[1:])
    ]
    return {
        "title": "ReLU article [2, 64, 64, 64, 1]",
        "inputs": ["0.1", "0.2"],
        "targets": ["0.5"],
        "init": {"method": "uniform", "low": -1, "high": 1, "seed": 99},
        "layers": layers,
        "loss": "mse",
        "learning_rate": "0.001",
    }


@dataclass(frozen=True)
class Measure:
    seconds: float  # best wall time
    process_mb: float  # largest peak resident memory of one process (the command or a copy it forked)
    summed_mb: float  # largest sum over the command and its forked copies (PSS, sampled; 0 without /proc)

    @property
    def peak_mb(self) -> float:
        """The memory the bound is checked against: the larger of the two."""
        return max(self.process_mb, self.summed_mb)


def measure(cmd: list[str], repeat: int) -> Measure:
    """Best wall time and peak memory of ``cmd`` over ``repeat`` runs (stdout discarded).

    A large report is printed by tracer and a forked copy of it (tracer.evaluate.workers): besides the
    largest process's peak (``os.wait4``), one more run sums the proportional set sizes of the
    process and its children every 20 ms (pages the copy still shares are counted once). That
    run is not timed: reading the page tables slows the process it reads."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        took, maxrss = _run(cmd)
        best, peak = min(best, took), max(peak, maxrss)
    sampler = _PssSampler()
    _, maxrss = _run(cmd, sampler)
    return Measure(best, max(peak, maxrss), sampler.peak_kb / 1024)


def _run(cmd: list[str], sampler: _PssSampler | None = None) -> tuple[float, float]:
    """(wall seconds, peak resident MB of the largest process) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    if sampler is not None:
        sampler.pid = proc.pid
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    if sampler is not None:
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}")
    return took, usage.ru_maxrss / 1024  # kB on Linux


class _PssSampler(threading.Thread):
    """The largest sum of the PSS of a process and its children, read from /proc every 20 ms
    until the process has gone (nothing where /proc has no smaps_rollup)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb = 0, 0

    def run(self) -> None:
        while Path(f"/proc/{self.pid}/stat").exists() and not _zombie(self.pid):
            pids = [self.pid, *_children(self.pid)]
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(p) for p in pids))
            time.sleep(0.02)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def neuron_view_flags() -> list[str]:
    """``--view neuron --force`` where the command has a --view option, else ``--force``."""
    usage = subprocess.run(
        [sys.executable, "-m", "tracer", "report", "--help"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    return ["--view", "neuron", "--force"] if "--view" in usage else ["--force"]


def report_command(spec: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "tracer", "report", str(spec), *neuron_view_flags(), "-o", str(out)]


def write_specs(folder: Path) -> dict[str, tuple[Path, float]]:
    """The two report targets: label → (spec file, time limit in seconds)."""
    small = folder / "net-8-16-16-4.json"
    small.write_text(json.dumps(random_spec([8, 16, 16, 4])), encoding="utf-8")
    big = folder / "relu-2-64-64-64-1.json"
    big.write_text(json.dumps(relu_article_spec()), encoding="utf-8")
    return {"[8,16,16,4] neuron report": (small, 2.0), "[2,64,64,64,1] neuron report": (big, 5.0)}
