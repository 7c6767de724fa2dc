"""The matrix view: every number it shows, against an independent NumPy forward and backward pass.

The Markdown report is parsed back: each display's rows give the quantity on the left
(``Z^{[2]}``, ``dW^{[1]}``, ``W^{[1]} :=`` …) and the matrices on the right, corners and shape
included. A NumPy implementation written here (columns are samples, as in the report)
computes the same quantities in float64 from the spec, and every shown entry, at the row
and column its place in the elided matrix stands for, must agree to the digits shown.
Then: elision, the automatic choice of the view and its message, the refusal of an
explicit neuron view, the format checks (KaTeX, MathJax, pdflatex, MathML) and determinism.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import yaml

from tests.latex import compile_pdf, requires_latex
from tests.mathcheck import katex_errors, mathjax_errors, requires_node
from tests.test_cli import run
from tracer.evaluate.tracing import trace
from tracer.report.matrixtex import Grid, matrix
from tracer.report.render import render
from tracer.spec import examples, limits
from tracer.spec.loader import load

DIGITS = 8
NUMBER = re.compile(r"^(-?\d+(?:\.\d+)?)(?: \\times 10\^\{(-?\d+)\})?$")
MATRIX = re.compile(r"(\{)?\\begin\{pmatrix\}(.*?)\\end\{pmatrix\}(?:\}_\{(\d+) \\times (\d+)\})?")
DOTS = (r"\vdots", r"\cdots", r"\ddots")


# -- reading a report back -------------------------------------------------------------------


@dataclasses.dataclass
class Shown:
    """A matrix as printed: its cells (None for dots) and the shape written under it, if any."""

    cells: list[list[float | None]]
    shape: tuple[int, int] | None


def number(text: str) -> float:
    found = NUMBER.match(text.strip())
    assert found, f"not a number: {text!r}"
    return float(found[1]) * 10.0 ** int(found[2] or 0)


def matrices(rhs: str) -> list[Shown | float]:
    """The matrices and numbers of a row's right-hand side, in order; none for a symbolic row.

    The learning rate of an update (``- 0.5 \\cdot``) and the 1/m in front of dW's numbers
    are part of the formula, not values shown."""
    found: list[Shown] = []

    def placeholder(m: re.Match[str]) -> str:
        rows = [[None if c.strip() in DOTS else number(c) for c in r.split("&")] for r in m[2].split(r"\\")]
        found.append(Shown(rows, (int(m[3]), int(m[4])) if m[3] else None))
        return f" M{len(found) - 1} "

    body = MATRIX.sub(placeholder, re.sub(r"^\s*(=|\\approx|:=)?\s*(\\qquad)?", "", rhs))
    body = re.sub(r"- (\\left\(.*?\\right\)|\S+) \\cdot|^\\frac\{1\}\{\d+\}", " ", body.strip())
    token = r"M\d+|-?\d+(?:\.\d+)?(?: \\times 10\^\{-?\d+\})?"
    if re.sub(rf"{token}|[-+]|\\cdot|\\odot|\s", "", body):
        return []  # symbols: a formula, not numbers
    return [found[int(t[1:])] if t.startswith("M") else number(t) for t in re.findall(token, body)]


def equations(md: str) -> dict[str, list[tuple[str, list[Shown | float]]]]:
    """Section heading → [(left-hand side, [matrices of all its rows])] of its displays."""
    out: dict[str, list] = {}
    section, lines, i = "", md.split("\n"), 0
    while i < len(lines):
        if lines[i].startswith("## "):
            section = lines[i][3:]
        if lines[i] == "$$":
            end = lines.index("$$", i + 1)
            for row in lines[i + 1 : end]:
                if row.startswith("\\begin{aligned}") or row.startswith("\\end{aligned}"):
                    continue
                lhs, _, rhs = row.removesuffix(" \\\\").partition("&")
                if lhs.strip():
                    out.setdefault(section, []).append((lhs.strip(), []))
                out[section][-1][1].extend(matrices(rhs))
            i = end
        i += 1
    return out


def agree(what: str, shown: Shown | float, want: np.ndarray | float) -> None:
    """Every shown entry is the entry of ``want`` at the place it stands for, to 8 digits."""
    want = np.atleast_2d(np.asarray(want, dtype=float))
    if not isinstance(shown, Shown):
        assert want.shape == (1, 1), what
        shown = Shown([[shown]], None)
    rows, cols = want.shape
    assert shown.shape in (None, (rows, cols)), f"{what}: shape {shown.shape}, expected {rows}x{cols}"
    scale = float(np.max(np.abs(want))) or 1.0
    for i, j, value in placed(shown, rows, cols, what):
        tolerance = 6e-8 * abs(want[i, j]) + 1e-11 * scale
        assert abs(value - want[i, j]) <= tolerance, (
            f"{what}[{i + 1},{j + 1}]: shown {value}, numpy {want[i, j]}"
        )


def placed(shown: Shown, rows: int, cols: int, what: str) -> list[tuple[int, int, float]]:
    """(row, column, value) of every shown number: cells before a dots row (column) are the
    first rows (columns), cells after it the last ones."""

    def indices(flags: list[bool], size: int) -> list[int | None]:
        if all(flags):
            assert len(flags) == size, f"{what}: {len(flags)} shown of {size} without dots"
            return list(range(size))
        gap = flags.index(False)
        assert flags.count(False) == 1 and size > len(flags) - 1, what
        head, tail = gap, len(flags) - gap - 1
        return [*range(head), None, *range(size - tail, size)]

    row_at = indices([any(c is not None for c in r) for r in shown.cells], rows)
    col_at = indices([any(r[j] is not None for r in shown.cells) for j in range(len(shown.cells[0]))], cols)
    out = []
    for r, i in zip(shown.cells, row_at, strict=True):
        for value, j in zip(r, col_at, strict=True):
            assert (value is None) == (i is None or j is None), f"{what}: dots out of place"
            if value is not None:
                out.append((i, j, value))
    return out


# -- the NumPy oracle (samples are columns) --------------------------------------------------


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def act(name: str, z: np.ndarray, slope: float) -> tuple[np.ndarray, np.ndarray]:
    """f(Z) and f′(Z) entry by entry (softmax: its outputs, and None for f′)."""
    if name == "sigmoid":
        return sigmoid(z), sigmoid(z) * (1 - sigmoid(z))
    if name == "tanh":
        return np.tanh(z), 1 - np.tanh(z) ** 2
    if name == "relu":
        return np.where(z > 0, z, 0.0), (z > 0).astype(float)  # relu'(0) = 0
    if name == "leaky_relu":
        return np.where(z > 0, z, slope * z), np.where(z > 0, 1.0, slope)
    if name == "softplus":
        return np.logaddexp(0.0, z), sigmoid(z)
    if name == "linear":
        return z, np.ones_like(z)
    e = np.exp(z - z.max(axis=0))
    return e / e.sum(axis=0), None


def loss_terms(loss: str, y: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each output's loss term and its derivative with respect to the output."""
    if loss == "half_sse":
        return (y - a) ** 2 / 2, a - y
    if loss in ("sse", "mse"):
        return (y - a) ** 2, 2 * (a - y)
    if loss == "bce":
        return -(y * np.log(a) + (1 - y) * np.log(1 - a)), (a - y) / (a * (1 - a))
    return -y * np.log(a), -y / a


class Oracle:
    """One spec's network as NumPy matrices: forward, backward, update, training."""

    def __init__(self, spec) -> None:
        self.spec = spec
        f = np.vectorize(float)
        self.W = [f(np.array(layer.weights, dtype=object)) for layer in spec.layers]
        self.b = [
            f(np.array(layer.biases, dtype=object)).reshape(-1, 1)
            if layer.biases is not None
            else float(layer.shared_bias)
            if layer.shared_bias is not None
            else None
            for layer in spec.layers
        ]
        self.X = f(np.array([s.inputs for s in spec.samples], dtype=object)).T
        self.Y = f(np.array([s.targets for s in spec.samples], dtype=object)).T
        self.m, self.K = self.X.shape[1], self.Y.shape[0]
        per_sample = spec.loss == "cross_entropy"
        self.mean = spec.reduction == "mean"
        self.scale = 1.0 if not self.mean else 1 / self.m if per_sample else 1 / (self.m * self.K)
        self.per = self.m if self.mean else 1

    def trainable(self, l: int, kind: str, shape: tuple[int, ...]) -> np.ndarray:
        """1 where a parameter of layer l's W (or b) is trained, 0 where it is frozen."""
        frozen = set(self.spec.frozen)
        group = "weights" if kind == "W" else "biases"
        if kind == "W":
            keys = {(j, i): f"W{l}[{j + 1},{i + 1}]" for j in range(shape[0]) for i in range(shape[1])}
        else:
            keys = {(j, 0): f"b{l}[{j + 1}]" for j in range(shape[0])} if shape != () else {(): f"b{l}"}
        mask = np.ones(shape)
        for where, k in keys.items():
            if k in frozen or group in frozen:
                mask[where] = 0.0
        return mask

    def run(self, W: list, b: list) -> dict:
        """Every quantity of one iteration at the parameters W, b."""
        A, Z, slopes = [self.X], [], [float(x.slope or 0) for x in self.spec.layers]
        for l, layer in enumerate(self.spec.layers):
            z = W[l] @ A[-1] + (0.0 if b[l] is None else b[l])
            Z.append(z)
            A.append(act(layer.activation, z, slopes[l])[0])
        terms, dterm = loss_terms(self.spec.loss, self.Y, A[-1])
        out: dict = {"A": A, "Z": Z, "L": self.scale * terms.sum()}
        out.update({k: {} for k in ("dA", "fp", "dZ", "dW", "db")})
        da = self.scale * self.per * dterm
        for l in range(len(self.spec.layers), 0, -1):
            layer = self.spec.layers[l - 1]
            out["dA"][l] = da
            fp = act(layer.activation, Z[l - 1], slopes[l - 1])[1]
            # softmax (no f′): each column through its Jacobian a_k(δ_kj − a_j)
            dz = A[l] * (da - (A[l] * da).sum(axis=0)) if fp is None else da * fp
            out["fp"][l], out["dZ"][l] = fp, dz
            out["dW"][l] = dz @ A[l - 1].T / self.per
            out["db"][l] = None if b[l - 1] is None else dz.sum(axis=1, keepdims=True) / self.per
            if isinstance(b[l - 1], float):
                out["db"][l] = float(dz.sum()) / self.per
            da = W[l - 1].T @ dz
        return out

    def step(self, W: list, b: list, got: dict) -> tuple[list, list]:
        eta = float(self.spec.learning_rate)
        new_W = [w - eta * got["dW"][l + 1] * self.trainable(l + 1, "W", w.shape) for l, w in enumerate(W)]
        new_b = []
        for l, bias in enumerate(b):
            if bias is None:
                new_b.append(None)
            else:
                mask = self.trainable(l + 1, "b", np.shape(bias))
                new_b.append(bias - eta * got["db"][l + 1] * (mask if np.shape(bias) else float(mask)))
        return new_W, new_b

    def train(self, iterations: int) -> tuple[list, list]:
        W, b = self.W, self.b
        for _ in range(iterations):
            W, b = self.step(W, b, self.run(W, b))
        return W, b


def expected(oracle: Oracle, section: str, lhs: str, count: int, state: dict) -> list:
    """The values a display of ``section`` with left-hand side ``lhs`` shows, in order."""
    first, W, b = state["first"], oracle.W, oracle.b
    L = len(oracle.spec.layers)
    name, l = (lhs.split("^")[0], int(re.search(r"\[(\d+)\]", lhs)[1])) if "^{[" in lhs else (lhs, 0)
    if section == "network":
        return {"W": [W[l - 1]], "b": [b[l - 1]], "A": [oracle.X], "Y": [oracle.Y]}[name]
    if section == "forward":
        if name == "Z":
            return [W[l - 1], first["A"][l - 1], *([] if b[l - 1] is None else [b[l - 1]]), first["Z"][l - 1]]
        return [first["A"][l]] if name == "A" else [first["L"]]
    if section == "backward":
        dz = first["dZ"].get(l)
        table = {
            "dA": [first["dA"][l]] if l == L else [W[l].T, first["dZ"][l + 1], first["dA"][l]],
            "dZ": [dz] if count == 1 else [first["dA"][l], first["fp"][l], dz],
            "dz": [first["dZ"][L]],
            "dW": [dz, first["A"][l - 1].T, first["dW"][l]],
            "db": [first["db"][l]],
        }
        return table[name]
    if section == "update":
        new_W, new_b = state["updated"]
        if name == "W":
            return [W[l - 1], first["dW"][l], new_W[l - 1]]
        return [b[l - 1], first["db"][l], new_b[l - 1]]
    final_W, final_b = state["trained"]
    return {
        "W": [final_W[l - 1]],
        "b": [final_b[l - 1]],
        "A": [oracle.run(final_W, final_b)["A"][L]],
        "Y": [oracle.Y],
    }[name]


SECTIONS = {
    "1. The network": "network",
    "3. Forward pass": "forward",
    "4. Backward pass": "backward",
    "5. Gradient-descent update": "update",
    "6. Training": "training",
}


def check_report(spec, md: str) -> int:
    """Compare every matrix and number of a matrix-view report with the oracle; the count."""
    oracle = Oracle(spec)
    first = oracle.run(oracle.W, oracle.b)
    updated = oracle.step(oracle.W, oracle.b, first)
    state = {"first": first, "updated": updated}
    if spec.iterations > 1:
        state["trained"] = oracle.train(spec.iterations)
    found = equations(md)
    assert set(SECTIONS) - ({"6. Training"} if spec.iterations == 1 else set()) <= set(found), list(found)
    checked = 0
    for heading, section in SECTIONS.items():
        for lhs, shown in found.get(heading, []):
            if lhs.endswith(":") or (section == "update" and not shown):
                continue  # a frozen matrix: W := W, no numbers
            want = expected(oracle, section, lhs, len(shown), state)
            assert len(shown) == len(want), (
                f"{section} {lhs}: {len(shown)} values shown, {len(want)} expected"
            )
            # float64 training in another order of operations: a looser tolerance
            compare = agree_training if section == "training" else agree
            for k, (s, w) in enumerate(zip(shown, want, strict=True)):
                compare(f"{section} {lhs} #{k}", s, w)
                checked += 1
    after = re.search(r"\$L\^\{\+\} (?:=|\\approx) ([^$]+)\$", md)
    assert after, "no loss after the update"
    agree("L+", number(after[1]), oracle.run(*updated)["L"])
    return checked


def agree_training(what: str, shown: Shown | float, want) -> None:
    want = np.atleast_2d(np.asarray(want, dtype=float))
    shown = shown if isinstance(shown, Shown) else Shown([[shown]], None)
    scale = float(np.max(np.abs(want))) or 1.0
    for i, j, value in placed(shown, *want.shape, what):
        tolerance = 1e-6 * abs(want[i, j]) + 1e-9 * scale
        assert abs(value - want[i, j]) <= tolerance, f"{what}[{i + 1},{j + 1}]: {value} vs {want[i, j]}"


# -- every built-in example, and random deep ReLU networks ----------------------------------


@pytest.fixture(scope="module")
def relu_deep():
    tr = trace(examples.load("relu-deep"))
    return tr, render(tr, "md")


@pytest.mark.parametrize("name", [n for n in examples.names() if n != "relu-deep"])
def test_every_number_of_an_example_in_matrix_view(name: str) -> None:
    spec = examples.load(name)
    md = render(trace(spec), "md", view="matrix")
    assert check_report(spec, md) >= 10 * len(spec.layers)


def test_every_number_of_the_relu_article_network(relu_deep) -> None:
    tr, md = relu_deep
    assert "Matrix view" in md and r"{64 \times 64}" in md
    assert check_report(tr.spec, md) > 60
    assert tr.final_loss < tr.first.loss / 1000  # it trains: from about 584 to about 0.0014
    oracle = Oracle(tr.spec)
    Z = oracle.run(oracle.W, oracle.b)["Z"]
    notes = re.findall(r"(\d+) of the (\d+) entries of \$Z\^\{\[(\d)\]\}\$ are at most 0", md)
    assert [int(layer) for _, _, layer in notes] == [3, 2, 1]  # the ReLU layers, from the output
    for count, total, layer in notes:
        z = Z[int(layer) - 1]
        assert (int(count), int(total)) == (int((z <= 0).sum()), z.size)


def random_relu_spec(seed: int, frozen: list[str] | None = None, **extra) -> dict:
    """A deep ReLU network with every dimension above the elision bound somewhere."""
    rng = np.random.default_rng(seed)
    sizes = [3, *rng.integers(5, 11, size=3).tolist(), 2]
    m = int(rng.integers(7, 10))

    def numbers(*shape: int) -> list:
        return np.round(rng.uniform(-1, 1, size=shape), 2).tolist()

    layers = [
        {
            "units": sizes[l],
            "activation": "relu" if l < len(sizes) - 1 else "linear",
            "weights": numbers(sizes[l], sizes[l - 1]),
            "biases": numbers(sizes[l]),
        }
        for l in range(1, len(sizes))
    ]
    samples = [{"inputs": numbers(sizes[0]), "targets": numbers(sizes[-1])} for _ in range(m)]
    spec = {"samples": samples, "layers": layers, "loss": "mse", "learning_rate": 0.05, **extra}
    if frozen:
        spec["frozen"] = frozen
    return spec


@pytest.mark.parametrize(
    ("seed", "frozen"), [(1, None), (2, None), (3, ["biases", "W2[1,1]", "W2[3,4]"]), (4, ["weights"])]
)
def test_every_number_of_a_random_deep_relu_network(seed: int, frozen: list[str] | None) -> None:
    spec = load(random_relu_spec(seed, frozen, iterations=3), force=limits.Lift(neuron=True))
    md = render(trace(spec), "md", view="matrix")
    assert check_report(spec, md) > 40
    if frozen:
        assert "frozen" in md


# Other shapes of the equations: a shared bias, no bias, softmax without the collapse (its
# Jacobian per column), sigmoid + BCE (collapsed by SymPy), tanh, softplus, leaky ReLU, sum.
VARIANTS = {
    "shared-bias-tanh": {
        "layers": [
            {
                "units": 7,
                "activation": "tanh",
                "weights": [[0.1, -0.2]] * 3 + [[0.3, 0.4]] * 4,
                "biases": 0.1,
            },
            {"units": 2, "activation": "softplus", "weights": [[0.2] * 7, [-0.1] * 7]},
        ],
        "loss": "half_sse",
    },
    "softmax-mse": {
        "layers": [
            {
                "units": 3,
                "activation": "leaky_relu",
                "slope": 0.2,
                "weights": [[0.5, -1], [0.3, 0.8], [-0.6, 0.1]],
            },
            {
                "units": 2,
                "activation": "softmax",
                "weights": [[0.4, -0.2, 0.9], [-0.7, 0.5, 0.3]],
                "biases": [0, 0.1],
            },
        ],
        "loss": "mse",
        "reduction": "sum",
    },
    "sigmoid-bce": {
        "layers": [
            {"units": 4, "activation": "sigmoid", "weights": [[0.5, -1], [0.3, 0.8], [-0.6, 0.1], [1, 1]]},
            {"units": 2, "activation": "sigmoid", "weights": [[0.4, -0.2, 0.9, 0.1], [-0.7, 0.5, 0.3, 0]]},
        ],
        "loss": "bce",
    },
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_number_of_other_layer_kinds(name: str) -> None:
    points = [[0.2, -0.4], [0.9, 0.1], [-0.5, 0.7], [0.3, 0.3], [-0.8, -0.6], [0.6, -0.9], [0.1, 0.5]]
    targets = [[0.2, 0.8], [0.9, 0.1], [0.5, 0.5], [0.3, 0.7], [0.6, 0.4], [1, 0], [0, 1]]
    spec = load(
        {
            "samples": [{"inputs": x, "targets": y} for x, y in zip(points, targets, strict=True)],
            "learning_rate": 0.5,
            **VARIANTS[name],
        }
    )
    md = render(trace(spec), "md", view="matrix")
    assert check_report(spec, md) > 20
    if name == "sigmoid-bce":
        # SymPy's simplification of dA ⊙ σ′(Z); the 1/2 is the mean over the K = 2 outputs
        assert r"&= \frac{1}{2} \cdot \left(A^{[2]} - Y\right) \\" in md
    if name == "softmax-mse":
        assert r"J^{(n)\top}" in md


def test_the_article_gradient_is_half_the_mse_gradient(relu_deep) -> None:
    """Seed 004's backward pass starts from dA = A − Y while it reports the MSE: its dW is half
    the MSE's (the gradient of half the squared error), as the README says."""
    tr, _ = relu_deep
    oracle = Oracle(tr.spec)
    got = oracle.run(oracle.W, oracle.b)
    A, L = got["A"], len(oracle.W)
    dz = A[L] - oracle.Y  # the article: dA = perceptron_inputs[-1] - target; linear output
    for l in range(L, 0, -1):
        article_dW = dz @ A[l - 1].T / oracle.m
        assert np.allclose(article_dW, got["dW"][l] / 2, rtol=1e-12, atol=1e-14)
        values = tr.first.values
        assert np.isclose(float(values[f"dL/dW{l}[1,1]"]), 2 * article_dW[0, 0], rtol=1e-12)
        dz = (oracle.W[l - 1].T @ dz) * (got["Z"][l - 2] > 0) if l > 1 else None


# -- elision ---------------------------------------------------------------------------------


def test_a_large_matrix_shows_its_corners_and_its_shape() -> None:
    grid = Grid(10, 7, lambda i, j: sp.Integer(10 * i + j))
    text, exact = matrix(grid, DIGITS)
    shown = matrices(text)[0]
    assert exact and shown.shape == (10, 7)
    assert shown.cells[0] == [11, 12, 13, None, 16, 17]
    assert shown.cells[3] == [None] * 6 and r"\ddots" in text and text.count(r"\vdots") == 5
    assert shown.cells[-1] == [101, 102, 103, None, 106, 107]
    assert [r[0] for r in shown.cells] == [11, 21, 31, None, 91, 101]


def test_a_small_matrix_is_shown_whole() -> None:
    text, exact = matrix(Grid(6, 6, lambda i, j: sp.Rational(1, i + j)), 4)
    shown = matrices(text)[0]
    assert shown.shape is None and not exact  # 1/3 is rounded
    assert len(shown.cells) == 6 and all(len(r) == 6 and None not in r for r in shown.cells)
    assert shown.cells[1][0] == 0.3333  # 4 significant digits
    text, _ = matrix(Grid(1, 7, lambda i, j: sp.Integer(j)), 4)
    assert matrices(text)[0].cells == [[1, 2, 3, None, 6, 7]] and text.endswith(r"_{1 \times 7}")


# -- choosing the view -----------------------------------------------------------------------


@pytest.mark.slow
def test_a_large_network_takes_the_matrix_view_and_says_so() -> None:
    rc, out, err = run("report", "relu-deep", "--no-check")
    assert rc == 0 and "Matrix view" in out and r"{64 \times 64}" in out
    assert err == (
        "tracer: a neuron-by-neuron report of this 2-64-64-64-1 network would detail 8577 parameters"
        " x 8 samples = 68616 gradient steps (the limit is 2000): using the matrix view"
        " (--view neuron --force details every neuron)\n"
    )
    assert run("report", "relu-deep", "--no-check", "--view", "matrix")[1:] == (out, "")  # asked: no message
    rc, out, err = run("report", "relu-deep", "--no-check", "--iterations", "1", "-f", "json")
    assert (rc, err) == (0, "") and out.startswith("{")  # the trace: no view, no message


def test_an_explicit_neuron_view_of_a_large_network_is_refused() -> None:
    rc, out, err = run("report", "relu-deep", "--view", "neuron")
    assert (rc, out) == (2, "")
    assert err == (
        "tracer: relu-deep: the neuron-by-neuron report of this 2-64-64-64-1 network would detail"
        " 8577 parameters x 8 samples = 68616 gradient steps; the limit is 2000"
        " (--view matrix shows it in matrix form; --force details every neuron)\n"
    )


def test_a_small_network_keeps_the_neuron_view(tmp_path: Path) -> None:
    rc, out, err = run("report", "xor-231")
    assert (rc, err) == (0, "") and "Matrix view" not in out and "Sample 4" in out
    rc, out, err = run("report", "xor-231", "--view", "matrix")
    assert (rc, err) == (0, "") and "Matrix view" in out and "Sample 4" not in out
    assert limits.view_for(limits.MAX_REPORT_STEPS) == "neuron"
    assert limits.view_for(limits.MAX_REPORT_STEPS + 1) == "matrix"


def test_options_of_the_neuron_view_only_are_refused_with_the_matrix_view() -> None:
    rc, _, err = run("report", "xor-231", "--view", "matrix", "--carry-rounded")
    assert rc == 2 and err.startswith("tracer: --carry-rounded: applies to the neuron view only")
    rc, _, err = run("report", "relu-deep", "--exact")
    assert rc == 2 and "chosen for its size" in err


def test_exact_work_is_bounded_whatever_the_view(tmp_path: Path) -> None:
    layers = [{"units": 100, "activation": "relu"}, {"units": 100, "activation": "relu"}]
    layers.append({"units": 1, "activation": "linear"})
    samples = [{"inputs": [n / 10, 1], "targets": [n]} for n in range(25)]  # 10 300 weights x 25 samples
    spec = {
        "samples": samples,
        "layers": layers,
        "loss": "mse",
        "learning_rate": 0.1,
        "init": {"method": "he"},
    }
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    rc, _, err = run("report", str(path), "-f", "json")
    assert err == (
        f"tracer: samples (line 12): computing an iteration of this 2-100-100-1 network exactly takes 10300"
        f" parameters x 25 samples = 257500 gradient steps; the limit is {limits.MAX_EXACT_STEPS}"
        " (--force goes beyond it)\n"
    )
    assert rc == 2
    rc, _, err = run("report", "relu-deep", "--detail", "1,2,3")
    assert rc == 2 and err.startswith("tracer: --detail: computing iterations 1 to 3 exactly")


# -- every format ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_traces() -> dict:
    return {name: trace(examples.load(name)) for name in ("xor-231", "softmax-233-ce", "sigmoid-222-bias")}


@requires_node
def test_matrix_view_formulas_parse_in_katex_and_mathjax(small_traces) -> None:
    from tests.test_formats import html_formulas, md_formulas

    items = {}
    for tr in small_traces.values():
        for lang in ("en", "zh"):
            for f in md_formulas(render(tr, "md", view="matrix", lang=lang)):
                items[f["tex"] + str(f["display"])] = f
            for f in html_formulas(render(tr, "html", view="matrix", lang=lang)):
                items[f["tex"] + str(f["display"])] = f
    batch = list(items.values())
    assert len(batch) > 100
    assert katex_errors(batch) == []
    assert mathjax_errors(batch) == []


def test_matrix_view_html_is_mathml_with_tables_for_matrices(small_traces) -> None:
    page = render(small_traces["xor-231"], "html", view="matrix")
    assert "<merror" not in page and "<mi>&amp;</mi>" not in page and "<mi>&</mi>" not in page
    assert page.count("<mtable") > 40  # every aligned block and every matrix


@requires_latex
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_matrix_view_latex_compiles(small_traces, lang: str, tmp_path: Path) -> None:
    tex = render(small_traces["softmax-233-ce"], "tex", view="matrix", lang=lang)
    assert compile_pdf(tex, tmp_path).stat().st_size > 10_000


def test_fragment_and_user_templates_work_with_the_matrix_view(small_traces, tmp_path: Path) -> None:
    tr = small_traces["xor-231"]
    assert not render(tr, "tex", view="matrix", fragment=True).startswith("\\documentclass")
    (tmp_path / "default").mkdir()
    (tmp_path / "default" / "matrix.jinja2").write_text("MINE {{ details | length }}\n", encoding="utf-8")
    assert "MINE 1" in render(tr, "md", view="matrix", template_dir=tmp_path)
    docs = Path(__file__).resolve().parents[1] / "docs" / "templates"
    assert "Answer sheet" in render(tr, "md", view="matrix", template_dir=docs)


def test_matrix_view_is_deterministic_and_json_ignores_the_view(small_traces) -> None:
    tr = small_traces["softmax-233-ce"]
    assert render(tr, "md", view="matrix") == render(tr, "md", view="matrix")
    assert render(tr, "json", view="matrix") == render(tr, "json", view="neuron") == render(tr, "json")


def test_several_detailed_iterations_in_matrix_view(small_traces) -> None:
    md = render(small_traces["xor-231"], "md", view="matrix", detail=(1, 3))
    assert "## 3. Iteration 1 in detail" in md and "## 4. Iteration 3 in detail" in md
    assert "## 5. Training" in md
