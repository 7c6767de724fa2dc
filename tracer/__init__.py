"""tracer: backpropagation explained step by step, derived by SymPy, never a slip.

``tracer.trace(spec)`` derives and computes a network's every step and returns a
:class:`~tracer.api.Traced`, whose methods render the report (see :mod:`tracer.api`).
Importing tracer is cheap: SymPy loads on the first trace.
"""

import sys
import types

from tracer.api import Traced, load, trace
from tracer.checking import Checked, check, variants

__version__ = "0.2.0"
__all__ = ["Checked", "Traced", "__version__", "check", "load", "trace", "variants"]


class _Package(types.ModuleType):
    """The ``tracer`` package, whose ``trace``, ``check`` and ``variants`` stay the functions above.

    Python sets ``tracer.trace`` to the submodule ``tracer/trace.py`` (the Trace data model)
    when that is first imported, and likewise ``tracer.check`` (``tracer/check.py``, the
    gradients' self-check) and ``tracer.variants``; those assignments are skipped. ``from
    tracer.trace import Trace`` and ``sys.modules["tracer.trace"]`` still give the modules.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("trace", "check", "variants") and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
