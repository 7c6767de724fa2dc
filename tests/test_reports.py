"""reports/ holds what tracer generates for the built-in examples.

Every number tracer computes exactly (fractions, or 50 significant digits rounded to the nearest
double in a JSON trace) must match byte for byte. The float64 numbers of the fast path (a long
run's iterations after the exact ones: numpy arithmetic and the platform's exp/log) differ
across CPUs and math libraries in their last bits (seen: relative 1e-13), so they are compared
with a tolerance: structurally in a JSON trace (its iterations say which are exact), and in a
text report to one unit of the last digit printed (see :func:`text_difference`).
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal

import pytest

from tests.latex import compile_pdf, requires_latex
from tests.regenerate_reports import COMMAND, HOMEWORK, REPORTS, generate, pdf_text, sources
from tests.shared import by_size

NAMES = sorted(sources())  # cheap: no report is generated to collect the tests

#: Tolerance for a float64 number of the fast path: relative 1e-9 (the noise seen across CPUs is
#: about 1e-13, four orders of magnitude below; any real change to the arithmetic is far above
#: it), with an absolute floor of 1e-15 for values that cancel to nearly zero (a sum of terms of
#: order 1 carries float64 noise of about 1e-16 absolute, which no relative bound covers near 0).
FAST_REL = 1e-9
FAST_ABS = 1e-15


def _differs(a: object, b: object, where: str, fast: bool) -> str | None:
    """Where ``a`` and ``b`` first differ (None: equal); with ``fast``, numbers within the
    fast path's tolerance are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            found = _differs(a[k], b[k], f"{where}.{k}", fast)
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _differs(x, y, f"{where}[{i}]", fast)
            if found:
                return found
        return None
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    if fast and numbers and math.isclose(a, b, rel_tol=FAST_REL, abs_tol=FAST_ABS):  # type: ignore[arg-type]
        return None
    if type(a) is type(b) and a == b:
        return None
    return f"{where}: {a!r} != {b!r}"


def trace_difference(committed: dict, fresh: dict) -> str | None:
    """A JSON trace (CONTRACT.md §3): the iterations marked ``"exact": true`` (they come first),
    their losses in ``history`` and everything else exactly; the fast path's iterations, their
    losses and a final loss after them within the tolerance."""
    head = {k: v for k, v in committed.items() if k not in ("iterations", "history", "final_loss")}
    found = _differs(
        head, {k: v for k, v in fresh.items() if k not in ("iterations", "history", "final_loss")}, "", False
    )
    if found or list(committed) != list(fresh):
        return found or f"keys {list(committed)} != {list(fresh)}"
    its, new = committed["iterations"], fresh["iterations"]
    if [(i["index"], i["exact"]) for i in its] != [(i["index"], i["exact"]) for i in new]:
        return "the listed iterations (or which of them are exact) differ"
    for it, again in zip(its, new, strict=True):
        found = _differs(it, again, f"iterations[index {it['index']}]", not it["exact"])
        if found:
            return found
    n_exact = sum(1 for it in its if it["exact"])
    history, again = committed["history"], fresh["history"]
    found = _differs(history[:n_exact], again[:n_exact], "history", False) or _differs(
        history[n_exact:], again[n_exact:], f"history (from {n_exact})", True
    )
    return found or _differs(
        committed["final_loss"], fresh["final_loss"], "final_loss", n_exact < len(history)
    )


def feedback_difference(seed: str, committed: dict, fresh: dict) -> str | None:
    """``tracer check`` feedback as JSON: a mark of an iteration its example computes exactly
    exactly, a mark of a later iteration (recomputed from the fast path's parameters) within
    the tolerance. ``L+`` (the loss after an iteration) comes from the next iteration."""
    trace = json.loads((REPORTS / f"{HOMEWORK[seed]}.json").read_text(encoding="utf-8"))
    n_exact = sum(1 for it in trace["iterations"] if it["exact"])
    exact_all = n_exact == len(trace["history"])

    def fast(mark: dict) -> bool:
        n = mark["iteration"]
        return not exact_all and (n > n_exact or (n == n_exact and mark["key"] == "L+"))

    rest = ("marks", "first_wrong")
    found = _differs(
        {k: v for k, v in committed.items() if k not in rest},
        {k: v for k, v in fresh.items() if k not in rest},
        "",
        False,
    )
    if found or list(committed) != list(fresh):
        return found or f"keys {list(committed)} != {list(fresh)}"
    marks = (
        [committed["first_wrong"], *committed["marks"]] if committed["first_wrong"] else committed["marks"]
    )
    again = [fresh["first_wrong"], *fresh["marks"]] if fresh["first_wrong"] else fresh["marks"]
    if len(marks) != len(again) or (committed["first_wrong"] is None) != (fresh["first_wrong"] is None):
        return f"{len(marks)} marks != {len(again)}"
    for i, (m, n) in enumerate(zip(marks, again, strict=True)):
        found = _differs(m, n, f"marks[{i}] (iteration {m.get('iteration')}, {m.get('key')})", fast(m))
        if found:
            return found
    return None


_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")


def text_difference(committed: str, fresh: str) -> str | None:
    """A text report (Markdown, LaTeX, HTML): the same text with every number equal, except
    that a decimal may differ by one unit of its last printed digit — a float64 value of the
    fast path within 1e-13 of a rounding boundary rounds either way on another CPU (the loss
    plots print 10 significant digits). Integers (indices, counts) must be equal."""
    if committed == fresh:
        return None
    a, b = _NUMBER.split(committed), _NUMBER.split(fresh)
    for i, (x, y) in enumerate(zip(a, b)):  # noqa: B905  # a longer tail is reported below
        if x == y:
            continue
        context = "".join(a[max(0, i - 6) : i])[-80:]
        if i % 2 == 0 or "." not in x or "." not in y:  # text, or an integer
            return f"{x[:80]!r} != {y[:80]!r} after …{context!r}"
        dx, dy = Decimal(x), Decimal(y)
        unit = Decimal(1).scaleb(min(dx.as_tuple().exponent, dy.as_tuple().exponent))  # type: ignore[arg-type]
        if abs(dx - dy) > unit:
            return f"{x} != {y} (more than one unit of the last digit) after …{context!r}"
    return None if len(a) == len(b) else "one of them goes on after the other ends"


@pytest.mark.parametrize("name", by_size(NAMES))
def test_report_is_up_to_date(name: str) -> None:
    path = REPORTS / name
    assert path.exists(), f"reports/{name} is missing; regenerate with: {COMMAND}"
    committed, fresh = path.read_text(encoding="utf-8"), generate(name)
    if committed == fresh:
        return
    if name.startswith("homework/") and name.endswith(".json"):
        seed = name.removeprefix("homework/").removesuffix(".feedback.json")
        found = feedback_difference(seed, json.loads(committed), json.loads(fresh))
    elif name.endswith(".json"):
        found = trace_difference(json.loads(committed), json.loads(fresh))
    elif trains(name):
        found = text_difference(committed, fresh)
    else:  # one iteration, computed exactly: nothing in it comes from the fast path
        found = "the text differs"
    assert found is None, (
        f"reports/{name} differs from what tracer generates ({found}); regenerate with: {COMMAND}"
    )


def trains(name: str) -> bool:
    """Whether the report's example runs more than one iteration (only such a run has fast-path
    numbers, in its training section)."""
    from tracer.spec import examples

    example = name.removeprefix("homework/").split(".")[0]
    return examples.load(example).iterations > 1


def test_no_stale_reports() -> None:
    pdfs = {n[: -len(".tex")] + ".pdf" for n in NAMES if n.endswith(".tex")}
    inputs = {f"homework/{seed}.answers.yaml" for seed in HOMEWORK}  # written by hand
    known = set(NAMES) | pdfs | inputs | {"README.md"}
    files = (p.relative_to(REPORTS).as_posix() for p in REPORTS.rglob("*") if p.is_file())
    stale = sorted(name for name in files if name not in known)
    assert not stale, f"reports/ has files no example generates: {stale}; remove them"


@requires_latex  # marked render
@pytest.mark.parametrize("name", [n for n in NAMES if n.endswith(".tex")])
def test_pdf_matches_its_latex(name: str, tmp_path) -> None:
    """Each PDF in reports/ holds the text its LaTeX report compiles to now."""
    pdf = REPORTS / (name[: -len(".tex")] + ".pdf")
    assert pdf.exists(), f"reports/{pdf.name} is missing; regenerate with: {COMMAND}"
    fresh = compile_pdf(generate(name), tmp_path)
    found = text_difference(pdf_text(pdf), pdf_text(fresh))
    assert found is None, f"reports/{pdf.name} is out of date ({found}); regenerate with: {COMMAND}"
