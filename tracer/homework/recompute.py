"""Follow a student's own numbers through the same derivation graph.

:class:`Own` is the mapping :func:`tracer.evaluate.exact.forward` fills: each value the derivation
computes is recorded (``computed``, in the order computed — a dependency order), and then
replaced by the student's answer for that quantity when there is one, so every later step
uses the student's number. ``computed[k]`` is therefore what k should be *given the
student's earlier answers*: the basis of the ``carried`` verdict.

A ``hook`` can change a value as it is computed: :mod:`tracer.homework.mistakes` uses it to train a
network with one mistake made at every step of its kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp

from tracer.derive.network import Network
from tracer.evaluate import exact as evaluate
from tracer.notation import updated

Hook = Callable[[str, sp.Expr, "Own"], sp.Expr]


class Own(dict):
    """Values of one iteration as the student's answers make them."""

    def __init__(self, given: Mapping[str, sp.Expr] | None = None, hook: Hook | None = None) -> None:
        super().__init__()
        self.given = dict(given or {})
        self.hook = hook
        self.computed: dict[str, sp.Expr] = {}

    def __setitem__(self, key: str, value: sp.Expr) -> None:
        if self.hook is not None:
            value = self.hook(key, value, self)
        self.computed[key] = value
        super().__setitem__(key, self.given.get(key, value))


def iteration(
    net: Network, params: Mapping[str, sp.Expr], given: Mapping[str, sp.Expr], hook: Hook | None = None
) -> tuple[Own, dict[str, sp.Expr]]:
    """One iteration from ``params`` following ``given``: (its values, the next parameters).

    The next parameters are the student's updated values where given, else recomputed; the
    loss after the update (``L+``) is computed from them.
    """
    own = Own(given, hook)
    evaluate.forward(net, dict(params), into=own)
    nxt = evaluate.step(net, dict(params), own)
    for p in net.trainable:
        nxt[p.key] = own[updated(p.key)]
    after = evaluate.forward(net, nxt, backward=False)["L"]
    own.computed["L+"] = after
    dict.__setitem__(own, "L+", own.given.get("L+", after))
    return own, nxt


def value_of(
    net: Network, params: Mapping[str, sp.Expr], given: Mapping[str, sp.Expr], key: str
) -> sp.Expr | None:
    """``key`` recomputed from ``params`` following ``given``, doing only the work it needs
    (the forward pass alone for z, a and the loss)."""
    forward_only = key == "L" or key.startswith("L@") or (key[:1] in ("z", "a") and "/" not in key)
    if forward_only:
        own = Own(given)
        evaluate.forward(net, dict(params), backward=False, into=own)
        return own.computed.get(key)
    own, _ = iteration(net, params, given)
    return own.computed.get(key)
