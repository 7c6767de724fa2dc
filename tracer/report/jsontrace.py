"""The JSON trace (CONTRACT.md §3): canonical keys, numbers as the nearest doubles."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import sympy as sp

from tracer import __version__
from tracer.derive.network import Network
from tracer.evaluate.tracing import Iteration, Trace, checkpoints
from tracer.spec.limits import JSON_SAMPLE_VALUES, SAMPLE_VALUES


def _f(value: sp.Expr | float) -> float | str:
    """The nearest double; a number beyond its range (|x| > 1.8e308, reachable with exact
    arithmetic) as text in scientific notation, since JSON has no infinity."""
    number = float(value)
    if math.isfinite(number):
        return number
    return sp.Float(value, 17).__format__(".16e") if sp.sympify(value).is_finite else str(value)


def listed(trace: Trace) -> tuple[list[int], set[int]]:
    """The indices of the iterations the trace lists, and of those computed exactly: every one
    computed exactly (they come first) and, of a long run, the checkpoints (1, 2, 3, 5, 10,
    20, 50, 100, … and the last)."""
    its = trace.iterations
    exact = set()
    for it in its:
        if not it.exact:
            break
        exact.add(it.index)
    return sorted(exact | set(checkpoints(len(its)))), exact


def per_sample_count(net: Network) -> int:
    """The numbers ``forward`` and ``deltas`` hold for one iteration: z, a and δ of every unit
    of every sample."""
    return 3 * net.n_samples * sum(net.sizes[1:])


def with_samples(
    net: Network, indices: list[int], exact: set[int], detail: Sequence[int] = (1,), choice: str = "auto"
) -> tuple[str, set[int]]:
    """The choice made (``all`` or ``detail``) and the indices of the listed iterations that
    keep every sample's values."""
    if choice not in SAMPLE_VALUES:
        raise ValueError(f"sample_values must be one of {', '.join(SAMPLE_VALUES)}, not {choice!r}")
    every = set(indices)
    chosen = every & (exact | set(detail))
    if choice == "auto":
        extra = per_sample_count(net) * len(every - chosen)
        choice = "all" if extra <= JSON_SAMPLE_VALUES else "detail"
    return choice, every if choice == "all" else chosen


def to_json(trace: Trace, detail: Sequence[int] = (1,), sample_values: str = "auto") -> dict:
    """The JSON trace of CONTRACT.md §3 (numbers are the nearest doubles).

    ``iterations`` holds every iteration computed exactly and, of a long run, the
    checkpoints; ``history`` every loss. Which of them hold every sample's values
    (``forward``, ``deltas``) is ``sample_values`` (see :data:`tracer.spec.limits.SAMPLE_VALUES`);
    ``detail`` is the iterations chosen for detail.
    """
    net = trace.network
    indices, exact = listed(trace)
    choice, full = with_samples(net, indices, exact, detail, sample_values)
    keys = _keys(net) if full else []
    iterations = []
    for index in indices:  # one at a time: a fast checkpoint's arrays are freed after its entry
        it = trace.iterations[index - 1]
        entry: dict = {"index": it.index, "exact": it.exact}
        if it.index in full:
            forward, deltas = _per_sample(it, keys)
            entry["forward"] = forward
        entry["loss"] = _f(it.loss)
        if it.index in full:
            entry["deltas"] = deltas
        entry["gradients"] = {k: _f(v) for k, v in trace.gradients(it).items()}
        entry["updated"] = {p.key: _f(it.updated[p.key]) for p in net.trainable}
        iterations.append(entry)
    return {
        "title": trace.spec.title,
        "tracer_version": __version__,
        "network": {
            "sizes": list(net.sizes),
            "activations": [layer.activation for layer in trace.spec.layers],
            "loss": net.loss.name,
            "reduction": net.reduction,
            "slopes": [None if layer.slope is None else _f(layer.slope) for layer in trace.spec.layers],
            "learning_rate": _f(trace.spec.learning_rate),
            "samples": net.n_samples,
            "parameters": {p.key: _f(p.value) for p in net.params},
            "frozen": [p.key for p in net.params if not p.trainable],
        },
        "sample_values": choice,
        "iterations": iterations,
        "history": [_f(it.loss) for it in trace.iterations],
        "final_loss": _f(trace.final_loss),
        # a diverging run stops where float64 overflows: how far it got, of how many asked for
        "stopped": None
        if trace.stop is None
        else {
            "after_iteration": len(trace.iterations),
            "requested": trace.stop.requested,
            "reason": trace.stop.reason,
        },
        "check": {
            "symbolic": trace.check.symbolic,
            "numeric": trace.check.numeric,
            "max_relative_difference": trace.check.max_relative_difference,
        },
    }


Keys = list[tuple[int, int, int, str, str, str]]  # sample, layer, unit; the keys of z, a and δ


def _keys(net: Network) -> Keys:
    """The keys of every unit's z, a and δ of every sample, in the order the trace lists them:
    made once, and shared by the iterations (a 1000-sample batch has 579 000)."""
    units = [(l, j) for l in range(1, net.depth + 1) for j in range(1, net.sizes[l] + 1)]
    bare = [(l, j, net.z(l, j, 1), net.a(l, j, 1), net.delta(l, j, 1)) for l, j in units]
    if not net.batch:
        return [(1, l, j, z, a, d) for l, j, z, a, d in bare]
    cut = -len("@1")  # the key of a quantity of sample n ends in @n (CONTRACT.md §2)
    bare = [(l, j, z[:cut], a[:cut], d[:cut]) for l, j, z, a, d in bare]
    return [(n, l, j, f"{z}@{n}", f"{a}@{n}", f"{d}@{n}") for n in net.samples() for l, j, z, a, d in bare]


def _per_sample(it: Iteration, keys: Keys) -> tuple[dict[str, float], dict[str, float]]:
    """Every z and a (``forward``) and every δ (``deltas``) of every sample; a fast iteration's
    read from its arrays."""
    forward: dict[str, float] = {}
    deltas: dict[str, float] = {}
    if it.exact:
        values = it.values
        for _, _, _, z, a, d in keys:
            forward[z] = _f(values[z])
            forward[a] = _f(values[a])
            deltas[d] = _f(values[d])
        return forward, deltas
    state = it.values.state()  # type: ignore[attr-defined]  # a fast iteration's fastpath.Values
    zs, as_, ds = ([m.tolist() for m in arrays] for arrays in (state.z, state.a, state.delta))
    for n, l, j, z, a, d in keys:
        forward[z] = zs[l - 1][n - 1][j - 1]
        forward[a] = as_[l - 1][n - 1][j - 1]
        deltas[d] = ds[l - 1][n - 1][j - 1]
    return forward, deltas


_TABLES = ("forward", "deltas", "gradients", "updated")  # each iteration's tables of numbers


def dumps(data: dict) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)`` and a newline, with each iteration's
    tables of numbers written by :func:`_table`: the same text in a fraction of the time and
    memory (json's indented encoder is pure Python, a few list items per number)."""
    tables: list[dict[str, float]] = []
    skeleton = dict(data)
    skeleton["iterations"] = []
    for entry in data["iterations"]:
        entry = dict(entry)
        for name in _TABLES:
            if entry.get(name):  # an empty table is written "{}" by json itself
                tables.append(entry[name])
                entry[name] = _MARK
        skeleton["iterations"].append(entry)
    pieces = json.dumps(skeleton, indent=2, ensure_ascii=False).split(json.dumps(_MARK))
    if len(pieces) != len(tables) + 1:  # the mark in a title, say: let json write everything
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    out = [pieces[0]]
    for table, piece in zip(tables, pieces[1:], strict=True):
        out += (_table(table, 4), piece)  # at the depth of an iteration's table
    return "".join(out) + "\n"


_MARK = "\x00table\x00"


def _table(numbers: dict[str, float], level: int) -> str:
    """A non-empty ``{key: number}`` as json writes it at nesting ``level`` with an indent of 2
    (each key and number made and joined by C loops: a table may hold 579 000 numbers)."""
    inner, outer = "\n" + "  " * level, "\n" + "  " * (level - 1)
    values = numbers.values()
    try:
        plain = all(map(math.isfinite, values))
    except TypeError:  # a number beyond a double's range, written as text (see _f)
        plain = False
    shown = map(float.__repr__, values) if plain else map(_number, values)
    body = ("," + inner).join(map(": ".join, zip(map(_key, numbers), shown, strict=True)))
    return "{" + inner + body + outer + "}"


_key = json.encoder.encode_basestring  # what json.dumps uses with ensure_ascii=False


def _number(value: float | str) -> str:
    """As json writes a float: its repr, or NaN, Infinity, -Infinity; a text as a JSON string."""
    if isinstance(value, str):
        return _key(value)
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)
