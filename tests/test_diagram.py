"""Network diagrams: valid SVG, no overlapping text, the trace's numbers, TikZ that compiles.

Overlaps are checked on the SVG as written, with this file's own estimate of each text's box
(0.6 em a character, from its font size and characters, with the baseline shifts of its
tspans), against every other text and every circle; and, in headless Chromium, with the boxes
the browser measures for the fonts it really uses. The numbers are parsed back from the text
and compared with the trace's values, within the rounding of the digits shown.
"""

from __future__ import annotations

import base64
import json
import math
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.browser import dump_dom, requires_chromium, screenshot
from tests.latex import compile_pdf, pdf_pages_to_png, requires_latex
from tests.shared import Traces, by_size
from tracer.cli import main
from tracer.evaluate.tracing import Trace, trace
from tracer.notation import NOTATIONS, Notation
from tracer.report.diagram import Picture, build, for_report
from tracer.report.lang import Strings
from tracer.report.render import render, template_dirs
from tracer.spec import examples
from tracer.spec.loader import load

NS = "{http://www.w3.org/2000/svg}"
EM = 0.6  # estimated advance of a character, in em
TRACES = Traces(check=False)  # each example traced on first use, once per session
STRINGS = {lang: Strings(lang, template_dirs()) for lang in ("en", "zh")}


# -- reading an SVG back -------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A <text> element: what it says (tspans joined), the key it shows, its estimated box."""

    plain: str
    key: str | None
    box: tuple[float, float, float, float]  # left, top, right, bottom


def texts(svg: str) -> list[Shown]:
    out = []
    for el in ET.fromstring(svg).iter(NS + "text"):
        x, y, size = float(el.get("x", 0)), float(el.get("y", 0)), float(el.get("font-size", 16))
        pieces = [(el.text or "", size, 0.0)]
        shift = 0.0
        for span in el.findall(NS + "tspan"):
            shift += float(span.get("dy", 0))
            pieces.append((span.text or "", float(span.get("font-size", size)), shift))
            pieces.append((span.tail or "", size, shift))
        width = sum(len(s) * EM * fs for s, fs, _ in pieces)
        left = x - {"start": 0, "middle": width / 2, "end": width}[el.get("text-anchor", "start")]
        top = min(y + d - 0.75 * fs for s, fs, d in pieces if s)
        bottom = max(y + d + 0.2 * fs for s, fs, d in pieces if s)
        plain = "".join(s for s, _, _ in pieces)
        out.append(Shown(plain, el.get("data-key"), (left, top, left + width, bottom)))
    return out


def circles(svg: str) -> list[tuple[float, float, float]]:
    return [
        (float(c.get("cx", 0)), float(c.get("cy", 0)), float(c.get("r", 0)))
        for c in ET.fromstring(svg).iter(NS + "circle")
    ]


def _overlap(a: tuple, b: tuple, slack: float = 0.0) -> bool:
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack


def _in_circle(box: tuple, c: tuple) -> bool:
    cx, cy, r = c
    return all((x - cx) ** 2 + (y - cy) ** 2 <= r * r for x in box[0::2] for y in box[1::2])


def _touches_circle(box: tuple, c: tuple) -> bool:
    cx, cy, r = c
    nx, ny = min(max(cx, box[0]), box[2]), min(max(cy, box[1]), box[3])
    return (nx - cx) ** 2 + (ny - cy) ** 2 < r * r


def layout_problems(
    boxes: list[tuple], rings: list[tuple], size: tuple[float, float], slack: float = 0.0
) -> list:
    """Pairs of overlapping texts, texts crossing a circle (a name inside its circle is fine),
    texts outside the picture."""
    found: list = [("outside", b) for b in boxes if b[0] < 0 or b[1] < 0 or b[2] > size[0] or b[3] > size[1]]
    for i, a in enumerate(boxes):
        found += [("texts", a, b) for b in boxes[i + 1 :] if _overlap(a, b, slack)]
        found += [("circle", a, c) for c in rings if _touches_circle(a, c) and not _in_circle(a, c)]
    return found


def svg_problems(svg: str) -> list:
    root = ET.fromstring(svg)
    size = (float(root.get("width", 0)), float(root.get("height", 0)))
    return layout_problems([t.box for t in texts(svg)], circles(svg), size)


# -- numbers -----------------------------------------------------------------------------


def number(text: str) -> float:
    """A number as the diagram writes it: −0.01234, 2.896×10−5 (the exponent a superscript)."""
    m = re.fullmatch(r"(−?[\d.]+)(?:×10(−?\d+))?", text.strip())
    assert m, f"not a number: {text!r}"
    mantissa = float(m[1].replace("−", "-"))
    return mantissa * 10 ** int(m[2].replace("−", "-")) if m[2] else mantissa


def assert_rounded(shown: float, true: float, digits: int, what: str) -> None:
    """``shown`` is ``true`` rounded to ``digits`` significant digits (half a unit in the last)."""
    if true == 0:
        assert shown == 0, what
        return
    unit = 10 ** (math.floor(math.log10(abs(true))) - digits + 1)
    assert abs(shown - true) <= unit / 2 * 1.000001 + 1e-300, f"{what}: shows {shown}, value {true}"


def value_of(tr: Trace, iteration: int, key: str) -> float:
    it = tr.iterations[iteration - 1]
    return float(it.values[key] if key in it.values else it.params[key])


def expected_keys(tr: Trace, grads: bool, sample: int = 1, short: bool = False) -> set[str]:
    """What a detailed diagram shows: every input, target, output, parameter and the loss (and
    the sample's share), every net input unless ``short``; with gradients, every δ, ∂L/∂a
    (unless ``short``) and the gradient of every trained parameter."""
    net = tr.network
    n = sample
    keys = {net.a(0, i, n) for i in range(1, net.sizes[0] + 1)}
    keys |= {net.y(k, n) for k in range(1, net.sizes[-1] + 1)}
    keys |= {p.key for p in net.params} | {"L"} | ({f"L@{n}"} if net.batch else set())
    for l in range(1, net.depth + 1):
        for j in range(1, net.sizes[l] + 1):
            keys.add(net.a(l, j, n))
            keys |= set() if short else {net.z(l, j, n)}
            if grads:
                keys |= {net.delta(l, j, n)} | (set() if short else {f"dL/d{net.a(l, j, n)}"})
    if grads:
        keys |= {(f"dL@{n}/d{p.key}" if net.batch else f"dL/d{p.key}") for p in net.trainable}
    return keys


def check_numbers(svg: str, tr: Trace, names: Notation, digits: int, iteration: int = 1) -> dict[str, str]:
    """Every text with a data-key reads ``name = value``: the value is the trace's; returns
    key → name."""
    found = {}
    for t in texts(svg):
        if t.key is None:
            continue
        name, _, value = t.plain.partition(" = ")
        assert value, t.plain
        assert_rounded(number(value), value_of(tr, iteration, t.key), digits, f"{t.key} ({t.plain})")
        found[t.key] = name
        if names.name == "node":  # the notation's own plain names, written independently
            plain = re.sub(r"\((\d+)\)", r"@\1", name).replace("∂", "d").replace("δ", "delta")
            assert plain == names.text(t.key), (t.key, name)
    return found


def picture(name: str, notation: str, grads: bool, lang: str = "en", **kw: object) -> tuple[Trace, Picture]:
    tr = TRACES[name]
    return tr, build(tr, tr.network.notation(notation), STRINGS[lang], grads=grads, **kw)  # type: ignore[arg-type]


# -- built-in examples ---------------------------------------------------------------------

#: Examples drawn unit by unit (relu-deep, 2-64-64-64-1, is drawn as one box per layer).
DETAILED = sorted(n for n in TRACES if n != "relu-deep")
CASES = [(name, notation, grads) for name in DETAILED for notation in NOTATIONS for grads in (False, True)]


def test_a_large_example_gets_the_compact_diagram() -> None:
    _, pic = picture("relu-deep", "layer", False)
    svg = pic.svg()
    assert not pic.svg_scene.detailed and svg_problems(svg) == []
    assert "64" in "".join(t.plain for t in texts(svg))


@pytest.mark.parametrize(("name", "notation", "grads"), CASES)
def test_example_diagram_is_valid_svg_without_overlaps_and_shows_the_trace(
    name: str, notation: str, grads: bool
) -> None:
    tr, pic = picture(name, notation, grads)
    svg = pic.svg()
    root = ET.fromstring(svg)
    assert root.tag == NS + "svg" and root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert pic.svg_scene.detailed
    assert svg_problems(svg) == []
    shown = check_numbers(svg, tr, tr.network.notation(notation), 4)
    assert set(shown) == expected_keys(tr, grads)
    for t in texts(svg):
        assert all(ord(c) >= 32 for c in t.plain)


@pytest.mark.parametrize("name", by_size(sorted(TRACES)))
def test_chinese_captions_fit_too(name: str) -> None:
    _, pic = picture(name, "layer", True, "zh")
    svg = pic.svg()
    assert svg_problems(svg) == []
    assert "输入" in svg and "损失" in svg and "inputs" not in svg


def test_names_follow_the_notation() -> None:
    """The same weight, bias and unit in the three notations (seed 000's network)."""
    tr = TRACES["sigmoid-222-bias"]
    want = {
        "layer": {"W2[1,2]": "W[2]12", "b1[1]": "b[1]1", "z2[2]": "z[2]2", "y[1]": "y1"},
        "node": {"W2[1,2]": "w54", "b1[1]": "w3b", "z2[2]": "z6", "y[1]": "t1"},
        "flat": {"W2[1,2]": "w6", "b1[1]": "b1", "z2[2]": "neto2", "y[1]": "targeto1"},
    }
    for notation, names in want.items():
        shown = check_numbers(
            picture("sigmoid-222-bias", notation, True)[1].svg(), tr, tr.network.notation(notation), 4
        )
        for key, name in names.items():
            assert shown[key] == name, (notation, key)
        assert shown["dL/dW2[1,2]"] == "∂L/∂" + names["W2[1,2]"]


def test_negative_weights_are_dashed_and_thicker_lines_are_larger_weights() -> None:
    tr, pic = picture("softmax-233-ce", "layer", False)
    lines = list(ET.fromstring(pic.svg()).iter(NS + "line"))
    dashed = [ln for ln in lines if ln.get("stroke-dasharray")]
    weights = [float(p.value) for p in tr.network.params if p.kind == "weight"]
    assert len(dashed) == sum(1 for w in weights if w < 0) > 0
    assert {ln.get("stroke") for ln in dashed} == {"#B0452F"}


def test_a_batch_shows_the_chosen_sample_and_says_so() -> None:
    tr = TRACES["xor-231"]
    for sample in (1, 4):
        svg = build(tr, tr.network.notation("node"), STRINGS["en"], grads=True, sample=sample).svg()
        shown = check_numbers(svg, tr, tr.network.notation("node"), 4)
        assert set(shown) == expected_keys(tr, True, sample)
        assert f"values of sample {sample} of 4" in svg
        assert svg_problems(svg) == []


def test_digits_and_a_later_iteration(tmp_path: Path) -> None:
    spec = examples.load("xor-231")
    tr = trace(spec, check=False, detail=(3,), iterations=3)
    names = tr.network.notation("flat")
    svg = build(tr, names, STRINGS["en"], digits=6, grads=True, iteration=3).svg()
    check_numbers(svg, tr, names, 6, iteration=3)
    assert "iteration 3" in svg
    first = build(tr, names, STRINGS["en"], digits=6, iteration=1).svg()
    check_numbers(first, tr, names, 6, iteration=1)
    weight = (
        {t.key: t.plain for t in texts(first)}["W1[1,1]"],
        {t.key: t.plain for t in texts(svg)}["W1[1,1]"],
    )
    assert weight[0] != weight[1]  # trained twice in between


def test_deterministic() -> None:
    tr, pic = picture("xor-231", "layer", True)
    again = build(tr, tr.network.notation("layer"), STRINGS["en"], grads=True)
    assert pic.svg() == again.svg() and pic.tikz() == again.tikz() and pic.document() == again.document()
    assert not re.search(r'\bid="', pic.svg())


# -- random networks up to 4 layers of 6 units ----------------------------------------------

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear", "leaky_relu")


@st.composite
def networks(draw) -> dict:  # type: ignore[no-untyped-def]
    sizes = draw(st.lists(st.integers(1, 6), min_size=2, max_size=5))
    rnd = random.Random(draw(st.integers(0, 10**6)))

    def num(low: float, high: float) -> str:
        return str(round(rnd.uniform(low, high), rnd.choice((1, 2, 3))))

    layers = []
    for l in range(1, len(sizes)):
        layer: dict = {
            "units": sizes[l],
            "activation": draw(st.sampled_from(ACTIVATIONS)),
            "weights": [[num(-2, 2) for _ in range(sizes[l - 1])] for _ in range(sizes[l])],
        }
        bias = draw(st.sampled_from(("each", "shared", "none")))
        if bias == "each":
            layer["biases"] = [num(-1, 1) for _ in range(sizes[l])]
        elif bias == "shared":
            layer["biases"] = num(-1, 1)
        layers.append(layer)
    count = draw(st.integers(1, 3))
    samples = [
        {"inputs": [num(-1, 1) for _ in range(sizes[0])], "targets": [num(0, 1) for _ in range(sizes[-1])]}
        for _ in range(count)
    ]
    frozen = draw(st.sampled_from(([], ["biases"], ["W1[1,1]"])))
    return {
        "layers": layers,
        "samples": samples,
        "loss": "half_sse",
        "learning_rate": "0.5",
        "frozen": frozen,
    }


@pytest.mark.fuzz
@settings(max_examples=12, deadline=None, database=None, derandomize=True)
@given(networks(), st.sampled_from(NOTATIONS), st.booleans(), st.integers(1, 3))
def test_random_networks_are_drawn_unit_by_unit_without_overlaps(
    d: dict, notation: str, grads: bool, sample: int
) -> None:
    tr = trace(load(d), check=False)
    sample = min(sample, tr.network.n_samples)
    names = tr.network.notation(notation)
    pic = build(tr, names, STRINGS["en"], grads=grads, sample=sample)
    svg = pic.svg()
    assert pic.svg_scene.detailed and pic.tex_scene.detailed
    assert svg_problems(svg) == []
    shown = set(check_numbers(svg, tr, names, 4))
    assert expected_keys(tr, grads, sample, short=True) <= shown <= expected_keys(tr, grads, sample)
    frozen = sum(1 for t in texts(svg) if t.plain == "frozen")
    assert frozen == (grads * sum(1 for p in tr.network.params if not p.trainable))


def test_the_largest_detailed_network_with_gradients_and_a_batch() -> None:
    tr = trace(load(_dense(6, 4)), check=False)
    pic = build(tr, tr.network.notation("layer"), STRINGS["en"], grads=True, sample=2)
    assert pic.svg_scene.detailed
    assert svg_problems(pic.svg()) == []
    check_numbers(pic.svg(), tr, tr.network.notation("layer"), 4)


def _dense(units: int, depth: int, samples: int = 2) -> dict:
    rnd = random.Random(7)

    def row(n: int) -> list[str]:
        return [str(round(rnd.uniform(-2, 2), 2)) for _ in range(n)]

    layers = [
        {
            "units": units,
            "activation": "tanh",
            "weights": [row(units) for _ in range(units)],
            "biases": row(units),
        }
        for _ in range(depth)
    ]
    return {
        "layers": layers,
        "samples": [{"inputs": row(units), "targets": row(units)} for _ in range(samples)],
        "loss": "half_sse",
        "learning_rate": "0.1",
    }


def test_a_larger_network_gets_one_box_per_layer() -> None:
    d = _dense(8, 3, samples=1)
    tr = trace(load(d), check=False)
    pic = build(tr, tr.network.notation("layer"), STRINGS["en"], grads=True)
    svg = pic.svg()
    assert not pic.svg_scene.detailed
    assert svg_problems(svg) == []
    said = " ".join(t.plain for t in texts(svg))
    for words in ("inputs", "hidden layer 2", "output layer", "tanh", "8 units", "weights 8 × 8", "8 biases"):
        assert words in said, words
    (loss,) = [t for t in texts(svg) if t.key == "L"]
    assert_rounded(number(loss.plain.split(" = ")[1]), value_of(tr, 1, "L"), 4, "L")


def test_captions_from_a_users_language_file_are_escaped(tmp_path: Path) -> None:
    """Captions come from language files, which a user may replace (-t DIR): escaped as text."""
    (tmp_path / "lang").mkdir()
    hostile = r'<script>alert(1)</script> & "x" 100% _#{} \$5 \\'  # markup: \$ and \\ are literal
    (tmp_path / "lang" / "en.yaml").write_text(
        "diagram:\n  inputs: " + json.dumps(hostile) + "\n", encoding="utf-8"
    )
    strings = Strings("en", [tmp_path, *template_dirs()])
    tr = TRACES["sigmoid-222-bias"]
    pic = build(tr, tr.network.notation("node"), strings)
    root = ET.fromstring(pic.svg())
    assert not list(root.iter("script")) and not list(root.iter(NS + "script"))
    shown = '<script>alert(1)</script> & "x" 100% _#{} $5 \\'
    assert any(t.plain == shown for t in texts(pic.svg()))
    tikz = r"\textless{}script\textgreater{}alert(1)\textless{}/script\textgreater{} \& "
    assert tikz in pic.tikz() and r"100\% \_\#\{\} \$5 \textbackslash{}" in pic.tikz()


# -- TikZ ------------------------------------------------------------------------------------


@requires_latex
@pytest.mark.parametrize(
    ("name", "notation", "lang"),
    [("sigmoid-222-bias", "node", "en"), ("softmax-233-ce", "flat", "en"), ("xor-231", "layer", "zh")],
)
def test_tikz_document_compiles(name: str, notation: str, lang: str, tmp_path: Path) -> None:
    _, pic = picture(name, notation, True, lang)
    source = pic.document()
    assert source.count(r"\begin{tikzpicture}") == 1
    pdf = compile_pdf(source, tmp_path)
    pages = pdf_pages_to_png(pdf, tmp_path / "png")
    assert len(pages) == 1  # the page is cut to the picture


@requires_latex
def test_compact_tikz_compiles_and_a_fragment_fits_a_report_page(tmp_path: Path) -> None:
    tr = trace(load(_dense(8, 3, samples=1)), check=False)
    pic = build(tr, tr.network.notation("layer"), STRINGS["en"])
    compile_pdf(pic.document(), tmp_path / "compact")
    _, wide = picture("softmax-233-ce", "layer", True)
    scale = float(re.search(r"scale=([\d.]+)", wide.tikz())[1])  # type: ignore[index]
    assert wide.tex_scene.width * 0.75 * scale <= 455.5
    body = (
        "\\documentclass{article}\n\\usepackage{tikz}\n\\begin{document}\n"
        + wide.tikz()
        + "\n\\end{document}\n"
    )
    compile_pdf(body, tmp_path / "fragment")


# -- in the reports --------------------------------------------------------------------------


def test_reports_show_the_diagram_in_the_network_section() -> None:
    tr = TRACES["sigmoid-222-bias"]
    md = render(tr, "md")
    network = md.split("## 2.", 1)[0]
    (uri,) = re.findall(r"!\[[^\]]*\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", network)
    svg = base64.b64decode(uri).decode("utf-8")
    assert svg_problems(svg) == [] and "∂L/∂w" in svg  # the gradients are on it
    html = render(tr, "html")
    assert html.split("<h2>2.", 1)[0].count('<figure class="diagram"><svg') == 1
    tex = render(tr, "tex")
    assert tex.split("\\section{The local rules}", 1)[0].count("\\begin{tikzpicture}") == 1


def test_a_report_leaves_out_what_would_make_its_picture_unreadable() -> None:
    tr = trace(load(_dense(6, 4, samples=1)), check=False)
    pic = for_report(tr, tr.network.notation("layer"), STRINGS["en"], 8)
    assert pic.svg_scene.width <= 1150
    tr = TRACES["sigmoid-222-bias"]
    assert for_report(tr, tr.network.notation("node"), STRINGS["en"], 8).detailed is not None


# -- in a browser: the boxes of the fonts really used ------------------------------------------

_MEASURE = """<script>
const out = [];
for (const svg of document.querySelectorAll('svg')) {
  const boxes = [...svg.querySelectorAll('text')].map(t => {
    const b = t.getBBox();
    return [b.x, b.y, b.x + b.width, b.y + b.height];
  });
  const rings = [...svg.querySelectorAll('circle')].map(
    c => [c.cx.baseVal.value, c.cy.baseVal.value, c.r.baseVal.value]);
  out.push({boxes, rings, size: [svg.width.baseVal.value, svg.height.baseVal.value]});
}
document.getElementById('out').textContent = JSON.stringify(out);
</script>"""


@requires_chromium
@pytest.mark.parametrize("family", ["sans-serif", "DejaVu Sans"])
def test_no_overlaps_with_the_fonts_a_browser_uses(family: str, tmp_path: Path) -> None:
    svgs = [picture(name, tr.spec.notation, True)[1].svg() for name, tr in sorted(TRACES.items())]
    svgs += [picture("xor-231", "node", True, "zh")[1].svg()]
    svgs = [s.replace('font-family="sans-serif"', f'font-family="{family}"') for s in svgs]
    page = tmp_path / "page.html"
    page.write_text(
        "<!DOCTYPE html><html><body>" + "".join(svgs) + '<pre id="out"></pre>' + _MEASURE + "</body></html>",
        encoding="utf-8",
    )
    measured = json.loads(re.search(r'<pre id="out">(.*?)</pre>', dump_dom(page), re.S)[1])  # type: ignore[index]
    assert len(measured) == len(svgs)
    for m in measured:
        assert layout_problems(m["boxes"], m["rings"], tuple(m["size"]), slack=0.5) == []
    assert screenshot(page, tmp_path / "page.png").stat().st_size > 20_000


# -- the command line ----------------------------------------------------------------------


def test_cli_writes_svg_or_tikz_from_the_suffix(tmp_path: Path) -> None:
    svg, tex = tmp_path / "net.svg", tmp_path / "net.tex"
    assert main(["diagram", "xor-231", "-o", str(svg), "--grads", "--sample", "2", "--notation", "node"]) == 0
    text = svg.read_text(encoding="utf-8")
    ET.fromstring(text)
    assert "values of sample 2 of 4" in text and 'data-key="dL@2/dW1[1,1]"' in text
    assert main(["diagram", "sigmoid-222-bias", "-o", str(tex), "--lang", "zh"]) == 0
    assert tex.read_text(encoding="utf-8").startswith("\\documentclass")
    assert "CJK" in tex.read_text(encoding="utf-8")


def test_cli_stdout_format_and_fragment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", "relu-mean", "-f", "tikz", "--fragment", "--digits", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\\begin{tikzpicture}") and out.rstrip().endswith("\\end{tikzpicture}")
    assert main(["diagram"]) == 0
    assert capsys.readouterr().out.startswith("<svg ")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["-o", "net.png"], ["cannot tell the format from .png"]),
        (["xor-231", "--sample", "5"], ["--sample", "4 sample"]),
        (["--iteration", "2"], ["--iteration", "beyond the spec's last iteration (1)"]),
        (["--sample", "0"], ["--sample", "from 1 up"]),
        (["-f", "png"], ["invalid choice: 'png'"]),
        (["no-such-example"], ["no-such-example", "built-in examples"]),
    ],
)
def test_cli_bad_input_is_one_line_with_exit_code_2(
    argv: list[str], words: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    existing = tmp_path / "keep.svg"
    existing.write_text("old", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "tracer", "diagram", *argv, *([] if "-o" in argv else ["-o", str(existing)])],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    assert run.returncode == 2 and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    for w in words:
        assert w in run.stderr, (w, run.stderr)
    assert existing.read_text(encoding="utf-8") == "old"


def test_cli_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["diagram", "--help"])
    out = capsys.readouterr().out
    for option in (
        "-o",
        "-f",
        "--notation",
        "--digits",
        "--grads",
        "--iteration",
        "--sample",
        "--lang",
        "--fragment",
    ):
        assert option in out, option


@pytest.mark.slow  # processes under two hash seeds (tests/test_corpus.py does every example)
def test_cli_output_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    outs = []
    for seed in ("0", "12345"):
        run = subprocess.run(
            [sys.executable, "-m", "tracer", "diagram", "softmax-233-ce", "--grads", "-f", "tikz"],
            capture_output=True,
            cwd=Path(__file__).resolve().parents[1],
            env={**__import__("os").environ, "PYTHONHASHSEED": seed},
            check=True,
        )
        outs.append(run.stdout)
    assert outs[0] == outs[1] and len(outs[0]) > 1000


def test_the_legend_explains_dashes_only_when_there_are_some() -> None:
    for name, dashed in (("sigmoid-222-nobias", False), ("softmax-233-ce", True)):
        svg = picture(name, "layer", False)[1].svg()
        assert ("dashed edges: negative weights" in svg) is dashed
        assert ("stroke-dasharray" in svg) is dashed
