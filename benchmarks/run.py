"""Whole-process timings of `tracer report` (run: python benchmarks/run.py).

Each command runs REPEAT times; the best wall time is printed with its ratio to a baseline
measured in the same run: a Python process that only imports sympy (tracer's floor).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEAT = 3
ROOT = Path(__file__).resolve().parent.parent


def random_spec(sizes: list[int], seed: int = 0) -> dict:
    """A dense sigmoid network with 2-decimal weights drawn from a fixed seed."""
    rng = random.Random(seed)

    def num() -> str:
        return f"{rng.randint(-100, 100) / 100:.2f}"

    layers = []
    for prev, units in zip(sizes, sizes[1:], strict=False):
        layers.append({
            "units": units, "activation": "sigmoid",
            "weights": [[num() for _ in range(prev)] for _ in range(units)],
            "biases": [num() for _ in range(units)],
        })
    return {
        "title": f"random {sizes} network",
        "inputs": [num() for _ in range(sizes[0])],
        "targets": [f"{rng.randint(0, 100) / 100:.2f}" for _ in range(sizes[-1])],
        "layers": layers, "loss": "half_sse", "learning_rate": "0.5",
    }


def best(cmd: list[str]) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from tracer import examples

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "net-8-16-16-4.json"
        big.write_text(json.dumps(random_spec([8, 16, 16, 4])))
        cases = [(name, name) for name in examples.names()] + [("random [8,16,16,4]", str(big))]
        baseline = best([sys.executable, "-c", "import sympy"])
        print(f"baseline (python -c 'import sympy'): {baseline:.2f} s")
        print(f"{'case':<24} {'md (s)':>8} {'ratio':>7} {'json (s)':>9} {'ratio':>7}")
        for label, target in cases:
            md = best([sys.executable, "-m", "tracer", "report", target])
            js = best([sys.executable, "-m", "tracer", "report", target, "-f", "json"])
            print(f"{label:<24} {md:>8.2f} {md / baseline:>7.1f} {js:>9.2f} {js / baseline:>7.1f}")
        print()
        print("training (fast path after the first iteration), JSON trace:")
        print(f"{'case':<32} {'time (s)':>9} {'ratio':>7} {'µs/iteration':>13}")
        for name, iterations in (("xor-231", 1_000), ("xor-231", 100_000), ("sigmoid-222-nobias", 100_000)):
            cmd = [sys.executable, "-m", "tracer", "report", name, "-f", "json", "--no-check"]
            took = best([*cmd, "--iterations", str(iterations)])
            per = (took - baseline) / iterations * 1e6
            print(f"{name + ' x ' + str(iterations):<32} {took:>9.2f} {took / baseline:>7.1f} {per:>13.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
