"""Checks that the chain-rule gradients are right, run on every trace.

* symbolic (networks up to :data:`SYMBOLIC_LIMIT` parameter-sample pairs): the chain rule
  composed into one expression per parameter equals ``sympy.diff`` of the composed loss;
* numeric (every size): each gradient agrees with a central finite difference of the
  composed loss evaluated at 60 significant digits (with step 1e-25, the difference
  itself is accurate to about 1e-40).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from tracer import activations, losses
from tracer.network import Network
from tracer.notation import grad, symbol

SYMBOLIC_LIMIT = 40  # trainable parameters × samples; larger networks get the numeric check
PER_PARAMETER_LIMIT = 200  # beyond this many parameters: 4 random directional derivatives
TOLERANCE = sp.Rational(1, 10**25)  # relative agreement required of the numeric check


@dataclass(frozen=True)
class Check:
    symbolic: str  # "passed", "failed" or "skipped (…)"
    numeric: str  # "passed", "failed" or "skipped"
    max_relative_difference: float | None = None
    method: str = ""

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
    symbolic = (
        _symbolic(net)
        if size <= SYMBOLIC_LIMIT
        else f"skipped (more than {SYMBOLIC_LIMIT} parameter-sample pairs)"
    )
    numeric, worst, method = _numeric(net, params, gradients)
    return Check(symbolic, numeric, worst, method)


def _symbolic(net: Network) -> str:
    composed = net.composed_loss()
    for p in net.trainable:
        chain = _composed_chain_rule(net, p.key)
        direct = sp.diff(composed, p.symbol)
        if not is_zero(chain - direct):
            return "failed"
    return "passed"


def is_zero(expr: sp.Expr) -> bool:
    """Decide ``expr == 0`` for the rational-exponential-piecewise expressions of a network.

    Piecewise (ReLU) differences are folded into one Piecewise; each case must be zero or
    unreachable, which is decided propositionally with every inequality as an atom.
    """
    folded = sp.piecewise_fold(expr)
    if not isinstance(folded, sp.Piecewise):
        return sp.expand(sp.numer(sp.together(folded))) == 0
    earlier = sp.false
    atoms: dict[sp.Basic, sp.Symbol] = {}
    for piece, condition in folded.args:
        reachable = _propositional(condition, atoms) & ~earlier
        if sp.satisfiable(reachable) and not is_zero(piece):
            return False
        earlier = earlier | _propositional(condition, atoms)
    return True


def _propositional(condition: sp.Basic, atoms: dict[sp.Basic, sp.Symbol]) -> sp.Basic:
    """The condition with each inequality replaced by a Boolean symbol (z <= 0 and z > 0 negate)."""
    mapping = {}
    for rel in condition.atoms(sp.core.relational.Relational):
        canonical = rel if isinstance(rel, sp.LessThan) else None
        if isinstance(rel, sp.StrictGreaterThan):
            flipped = sp.LessThan(rel.lhs, rel.rhs)
            mapping[rel] = ~atoms.setdefault(flipped, sp.Dummy("c"))
            continue
        mapping[rel] = atoms.setdefault(canonical if canonical is not None else rel, sp.Dummy("c"))
    return condition.xreplace(mapping) if mapping else condition


def _composed_chain_rule(net: Network, param: str) -> sp.Expr:
    """∂L/∂param by the chain rule, with every node replaced by its expression in parameters."""
    loss_rule = losses.rule(net.loss.name)
    total = sp.Integer(0)
    for n in net.samples():
        s = net.spec.samples[n - 1]
        a_prev: list[sp.Expr] = list(s.inputs)
        zs, As = [], []
        for layer in net.units:
            f = net.activation(layer[0].layer).expr
            z = [
                sum((symbol(w) * a for w, a in zip(u.weights, a_prev, strict=True)), sp.Integer(0))
                + (symbol(u.bias) if u.bias else 0)
                for u in layer
            ]
            a_prev = [f.xreplace({activations.Z: zj}) for zj in z]
            zs.append(z)
            As.append(a_prev)
        deltas: dict[tuple[int, int], sp.Expr] = {}
        for layer in reversed(net.units):
            l = layer[0].layer
            dz = activations.rule(net.activation(l).name).dz
            for u in layer:
                if l == net.depth:
                    dlda = net.loss_scale * loss_rule.da.xreplace(
                        {losses.Y: s.targets[u.index - 1], losses.A: As[l - 1][u.index - 1]}
                    )
                else:
                    dlda = sum(
                        (deltas[(l + 1, k.index)] * symbol(k.weights[u.index - 1]) for k in net.units[l]),
                        sp.Integer(0),
                    )
                deltas[(l, u.index)] = dlda * dz.xreplace({activations.Z: zs[l - 1][u.index - 1]})
        for unit, i in net.uses(param):
            d = deltas[(unit.layer, unit.index)]
            prev = s.inputs[i - 1] if unit.layer == 1 and i else (As[unit.layer - 2][i - 1] if i else 1)
            total += d * prev
    return total


def _numeric(net: Network, params: dict, gradients: dict) -> tuple[str, float, str]:
    keys = [p.key for p in net.params]
    loss = sp.lambdify([symbol(k) for k in keys], net.composed_loss(), modules="mpmath", cse=True)
    with mpmath.workdps(60):
        point = [
            mpmath.mpf(sp.Rational(params[k]).p) / sp.Rational(params[k]).q
            if sp.sympify(params[k]).is_Rational
            else mpmath.mpf(str(params[k]))
            for k in keys
        ]
        h = mpmath.mpf("1e-25")
        worst = mpmath.mpf(0)
        trainable = list(gradients)
        if len(trainable) <= PER_PARAMETER_LIMIT:
            directions = [{k: 1} for k in trainable]
            method = "central difference per parameter"
        else:
            rng = mpmath.rand
            mpmath.mp.rand_seed = 0  # noqa: B010 - deterministic directions
            directions = [
                {k: mpmath.mpf(hash((k, d)) % 1000 + 1) / 1000 for k in trainable} for d in range(4)
            ]
            method = "central difference along 4 fixed directions"
            del rng
        for direction in directions:
            plus = [x + h * direction.get(k, 0) for k, x in zip(keys, point, strict=True)]
            minus = [x - h * direction.get(k, 0) for k, x in zip(keys, point, strict=True)]
            fd = (loss(*plus) - loss(*minus)) / (2 * h)
            analytic = sum(mpmath.mpf(str(sp.Float(gradients[k], 60))) * w for k, w in direction.items())
            scale = max(abs(fd), abs(analytic), mpmath.mpf("1e-30"))
            worst = max(worst, abs(fd - analytic) / scale)
    ok = worst <= mpmath.mpf(str(sp.Float(TOLERANCE, 30)))
    return ("passed" if ok else "failed"), float(worst), method
