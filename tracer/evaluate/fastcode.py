"""The scalar kernel of the fast path: a small network's iteration written out as Python.

For a network of a few units, NumPy's cost per call (about a microsecond) dominates: a
2-2-2 network needs some thirty array operations per iteration for eight multiplications'
worth of arithmetic. Here the same rules the vector kernel applies (the SymPy-derived
activation, derivative and loss expressions of :mod:`tracer.evaluate.fastpath`) are printed by
SymPy's Python code printer into one function: every net input, output, ∂L/∂a, δ,
gradient and update is a line of float arithmetic, and one ``while`` loop runs the whole
training. The text is generated from SymPy expressions and numbers only (never from a
spec's strings) and compiled once.

Python raises where NumPy returns inf or NaN (``math.exp(1000)``, ``1/0``, ``math.log(0)``):
the kernel then stops before that iteration's update and says how far it got, and the
caller carries on with the vector kernel.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from tracer.functions import losses

if TYPE_CHECKING:  # pragma: no cover
    from tracer.evaluate.fastpath import Fast

#: kernel(theta, count, marks, losses, kept) -> (iterations done, parameters after them)
Kernel = Callable[[tuple, int, frozenset, list, dict], tuple[int, tuple]]

_NAMES = re.compile(r"\b([azy])\b")  # the registries' symbols: z, a (activations, losses), y


class _Unsupported(Exception):
    pass


def _printed(expr: sp.Expr) -> str:
    """Python code of a registry expression in z, a, y (a power such as z**(1/3) of a negative
    number would be complex in Python: such an expression stays on the vector kernel)."""
    for power in expr.atoms(sp.Pow):
        if not (power.exp.is_Integer or power.exp in (sp.S.Half, -sp.S.Half)):
            raise _Unsupported(str(power))
    printer = PythonCodePrinter({"fully_qualified_modules": True})
    text = printer.doprint(expr)
    if printer._not_supported:
        raise _Unsupported(str(printer._not_supported))
    return text


def _put(code: str, **names: str) -> str:
    """``code`` with the symbols z, a, y replaced by the given variable names or numbers."""
    return _NAMES.sub(lambda m: names[m[1]], code)


def _number(value: float) -> str:
    return f"({float(value)!r})"


def compile_kernel(fast: Fast) -> Kernel | None:
    """The scalar kernel of ``fast``'s network, or None when an expression has no plain
    Python form (a coupled layer such as softmax, a fractional power)."""
    try:
        source = _source(fast)
    except _Unsupported:
        return None
    space: dict[str, object] = {"math": math}
    exec(compile(source, "<tracer scalar kernel>", "exec"), space)  # noqa: S102 - generated above
    return space["kernel"]  # type: ignore[return-value]


def _source(fast: Fast) -> str:
    net = fast.net
    if any(layer.math.coupled for layer in fast.layers):
        raise _Unsupported("coupled layer")
    index = {p.key: i for i, p in enumerate(net.params)}
    f_code = [_printed(layer.math.f) for layer in fast.layers]  # type: ignore[arg-type]
    d_code = [_printed(layer.math.d) for layer in fast.layers]  # type: ignore[arg-type]
    rule = losses.rule(net.loss.name)
    term, dterm = _printed(rule.loss.term), _printed(rule.da)
    scale = "" if fast.scale == 1.0 else f"{_number(fast.scale)}*"
    body: list[str] = []
    loss_terms = []
    for n in net.samples():
        prev = [_number(v) for v in fast.x[n - 1]]
        for l, units in enumerate(net.units, 1):
            outs = []
            for u in units:
                terms = [f"p{index[w]}*{a}" for w, a in zip(u.weights, prev, strict=True)]
                if u.bias is not None:
                    terms.append(f"p{index[u.bias]}")
                z, a = f"z{l}_{u.index}_{n}", f"a{l}_{u.index}_{n}"
                body.append(f"{z} = {' + '.join(terms)}")
                body.append(f"{a} = {_put(f_code[l - 1], z=z)}")
                outs.append(a)
            prev = outs
        targets = [_number(v) for v in fast.y[n - 1]]
        loss_terms += [f"({_put(term, y=y, a=a)})" for y, a in zip(targets, prev, strict=True)]
    body.append(f"append({scale}({' + '.join(loss_terms)}))")
    for n in net.samples():
        body += _backward(fast, n, d_code, dterm, scale, index)
    grads, updates = [], []
    eta = _number(fast.eta)
    for p in net.params:
        if not p.trainable:
            continue
        i = index[p.key]
        terms = []
        for n in net.samples():
            for unit, inp in net.uses(p.key):
                d = f"d{unit.layer}_{unit.index}_{n}"
                if inp is None:
                    terms.append(d)
                elif unit.layer == 1:
                    terms.append(f"{d}*{_number(fast.x[n - 1][inp - 1])}")
                else:
                    terms.append(f"{d}*a{unit.layer - 1}_{inp}_{n}")
        grads.append(f"g{i} = {' + '.join(terms)}")
        updates.append(f"p{i} = p{i} - {eta}*g{i}")  # last: float arithmetic never raises
    params = "".join(f"p{i}, " for i in range(len(net.params)))
    inner = "\n".join("            " + line for line in [*body, *grads, *updates])
    return f"""def kernel(theta, count, marks, losses, kept):
    ({params}) = theta
    append = losses.append
    i = 0
    try:
        while i < count:
            if i in marks:
                kept[i] = ({params})
{inner}
            i += 1
    except (ArithmeticError, ValueError):
        pass
    return i, ({params})
"""


def _backward(
    fast: Fast, n: int, d_code: list[str], dterm: str, scale: str, index: dict[str, int]
) -> list[str]:
    """∂L/∂a and δ of every unit of sample ``n``, from the output layer down."""
    net = fast.net
    lines = []
    for l in range(net.depth, 0, -1):
        math_ = fast.layers[l - 1].math
        for u in net.units[l - 1]:
            j = u.index
            if l == net.depth:
                upstream = f"{scale}({_put(dterm, y=_number(fast.y[n - 1][j - 1]), a=f'a{l}_{j}_{n}')})"
            else:
                upstream = " + ".join(
                    f"d{l + 1}_{k.index}_{n}*p{index[k.weights[j - 1]]}" for k in net.units[l]
                )
            lines.append(f"u{l}_{j}_{n} = {upstream}")
            if math_.d_np is None:  # a constant derivative
                value = float(math_.d)  # type: ignore[arg-type]
                local = "" if value == 1.0 else f"*{_number(value)}"
            else:
                arg = f"a{l}_{j}_{n}" if math_.uses_a else f"z{l}_{j}_{n}"
                local = f"*({_put(d_code[l - 1], a=arg, z=arg)})"
            lines.append(f"d{l}_{j}_{n} = u{l}_{j}_{n}{local}")
    return lines


__all__ = ["Kernel", "compile_kernel"]
