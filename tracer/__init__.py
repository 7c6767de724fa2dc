"""tracer: backpropagation explained step by step, derived by SymPy, never a slip.

``tracer.trace(spec)`` derives and computes a network's every step and returns a
:class:`~tracer.api.Traced`, whose methods render the report (see :mod:`tracer.api`).
Importing tracer is cheap: SymPy loads on the first trace.
"""

import sys
import types

from tracer.api import Traced, load, trace

__version__ = "0.2.0"
__all__ = ["Traced", "__version__", "load", "trace"]


class _Package(types.ModuleType):
    """The ``tracer`` package, whose attribute ``trace`` stays the function above.

    Python sets ``tracer.trace`` to the submodule ``tracer/trace.py`` (the Trace data model)
    when that is first imported; that one assignment is skipped. ``from tracer.trace import
    Trace`` and ``sys.modules["tracer.trace"]`` still give the module.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name == "trace" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
