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
    peak_mb: float  # largest peak resident memory of the runs


def measure(cmd: list[str], repeat: int) -> Measure:
    """Best wall time and peak memory of ``cmd`` over ``repeat`` runs (stdout discarded)."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}")
        best, peak = min(best, took), max(peak, usage.ru_maxrss / 1024)  # kB on Linux
    return Measure(best, peak)


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
