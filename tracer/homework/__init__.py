"""Stage 6, homework: a student's answers marked against the trace, feedback that says which step
went wrong and why, and seeded variants of a problem with sheets, solutions and answer keys.

- ``answers``: read an answers file (CONTRACT.md §5) into canonical keys and written values
- ``recompute``: follow a student's own numbers through the derivation (carried errors)
- ``mistakes``: the catalog of common slips, each an alternative computation
- ``marking``: a verdict for every answer, the first wrong step, the likely mistake
- ``feedback``: the report a student reads, and its JSON
- ``variation``: seeded variants of a spec, kept when they are fair
- ``problemset``: each variant's sheet, worked solution and answer key
- ``checking``: the Python API behind ``tracer.check`` and ``tracer.variants``
"""
