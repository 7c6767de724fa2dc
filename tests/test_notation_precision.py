"""Notations name every quantity and resolve back; --exact and --carry-rounded show the right numbers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

import mpmath
import pytest
import sympy as sp

from tests.shared import Traces
from tracer.evaluate.precision import carried_values, exact_values
from tracer.evaluate.tracing import trace
from tracer.notation import NOTATIONS, for_network
from tracer.report.render import render
from tracer.spec.loader import load

TRACES = Traces(("sigmoid-222-bias", "xor-231", "relu-mean"))  # traced on first use


# -- notations --------------------------------------------------------------------------------


@pytest.mark.parametrize("notation", NOTATIONS)
@pytest.mark.parametrize("name", sorted(TRACES))
def test_every_name_resolves_back_to_its_key(name: str, notation: str) -> None:
    net = TRACES[name].network
    names = net.notation(notation)
    keys = names.keys(net.n_samples)
    texts = {names.text(k) for k in keys}
    latex = {names.latex(k) for k in keys}
    assert len(texts) == len(keys) and len(latex) == len(keys)  # no two quantities share a name
    for k in keys:
        assert names.resolve(names.text(k), net.n_samples) == k
    for p in net.params:
        for derived in (f"dL/d{p.key}", f"{p.key}+"):
            assert names.resolve(names.text(derived), net.n_samples) == derived


def test_node_notation_numbers_nodes_through_the_network() -> None:
    """Seed 000: inputs 1, 2; hidden 3, 4; outputs 5, 6; w_ji from node i into node j."""
    names = for_network("node", (2, 2, 2))
    assert names.text("W1[1,2]") == "w32" and names.latex("W1[1,2]") == "w_{32}"
    assert names.text("W2[2,1]") == "w63" and names.text("b2[1]") == "w5b"
    assert names.text("a1[2]") == "a4" and names.text("z2[2]") == "z6" and names.text("y[2]") == "t2"
    assert names.resolve("w_{53}") == "W2[1,1]" and names.resolve("a1") == "x[1]"
    assert for_network("node", (8, 16, 4)).text("W2[3,10]") == "w27,18"  # commas once numbers pass 9


def test_flat_notation_numbers_weights_row_by_row() -> None:
    """Seed 003 and the best-known English worked example: w1…w8, b1, b2, net_h1, out_o2."""
    names = for_network("flat", (2, 2, 2), frozenset({1, 2}))
    assert [names.text(f"W1[{j},{i}]") for j in (1, 2) for i in (1, 2)] == ["w1", "w2", "w3", "w4"]
    assert names.text("W2[2,2]") == "w8" and names.text("b1") == "b1" and names.text("b2") == "b2"
    assert names.text("z1[1]") == "net_h1" and names.text("a2[2]") == "out_o2"
    assert names.resolve("i1") == "x[1]" and names.resolve("target_o2") == "y[2]"
    assert names.resolve("dL/dw5") == "dL/dW2[1,1]" and names.resolve("w5+") == "W2[1,1]+"
    two_hidden = for_network("flat", (2, 3, 2, 1))
    assert two_hidden.text("a2[1]") == "out_h4"  # hidden units numbered through hidden layers


def test_unknown_names_suggest_the_closest() -> None:
    names = for_network("node", (2, 2, 2))
    with pytest.raises(KeyError, match=r"'w35' names nothing in the node notation; did you mean"):
        names.resolve("w35")


def test_the_spec_chooses_the_notation_and_the_option_overrides_it() -> None:
    tr = TRACES["sigmoid-222-bias"]  # its spec says node
    assert "w_{53}" in render(tr) and "W^{[2]}_{11}" not in render(tr).split("## 3.", 1)[1]
    layer = render(tr, notation="layer")
    assert "\\frac{\\partial L}{\\partial W^{[2]}_{11}}" in layer and "w_{53}" not in layer
    flat = render(tr, notation="flat")
    assert "\\mathrm{out}_{o_{1}}" in flat and "\\frac{\\partial L}{\\partial w_{5}}" in flat


# -- exact values ----------------------------------------------------------------------------


def test_exact_values_are_shown_where_short() -> None:
    md = render(TRACES["sigmoid-222-bias"], exact=True)
    assert "**Exact values** are written out" in md
    # a₃ = σ(0.505) exactly, then its decimal value
    assert "= \\frac{1}{1 + e^{- 0.505}} \\approx 0.62363363" in md
    exact = exact_values(TRACES["sigmoid-222-bias"].steps, TRACES["sigmoid-222-bias"].first.values)
    assert exact["a1[1]"] == 1 / (1 + sp.exp(-sp.Rational(101, 200)))
    assert exact["z1[1]"] == sp.Rational(101, 200)
    thirds = trace(
        load(
            {
                "inputs": ["1"],
                "targets": ["1"],
                "layers": [{"units": 1, "activation": "linear", "weights": [["1/3"]], "biases": ["0"]}],
                "loss": "half_sse",
                "learning_rate": "0.5",
            }
        )
    )
    assert "= \\frac{1}{3} \\approx 0.33333333" in render(thirds, exact=True)
    assert "\\frac{1}{3}" not in render(thirds)


def test_exact_values_agree_with_the_numbers() -> None:
    tr = TRACES["xor-231"]
    exact = exact_values(tr.steps, tr.first.values)
    assert sum(v is not None for v in exact.values()) > 40
    for key, value in exact.items():
        if value is not None and key in tr.first.values:
            assert abs(sp.N(value - tr.first.values[key], 40)) < sp.Float("1e-40"), key


# -- carried rounding -----------------------------------------------------------------------


def _round(x: object, digits: int) -> Decimal:
    return Context(prec=digits, rounding=ROUND_HALF_UP).plus(Decimal(mpmath.nstr(x, 50, strip_zeros=False)))


def _by_hand(digits: int) -> dict[str, Decimal]:
    """Seed 000's network computed the way a student does: every result rounded before it is used."""
    mpmath.mp.dps = 60
    r = lambda x: _round(x, digits)  # noqa: E731
    sig = lambda z: 1 / (1 + mpmath.exp(-mpmath.mpf(str(z))))  # noqa: E731
    x = [Decimal("0.02"), Decimal("0.04")]
    t = [Decimal("0.5"), Decimal("0.9")]
    w1 = [[Decimal("0.05"), Decimal("0.1")], [Decimal("0.15"), Decimal("0.2")]]
    w2 = [[Decimal("0.25"), Decimal("0.3")], [Decimal("0.35"), Decimal("0.4")]]
    b1, b2 = Decimal("0.5"), Decimal("0.9")
    h = [r(sig(r(w1[j][0] * x[0] + w1[j][1] * x[1] + b1))) for j in range(2)]
    o = [r(sig(r(w2[k][0] * h[0] + w2[k][1] * h[1] + b2))) for k in range(2)]
    d_out = [r(r(o[k] - t[k]) * r(o[k] * (1 - o[k]))) for k in range(2)]
    g53 = r((o[0] - t[0]) * o[0] * (1 - o[0]) * h[0])
    dh = [r(d_out[0] * w2[0][j] + d_out[1] * w2[1][j]) for j in range(2)]
    d_hid = [r(dh[j] * r(h[j] * (1 - h[j]))) for j in range(2)]
    g31 = r((d_out[0] * w2[0][0] + d_out[1] * w2[1][0]) * h[0] * (1 - h[0]) * x[0])
    return {
        "a1[1]": h[0],
        "a2[1]": o[0],
        "a2[2]": o[1],
        "delta2[1]": d_out[0],
        "delta2[2]": d_out[1],
        "delta1[1]": d_hid[0],
        "dL/dW2[1,1]": g53,
        "dL/dW1[1,1]": g31,
        "W2[1,1]+": r(w2[0][0] - Decimal("0.5") * g53),
    }


@pytest.mark.parametrize("digits", [3, 4, 6])
def test_carried_rounding_matches_a_hand_computation(digits: int) -> None:
    tr = TRACES["sigmoid-222-bias"]
    carried = carried_values(tr.steps, tr.first.values, digits)
    for key, expected in _by_hand(digits).items():
        assert Decimal(str(sp.N(carried.values[key], 30))).normalize() == expected.normalize(), key
    assert carried.full  # with few digits, some result changes in its last digit
    for key, full in carried.full.items():  # noted exactly where the written-down digits differ
        assert _round(sp.N(full, 50), digits) != _round(sp.N(carried.values[key], 50), digits), key
    for key in set(_by_hand(digits)) - set(carried.full):
        assert _round(sp.N(tr.first.values[key], 50), digits) == _round(sp.N(carried.values[key], 50), digits)


def test_carried_report_notes_the_changed_digits() -> None:
    tr = TRACES["sigmoid-222-bias"]
    md = render(tr, digits=4, carry_rounded=True)
    assert "**Rounded values are carried forward:**" in md
    carried = carried_values(tr.steps, tr.first.values, 4)
    notes = md.count("> Written-down values carried forward: full precision gives")
    assert notes == len(carried.full) > 0
    # the numbers line of a₅ uses the written-down a₃ and a₄
    assert "0.25 \\cdot 0.6236 + 0.3 \\cdot 0.625 + 0.9" in md
    # the summary table shows the written-down gradient
    g = carried.values["dL/dW2[1,1]"]
    assert f"| $w_{{53}}$ | 0.25 | {float(g):.4g} |" in md


def test_full_precision_and_carried_agree_when_nothing_is_rounded() -> None:
    spec = load(
        {
            "inputs": ["0.5"],
            "targets": ["1"],
            "layers": [{"units": 1, "activation": "linear", "weights": [["0.5"]], "biases": ["0.25"]}],
            "loss": "half_sse",
            "learning_rate": "0.5",
        }
    )
    tr = trace(spec)
    assert render(tr, carry_rounded=True).split("## 1.", 1)[1] == render(tr).split("## 1.", 1)[1]
