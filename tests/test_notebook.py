"""docs/notebooks/tracer.ipynb executes without an error (nbclient, a fresh Python kernel), and
a traced network shows itself there as its report."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import yaml

from tests import smallnet
from tests.mathcheck import skip_unless
from tracer.spec import examples

pytestmark = skip_unless(
    bool(find_spec("nbclient") and find_spec("nbformat") and find_spec("ipykernel")),
    "nbclient, nbformat or ipykernel missing",
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "notebooks" / "tracer.ipynb"


def test_the_notebook_runs() -> None:
    import nbclient
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")  # stored clean
    # Run in the repository's root, so the kernel imports this checkout's tracer.
    nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]

    shown = outputs[0]["data"]  # the cell that ends in the traced object
    assert {"text/html", "text/markdown", "text/latex", "text/plain"} <= set(shown)
    assert shown["text/html"].startswith('<div class="tracer-report">') and "<math" in shown["text/html"]
    ora = smallnet.run(yaml.safe_load(examples.text("sigmoid-222-bias")))
    for value in [*ora.a[0], *ora.a[1], ora.loss, ora.dW[1][0, 0]]:
        assert smallnet.shown(value, shown["text/markdown"], digits=6), value

    part = outputs[1]["data"]["text/markdown"]  # only="dL/dw53"
    assert part.startswith("## 4. Backward pass") and smallnet.shown(ora.dW[1][0, 0], part, digits=6)
    assert "Forward pass" not in part

    summary = outputs[3]["data"]["text/html"]  # a dict spec: one linear unit, one update
    assert [c for c in ("2.1", "0.59", "1.4", "0.06") if f'<td class="r">{c}</td>' in summary] == [
        "2.1", "0.59", "1.4", "0.06"
    ]  # fmt: skip
