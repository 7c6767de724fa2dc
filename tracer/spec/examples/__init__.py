"""Built-in example specs, loadable by name: the networks of the five articles tracer started
from (one of them also as its deep 2-64-64-64-1 ReLU network, shown in the matrix view) and a
softmax classifier."""

from __future__ import annotations

from importlib import resources

from tracer.errors import TracerError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tracer.spec.model import NetworkSpec

#: In the order ``tracer examples`` lists them; the first is the default.
NAMES = (
    "sigmoid-222-bias",
    "sigmoid-222-nobias",
    "xor-231",
    "shallow-341-bce",
    "relu-mean",
    "softmax-233-ce",
    "relu-deep",
)
DEFAULT = NAMES[0]


def names() -> tuple[str, ...]:
    return NAMES


def text(name: str) -> str:
    """The YAML source of a built-in example."""
    if name not in NAMES:
        raise TracerError(f"unknown example {name!r}; built-in examples: {', '.join(NAMES)}")
    return resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def load(name: str) -> NetworkSpec:
    """The validated NetworkSpec of a built-in example.

    A built-in example may be larger than a neuron-by-neuron report allows (``relu-deep``):
    its reports take the matrix view, so that bound is lifted here (and only that one).
    """
    # SymPy loads here, not when the command line lists the names for --help
    from tracer.spec.limits import Lift
    from tracer.spec.model import parse
    from tracer.spec.source import read_text

    return parse(read_text(text(name), f"{name}.yaml"), f"{name}.yaml", Lift(neuron=True))
