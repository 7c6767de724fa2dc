"""Stage 1, the mathematics of one unit: what an activation or a loss is, as SymPy expressions.

Adding an activation or a loss is one registry entry; its derivative is always ``sympy.diff``'s.
Imports nothing of tracer's but :mod:`tracer.errors`.

- ``activations``: the activation registry (name → expression in z, its derivative, its range)
- ``losses``: the loss registry (name → one output's term, its derivative, the reduction)
- ``softmax``: softmax's Jacobian and the collapse of the chain rule through it for a loss
- ``algebra``: the most readable of several equal forms; exact compiled functions
"""
