"""Training runs against the independent float64 oracle of test_oracle.py (autograd).

The oracle descends by itself, θ ← θ − η·∇L(θ) with ∇L from ``autograd.grad`` of a forward
pass written in ``autograd.numpy`` from the spec's numbers (nothing of tracer's network,
evaluate or fast path). tracer's history (the loss of every iteration's forward pass), its
parameters at the checkpoints and its final loss must agree with it to 1e-10 relative at
every checkpoint, for every activation and every loss, on both kernels of the fast path:
the generated scalar code of small networks and the NumPy one of the rest.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings

from tests.test_oracle import networks, np_loss, np_step, problem
from tracer.derive.network import build
from tracer.evaluate import fastpath
from tracer.evaluate.tracing import checkpoints, trace
from tracer.spec.loader import load

REL, FLOOR = 1e-10, 1e-14  # relative tolerance; absolute floor for a loss near zero
PARAM_SCALE = 1.0  # the size of the weights the cases start from (|w| <= 1)
ITERATIONS = 200


def _layer(units: int, inputs: int, activation: str, seed: int, bias: object = "unit", **extra) -> dict:
    """A layer with weights from a small fixed pattern (no randomness to reproduce)."""
    weights = [[f"{((seed + 3 * j + 7 * i) % 17 - 8) / 10:.1f}" for i in range(inputs)] for j in range(units)]
    layer = {"units": units, "activation": activation, "weights": weights, **extra}
    if bias == "unit":
        layer["biases"] = [f"{((seed + j) % 5 - 2) / 10:.1f}" for j in range(units)]
    elif bias is not None:
        layer["biases"] = bias  # one shared bias
    return layer


def _samples(n: int, inputs: int, targets) -> list[dict]:
    return [
        {"inputs": [f"{((3 * s + 5 * i) % 11 - 5) / 5:.1f}" for i in range(inputs)], "targets": targets(s)}
        for s in range(n)
    ]


# Every activation appears in a hidden or an output layer, every loss at least once.
CASES = {
    "sigmoid-bce-shared-bias": {
        "samples": _samples(4, 2, lambda s: [s % 2]),
        "layers": [_layer(3, 2, "sigmoid", 1, bias="0.1"), _layer(1, 3, "sigmoid", 2)],
        "loss": "bce",
        "learning_rate": "0.5",
    },
    "tanh-linear-mse": {
        "samples": _samples(3, 2, lambda s: [f"{s / 4:.2f}", f"{1 - s / 3:.2f}"]),
        "layers": [_layer(4, 2, "tanh", 3), _layer(2, 4, "linear", 4)],
        "loss": "mse",
        "learning_rate": "0.1",
    },
    "relu-relu-linear-half-sse-mean": {
        "samples": _samples(5, 3, lambda s: [f"{(s - 2) / 5:.1f}"]),
        "layers": [_layer(4, 3, "relu", 5), _layer(3, 4, "relu", 6), _layer(1, 3, "linear", 7)],
        "loss": "half_sse",
        "reduction": "mean",
        "learning_rate": "0.05",
    },
    "leaky-relu-softplus-sse": {
        "samples": _samples(3, 2, lambda s: [f"{0.5 + s / 4:.2f}"]),
        "layers": [_layer(3, 2, "leaky_relu", 8, slope="0.1"), _layer(1, 3, "softplus", 9)],
        "loss": "sse",
        "learning_rate": "0.05",
    },
    "softplus-softmax-cross-entropy": {
        "samples": _samples(4, 2, lambda s: 1 + s % 3),
        "layers": [_layer(3, 2, "softplus", 10), _layer(3, 3, "softmax", 11)],
        "loss": "cross_entropy",
        "learning_rate": "0.3",
    },
    "linear-softmax-mse-frozen": {
        "samples": _samples(2, 2, lambda s: ["0.2", "0.8"] if s else ["0.7", "0.3"]),
        "layers": [_layer(2, 2, "linear", 12, bias=None), _layer(2, 2, "softmax", 13)],
        "loss": "mse",
        "learning_rate": "0.4",
        "frozen": ["W1[1,2]", "b2[1]"],
    },
    "sigmoid-tanh-half-sse-one-sample": {
        "inputs": ["0.1", "0.88"],
        "targets": ["0.55", "0.3"],
        "layers": [_layer(2, 2, "sigmoid", 14), _layer(2, 2, "tanh", 15)],
        "loss": "half_sse",
        "learning_rate": "0.5",
    },
}


def _close(what: str, got: float, want: float, scale: float = 0.0) -> None:
    """Within REL of ``want``, or of ``scale`` when that is larger: a parameter that passes near
    0 carries the float64 rounding of its O(1) past (a weight trained from 0.93 to 3.7e-4 in 30
    steps of η = 0.99 agrees to 1.7e-13, not to 1e-10 of itself)."""
    bound = max(REL * max(abs(want), scale), FLOOR)
    assert abs(got - want) <= bound, f"{what}: tracer {got!r}, oracle {want!r}"


def _check_run(spec, kernel: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The scalar kernel is used up to SCALAR_LIMIT; 0 sends every network to the vector one.
    monkeypatch.setattr(fastpath, "SCALAR_LIMIT", 10**9 if kernel == "scalar" else 0)
    tr = trace(spec, check=False)
    prob = problem(spec)
    total = spec.iterations
    marks = set(checkpoints(total))
    theta = prob.theta_float()
    for k in range(1, total + 1):
        if k in marks:
            it = tr.iterations[k - 1]
            for key, want in zip(prob.keys, theta, strict=True):
                _close(f"iteration {k} {key}", float(it.params[key]), want, PARAM_SCALE)
            _close(f"loss of iteration {k}", float(it.loss), np_loss(theta, prob))
        theta = np_step(theta, prob)[1]
    _close("final loss", float(tr.final_loss), np_loss(theta, prob))
    last = tr.iterations[-1]
    for key, want in zip(prob.keys, theta, strict=True):
        _close(f"final {key}", float(last.updated[key]), want, PARAM_SCALE)


@pytest.mark.parametrize("kernel", ["scalar", "vector"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_history_matches_the_oracle(name: str, kernel: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load({**CASES[name], "iterations": ITERATIONS})
    _check_run(spec, kernel, monkeypatch)


def test_the_cases_cover_the_catalog_and_both_kernels() -> None:
    acts, loss_names, scalar = set(), set(), []
    for case in CASES.values():
        spec = load(case)
        acts |= {layer.activation for layer in spec.layers}
        loss_names.add(spec.loss)
        fast = fastpath.compile_network(build(spec))
        assert fast is not None
        scalar.append(fast.scalar is not None)
    assert acts == {"sigmoid", "tanh", "relu", "leaky_relu", "softplus", "linear", "softmax"}
    assert loss_names == {"half_sse", "sse", "mse", "bce", "cross_entropy"}
    assert any(scalar) and not all(scalar)  # softmax layers have no scalar kernel


@pytest.mark.fuzz
@settings(max_examples=25, deadline=None, database=None, derandomize=True)
@given(networks())
def test_random_networks_train_like_the_oracle(d: dict) -> None:
    # 10 iterations: with a learning rate up to 1 a random network's descent can be chaotic,
    # and rounding differences of 1e-16 then grow past 1e-10 within a few dozen iterations
    spec = load({**d, "iterations": 10})
    with pytest.MonkeyPatch.context() as mp:
        _check_run(spec, "scalar", mp)
    with pytest.MonkeyPatch.context() as mp:
        _check_run(spec, "vector", mp)


def test_both_kernels_keep_the_same_numbers() -> None:
    """Every loss and the last parameters of the two kernels agree to rounding."""
    spec = load({**CASES["relu-relu-linear-half-sse-mean"], "iterations": 1})
    fast = fastpath.compile_network(build(spec))
    assert fast is not None and fast.scalar is not None
    theta = fast.theta({p.key: p.value for p in fast.net.params})
    a = fast.train(theta, 500, keep=frozenset({0, 250}), kernel="scalar")
    b = fast.train(theta, 500, keep=frozenset({0, 250}), kernel="vector")
    assert (a.kernel, b.kernel) == ("scalar", "vector")
    np.testing.assert_allclose(a.losses, b.losses, rtol=1e-12)
    np.testing.assert_allclose(a.final, b.final, rtol=1e-12, atol=1e-15)
    assert set(a.kept) == set(b.kept) == {0, 250}
    np.testing.assert_array_equal(a.parameters(0), theta)


def test_a_scalar_run_that_overflows_goes_on_with_numpy() -> None:
    """math.exp overflows where NumPy returns inf: the run carries on from that iteration."""
    spec = load(
        {
            "inputs": ["1"],
            "targets": ["0.5"],
            "layers": [
                {"units": 1, "activation": "linear", "weights": [["1"]], "biases": ["0"]},
                {"units": 1, "activation": "sigmoid", "weights": [["-1"]], "biases": ["0"]},
            ],
            "loss": "half_sse",
            "learning_rate": "1000",
            "iterations": 1,
        }
    )
    fast = fastpath.compile_network(build(spec))
    assert fast is not None and fast.scalar is not None
    theta = np.array([1.0, 0.0, -1000.0, 0.0])  # W1, b1, W2, b2: σ(−1000) needs e^1000
    run = fast.train(theta, 5, kernel="scalar")
    vector = fast.train(theta, 5, kernel="vector")
    assert len(run.losses) == 5 and run.kernel == "vector"  # it switched
    np.testing.assert_allclose(run.losses, vector.losses, rtol=1e-12)


def test_a_batch_beyond_the_exact_bound_trains_on_the_fast_path_from_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past trace.EXACT_LIMIT no iteration is exact (nor self-checked); the run still follows
    the oracle, iteration 1 included."""
    import sys

    from tracer.report import context

    trace_module = sys.modules["tracer.evaluate.tracing"]  # ``tracer.evaluate.tracing`` is the API function
    from tracer.errors import TracerError
    from tracer.report.render import render

    monkeypatch.setattr(trace_module, "EXACT_LIMIT", 10)
    monkeypatch.setattr(context, "EXACT_LIMIT", 10)
    spec = load({**CASES["tanh-linear-mse"], "iterations": 30})
    tr = trace(spec)
    assert not any(it.exact for it in tr.iterations)
    assert tr.check.symbolic == tr.check.numeric == trace_module.TOO_LARGE
    prob = problem(spec)
    theta = prob.theta_float()
    for k in range(1, 31):
        _close(f"loss of iteration {k}", float(tr.iterations[k - 1].loss), np_loss(theta, prob))
        theta = np_step(theta, prob)[1]
    first = tr.first
    for key, want in zip(prob.keys, prob.theta_float(), strict=True):
        assert float(first.params[key]) == want
    assert float(first.values["z1[1]@1"]) == pytest.approx(
        float(np.dot(prob.theta_float()[:2], [float(v) for v in prob.inputs[0]]) + prob.theta_float()[8]),
        rel=1e-12,
    )
    assert len(json.loads(render(tr, "json"))["history"]) == 30
    with pytest.raises(TracerError, match="beyond the step-by-step bound of 10"):
        render(tr, "md")
