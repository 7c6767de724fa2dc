"""Checks that the chain-rule gradients are right, run on every trace.

* symbolic (networks within :data:`SYMBOLIC_LIMIT` parameter-sample pairs): the chain rule
  composed into one expression per parameter equals ``sympy.diff`` of the composed loss;
* numeric (every size): each gradient agrees with a central finite difference of the
  composed loss evaluated at 60 significant digits (with step 1e-25, the difference
  itself is accurate to about |L|·1e-35) to 25 significant digits, or to |L|·1e-33 for a
  gradient smaller than |L|·1e-8.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import sympy as sp

from tracer.derive.network import Local, Network, Unit
from tracer.evaluate.exact import DPS
from tracer.evaluate.exact import digits as _digits
from tracer.functions import activations, losses, softmax
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
    digits: int = 60  # the numeric check's working precision (more where a σ or tanh saturates)

    @classmethod
    def skipped(cls) -> Check:
        return cls("skipped", "skipped")

    @property
    def passed(self) -> bool:
        return "failed" not in (self.symbolic, self.numeric)


def self_check(net: Network, params: dict, values: dict, symbolic: bool = True) -> Check:
    """The gradients in ``values`` checked symbolically (within :data:`SYMBOLIC_LIMIT`, and when
    ``symbolic``) and against central differences of the loss at high precision."""
    gradients = {p.key: values[grad(p.key)] for p in net.trainable}
    if not gradients:
        return Check("skipped (nothing is trainable)", "skipped")
    size = len(gradients) * net.n_samples
    limit = SYMBOLIC_LIMIT.get(net.depth, SYMBOLIC_LIMIT_DEEP)
    if not symbolic:
        symbolic_result = "skipped"
    elif size <= limit:
        symbolic_result = _symbolic(net, values)
    else:
        symbolic_result = f"skipped (more than {limit} parameter-sample pairs for {net.depth} layers)"
    excluded = at_kinks(net, values)
    compared = {k: g for k, g in gradients.items() if k not in excluded}
    if compared:
        numeric, worst, method = _numeric(net, params, compared, check_digits(net, values))
    else:
        numeric, worst, method = "skipped (every parameter is upstream of a kink)", None, ""
    excluded_keys = tuple(k for k in gradients if k in excluded)
    return Check(symbolic_result, numeric, worst, method, excluded_keys, check_digits(net, values))


def check_digits(net: Network, values: dict) -> int:
    """60 digits, and as many more as a saturated σ, tanh or softmax needs (twice the largest
    |z|, for a softmax's spread): 1 − σ(z) must not round to 0 in the composed loss."""
    zs = [
        values[net.z(u.layer, u.index, n)]
        for n in net.samples()
        for layer in net.units
        if not net.activation(layer[0].layer).exact  # ReLU and linear units keep every digit
        for u in layer
    ]
    largest = max((abs(sp.Float(z, 15)) for z in zs if z.is_finite), default=sp.Integer(0))
    return 60 + _digits(2 * largest) - DPS


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

    # A softmax output couples the outputs, and its collapsed δ = a − y holds for their sum
    # only: the identity is checked per sample there.
    outputs = [None] if net.activation(net.depth).coupled else range(1, net.sizes[-1] + 1)
    for n in net.samples():
        for k in outputs:
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


def _composed_chain_rule(net: Network, param: str, sample: int, local: Local, output: int | None) -> sp.Expr:
    """∂L_nk/∂param (sample n, output k; every output when None) by the chain rule, every node
    written in parameters."""
    loss_rule = losses.rule(net.loss.name)
    total = sp.Integer(0)
    n, s = sample, net.spec.samples[sample - 1]
    a_prev: list[sp.Expr] = list(s.inputs)
    zs, As = [], []
    for layer in net.units:
        act = net.activation(layer[0].layer)
        z = [
            sum((symbol(w) * a for w, a in zip(u.weights, a_prev, strict=True)), sp.Integer(0))
            + (symbol(u.bias) if u.bias else 0)
            for u in layer
        ]
        if act.coupled:
            exps = [sp.exp(zj) for zj in z]
            a_prev = [e / sum(exps, sp.Integer(0)) for e in exps]
        else:
            a_prev = [
                local(u, n, act.expr).xreplace({activations.Z: zj}) for u, zj in zip(layer, z, strict=True)
            ]
        zs.append(z)
        As.append(a_prev)
    deltas: dict[tuple[int, int], sp.Expr] = {}
    for layer in reversed(net.units):
        l = layer[0].layer
        act = net.activation(l)
        dlda: dict[int, sp.Expr] = {}
        for u in layer:
            if l == net.depth and output is not None and u.index != output:
                dlda[u.index] = sp.Integer(0)
            elif l == net.depth:
                dlda[u.index] = net.loss_scale * loss_rule.da.xreplace(
                    {losses.Y: s.targets[u.index - 1], losses.A: As[l - 1][u.index - 1]}
                )
            else:
                dlda[u.index] = sum(
                    (deltas[(l + 1, k.index)] * symbol(k.weights[u.index - 1]) for k in net.units[l]),
                    sp.Integer(0),
                )
        if act.coupled:
            deltas.update(_coupled_deltas(net, layer, As[l - 1], s.targets, dlda, output))
            continue
        dz = activations.layer_rule(act).dz
        for u in layer:
            deltas[(l, u.index)] = dlda[u.index] * local(u, n, dz).xreplace(
                {activations.Z: zs[l - 1][u.index - 1]}
            )
    for unit, i in net.uses(param):
        d = deltas[(unit.layer, unit.index)]
        prev = s.inputs[i - 1] if unit.layer == 1 and i else (As[unit.layer - 2][i - 1] if i else 1)
        total += d * prev
    return total


def _coupled_deltas(
    net: Network,
    layer: tuple[Unit, ...],
    outs: list[sp.Expr],
    targets: tuple[sp.Expr, ...],
    dlda: dict[int, sp.Expr],
    output: int | None,
) -> dict[tuple[int, int], sp.Expr]:
    """δ_j of a softmax layer as the backward pass computes it: the collapsed form (a − y for
    cross-entropy) when SymPy found one and every output counts, else Σ_k ∂L/∂a_k ∂a_k/∂z_j."""
    jac = softmax.jacobian()
    collapsed = softmax.collapse(net.loss.name) if output is None else None
    out = {}
    for j in layer:
        a_j = outs[j.index - 1]
        if collapsed is not None:
            local = collapsed.result.xreplace({softmax.AJ: a_j, softmax.YJ: targets[j.index - 1]})
            out[(j.layer, j.index)] = net.loss_scale * local
        else:
            out[(j.layer, j.index)] = sum(
                (dlda[k.index] * jac.entry(outs[k.index - 1], a_j, k is j) for k in layer), sp.Integer(0)
            )
    return out


def loss_function(net: Network) -> Callable[[dict[str, mpmath.mpf]], mpmath.mpf]:
    """L(parameters) in mpmath: a forward pass independent of the backward pass.

    Call it inside the ``mpmath.workdps`` context it is to be evaluated in (the inputs are
    converted at that precision).
    """
    acts = {l: _mp_activation(net.activation(l)) for l in range(1, net.depth + 1)}
    term = sp.lambdify((losses.Y, losses.A), net.loss.term, modules="mpmath")
    scale = mpmath.mpf(int(net.loss_scale.p)) / int(net.loss_scale.q)
    samples = [([_mpf(x) for x in s.inputs], [_mpf(y) for y in s.targets]) for s in net.spec.samples]

    def loss(params: dict[str, mpmath.mpf]) -> mpmath.mpf:
        total = mpmath.mpf(0)
        for inputs, targets in samples:
            prev = inputs
            for layer in net.units:
                zs = [
                    mpmath.fsum(params[w] * a for w, a in zip(u.weights, prev, strict=True))
                    + (params[u.bias] if u.bias else 0)
                    for u in layer
                ]
                prev = acts[layer[0].layer](zs)
            total += mpmath.fsum(term(y, a) for y, a in zip(targets, prev, strict=True))
        return scale * total

    return loss


def _mp_activation(act: activations.Activation) -> Callable[[list], list]:
    """The layer's outputs from its net inputs, in mpmath (softmax with its largest z taken out)."""
    if act.coupled:

        def layer(zs: list) -> list:
            top = max(zs)
            exps = [mpmath.exp(z - top) for z in zs]
            total = mpmath.fsum(exps)
            return [e / total for e in exps]

        return layer
    f = sp.lambdify(activations.Z, act.expr if act.stable is None else act.stable, modules="mpmath")
    return lambda zs: [f(z) for z in zs]


def _mpf(value: sp.Expr) -> mpmath.mpf:
    value = sp.sympify(value)
    if value.is_Rational:
        return mpmath.mpf(int(value.p)) / int(value.q)
    # an exact value may still hold tanh(2) or pi: evaluated at the working precision
    return mpmath.mpf(value.evalf(max(60, mpmath.mp.dps))._mpf_)


def _numeric(net: Network, params: dict, gradients: dict, dps: int = 60) -> tuple[str, float | None, str]:
    trainable = list(gradients)
    # Each direction as the index of its weight per parameter, weights[j] = (j + 1)/997 (or 1).
    if len(trainable) <= PER_PARAMETER_LIMIT:
        weights = [mpmath.mpf(1)]
        directions = [{k: 0} for k in trainable]
        method = "central difference per parameter"
    else:  # fixed pseudo-random directions (deterministic: derived from the parameter order)
        weights = [mpmath.mpf(j + 1) / 997 for j in range(997)]
        directions = [
            {k: (7919 * (i + 1) * (d + 3)) % 997 for i, k in enumerate(trainable)} for d in range(4)
        ]
        method = "central difference along 4 fixed directions"
    with mpmath.workdps(dps):
        loss = loss_function(net)
        point = {k: _mpf(v) for k, v in params.items() if k in net.param_index}
        grads = {k: _mpf(v) for k, v in gradients.items()}
        h = mpmath.mpf("1e-25")
        steps = [h * w for w in weights]  # each h·w once: the same numbers as per parameter
        still = h * 0  # a parameter outside the direction
        # A difference of two 60-digit losses carries rounding of about |L|·1e-60, i.e. |L|·1e-35
        # once divided by 2h: gradients below |L|·1e-8 (zero, say, by a softmax's symmetry) are
        # compared to that scale, not to their own size.
        floor = max(mpmath.mpf("1e-30"), abs(loss(point)) * mpmath.mpf("1e-8"))
        worst = mpmath.mpf(0)
        for direction in directions:
            moves = {k: steps[j] for k, j in direction.items()}
            plus = {k: x + moves.get(k, still) for k, x in point.items()}
            minus = {k: x - moves.get(k, still) for k, x in point.items()}
            fd = (loss(plus) - loss(minus)) / (2 * h)
            analytic = mpmath.fsum(grads[k] * weights[j] for k, j in direction.items())
            scale = max(abs(fd), abs(analytic), floor)
            if not (mpmath.isfinite(fd) and mpmath.isfinite(analytic)):
                return "failed", None, method  # NaN compares false: it must not pass
            worst = max(worst, abs(fd - analytic) / scale)
        ok = worst <= mpmath.mpf(1) / 10**25
    return ("passed" if ok else "failed"), float(worst), method
