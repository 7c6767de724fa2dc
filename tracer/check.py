"""Checks that the chain-rule gradients are right, run on every trace.

* symbolic (networks within :data:`SYMBOLIC_LIMIT` parameter-sample pairs): the chain rule
  composed into one expression per parameter equals ``sympy.diff`` of the composed loss;
* numeric (every size): each gradient agrees with a central finite difference of the
  composed loss evaluated at 60 significant digits (with step 1e-25, the difference
  itself is accurate to about 1e-40).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import sympy as sp

from tracer import activations, losses
from tracer.network import Local, Network, Unit
from tracer.notation import grad, symbol

# Symbolic check bound, in trainable parameters × samples: the composed loss grows with the
# product of the layer widths, so deeper networks get a lower bound (about 1 s at the bound).
SYMBOLIC_LIMIT = {1: 200, 2: 64}
SYMBOLIC_LIMIT_DEEP = 24
PER_PARAMETER_LIMIT = 200  # beyond this many parameters: 4 random directional derivatives


@dataclass(frozen=True)
class Check:
    symbolic: str  # "passed", "failed" or "skipped (…)"
    numeric: str  # "passed", "failed" or "skipped"
    max_relative_difference: float | None = None
    method: str = ""
    # Parameters upstream of a unit sitting exactly on a kink (ReLU at z = 0): the
    # derivative there is a convention, which a finite difference cannot confirm.
    excluded: tuple[str, ...] = ()

    @classmethod
    def skipped(cls) -> Check:
        return cls("skipped", "skipped")

    @property
    def passed(self) -> bool:
        return "failed" not in (self.symbolic, self.numeric)


def self_check(net: Network, params: dict, values: dict) -> Check:
    gradients = {p.key: values[grad(p.key)] for p in net.trainable}
    if not gradients:
        return Check("skipped (nothing is trainable)", "skipped")
    size = len(gradients) * net.n_samples
    limit = SYMBOLIC_LIMIT.get(net.depth, SYMBOLIC_LIMIT_DEEP)
    if size <= limit:
        symbolic = _symbolic(net, values)
    else:
        symbolic = f"skipped (more than {limit} parameter-sample pairs for {net.depth} layers)"
    excluded = at_kinks(net, values)
    compared = {k: g for k, g in gradients.items() if k not in excluded}
    if compared:
        numeric, worst, method = _numeric(net, params, compared)
    else:
        numeric, worst, method = "skipped (every parameter is upstream of a kink)", None, ""
    return Check(symbolic, numeric, worst, method, tuple(k for k in gradients if k in excluded))


def at_kinks(net: Network, values: dict) -> set[str]:
    """Trainable parameters that move the net input of a unit sitting exactly on a kink."""
    out: set[str] = set()
    for n in net.samples():
        for layer in net.units:
            l = layer[0].layer
            kinks = net.activation(l).kinks
            for u in layer:
                if kinks and values[net.z(l, u.index, n)] in kinks:
                    out.update(p.key for p in net.trainable if p.layer < l)
                    out.update(u.weights)
                    if u.bias is not None:
                        out.add(u.bias)
    return out


def _symbolic(net: Network, values: dict) -> str:
    # L = Σ_n Σ_k L_nk, so the identity is checked term by term: one common denominator over
    # all samples and outputs would make the comparison explode. A piecewise activation
    # (ReLU) is replaced by the piece that applies at the current parameters: the identity
    # is proved on that region (at a kink, on the convention's piece), and the composed
    # expressions stay free of nested case splits.
    def local(unit: Unit, n: int, expr: sp.Expr) -> sp.Expr:
        return activations.branch(expr, values[net.z(unit.layer, unit.index, n)])

    for n in net.samples():
        for k in range(1, net.sizes[-1] + 1):
            composed = net.composed_loss(n, local, output=k)
            for p in net.trainable:
                chain = _composed_chain_rule(net, p.key, n, local, k)
                if not is_zero(chain - sp.diff(composed, p.symbol)):
                    return "failed"
    return "passed"


def is_zero(expr: sp.Expr) -> bool:
    """Decide ``expr == 0`` for a rational function of exponentials and logarithms.

    Over a common denominator the numerator, fully expanded, is zero exactly when the
    expression is (SymPy's canonical form leaves no cancellation undone here).
    """
    return sp.expand(sp.numer(sp.together(expr))) == 0


def _composed_chain_rule(net: Network, param: str, sample: int, local: Local, output: int) -> sp.Expr:
    """∂L_nk/∂param (sample n, output k) by the chain rule, every node written in parameters."""
    loss_rule = losses.rule(net.loss.name)
    total = sp.Integer(0)
    n, s = sample, net.spec.samples[sample - 1]
    a_prev: list[sp.Expr] = list(s.inputs)
    zs, As = [], []
    for layer in net.units:
        f = net.activation(layer[0].layer).expr
        z = [
            sum((symbol(w) * a for w, a in zip(u.weights, a_prev, strict=True)), sp.Integer(0))
            + (symbol(u.bias) if u.bias else 0)
            for u in layer
        ]
        a_prev = [local(u, n, f).xreplace({activations.Z: zj}) for u, zj in zip(layer, z, strict=True)]
        zs.append(z)
        As.append(a_prev)
    deltas: dict[tuple[int, int], sp.Expr] = {}
    for layer in reversed(net.units):
        l = layer[0].layer
        dz = activations.rule(net.activation(l).name).dz
        for u in layer:
            if l == net.depth and u.index != output:
                dlda = sp.Integer(0)
            elif l == net.depth:
                dlda = net.loss_scale * loss_rule.da.xreplace(
                    {losses.Y: s.targets[u.index - 1], losses.A: As[l - 1][u.index - 1]}
                )
            else:
                dlda = sum(
                    (deltas[(l + 1, k.index)] * symbol(k.weights[u.index - 1]) for k in net.units[l]),
                    sp.Integer(0),
                )
            deltas[(l, u.index)] = dlda * local(u, n, dz).xreplace({activations.Z: zs[l - 1][u.index - 1]})
    for unit, i in net.uses(param):
        d = deltas[(unit.layer, unit.index)]
        prev = s.inputs[i - 1] if unit.layer == 1 and i else (As[unit.layer - 2][i - 1] if i else 1)
        total += d * prev
    return total


def loss_function(net: Network) -> Callable[[dict[str, mpmath.mpf]], mpmath.mpf]:
    """L(parameters) in mpmath: a forward pass independent of the backward pass.

    Call it inside the ``mpmath.workdps`` context it is to be evaluated in (the inputs are
    converted at that precision).
    """
    acts = {
        l: sp.lambdify(activations.Z, net.activation(l).expr, modules="mpmath")
        for l in range(1, net.depth + 1)
    }
    term = sp.lambdify((losses.Y, losses.A), net.loss.term, modules="mpmath")
    scale = mpmath.mpf(int(net.loss_scale.p)) / int(net.loss_scale.q)
    samples = [([_mpf(x) for x in s.inputs], [_mpf(y) for y in s.targets]) for s in net.spec.samples]

    def loss(params: dict[str, mpmath.mpf]) -> mpmath.mpf:
        total = mpmath.mpf(0)
        for inputs, targets in samples:
            prev = inputs
            for layer in net.units:
                f = acts[layer[0].layer]
                prev = [
                    f(
                        mpmath.fsum(params[w] * a for w, a in zip(u.weights, prev, strict=True))
                        + (params[u.bias] if u.bias else 0)
                    )
                    for u in layer
                ]
            total += mpmath.fsum(term(y, a) for y, a in zip(targets, prev, strict=True))
        return scale * total

    return loss


def _mpf(value: sp.Expr) -> mpmath.mpf:
    value = sp.sympify(value)
    if value.is_Rational:
        return mpmath.mpf(int(value.p)) / int(value.q)
    return mpmath.mpf(sp.Float(value, 60)._mpf_)


def _numeric(net: Network, params: dict, gradients: dict) -> tuple[str, float, str]:
    trainable = list(gradients)
    if len(trainable) <= PER_PARAMETER_LIMIT:
        directions = [{k: mpmath.mpf(1)} for k in trainable]
        method = "central difference per parameter"
    else:  # fixed pseudo-random directions (deterministic: derived from the parameter order)
        directions = [
            {k: mpmath.mpf((7919 * (i + 1) * (d + 3)) % 997 + 1) / 997 for i, k in enumerate(trainable)}
            for d in range(4)
        ]
        method = "central difference along 4 fixed directions"
    with mpmath.workdps(60):
        loss = loss_function(net)
        point = {k: _mpf(v) for k, v in params.items() if k in net.param_index}
        grads = {k: _mpf(v) for k, v in gradients.items()}
        h = mpmath.mpf("1e-25")
        worst = mpmath.mpf(0)
        for direction in directions:
            plus = {k: x + h * direction.get(k, 0) for k, x in point.items()}
            minus = {k: x - h * direction.get(k, 0) for k, x in point.items()}
            fd = (loss(plus) - loss(minus)) / (2 * h)
            analytic = mpmath.fsum(grads[k] * w for k, w in direction.items())
            scale = max(abs(fd), abs(analytic), mpmath.mpf("1e-30"))
            worst = max(worst, abs(fd - analytic) / scale)
        ok = worst <= mpmath.mpf(1) / 10**25
    return ("passed" if ok else "failed"), float(worst), method
