"""Stage 4, numbers: the derivation evaluated, checked and kept in a
:class:`~tracer.evaluate.tracing.Trace` (plain data that every report and marker reads).

- ``exact``: the exact path (fractions, else 50 digits) for the detailed iterations
- ``fastpath``: the float64 path for long training runs, compiled from the same rules
- ``fastmath``: the float64 forms of the derived rules
- ``fastcode``: a small network's whole iteration as generated Python code
- ``precision``: numbers carried exactly, or rounded as a student would write them down
- ``selfcheck``: the gradients checked symbolically and by high-precision central differences
- ``tracing``: the pipeline spec → network → steps → numbers → checks, and the Trace
- ``workers``: a large report's work shared with a forked copy (on two-core Linux)
- ``gcpause``: the cyclic garbage collector paused while millions of small objects are made
- ``progress``: a progress bar on stderr, silent when it is not a terminal
"""
