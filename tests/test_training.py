"""Training runs: the float64 fast path agrees with the exact path, reports summarise the run."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.latex import compile_pdf, requires_latex
from tracer.cli import main
from tracer.evaluate.progress import Bar
from tracer.evaluate.tracing import checkpoints, trace
from tracer.report.plots import loss_curve_svg
from tracer.report.render import render
from tracer.spec import examples
from tracer.spec.loader import load

ELEMENTWISE = ["sigmoid-222-bias", "sigmoid-222-nobias", "xor-231", "shallow-341-bce", "relu-mean"]


def _run(name: str, iterations: int, **changes: object):
    spec = dataclasses.replace(examples.load(name), iterations=iterations, **changes)
    return spec


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_fast_path_agrees_with_the_exact_path(name: str) -> None:
    spec = _run(name, 25)
    exact = trace(spec, check=False, detail=(25,))  # every iteration on the exact path
    fast = trace(spec, check=False)  # iteration 1 exact, 2…25 fast
    assert all(it.exact for it in exact.iterations)
    assert [it.exact for it in fast.iterations] == [True] + [False] * 24
    for a, b in zip(exact.iterations, fast.iterations, strict=True):
        assert float(b.loss) == pytest.approx(float(a.loss), rel=1e-12, abs=1e-300)
        for key in a.updated:
            assert float(b.updated[key]) == pytest.approx(float(a.updated[key]), rel=1e-11, abs=1e-14)
    assert float(fast.final_loss) == pytest.approx(float(exact.final_loss), rel=1e-12)
    # every value the JSON shows of a fast iteration matches the exact one
    last_exact, last_fast = exact.iterations[-1].values, fast.iterations[-1].values
    for key, value in last_fast.items():
        assert value == pytest.approx(float(last_exact[key]), rel=1e-10, abs=1e-13), key


@pytest.mark.parametrize("frozen", [["biases"], ["W1[1,1]", "b2[1]"]])
def test_fast_path_keeps_frozen_parameters_and_shared_biases(frozen: list[str]) -> None:
    spec = load(
        {
            "inputs": ["0.1", "0.88"],
            "targets": ["0.55", "1"],
            "layers": [
                {"units": 2, "activation": "sigmoid", "weights": [[1, 1], [1, 1]], "biases": "0.3"},
                {
                    "units": 2,
                    "activation": "tanh",
                    "weights": [["0.5", 1], [1, "-0.5"]],
                    "biases": [0, "0.1"],
                },
            ],
            "loss": "half_sse",
            "learning_rate": "0.5",
            "iterations": 12,
            "frozen": frozen,
        }
    )
    exact, fast = trace(spec, check=False, detail=(12,)), trace(spec, check=False)
    for a, b in zip(exact.iterations, fast.iterations, strict=True):
        for key in a.updated:
            assert float(b.updated[key]) == pytest.approx(float(a.updated[key]), rel=1e-12)
    for p in fast.network.params:
        if not p.trainable:
            assert float(fast.iterations[-1].updated[p.key]) == float(p.value)


def test_xor_learns_xor() -> None:
    tr = trace(_run("xor-231", 5000), check=False)
    from tracer.report.training import final_values

    end = final_values(tr)
    predictions = [round(end[f"a2[1]@{n}"]) for n in range(1, 5)]
    assert predictions == [0, 1, 1, 0]
    assert float(tr.final_loss) < 0.05 < float(tr.first.loss)


def test_checkpoints() -> None:
    assert checkpoints(1) == [1] and checkpoints(20) == list(range(1, 21))
    assert checkpoints(1000) == [1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000]
    assert checkpoints(37) == [1, 2, 3, 5, 10, 20, 37]


def test_report_summarises_a_run_and_details_chosen_iterations() -> None:
    spec = _run("sigmoid-222-nobias", 40)
    tr = trace(spec, detail=(1, 3))
    md = render(tr, detail=(1, 3))
    assert "## 3. Iteration 1 in detail" in md and "## 4. Iteration 3 in detail" in md
    assert "### Forward pass" in md and "## 5. Summary" in md and "## 6. Training" in md
    assert tr.iterations[2].exact and not tr.iterations[3].exact
    third = md.split("## 4. Iteration 3 in detail", 1)[1].split("## 5.", 1)[0]
    from tracer.numbers import number_text

    assert number_text(tr.iterations[2].loss, 8) in third  # iteration 3's own numbers
    assert "After 40 iterations of gradient descent the loss is" in md
    assert "![loss](data:image/svg+xml;base64," in md
    html = render(tr, "html", detail=(1, 3))
    assert html.count('<figure class="plot"><svg') == 1


def test_json_keeps_the_detailed_iterations_and_the_checkpoints() -> None:
    tr = trace(_run("xor-231", 300), check=False)
    data = json.loads(render(tr, "json"))
    assert len(data["history"]) == 300
    assert [it["index"] for it in data["iterations"]] == checkpoints(300)
    assert [it["exact"] for it in data["iterations"]] == [True] + [False] * (len(checkpoints(300)) - 1)
    last = data["iterations"][-1]
    assert last["loss"] == data["history"][-1] and set(last["gradients"]) == {
        p.key for p in tr.network.trainable
    }


def test_loss_curve_svg_is_valid_and_deterministic() -> None:
    history = [1 / (k + 1) for k in range(5000)]
    svg = loss_curve_svg(history, "iteration", "loss")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    path = next(e for e in root.iter() if e.tag.endswith("path"))
    assert path.get("d", "").count("L") == 399  # thinned to 400 points
    assert "(log scale)" in svg and svg == loss_curve_svg(list(history), "iteration", "loss")


@requires_latex
def test_a_training_report_compiles_with_its_plot(tmp_path: Path) -> None:
    tr = trace(_run("xor-231", 200), check=False)
    tex = render(tr, "tex", lang="zh")
    assert "\\addplot coordinates" in tex
    compile_pdf(tex, tmp_path)


def test_cli_iterations_and_detail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.md"
    assert main(["report", "sigmoid-222-nobias", "--iterations", "30", "--detail", "2", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "## 3. Forward pass" in text and "After 30 iterations" in text
    assert main(["report", "sigmoid-222-nobias", "--iterations", "3", "--detail", "5"]) == 2
    assert "--detail 5 is beyond the last iteration (3)" in capsys.readouterr().err
    for bad in (["--iterations", "0"], ["--detail", "x"], ["--detail", "0"]):
        with pytest.raises(SystemExit) as stop:
            main(["report", *bad])
        assert stop.value.code == 2
    assert re.search(r"expected", capsys.readouterr().err)


@pytest.mark.parametrize(
    ("hidden", "output", "loss", "targets"),
    [
        ({"activation": "leaky_relu", "slope": "0.1"}, {"activation": "softplus"}, "half_sse", ["0.5", "2"]),
        ({"activation": "softplus"}, {"activation": "softmax"}, "cross_entropy", 2),
        ({"activation": "tanh"}, {"activation": "softmax"}, "mse", ["0.2", "0.8"]),
    ],
)
def test_fast_path_covers_the_catalog(hidden: dict, output: dict, loss: str, targets: object) -> None:
    spec = load(
        {
            "samples": [
                {"inputs": ["0.5", "-1"], "targets": targets},
                {"inputs": ["-0.3", "0.8"], "targets": targets},
            ],
            "layers": [
                {
                    "units": 3,
                    "weights": [["0.4", "-0.6"], ["-0.2", "0.9"], ["0.7", "0.1"]],
                    "biases": ["0.1", "0", "-0.2"],
                    **hidden,
                },
                {
                    "units": 2,
                    "weights": [["0.3", "-0.5", "0.8"], ["-0.4", "0.6", "0.2"]],
                    "biases": ["0", "0.1"],
                    **output,
                },
            ],
            "loss": loss,
            "learning_rate": "0.3",
            "iterations": 15,
        }
    )
    exact, fast = trace(spec, check=False, detail=(15,)), trace(spec, check=False)
    assert not fast.iterations[-1].exact
    for a, b in zip(exact.iterations, fast.iterations, strict=True):
        assert float(b.loss) == pytest.approx(float(a.loss), rel=1e-12)
        for key in a.updated:
            assert float(b.updated[key]) == pytest.approx(float(a.updated[key]), rel=1e-11, abs=1e-14)


def test_fast_path_survives_saturated_units() -> None:
    spec = load(
        {
            "inputs": ["1"],
            "targets": ["0.5"],
            "layers": [
                {"units": 1, "activation": "softplus", "weights": [["800"]], "biases": ["0"]},
                {"units": 1, "activation": "sigmoid", "weights": [["-1"]], "biases": ["0"]},
            ],
            "loss": "half_sse",
            "learning_rate": "0.1",
            "iterations": 5,
        }
    )
    fast = trace(spec, check=False)
    assert all(float(it.loss) == float(it.loss) for it in fast.iterations)  # no NaN
    assert float(fast.iterations[-1].values["a1[1]"]) == pytest.approx(800.0)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_and_silence_elsewhere() -> None:
    spec = _run("xor-231", 3000)
    terminal, pipe = _Terminal(), io.StringIO()
    trace(spec, check=False, progress=Bar("training", terminal))
    trace(spec, check=False, progress=Bar("training", pipe))
    assert pipe.getvalue() == ""
    shown = terminal.getvalue()
    assert shown.startswith("\rtraining [") and shown.endswith("100% 3000/3000\n")
    short = _Terminal()
    trace(_run("xor-231", 50), check=False, progress=Bar("training", short))
    assert short.getvalue() == ""  # a short run draws no bar
