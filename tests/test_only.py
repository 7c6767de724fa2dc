"""``--only``: a report cut down to some of its sections, or to one gradient's backward pass.

A section comes out exactly as it stands in the whole report; all sections together are the
whole report; a gradient shows its chain-rule step and the deltas it is computed from, whose
numbers are checked against an independent NumPy pass (tests/smallnet.py).
"""

from __future__ import annotations

import functools
import re

import pytest
import yaml

from tests import smallnet
from tests.latex import compile_pdf, requires_latex
from tests.shared import Traces
from tracer.cli import main
from tracer.errors import TracerError
from tracer.evaluate.tracing import trace
from tracer.report.only import PARTS
from tracer.report.render import render
from tracer.spec import examples
from tracer.spec.loader import load

NAMES = [n for n in examples.names() if n != "relu-deep"]  # relu-deep: the matrix view, below
# The whole report of every example, one iteration, in its own notation (traced once).
TRACES = Traces(NAMES, iterations=1, check=False)  # traced on first use
BIAS = yaml.safe_load(examples.text("sigmoid-222-bias"))


@functools.cache
def _whole(name: str) -> str:
    return render(TRACES[name], "md", fragment=True)


def _blocks(text: str) -> list[str]:
    """A Markdown report as its blocks (paragraphs, displays, tables), blank-line separated."""
    return [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]


def _subsequence(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(any(b == w for w in rest) for b in part)


@pytest.mark.parametrize("name", NAMES)
def test_all_parts_together_are_the_whole_report(name: str) -> None:
    t = TRACES[name]
    assert render(t, "md", only=",".join(PARTS)) == render(t, "md")


@pytest.mark.parametrize("name", ["sigmoid-222-bias", "xor-231"])
@pytest.mark.parametrize("part", [p for p in PARTS if p != "training"])
def test_a_part_is_as_in_the_whole_report(name: str, part: str) -> None:
    t = TRACES[name]
    whole = _whole(name)
    shown = render(t, "md", fragment=True, only=part)
    assert shown.strip(), part
    if part == "loss" and t.network.batch:  # the loss shares sit between the samples' layers
        assert _subsequence(_blocks(shown), _blocks(whole))
        assert shown.count("Loss share of sample") == t.network.n_samples
    else:
        assert shown.strip() in whole
    assert len(shown) < len(whole)


def test_forward_contains_the_loss_and_nothing_of_the_backward_pass() -> None:
    t = TRACES["sigmoid-222-bias"]
    shown = render(t, "md", only="forward")
    assert "## 3. Forward pass" in shown and "### Loss" in shown
    assert "Backward pass" not in shown and "Summary" not in shown
    ora = smallnet.run(BIAS)
    for value in [*ora.z[0], *ora.a[0], *ora.z[1], *ora.a[1], ora.loss]:
        assert smallnet.shown(value, shown), value
    assert not smallnet.shown(ora.dW[1][0, 0], shown)


def test_only_the_loss_has_no_forward_layers() -> None:
    shown = render(TRACES["sigmoid-222-bias"], "md", only="loss")
    assert shown.startswith("# ") and "### Loss" in shown
    assert "Forward pass" not in shown and "Layer 1" not in shown


@pytest.mark.parametrize(
    ("only", "layer", "unit", "weight"),
    [
        ("dL/dw53", 1, 0, (0, 0)),
        ("dL/dw31", 0, 0, (0, 0)),
        ("dL/dw42", 0, 1, (1, 1)),
        ("dL/dw6b", 1, 1, None),
    ],
)
def test_a_gradient_shows_its_value_and_the_deltas_it_needs(only, layer, unit, weight) -> None:
    ora = smallnet.run(BIAS)
    shown = render(TRACES["sigmoid-222-bias"], "md", only=only, notation="node")
    gradient = ora.dW[layer][weight] if weight else ora.db[layer][unit]
    assert smallnet.shown(gradient, shown)
    assert smallnet.shown(ora.delta[layer][unit], shown)
    if layer == 0:  # a hidden weight needs every delta of the output layer
        assert all(smallnet.shown(d, shown) for d in ora.delta[1])
        assert not smallnet.shown(ora.delta[0][1 - unit], shown)
    else:
        assert not smallnet.shown(ora.delta[1][1 - unit], shown)
        assert "Layer 1" not in shown
    others = [g for g in [*ora.dW[0].flat, *ora.dW[1].flat] if g != gradient]  # (a bias's is its δ)
    assert not any(smallnet.shown(g, shown) for g in others)
    assert shown.count(r"\frac{\partial L}{\partial w_{") == 1  # the one gradient's chain rule


def test_a_gradients_blocks_are_blocks_of_the_whole_report() -> None:
    t = TRACES["xor-231"]  # four samples: the gradient in each, then its sum
    whole = _blocks(_whole("xor-231"))
    shown = render(t, "md", fragment=True, only="dL/dW2[1,1]")
    assert _subsequence(_blocks(shown), whole)
    assert shown.count("#### Layer 2") == 4 and "#### Layer 1" not in shown
    assert "Summing over the samples" in shown
    sums = [b for b in _blocks(shown) if b.startswith("$$") and "^{(1)}" in b and "^{(4)}" in b]
    assert len(sums) == 1  # the sum of the one gradient, not of the others


def test_softmax_gradients_need_every_unit_of_the_coupled_layer() -> None:
    t = TRACES["softmax-233-ce"]
    whole = render(t, "md", only="backward")
    one = render(t, "md", only="dL/dW2[1,1]")
    layer = re.search(r"### Layer 2.*?(?=### Layer 1|\Z)", whole, re.S)
    assert layer is not None
    deltas = [b for b in _blocks(layer.group(0)) if r"\delta" in b and "Gradients" not in b]
    assert deltas and all(b in one for b in deltas[: t.network.sizes[-1]])


def test_names_from_any_notation_and_several_parts() -> None:
    t = TRACES["sigmoid-222-bias"]
    node = render(t, "md", notation="node", only="dL/dw53")
    assert render(t, "md", notation="node", only="dL/dw5") == node  # the flat name
    assert render(t, "md", notation="node", only="dL/dW2[1,1]") == node  # the canonical key
    both = render(t, "md", only=["summary", "dL/dw53"])
    assert "## 4. Backward pass" in both and "## 6. Summary" in both and "Forward" not in both


@pytest.mark.parametrize(
    ("only", "message"),
    [
        ("forwrd", "only forwrd: not a part of the report (did you mean forward?); choose from intro,"),
        ("dL/dw99", "only dL/dw99: not a part of the report (did you mean dL/dw"),
        ("w53", "only w53: a parameter; its gradient is dL/dw53"),
        ("dL/da3", "only dL/da3: not a part of the report"),
        ("training", "only training: no training section"),
    ],
)
def test_unknown_names_are_one_clear_error(only: str, message: str) -> None:
    with pytest.raises(TracerError) as err:
        render(TRACES["sigmoid-222-bias"], "md", notation="node", only=only)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_frozen_parameters_have_no_gradient() -> None:
    spec = load({**BIAS, "frozen": ["biases"]})
    with pytest.raises(TracerError, match="w3b is frozen, so it has no gradient"):
        render(trace(spec, check=False), "md", notation="node", only="dL/dw3b")


def test_cli_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "sigmoid-222-bias", "--only", "summary", "--no-check"]) == 0
    out = capsys.readouterr().out
    assert out == render(TRACES["sigmoid-222-bias"], "md", only="summary")
    assert main(["report", "--only", "dL/dw9", "--no-check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tracer: --only dL/dw9: not a part of the report (did you mean")
    assert err.count("\n") == 1
    assert main(["report", "-f", "json", "--only", "summary", "--no-check"]) == 2
    assert "--only is for md, tex and html" in capsys.readouterr().err


def test_training_part_of_a_run() -> None:
    t = trace(load("sigmoid-222-nobias"), iterations=3, check=False)
    shown = render(t, "md", only="training")
    assert shown.count("## ") == 1 and "## 7. Training" in shown


@requires_latex
def test_a_part_in_latex_compiles(tmp_path) -> None:
    tex = render(TRACES["xor-231"], "tex", only="network,dL/dW1[2,1]")
    assert r"\section{Backward pass}" in tex
    compile_pdf(tex, tmp_path)


def test_parts_are_for_the_neuron_view() -> None:
    """The matrix view (relu-deep chooses it by its size) is whole: --only is one line, exit 2."""
    deep = trace(load("relu-deep"), iterations=1, check=False)
    with pytest.raises(TracerError) as err:
        render(deep, "md", only="forward")
    assert "neuron view" in str(err.value) and "\n" not in str(err.value)
