"""Parts of a report (``--only``): a section, or the backward pass of single parameters.

A page that discusses one step embeds just that step. The parts are the report's sections
(:data:`PARTS`) and gradients named as in any notation (``dL/dw5``, ``dL/dW2[1,1]``). The
templates show a part where ``shows(part)`` is true; a gradient narrows the backward pass in
the context to the items that gradient needs: the units its δ is computed from (the
parameter's own unit, or every unit of a layer it is shared by or that couples its units,
and every later layer), its chain-rule step and, in a batch, its sum over the samples.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tracer.errors import TracerError
from tracer.evaluate.tracing import Trace
from tracer.notation import NOTATIONS, Notation, partial

#: The sections a report can be cut down to, in the order they appear.
PARTS = (
    "intro", "network", "rules", "forward", "loss", "backward", "update", "summary", "training", "checks"
)  # fmt: skip
#: What choosing a part also shows: the forward pass contains the loss.
_IMPLIES = {"forward": ("loss",)}


@dataclass(frozen=True)
class Selection:
    """The chosen parts; an empty selection is the whole report."""

    parts: frozenset[str] = frozenset()
    params: tuple[str, ...] = ()  # canonical keys: show only these parameters' backward pass

    @property
    def everything(self) -> bool:
        return not self.parts

    def shows(self, part: str) -> bool:
        """Whether the report shows ``part`` (a name of :data:`PARTS`)."""
        return self.everything or part in self.parts


_COMMA = re.compile(r",(?![^\[]*\])")  # a comma outside brackets: W1[2,1] is one name


def split(only: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"forward, dL/dW2[1,1]"`` or ``["forward", "dL/dw5"]`` as a tuple of names."""
    if only is None:
        return ()
    texts = [only] if isinstance(only, str) else [str(item) for item in only]
    items = [part for text in texts for part in _COMMA.split(text)]
    return tuple(item.strip() for item in items if item.strip())


def parse(only: Sequence[str], trace: Trace, names: Notation) -> Selection:
    """The selection that ``only`` names; a :class:`TracerError` with suggestions otherwise.

    A gradient is looked up in the report's notation first, then in the others, so
    ``dL/dw5`` (flat) and ``dL/dW2[1,1]`` (canonical) work in any report.
    """
    parts: set[str] = set()
    params: list[str] = []
    for item in only:
        if item in PARTS:
            parts |= {item, *_IMPLIES.get(item, ())}
            continue
        key = _parameter(item, trace, names)
        if key not in params:
            params.append(key)
    if parts == {"training"} and not trace.trained:  # nothing at all to show
        raise TracerError("no training section: the spec runs one iteration", "only training")
    if params:
        parts.add("backward")
    return Selection(frozenset(parts), tuple(params))


def _parameter(item: str, trace: Trace, names: Notation) -> str:
    net = trace.network
    for notation in (names, *(net.notation(n) for n in NOTATIONS if n != names.name)):
        try:
            found = notation.resolve(item)
        except KeyError:
            continue
        if found.startswith("dL/d") and found[4:] in net.param_index:
            key = found[4:]
            if not net.param_index[key].trainable:
                raise TracerError(f"{names.text(key)} is frozen, so it has no gradient", f"only {item}")
            return key
        if found in net.param_index:
            raise TracerError(f"a parameter; its gradient is dL/d{names.text(found)}", f"only {item}")
        break
    gradients = [f"dL/d{names.text(p.key)}" for p in net.trainable]
    close = difflib.get_close_matches(item, [*PARTS, *gradients], n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    choices = f"{', '.join(PARTS)}, or a gradient such as {gradients[0]}"
    raise TracerError(
        f"not a part of the report{hint}; choose from {choices}",
        f"only {item}",
    )


def narrow(ctx: dict, trace: Trace, selection: Selection) -> dict:
    """The context with the backward pass cut down to the selected parameters' items."""
    if not selection.params:
        return ctx
    details = [_narrow_iteration(d, trace, selection.params) for d in ctx["details"]]
    return {**ctx, **details[0], "details": details}


def _narrow_iteration(it: dict, trace: Trace, params: tuple[str, ...]) -> dict:
    net = trace.network
    values = trace.iterations[it["index"] - 1].values
    needed = _needed_units(trace, params)
    samples = []
    for sample in it["samples"]:
        n = sample["index"]
        layers = []
        for layer in sample["backward"]:
            l = layer["layer"]
            grads = [s.param for s in trace.steps if s.kind == "grad" and s.sample == n and s.layer == l]
            inactive = [
                j for j in range(1, net.sizes[l] + 1) if values[partial(net.a(l, j, n), net.z(l, j, n))] == 0
            ]
            kept = {
                **layer,
                "units": [u for j, u in enumerate(layer["units"], 1) if (l, j) in needed],
                "params": [item for key, item in zip(grads, layer["params"], strict=True) if key in params],
                "notes": [note for j, note in zip(inactive, layer["notes"], strict=True) if (l, j) in needed],
            }
            if kept["units"] or kept["params"]:
                layers.append(kept)
        samples.append({**sample, "backward": layers})
    sums = [s.param for s in trace.steps if s.kind == "grad_sum"]
    chosen_sums = [item for key, item in zip(sums, it["sums"], strict=True) if key in params]
    return {**it, "samples": samples, "sums": chosen_sums}


def _needed_units(trace: Trace, params: tuple[str, ...]) -> set[tuple[int, int]]:
    """(layer, unit) of every δ the gradients of ``params`` are computed from."""
    net = trace.network
    needed: set[tuple[int, int]] = set()
    for key in params:
        units = net.uses(key)
        l = units[0][0].layer
        if net.activation(l).coupled:  # softmax: each δ sums over the whole layer
            needed |= {(l, j) for j in range(1, net.sizes[l] + 1)}
        needed |= {(unit.layer, unit.index) for unit, _ in units}
        later = range(l + 1, net.depth + 1)
        needed |= {(k, j) for k in later for j in range(1, net.sizes[k] + 1)}
    return needed
