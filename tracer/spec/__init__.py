"""Stage 2, the spec file: bytes → a validated, frozen :class:`~tracer.spec.model.NetworkSpec`.

Every error names the path and line of the bad value and what is allowed; size limits are
checked before any work. Nothing here knows about derivatives or reports.

- ``source``: read YAML or JSON into plain data, with each value's line
- ``paths``: data paths such as ``layers[1].weights[0][2]`` for messages
- ``reading``: read numbers (exactly), lists, whole numbers, names from parsed data
- ``model``: the spec's frozen dataclasses and their validation (CONTRACT.md §1)
- ``loader``: any form of a spec (path, example name, text, mapping) → ``NetworkSpec``
- ``formula``: a user's activation formula in z, parsed safely into SymPy
- ``initial``: seeded initial weights for a layer given none
- ``vary``: the ``vary:`` section (what ``tracer variants`` redraws)
- ``tolerance``: when a student's number counts as right
- ``limits``: how much input tracer reads and how much work it accepts
- ``schema``: the JSON Schema of the spec file (``tracer schema``)
- ``writing``: a spec written back as YAML, exactly
- ``examples``: the built-in example specs (YAML files shipped in this folder)
"""
