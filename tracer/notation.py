"""The only place that names quantities.

Every quantity has a canonical key (CONTRACT.md §2), e.g. ``W2[1,2]``, ``a1[2]@3``; the
symbols of the derivation are SymPy symbols named by these keys. Derived quantities are
keys too: ``dL/dW2[1,2]`` (a gradient), ``da2[1]/dz2[1]`` (a local derivative),
``delta2[1]`` (∂L/∂z), ``W2[1,2]+`` (the updated value) and ``eta`` (the learning rate).

A :class:`Notation` turns a key into LaTeX and into the plain name a student writes
(``w53``, ``out_h1``), and resolves such names back to keys. Three notations follow the
seeds' conventions:

- ``layer``: W^{[l]}_{ji}, b^{[l]}_j, z^{[l]}_j, a^{[l]}_j (layers numbered from 1);
- ``node``: nodes numbered through the whole network (inputs 1, 2, hidden 3, 4, …),
  w_{ji} from node i into node j, w_{jb} for biases, z_j, a_j, targets t_k;
- ``flat``: weights w1, w2, … and biases b1, b2, … numbered layer by layer, row by row;
  inputs x1, hidden units h1, h2, … (numbered through all hidden layers), outputs o1, …,
  with net_h1 / out_h1 for a unit's net input and output and target_o1 for a target.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import sympy as sp

NOTATIONS = ("layer", "node", "flat")

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


def split_derived(k: str) -> tuple[str, tuple[str, ...]]:
    """('grad' | 'partial' | 'updated' | 'base', parts): how a key is built from base keys."""
    if k.endswith("+"):
        return "updated", (k[:-1],)
    if k.startswith("dL/d"):
        return "grad", (k[4:],)
    if k.startswith("d") and "/d" in k and not k.startswith("delta"):
        top, bottom = k[1:].split("/d", 1)
        return "partial", (top, bottom)
    return "base", (k,)


@dataclass(frozen=True)
class _Base:
    """A parsed base key: name, layer, indices, sample."""

    name: str
    layer: int | None
    idx: tuple[int, ...]
    sample: int | None


def _parse(k: str) -> _Base | None:
    m = _LOSS.match(k)
    if m:
        return _Base("L", None, (), int(m["n"]) if m["n"] else None)
    m = _BASE.match(k)
    if not m:
        return None
    idx = tuple(int(i) for i in m["idx"].split(",")) if m["idx"] else ()
    return _Base(m["name"], int(m["layer"]) if m["layer"] else None, idx, int(m["n"]) if m["n"] else None)


def _sub(*parts: object) -> str:
    """A subscript of numbers: ``31`` when every part is one digit, else ``10,3``."""
    texts = [str(p) for p in parts]
    return "".join(texts) if all(len(t) == 1 for t in texts) else ",".join(texts)


@dataclass(frozen=True)
class Notation:
    """Names in one notation for a network of the given layer sizes.

    ``sizes`` are the unit counts (inputs first); ``shared`` the layers whose bias is one
    number shared by the layer. Without sizes only the ``layer`` notation can name keys.
    """

    name: str = "layer"
    sizes: tuple[int, ...] = ()
    shared: frozenset[int] = frozenset()
    _names: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _texts: dict[str, str] = field(default_factory=dict, compare=False, repr=False)  # see latex

    def __post_init__(self) -> None:
        if self.name not in NOTATIONS:
            raise ValueError(f"notation must be one of {', '.join(NOTATIONS)}, not {self.name!r}")
        if self.name != "layer" and not self.sizes:
            raise ValueError(f"the {self.name} notation needs the layer sizes")

    # -- numbering

    @property
    def depth(self) -> int:
        return len(self.sizes) - 1

    def node(self, layer: int, j: int) -> int:
        """Node number through the whole network (inputs are nodes 1 … n0)."""
        return sum(self.sizes[:layer]) + j

    def hidden(self, layer: int, j: int) -> int:
        """Flat hidden-unit number, counted through all hidden layers."""
        return sum(self.sizes[1:layer]) + j

    def flat_weight(self, layer: int, j: int, i: int) -> int:
        before = sum(self.sizes[l] * self.sizes[l - 1] for l in range(1, layer))
        return before + (j - 1) * self.sizes[layer - 1] + i

    def flat_bias(self, layer: int, j: int | None) -> int:
        before = sum(1 if l in self.shared else self.sizes[l] for l in range(1, layer))
        return before + (1 if j is None else j)

    def unit(self, layer: int, j: int) -> tuple[str, str]:
        """Flat unit name (LaTeX, text): h3 or o1."""
        if layer == self.depth:
            return f"o_{{{j}}}", f"o{j}"
        h = self.hidden(layer, j)
        return f"h_{{{h}}}", f"h{h}"

    # -- LaTeX

    def latex(self, k: str) -> str:
        """LaTeX for a canonical key (or a generic symbol such as ``W``, ``z``); kept by key
        (a report asks for the same names tens of thousands of times)."""
        found = self._texts.get(k)
        if found is None:
            found = self._texts[k] = _latex(self, k)
        return found

    def _base_latex(self, b: _Base) -> str:
        sample = f"({b.sample})" if b.sample is not None else ""
        if b.name == "L":
            return "L" if b.sample is None else f"L^{{({b.sample})}}"
        generic = not b.idx and (b.layer is None or b.name != "b")  # W, z, a in the rules
        if self.name == "layer" or generic:
            return _layer_latex(b)
        head, sub = self._head(b, latex=True)
        text = f"{head}_{{{sub}}}" if sub else head
        return text + (f"^{{{sample}}}" if sample else "")

    def _head(self, b: _Base, latex: bool) -> tuple[str, str]:
        """(name, subscript) of a base key in the node or flat notation."""
        l, idx = b.layer, b.idx
        if b.name == "x":
            return "x", str(idx[0])
        if self.name == "node":
            if b.name == "y":
                return "t", str(idx[0])
            assert l is not None
            if b.name == "W":
                return "w", _sub(self.node(l, idx[0]), self.node(l - 1, idx[1]))
            if b.name == "b":
                return ("w", f"{self.node(l, idx[0])}b") if idx else ("b", str(l))
            greek = r"\delta" if latex else "delta"
            return {"z": "z", "a": "a", "delta": greek}[b.name], str(self.node(l, idx[0]))
        if b.name == "y":
            unit_latex, unit_text = self.unit(self.depth, idx[0])
            return (r"\mathrm{target}", unit_latex) if latex else ("target_", unit_text)
        assert l is not None
        if b.name == "W":
            return "w", str(self.flat_weight(l, idx[0], idx[1]))
        if b.name == "b":
            return "b", str(self.flat_bias(l, idx[0] if idx else None))
        unit_latex, unit_text = self.unit(l, idx[0])
        words = {"z": "net", "a": "out", "delta": "delta"}
        if latex:
            head = r"\delta" if b.name == "delta" else rf"\mathrm{{{words[b.name]}}}"
            return head, unit_latex
        return words[b.name] + "_", unit_text

    # -- plain text names (answers files) and back

    def text(self, k: str) -> str:
        """The plain name of a key: ``w53``, ``dL/dw5``, ``out_h1+``; layer keys as they are."""
        kind, parts = split_derived(k)
        if kind == "updated":
            return self.text(parts[0]) + "+"
        if kind == "grad":
            return "dL/d" + self.text(parts[0])
        if kind == "partial":
            return f"d{self.text(parts[0])}/d{self.text(parts[1])}"
        b = _parse(k)
        if b is None or self.name == "layer" or b.name == "L" or not b.idx and b.name != "b":
            return k
        head, sub = self._head(b, latex=False)
        return head + sub + (f"@{b.sample}" if b.sample is not None else "")

    def keys(self, samples: int = 1) -> list[str]:
        """Every base key of the network (parameters, inputs, targets, units, losses)."""
        batch = samples > 1
        out: list[str] = ["L", "eta"]
        for n in range(1, samples + 1):
            s = n if batch else None
            out += [key("x", None, i, sample=s) for i in range(1, self.sizes[0] + 1)]
            out += [key("y", None, k, sample=s) for k in range(1, self.sizes[-1] + 1)]
            for l in range(1, self.depth + 1):
                for j in range(1, self.sizes[l] + 1):
                    out += [key(name, l, j, sample=s) for name in ("z", "a", "delta")]
            if batch:
                out.append(f"L@{n}")
        for l in range(1, self.depth + 1):
            for j in range(1, self.sizes[l] + 1):
                out += [key("W", l, j, i) for i in range(1, self.sizes[l - 1] + 1)]
            out += (
                [key("b", l)] if l in self.shared else [key("b", l, j) for j in range(1, self.sizes[l] + 1)]
            )
        return out

    def resolve(self, name: str, samples: int = 1) -> str:
        """The canonical key of a name in this notation (or a canonical key itself).

        Accepts ``w53``, ``w_{53}``, ``dL/dw5``, ``w5+``, ``W2[1,1]``; raises ``KeyError``
        with the closest valid names when nothing matches.
        """
        table = self._table(samples)
        text = name.strip()
        if text.endswith("+"):
            return updated(self.resolve(text[:-1], samples))
        for prefix in ("dL/d", "∂L/∂"):
            if text.startswith(prefix):
                return grad(self.resolve(text[len(prefix) :], samples))
        found = table.get(text) or table.get(_normal(text))
        if found is None:
            close = difflib.get_close_matches(text, sorted({self.text(k) for k in table.values()}), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(f"{name!r} names nothing in the {self.name} notation{hint}")
        return found

    def _table(self, samples: int) -> dict[str, str]:
        cache_key = f"@{samples}"
        if cache_key not in self._names:
            self._names[cache_key] = self._build_table(samples)  # type: ignore[assignment]
        return self._names[cache_key]  # type: ignore[return-value]

    def _build_table(self, samples: int) -> dict[str, str]:
        table: dict[str, str] = {}
        normal: dict[str, set[str]] = {}
        for k in self.keys(samples):
            for alias in {k, self.text(k), *self._aliases(k)}:
                table.setdefault(alias, k)
                normal.setdefault(_normal(alias), set()).add(k)
        for alias, ks in normal.items():
            if len(ks) == 1:  # a loose spelling is kept only when it is unambiguous
                table.setdefault(alias, next(iter(ks)))
        return table

    def _aliases(self, k: str) -> list[str]:
        b = _parse(k)
        if b is None or not b.idx:
            return []
        s = f"@{b.sample}" if b.sample is not None else ""
        if self.name == "node" and b.name == "x":
            return [f"a{b.idx[0]}{s}"]
        if self.name == "flat":
            if b.name == "x":
                return [f"i{b.idx[0]}{s}"]
            if b.name == "y":
                return [f"t{b.idx[0]}{s}", f"y{b.idx[0]}{s}"]
        return []


def _normal(text: str) -> str:
    """A loose spelling: no spaces, braces, backslashes, underscores or carets; lower case."""
    return re.sub(r"[\s{}\\_^]", "", text).lower()


def _layer_latex(b: _Base) -> str:
    name = {"delta": r"\delta"}.get(b.name, b.name)
    sup = f"[{b.layer}]" if b.layer is not None else ""
    if b.sample is not None:
        sup += f"({b.sample})"
    text = name
    if sup:
        text += "^{" + sup + "}"
    if b.idx:
        text += "_{" + _sub(*b.idx) + "}"
    return text


@cache
def _latex(notation: Notation, k: str) -> str:
    if k == "eta":
        return r"\eta"
    kind, parts = split_derived(k)
    if kind == "updated":
        return "{" + _latex(notation, parts[0]) + "}^{+}"
    if kind == "grad":
        return r"\frac{\partial L}{\partial " + _latex(notation, parts[0]) + "}"
    if kind == "partial":
        top, bottom = (_latex(notation, p) for p in parts)
        return r"\frac{\partial " + top + r"}{\partial " + bottom + "}"
    b = _parse(k)
    if b is None:
        raise ValueError(f"not a canonical key: {k!r}")
    return notation._base_latex(b)


LAYER = Notation()


def for_network(name: str, sizes: Sequence[int], shared: frozenset[int] = frozenset()) -> Notation:
    """The notation ``name`` for a network with these layer sizes."""
    return Notation(name, tuple(sizes), frozenset(shared))


def latex(k: str, notation: Notation = LAYER) -> str:
    """LaTeX for a canonical key in the chosen notation."""
    return notation.latex(k)
