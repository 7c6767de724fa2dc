"""Stage 3, the symbolic derivation: the network as an ordered graph of SymPy symbols, and the
chain rule as :class:`~tracer.derive.steps.Step` records. No numbers are computed here.

- ``network``: parameters, units, their local expressions and the loss, in a fixed order
- ``forms``: sums and products kept as written; the placeholders a shared form is printed with
- ``steps``: every forward, loss, backward and update step, from the general chain rule to δ
"""
