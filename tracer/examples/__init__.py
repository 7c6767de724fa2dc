"""Built-in example specs: the networks of the five seed articles, a softmax classifier and
the deep ReLU network of seed 004 (matrix view), loadable by name."""

from __future__ import annotations

from importlib import resources

from tracer.errors import TracerError

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


def load(name: str):
    """The validated NetworkSpec of a built-in example.

    A built-in example may be larger than a neuron-by-neuron report allows (``relu-deep``):
    its reports take the matrix view, so that bound is lifted here (and only that one).
    """
    from tracer.limits import Lift
    from tracer.source import read_text
    from tracer.spec import parse

    return parse(read_text(text(name), f"{name}.yaml"), f"{name}.yaml", Lift(neuron=True))
