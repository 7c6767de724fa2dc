"""The Python API: trace a network once, then render its report in any format or part.

>>> import tracer
>>> t = tracer.trace("sigmoid-222-bias", notation="node")
>>> md = t.to_markdown()                       # the whole report
>>> part = t.to_html(only="dL/dw5", fragment=True)   # one gradient, for a web page
>>> t.save("report.tex")                       # format from the suffix  # doctest: +SKIP

In Jupyter a :class:`Traced` shows itself as its report. The command line (``tracer report``),
the Sphinx directive (:mod:`tracer.sphinx`) and the MkDocs fence (:mod:`tracer.markdown_fence`)
are thin layers over this module. ``tracer.check(spec, answers)`` marks a student's answers
and ``tracer.variants(spec, n, seed)`` draws variants of a problem (:mod:`tracer.homework.checking`).

``import tracer`` does not load this module (nor SymPy): the package's names load it on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tracer.errors import TracerError
from tracer.evaluate.tracing import trace as run
from tracer.homework.checking import Checked, check, variants
from tracer.report.render import Options
from tracer.report.traced import OPTION_NAMES, Traced, check_names
from tracer.spec.loader import SpecLike, load

__all__ = ["OPTION_NAMES", "Checked", "SpecLike", "Traced", "check", "load", "trace", "variants"]


def trace(
    spec: SpecLike,
    *,
    iterations: int | None = None,
    detail: int | Sequence[int] = 1,
    check: bool = True,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> Traced:
    """Derive, compute and check every step of ``spec``; render the result with the methods of
    the returned :class:`Traced`.

    ``iterations`` overrides the spec's; ``detail`` chooses the iterations shown step by step
    (computed exactly; default 1); ``check=False`` skips the self-checks of the gradients;
    ``progress(done, total)`` is called after each iteration. Keyword ``options`` are the
    default render options of the result (``notation``, ``lang``, ``digits``, ``exact``,
    ``carry_rounded``, ``fragment``, ``template_dir``, ``only``, ``view``, ``sample_values``), which
    each render call may change.
    """
    chosen = tuple(sorted({detail} if isinstance(detail, int) else set(detail)))
    network = load(spec, force=force)
    total = iterations if iterations is not None else network.iterations
    if not chosen or chosen[0] < 1:
        raise TracerError(f"iterations are numbered from 1, got {list(chosen)}", "detail")
    if chosen[-1] > total:
        raise TracerError(f"{chosen[-1]} is beyond the last iteration ({total})", "detail")
    check_names(options)
    defaults = Options(detail=chosen, **options)
    result = run(network, check=check, detail=chosen, iterations=iterations, progress=progress)
    return Traced(result, defaults)
