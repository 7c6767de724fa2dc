"""The only place that names quantities.

Every quantity has a canonical key (CONTRACT.md §2), e.g. ``W2[1,2]``, ``a1[2]@3``; the
symbols of the derivation are SymPy symbols named by these keys. This module turns a key
into the LaTeX of a notation. Derived quantities are keys too: ``dL/dW2[1,2]`` (a
gradient), ``da2[1]/dz2[1]`` (a local derivative), ``delta2[1]`` (∂L/∂z), ``W2[1,2]+``
(the updated value) and ``eta`` (the learning rate).
"""

from __future__ import annotations

import re
from functools import cache

import sympy as sp

NOTATIONS = ("layer",)  # node and flat arrive with the notations issue

_BASE = re.compile(
    r"^(?P<name>x|y|W|b|z|a|delta)(?P<layer>\d*)(?:\[(?P<idx>\d+(?:,\d+)?)\])?(?:@(?P<n>\d+))?$"
)
_LOSS = re.compile(r"^L(?:@(?P<n>\d+))?$")


@cache
def symbol(key: str) -> sp.Symbol:
    """The SymPy symbol of a canonical key (one object per key)."""
    return sp.Symbol(key, real=True)


def key(name: str, layer: int | None = None, *index: int, sample: int | None = None) -> str:
    """Build a canonical key: ``key('W', 2, 1, 2)`` → ``W2[1,2]``; samples add ``@n``."""
    text = name + (str(layer) if layer is not None else "")
    if index:
        text += "[" + ",".join(str(i) for i in index) + "]"
    if sample is not None:
        text += f"@{sample}"
    return text


def grad(of: str) -> str:
    return f"dL/d{of}"


def partial(top: str, bottom: str) -> str:
    return f"d{top}/d{bottom}"


def updated(of: str) -> str:
    return f"{of}+"


def strip_sample(k: str) -> str:
    return k.split("@", 1)[0]


def latex(k: str, notation: str = "layer") -> str:
    """LaTeX for a canonical key in the chosen notation."""
    return _latex(k, notation)


@cache
def _latex(k: str, notation: str) -> str:
    if k == "eta":
        return r"\eta"
    if k.endswith("+"):
        return "{" + _latex(k[:-1], notation) + "}^{+}"
    if k.startswith("dL/d"):
        return r"\frac{\partial " + _latex("L", notation) + r"}{\partial " + _latex(k[4:], notation) + "}"
    if k.startswith("d") and "/d" in k and not k.startswith("delta"):  # dtop/dbottom
        top, bottom = k[1:].split("/d", 1)
        return r"\frac{\partial " + _latex(top, notation) + r"}{\partial " + _latex(bottom, notation) + "}"
    m = _LOSS.match(k)
    if m:
        return "L" if m["n"] is None else f"L^{{({m['n']})}}"
    m = _BASE.match(k)
    if not m:
        raise ValueError(f"not a canonical key: {k!r}")
    name = {"delta": r"\delta"}.get(m["name"], m["name"])
    sup = f"[{m['layer']}]" if m["layer"] else ""
    if m["n"] is not None:
        sup += f"({m['n']})"
    idx = m["idx"] or ""
    if "," in idx:
        j, i = idx.split(",")
        idx = j + i if len(j) == 1 and len(i) == 1 else f"{j},{i}"
    text = name
    if sup:
        text += "^{" + sup + "}"
    if idx:
        text += "_{" + idx + "}"
    return text
