"""The equations of the matrix view, one layer at a time, with the numbers of one iteration.

Samples are columns: A^{[0]} = X is n_0 × m. Forward, Z^{[l]} = W^{[l]} A^{[l−1]} + b^{[l]} and
A^{[l]} = f(Z^{[l]}). Backward, dA, dZ, dW, db are the derivatives of the per-sample loss ℓ^{(n)}
(with a mean, L = (1/m) Σ_n ℓ^{(n)}, so the 1/m appears in dW and db): the trace's
∂L/∂a and δ = ∂L/∂z times m. Every number is the trace's (exact or 50 digits), read from
the iteration's values; only the entries of a frozen parameter's dW, which the trace does
not keep, are summed here from its δ and a.

Each equation is an *item* ``{"math": LaTeX, "notes": [markup]}``: the symbolic equation,
then the matrices with numbers, then the result.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from tracer.derive.network import Network
from tracer.functions import activations, losses, softmax
from tracer.functions.algebra import tidy
from tracer.notation import grad, key, partial
from tracer.report.lang import Strings
from tracer.report.layout import ROW_WIDTH, width
from tracer.report.markup import Math
from tracer.report.matrixtex import Grid, elementwise, entry, matrix, scalar, shape, times

RELATIONS = {True: "=", False: r"\approx"}


def sup(name: str, l: int | str) -> str:
    """``W^{[2]}``: a layer's matrix."""
    return f"{name}^{{[{l}]}}"


def transposed(name: str, l: int) -> str:
    """``W^{[2]\\top}``: the transpose of a layer's matrix (one superscript, as TeX needs)."""
    return f"{name}^{{[{l}]\\top}}"


def in_space(name: str, rows: int, cols: int) -> str:
    return rf"{name} \in \mathbb{{R}}^{{{shape(rows, cols)}}}"


class Layers:
    """The numbers of one iteration as matrices, and the equations that show them."""

    def __init__(
        self,
        net: Network,
        values: Mapping[str, object],
        params: Mapping[str, object],
        updated: Mapping[str, object],
        digits: int,
        t: Strings,
    ) -> None:
        self.net, self.values, self.params, self.updated = net, values, params, updated
        self.digits, self.t = digits, t
        self.m = net.n_samples
        self.mean = net.reduction == "mean"
        self.per = sp.Integer(self.m if self.mean else 1)  # ℓ-derivatives are m · L-derivatives
        self.trained = {p.key for p in net.trainable}

    # -- matrices of the iteration (1-based rows and columns)

    def size(self, l: int) -> int:
        return self.net.sizes[l]

    def A(self, l: int) -> Grid:  # noqa: N802 - the matrix names of the shallow-network article
        return Grid(self.size(l), self.m, lambda j, n: self.values[self.net.a(l, j, n)])

    def Z(self, l: int) -> Grid:  # noqa: N802
        return Grid(self.size(l), self.m, lambda j, n: self.values[self.net.z(l, j, n)])

    def Y(self) -> Grid:  # noqa: N802
        return Grid(self.size(self.net.depth), self.m, lambda k, n: self.values[self.net.y(k, n)])

    def W(self, l: int, source: Mapping[str, object] | None = None) -> Grid:  # noqa: N802
        where = self.params if source is None else source
        return Grid(self.size(l), self.size(l - 1), lambda j, i: where[key("W", l, j, i)])

    def b(self, l: int, source: Mapping[str, object] | None = None) -> Grid | object | None:
        """The biases of layer l: a column, one number (shared), or None."""
        where = self.params if source is None else source
        layer = self.net.spec.layers[l - 1]
        if layer.shared_bias is not None:
            return where[key("b", l)]
        if layer.biases is None:
            return None
        return Grid(self.size(l), 1, lambda j, _: where[key("b", l, j)])

    def dA(self, l: int) -> Grid:  # noqa: N802
        return Grid(self.size(l), self.m, lambda j, n: self.per * self.values[grad(self.net.a(l, j, n))])

    def dZ(self, l: int) -> Grid:  # noqa: N802
        return Grid(self.size(l), self.m, lambda j, n: self.per * self.values[self.net.delta(l, j, n)])

    def fprime(self, l: int) -> Grid:
        net = self.net
        return Grid(self.size(l), self.m, lambda j, n: self.values[partial(net.a(l, j, n), net.z(l, j, n))])

    def gradient(self, param: str, l: int, j: int | None, i: int | None) -> object:
        """∂L/∂param from the trace; for a frozen parameter (the trace keeps none), Σ_n δ·a over
        the units it enters: weight W_ji (j, i), bias b_j (j, None), shared bias (None, None)."""
        if param in self.trained:
            return self.values[grad(param)]
        net, total = self.net, sp.Integer(0)
        for n in net.samples():
            for u in range(1, self.size(l) + 1) if j is None else (j,):
                d = self.values[net.delta(l, u, n)]
                total += d if i is None else d * self.values[net.a(l - 1, i, n)]
        return total

    def dW(self, l: int) -> Grid:  # noqa: N802
        return Grid(self.size(l), self.size(l - 1), lambda j, i: self.gradient(key("W", l, j, i), l, j, i))

    def db(self, l: int) -> Grid | object | None:
        layer = self.net.spec.layers[l - 1]
        if layer.shared_bias is not None:
            return self.gradient(key("b", l), l, None, None)
        if layer.biases is None:
            return None
        return Grid(self.size(l), 1, lambda j, _: self.gradient(key("b", l, j), l, j, None))

    # -- LaTeX

    def tex(self, value: Grid | object) -> tuple[str, bool]:
        return matrix(value, self.digits) if isinstance(value, Grid) else scalar(value, self.digits)

    def equation(
        self,
        lhs: str,
        forms: list[str],
        operands: list[tuple[str, Grid | object]],
        result: Grid | object,
        rel: str = "=",
    ) -> dict:
        """An item: ``lhs = forms… = operands (numbers) = result``; operands are (operator, value);
        ``rel`` is the first relation (``:=`` for an update)."""
        rows = [f"{lhs} &{rel} {forms[0]}"] + [f"&= {form}" for form in forms[1:]]
        if operands:
            texts = [self.tex(value) for _, value in operands]
            rel = RELATIONS[all(ok for _, ok in texts)]
            pieces = [f"{op} {text}".strip() for (op, _), (text, _) in zip(operands, texts, strict=True)]
            if width(" ".join(pieces)) <= ROW_WIDTH:
                rows.append(f"&{rel} " + " ".join(pieces))
            else:  # one matrix a row; a product, written side by side above, gets its dot here
                rows.append(f"&{rel} {pieces[0]}")
                for (op, _), piece in zip(operands[1:], pieces[1:], strict=True):
                    rows.append(rf"&\qquad {piece}" if op else rf"&\qquad \cdot {piece}")
        text, ok = self.tex(result)
        rows.append(f"&{RELATIONS[ok]} {text}")
        return {"math": "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}", "notes": []}

    def symbols(self, l: int) -> dict[sp.Symbol, str]:
        return {activations.Z: sup("Z", l), activations.A: sup("A", l), losses.Y: "Y"}

    def act(self, l: int) -> activations.Activation:
        return self.net.activation(l)

    def f_of(self, l: int, arg: str, prime: str = "") -> str:
        """``f(Z)`` of layer l's activation, or with ``prime="'"`` its derivative ``f′(Z)``."""
        return rf"{activations.latex_name(self.act(l).name)}{prime}\left({arg}\right)"

    def mean_factor(self) -> str:
        return rf"\frac{{1}}{{{self.m}}} " if self.mean and self.m > 1 else ""

    # -- forward

    def shapes(self, l: int) -> str:
        """The shapes line of layer l's forward pass (markup)."""
        n, prev, m = self.size(l), self.size(l - 1), self.m
        words = {
            "w": Math(in_space(sup("W", l), n, prev)),
            "a": Math(in_space(sup("A", l - 1), prev, m)),
            "z": Math(rf"{sup('Z', l)}, {sup('A', l)} \in \mathbb{{R}}^{{{shape(n, m)}}}"),
        }
        bias = self.b(l)
        which = "none" if bias is None else "unit" if isinstance(bias, Grid) else "shared"
        words["b"] = Math(in_space(sup("b", l), n, 1) if which == "unit" else sup("b", l))
        return self.t(f"matrix.shapes_{which}", **words)

    def forward(self, l: int) -> list[dict]:
        """Z^{[l]} and A^{[l]}."""
        W, A, Z = sup("W", l), sup("A", l - 1), sup("Z", l)
        bias = self.b(l)
        form = f"{W} {A}" + ("" if bias is None else f" + {sup('b', l)}")
        operands: list[tuple[str, object]] = [("", self.W(l)), ("", self.A(l - 1))]
        if bias is not None:
            operands.append(("+", bias))
        z = self.equation(Z, [form], operands, self.Z(l))
        forms = [self.f_of(l, Z), Z] if self.act(l).name == "linear" else [self.f_of(l, Z)]
        a = self.equation(sup("A", l), forms, [], self.A(l))
        if self.act(l).coupled:
            a["notes"].append(self.t("matrix.softmax_columns"))
        return [z, a]

    def loss(self) -> dict:
        """L as the mean (or sum) of the per-sample losses ℓ^{(n)}, and its value."""
        net, L = self.net, self.net.depth
        k = net.loss_scale * self.per
        K = self.size(L)
        index = "kn" if K > 1 else "1n"
        names = {losses.Y: f"Y_{{{index}}}", losses.A: f"A^{{[{L}]}}_{{{index}}}"}
        term = entry(net.loss.term, names, self.digits)
        inner = term if K == 1 else rf"\sum_{{k=1}}^{{{K}}} {term}"
        if k != 1:
            inner = rf"{sp.latex(k)} {inner}"
        if self.m == 1:
            total = r"\ell^{(1)}"
        elif self.mean:
            total = rf"\frac{{1}}{{{self.m}}} \sum_{{n=1}}^{{{self.m}}} \ell^{{(n)}}"
        else:
            total = rf"\sum_{{n=1}}^{{{self.m}}} \ell^{{(n)}}"
        value, exact = scalar(self.values["L"], self.digits)
        math = (
            "\\begin{aligned}\n"
            + rf"L &= {total}, \qquad \ell^{{(n)}} = {inner} \\"
            + f"\n&{RELATIONS[exact]} {value}\n\\end{{aligned}}"
        )
        return {"math": math, "notes": []}

    # -- backward

    def backward_shapes(self, l: int) -> str:
        n, prev, m = self.size(l), self.size(l - 1), self.m
        words = {
            "dz": Math(rf"d{sup('Z', l)}, d{sup('A', l)} \in \mathbb{{R}}^{{{shape(n, m)}}}"),
            "dw": Math(in_space("d" + sup("W", l), n, prev)),
        }
        bias = self.b(l)
        which = "none" if bias is None else "unit" if isinstance(bias, Grid) else "shared"
        words["db"] = Math(in_space("d" + sup("b", l), n, 1) if which == "unit" else "d" + sup("b", l))
        return self.t(f"matrix.backward_shapes_{which}", **words)

    def output_delta(self) -> list[dict]:
        """dA^{[L]} and dZ^{[L]}: from the loss and the output activation."""
        L = self.net.depth
        act, loss = self.act(L), self.net.loss.name
        k = self.net.loss_scale * self.per
        dz, da, Z, A = "d" + sup("Z", L), "d" + sup("A", L), sup("Z", L), sup("A", L)
        symbols, prime = self.symbols(L), self.f_of(L, Z, "'")
        if act.coupled and softmax.collapse(loss) is not None:
            collapsed = softmax.collapse(loss).result  # type: ignore[union-attr]
            result = times(k, collapsed.xreplace({softmax.AJ: activations.A, softmax.YJ: losses.Y}))
            item = self.equation(dz, [elementwise(result, symbols, self.digits)], [], self.dZ(L))
            item["notes"].append(self.t("matrix.collapse_softmax"))
            return [item]
        ell = times(k, losses.rule(loss).da)
        if not act.coupled:
            rule = activations.layer_rule(act)
            if rule.da is not None:
                product = tidy(sp.simplify(ell * rule.da))
                if (
                    product.is_polynomial(activations.A, losses.Y)
                    and sp.Poly(product, activations.A, losses.Y).total_degree() <= 1
                ):
                    forms = [
                        rf"{da} \odot {prime}",
                        rf"\left({elementwise(ell, symbols, self.digits)}\right) \odot "
                        rf"{elementwise(rule.da, symbols, self.digits)}",
                        elementwise(product, symbols, self.digits),
                    ]
                    item = self.equation(dz, forms, [], self.dZ(L))
                    item["notes"].append(self.t("matrix.collapse_simplified"))
                    return [item]
        forms = [r"\frac{\partial \ell}{\partial " + A + "}", elementwise(ell, symbols, self.digits)]
        first = self.equation(da, forms, [], self.dA(L))
        if act.coupled:
            jacobian = r"J^{(n)}_{kj} = a^{(n)}_{k}\left(\delta_{kj} - a^{(n)}_{j}\right)"
            forms = [rf"J^{{(n)\top}} \, da^{{[{L}](n)}}, \qquad {jacobian}"]
            second = self.equation(f"dz^{{[{L}](n)}}", forms, [], self.dZ(L))
            second["notes"].append(self.t("matrix.softmax_jacobian"))
            return [first, second]
        return [first, self.through(L)]

    def through(self, l: int) -> dict:
        """dZ^{[l]} = dA^{[l]} ⊙ f′(Z^{[l]}), with f′ as the activation registry derived it."""
        rule = activations.layer_rule(self.act(l))
        shown = rule.da if rule.da is not None else rule.named if rule.named is not None else rule.dz
        dz, da, Z = "d" + sup("Z", l), "d" + sup("A", l), sup("Z", l)
        derivative = elementwise(shown, self.symbols(l), self.digits)
        forms = [rf"{da} \odot " + self.f_of(l, Z, "'")]
        if shown == 1:
            return self.equation(dz, [*forms, da], [], self.dZ(l))
        if "+" in derivative or " - " in derivative:
            derivative = rf"\left({derivative}\right)"
        forms.append(rf"{da} \odot {derivative}")
        slopes = self.fprime(l)
        item = self.equation(dz, forms, [("", self.dA(l)), (r"\odot", slopes)], self.dZ(l))
        cells = [(j, n) for j in range(1, self.size(l) + 1) for n in self.net.samples()]
        dead = sum(1 for j, n in cells if slopes.entry(j, n) == 0)
        if dead:
            words = {"count": dead, "total": len(cells), "z": Math(Z), "activation": self.act(l).name}
            item["notes"].append(self.t("matrix.inactive", **words))
        return item

    def gradients(self, l: int) -> list[dict]:
        """dW^{[l]}, db^{[l]} and, below the first layer, dA^{[l−1]}."""
        mean, m = self.mean_factor(), self.m
        dz, dz_n = "d" + sup("Z", l), f"dz^{{[{l}](n)}}"
        operands = [(mean.strip(), self.dZ(l)), ("", self.A(l - 1).T)]
        form = f"{mean}{dz} {transposed('A', l - 1)}"
        items = [self.equation("d" + sup("W", l), [form], operands, self.dW(l))]
        db = self.db(l)
        if isinstance(db, Grid):
            form = rf"{mean}\sum_{{n=1}}^{{{m}}} {dz_n}"
            items.append(self.equation("d" + sup("b", l), [form], [], db))
        elif db is not None:
            form = rf"{mean}\sum_{{n=1}}^{{{m}}} \sum_{{j=1}}^{{{self.size(l)}}} {dz}_{{jn}}"
            items.append(self.equation("d" + sup("b", l), [form], [], db))
        if l > 1:
            form = f"{transposed('W', l)} {dz}"
            operands = [("", self.W(l).T), ("", self.dZ(l))]
            items.append(self.equation("d" + sup("A", l - 1), [form], operands, self.dA(l - 1)))
        return items
