"""Softmax, the activation that couples the units of a layer: its Jacobian and, for a loss
such as cross-entropy, the collapse of the chain rule through it, both derived by SymPy.

The registry writes one unit as a_k = e^{z_k}/(e^{z_k} + R), R the sum over the layer's
other units. Here R becomes e^{z_j} + R (a second unit j, and the rest), SymPy
differentiates a_k with respect to z_k and to z_j, and rewrites both derivatives in terms
of the outputs: a_k(1 − a_k) and −a_k a_j, together a_k(δ_kj − a_j). This holds for any
number of units, since nothing is assumed about R.

:func:`collapse` then sums ∂L/∂a_k · ∂a_k/∂z_j over k with SymPy's ``Sum`` and
``KroneckerDelta``; when the result no longer depends on the other units once Σ_k y_k = 1
(cross-entropy: δ_j = a_j − y_j), the backward pass uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import mpmath
import sympy as sp

from tracer.functions import activations, losses
from tracer.functions.algebra import compile_exact, tidy

ZK, ZJ = sp.Symbol("z_k", real=True), sp.Symbol("z_j", real=True)
AK, AJ = sp.Symbol("a_k", positive=True), sp.Symbol("a_j", positive=True)
YJ = sp.Symbol("y_j", real=True)
_S = sp.Symbol("S", positive=True)  # the whole sum Σ_i e^{z_i}
# Indices and indexed quantities of the general sums (k over the units, j fixed).
K_, J_, KK = sp.symbols("k j K", integer=True, positive=True)
Y_, A_ = sp.IndexedBase("y"), sp.IndexedBase("a")


@dataclass(frozen=True)
class Jacobian:
    unit: sp.Expr  # a_k in z_k, z_j and R
    own_dz: sp.Expr  # sympy.diff(a_k, z_k)
    other_dz: sp.Expr  # sympy.diff(a_k, z_j)
    own: sp.Expr  # the same in the outputs: a_k(1 − a_k)  (in AK)
    other: sp.Expr  # −a_k a_j  (in AK, AJ)
    general: sp.Expr  # a_k(δ_kj − a_j) with indexed a and a Kronecker delta
    own_f: Callable  # numeric own(a_k)
    other_f: Callable  # numeric other(a_k, a_j)

    def entry(self, a_k: sp.Expr, a_j: sp.Expr, same: bool) -> sp.Expr:
        """∂a_k/∂z_j written in the outputs (``a_j`` unused on the diagonal)."""
        return self.own.xreplace({AK: a_k}) if same else self.other.xreplace({AK: a_k, AJ: a_j})

    def value(self, a_k: sp.Expr, a_j: sp.Expr, same: bool) -> sp.Expr:
        return sp.sympify(self.own_f(a_k) if same else self.other_f(a_k, a_j))


@cache
def jacobian() -> Jacobian:
    """∂a_k/∂z_k and ∂a_k/∂z_j (j ≠ k) by ``sympy.diff``, rewritten in the outputs and proved."""
    act = activations.get("softmax")
    rest = activations.REST
    unit = act.expr.xreplace({activations.Z: ZK, rest: sp.exp(ZJ) + rest})
    own_dz, other_dz = sp.diff(unit, ZK), sp.diff(unit, ZJ)
    # In the outputs: e^{z_k} = a_k S, e^{z_j} = a_j S, R = (1 − a_k − a_j) S (the a's sum to 1).
    outputs = {sp.exp(ZK): AK * _S, sp.exp(ZJ): AJ * _S, rest: (1 - AK - AJ) * _S}
    own = tidy(sp.factor(sp.simplify(own_dz.subs(outputs))))
    other = tidy(sp.factor(sp.simplify(other_dz.subs(outputs))))
    # Proof obligations: a = softmax(z) put back gives sympy's derivatives; δ_kj covers both.
    a_j = sp.exp(ZJ) / (sp.exp(ZK) + sp.exp(ZJ) + rest)
    assert own.free_symbols == {AK} and other.free_symbols == {AK, AJ}, (own, other)
    assert sp.simplify(own.subs(AK, unit) - own_dz) == 0
    assert sp.simplify(other.subs({AK: unit, AJ: a_j}) - other_dz) == 0
    general = A_[K_] * (sp.KroneckerDelta(K_, J_) - A_[J_])
    assert sp.expand(general.subs(J_, K_).xreplace({A_[K_]: AK}) - own) == 0
    assert (
        sp.expand(general.subs(sp.KroneckerDelta(K_, J_), 0).xreplace({A_[K_]: AK, A_[J_]: AJ}) - other) == 0
    )
    return Jacobian(
        unit, own_dz, other_dz, own, other, general, compile_exact(AK, own), compile_exact((AK, AJ), other)
    )


@dataclass(frozen=True)
class Collapse:
    """δ_j = Σ_k ∂L/∂a_k ∂a_k/∂z_j simplified by SymPy, each step an equal expression."""

    steps: tuple[sp.Expr, ...]  # general forms, from the chain rule to the result
    factors: tuple[sp.Expr, sp.Expr]  # ∂term/∂a_k and ∂a_k/∂z_j of the chain rule, for display
    collected: sp.Expr  # the last form before Σ_k y_k = 1 is used (in a[j], y[j], Σ y)
    result: sp.Expr  # in AJ, YJ: for cross-entropy a_j − y_j
    f: Callable  # numeric result(a_j, y_j)

    def concrete(self, a_j: sp.Expr, y_j: sp.Expr, ys: Sequence[sp.Expr]) -> tuple[sp.Expr, sp.Expr]:
        """(the collected form with Σ_k y_k written out, the result) for one unit."""
        total = sp.Add(*ys, evaluate=False)
        collected = self.collected.xreplace({_SUM_Y: total, A_[J_]: a_j, Y_[J_]: y_j})
        return collected, self.result.xreplace({AJ: a_j, YJ: y_j})


_SUM_Y = sp.Sum(Y_[K_], (K_, 1, KK))


@cache
def collapse(loss: str) -> Collapse | None:
    """The chain rule through softmax, summed over k by SymPy, for loss ``loss``; None when
    the sum still depends on the other units after Σ_k y_k = 1 (e.g. squared errors)."""
    da = losses.rule(loss).da.xreplace({losses.Y: Y_[K_], losses.A: A_[K_]})
    general = jacobian().general
    chain = sp.Sum(sp.Mul(da, general, evaluate=False), (K_, 1, KK))
    expanded = sp.expand(da * general)
    split = sp.Add(*(sp.factor_terms(sp.Sum(t, (K_, 1, KK))) for t in sp.Add.make_args(expanded)))
    summed = _within_range(split.doit())
    result = summed.subs(_SUM_Y, 1)
    if result.has(sp.Sum) or result.has(K_) or result.has(KK):
        return None
    # Proof obligation: for every K up to 4 and every j, the collapsed δ_j equals the chain rule.
    for size in range(2, 5):
        ys = sp.symbols(f"t1:{size + 1}", real=True)
        outs = sp.symbols(f"o1:{size + 1}", positive=True)
        constraint = {ys[-1]: 1 - sum(ys[:-1])}
        for j in range(size):
            direct = sum(
                losses.rule(loss).da.xreplace({losses.Y: ys[k], losses.A: outs[k]})
                * jacobian().entry(outs[k], outs[j], k == j)
                for k in range(size)
            )
            mine = result.xreplace({A_[J_]: outs[j], Y_[J_]: ys[j]})
            assert sp.simplify((direct - mine).subs(constraint)) == 0, (loss, size, j)
    final = tidy(result.xreplace({A_[J_]: AJ, Y_[J_]: YJ}))
    steps = (chain, sp.Sum(expanded, (K_, 1, KK)), split, summed, final)
    shown = sp.Mul(A_[K_], sp.Add(sp.KroneckerDelta(K_, J_), -A_[J_], evaluate=False), evaluate=False)
    return Collapse(steps, (da, shown), summed, final, compile_exact((AJ, YJ), final))


def _within_range(expr: sp.Expr) -> sp.Expr:
    """Resolve the cases ``Sum(δ_jk y_k)`` leaves, knowing that 1 ≤ j ≤ K."""
    gap = sp.Symbol("m", integer=True, nonnegative=True)

    def piece(pw: sp.Piecewise) -> sp.Expr:
        for value, condition in pw.args:
            if condition.subs(KK, J_ + gap) == sp.true:
                return value
        return pw  # pragma: no cover - left as it is: no collapse then

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), piece)


# -- numbers


def outputs(zs: Sequence[sp.Expr], dps: int) -> list[sp.Expr]:
    """softmax of the net inputs ``zs``, computed as e^{z−m}/Σ e^{z_i−m} with m = max z (no
    overflow whatever the z); exact (1/K) when every z is equal, else ``dps`` digits."""
    top = max(zs, key=lambda z: sp.Float(z, dps))
    shifted = [z - top for z in zs]
    if all(d == 0 for d in shifted):
        return [sp.Rational(1, len(zs))] * len(zs)
    with mpmath.workdps(dps + 10):
        exps = [mpmath.exp(mpmath.mpf(sp.Float(d, dps + 10)._mpf_)) for d in shifted]
        total = mpmath.fsum(exps)
        return [sp.Float(e / total, dps) for e in exps]
