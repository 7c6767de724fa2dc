"""The JSON trace of long batch runs: which checkpoints keep every sample's values
(``sample_values``), that the reduced trace has the full trace's numbers wherever both have
them, and the JSON Schema of the trace (``tracer schema --trace``)."""

from __future__ import annotations

import json
import random
from functools import cache

import jsonschema
import pytest

from tests.shared import by_size
from tests.test_cli import ok, run
from tracer import api
from tracer.evaluate.tracing import EXACT_LIMIT
from tracer.report import jsontrace
from tracer.report.render import Options
from tracer.spec import examples


def _batch_spec(samples: int, sizes: list[int], iterations: int, seed: int = 5) -> dict:
    """A ReLU batch with drawn weights and 2-decimal data from a fixed seed."""
    rng = random.Random(seed)
    rows = [
        {
            "inputs": [f"{rng.uniform(-1, 1):.2f}" for _ in range(sizes[0])],
            "targets": [f"{rng.uniform(0, 1):.2f}" for _ in range(sizes[-1])],
        }
        for _ in range(samples)
    ]
    layers = [
        {"units": u, "activation": "relu" if l < len(sizes) - 2 else "linear"}
        for l, u in enumerate(sizes[1:])
    ]
    return {
        "title": f"batch of {samples}",
        "samples": rows,
        "init": {"method": "uniform", "low": -1, "high": 1, "seed": seed},
        "layers": layers,
        "loss": "mse",
        "learning_rate": "0.01",
        "iterations": iterations,
    }


@cache
def _small() -> api.Traced:
    """Iteration 1 exact, then 299 fast ones: 10 checkpoints of 12 samples × 9 units."""
    return api.trace(_batch_spec(12, [2, 4, 4, 1], 300), force=True)


@cache
def _large() -> api.Traced:
    """Beyond the exact bound: every iteration on the fast path, iteration 1 included."""
    traced = api.trace(_batch_spec(600, [2, 16, 16, 1], 60), force=True)
    net = traced.trace.network
    assert net.n_samples * (len(net.params) + sum(net.sizes[1:])) > EXACT_LIMIT
    return traced


def _same_but_samples(full: dict, brief: dict, detailed: set[int]) -> None:
    """``brief`` has every number of ``full`` but the per-sample ones of the iterations not in
    ``detailed``, and no others."""
    assert (full["sample_values"], brief["sample_values"]) == ("all", "detail")
    assert {k: v for k, v in full.items() if k not in ("iterations", "sample_values")} == {
        k: v for k, v in brief.items() if k not in ("iterations", "sample_values")
    }
    assert [it["index"] for it in brief["iterations"]] == [it["index"] for it in full["iterations"]]
    for f, b in zip(full["iterations"], brief["iterations"], strict=True):
        for part in ("exact", "loss", "gradients", "updated"):
            assert b[part] == f[part], (b["index"], part)
        if b["index"] in detailed:
            assert (b["forward"], b["deltas"]) == (f["forward"], f["deltas"])
            assert list(b) == list(f)  # the same keys in the same order as a full entry
        else:
            assert "forward" not in b and "deltas" not in b


def test_a_reduced_trace_has_the_full_numbers_where_both_have_them() -> None:
    traced = _small()
    full, brief = traced.to_dict(sample_values="all"), traced.to_dict(sample_values="detail")
    assert [it["exact"] for it in full["iterations"]] == [True] + [False] * 9
    assert all(len(it["forward"]) == 2 * 12 * 9 and len(it["deltas"]) == 12 * 9 for it in full["iterations"])
    _same_but_samples(full, brief, {1})


def test_a_fast_checkpoint_lists_the_values_of_its_iteration() -> None:
    """forward and deltas of a fast iteration, read from its arrays, are the values the
    iteration itself gives by key (the fast path's own table), which the training tests compare
    with the exact path and an oracle."""
    tr = _small().trace
    net = tr.network
    it = tr.iterations[49]
    assert not it.exact
    forward, deltas = jsontrace._per_sample(it, jsontrace._keys(net))
    keys = [(net.z(l, j, n), net.a(l, j, n), net.delta(l, j, n)) for n, l, j in _units(net)]
    assert list(forward) == [k for z, a, _ in keys for k in (z, a)]
    assert list(deltas) == [d for _, _, d in keys]
    for key, value in {**forward, **deltas}.items():
        assert value == it.values[key], key


def _units(net) -> list[tuple[int, int, int]]:
    return [
        (n, l, j) for n in net.samples() for l in range(1, net.depth + 1) for j in range(1, net.sizes[l] + 1)
    ]


def test_beyond_the_exact_bound_the_detailed_iterations_keep_every_sample() -> None:
    traced = _large()
    full, brief = traced.to_dict(sample_values="all"), traced.to_dict()
    assert brief["sample_values"] == "detail"  # 600 × 33 × 3 numbers at each of 8 more checkpoints
    assert not any(it["exact"] for it in brief["iterations"])
    _same_but_samples(full, brief, {1})
    # the iterations chosen for detail keep them, exact or not
    chosen = api.trace(_batch_spec(600, [2, 16, 16, 1], 60), detail=(1, 5), force=True).to_dict()
    _same_but_samples(full, chosen, {1, 5})


def test_auto_keeps_every_sample_while_the_numbers_are_few(monkeypatch: pytest.MonkeyPatch) -> None:
    traced = _small()  # 9 checkpoints after the first × 3 × 12 × 9 = 2916 numbers
    assert traced.to_dict()["sample_values"] == "all"
    monkeypatch.setattr(jsontrace, "JSON_SAMPLE_VALUES", 2915)
    assert traced.to_dict()["sample_values"] == "detail"
    monkeypatch.setattr(jsontrace, "JSON_SAMPLE_VALUES", 2916)
    assert traced.to_dict()["sample_values"] == "all"


def test_sample_values_is_checked() -> None:
    with pytest.raises(ValueError, match="sample_values must be one of auto, all, detail"):
        Options(sample_values="some")
    with pytest.raises(ValueError, match="sample_values"):
        _small().to_dict(sample_values="some")


def test_the_command_line_chooses_the_sample_values() -> None:
    data = json.loads(ok("report", "xor-231", "-f", "json", "--sample-values", "detail"))
    assert data["sample_values"] == "detail"
    assert ["forward" in it for it in data["iterations"]] == [True] + [False] * 13
    assert json.loads(ok("report", "xor-231", "-f", "json"))["sample_values"] == "all"
    rc, out, err = run("report", "xor-231", "-f", "json", "--sample-values", "some")
    assert rc == 2 and out == "" and "--sample-values" in err


# -- the schema of the trace -----------------------------------------------------------------


@cache
def trace_schema() -> dict:
    schema = json.loads(ok("schema", "--trace"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("name", by_size(examples.names()))
def test_every_example_trace_validates_against_the_trace_schema(name: str) -> None:
    traced = api.trace(name, iterations=30, force=True)
    jsonschema.Draft202012Validator(trace_schema()).validate(json.loads(traced.to_json()))


@pytest.mark.parametrize("choice", ["all", "detail"])
def test_a_long_batch_trace_validates_against_the_trace_schema(choice: str) -> None:
    data = json.loads(_small().to_json(sample_values=choice))
    jsonschema.Draft202012Validator(trace_schema()).validate(data)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d["iterations"][0].pop("deltas"), id="forward-without-deltas"),
        pytest.param(lambda d: d["iterations"][1].pop("gradients"), id="no-gradients"),
        pytest.param(lambda d: d.update(sample_values="auto"), id="auto-is-resolved"),
        pytest.param(lambda d: d["iterations"][0]["forward"].update({"q1[1]": 0.5}), id="unknown-key"),
    ],
)
def test_the_trace_schema_rejects_a_bad_trace(change) -> None:
    data = json.loads(_small().to_json())
    change(data)
    assert not jsonschema.Draft202012Validator(trace_schema()).is_valid(data)


# -- writing the trace -----------------------------------------------------------------------


def _as_json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_the_trace_is_written_as_json_writes_it() -> None:
    data = _small().to_dict(sample_values="all")
    assert jsontrace.dumps(data) == _as_json(data)
    odd = [0.0, -0.0, 1e-300, -2.5e300, 1 / 3, float("nan"), float("inf"), float("-inf"), 7.0]
    data["iterations"][1]["gradients"] = {f"W{k}[1,1]": v for k, v in enumerate(odd, 1)}
    data["iterations"][2]["updated"] = {}  # a run with every parameter frozen
    data["title"] = "ünïcode → “quoted” \\ \t"
    assert jsontrace.dumps(data) == _as_json(data)


def test_a_title_holding_the_writers_mark_is_written_all_the_same() -> None:
    data = _small().to_dict()
    data["title"] = jsontrace._MARK
    assert jsontrace.dumps(data) == _as_json(data)
