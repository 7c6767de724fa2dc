"""tracer: backpropagation explained step by step, derived by SymPy, never a slip.

``tracer.trace(spec)`` derives and computes a network's every step and returns a
:class:`~tracer.report.traced.Traced`, whose methods render the report (see :mod:`tracer.api`).

The package is the pipeline, one subpackage per stage, each importing only from those before
it: ``functions`` → ``spec`` → ``derive`` → ``evaluate`` → ``report`` → ``homework`` →
``api`` → ``embed`` → ``cli``; ``errors`` and ``notation`` are shared by all.

Importing tracer is cheap: the API's names load :mod:`tracer.api`, and with it SymPy, on first use.
"""

__version__ = "0.2.0"
__all__ = ["Checked", "Traced", "__version__", "check", "load", "trace", "variants"]

_API = frozenset(__all__) - {"__version__"}
TYPE_CHECKING = False  # not typing's: importing typing alone costs more than importing tracer
if TYPE_CHECKING:
    from tracer.api import Checked, Traced, check, load, trace, variants  # noqa: F401


def __getattr__(name: str) -> object:
    if name in _API:
        from tracer import api  # loads SymPy: kept out of ``import tracer``

        return getattr(api, name)
    raise AttributeError(f"module 'tracer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _API)
