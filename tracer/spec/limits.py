"""Size limits: how much input tracer reads and how much work it accepts, checked up front.

Two kinds of bound:

- **Hard** bounds protect the process: memory and time spent before the first line of output.
  Nothing lifts them.
- **Soft** bounds keep a report readable and a run short. ``force=True`` (meant for a
  ``--force`` flag of the command line) lifts them, never beyond the hard bounds.

Where each is checked, always before the work it guards:

============================  ===========  ======================================================
bound                         kind         checked
============================  ===========  ======================================================
file size                     hard         source.read_file: from the file's size, before reading
values in the document        hard         source: while YAML is composed, YAML aliases as they
                                           are expanded, JSON right after parsing
digits of one number          hard         source / spec, before converting it
layers, units per layer,      hard         spec, as each key is read (the ranges of the README)
samples, iterations, text
parameters                    hard         spec, from the declared ``units`` (and the number of
                                           inputs) before any weight is converted or any SymPy
                                           object is built: :func:`refusal`
report steps                  soft         the same place: parameters × samples, for the
                                           neuron-by-neuron view only (:class:`Lift`)
exact steps                   soft         the same place: parameters × samples computed exactly
                                           in a detailed iteration (any view, JSON too); the CLI
                                           also multiplies by the last ``--detail`` iteration
training work                 soft + hard  the same place: iterations × (samples × (parameters
                                           + units) + 15 000 × layers)
============================  ===========  ======================================================

The matrix view (:mod:`tracer.report.matrix`) shows the corners of each layer's matrices, so its
length does not grow with the network: above ``MAX_REPORT_STEPS`` the command line chooses
it instead of refusing (:func:`view_for`), and only an explicit neuron view is refused.

Calibration (measured on a 2-core development machine, November 2026): a Markdown report
costs about 6 ms and 2.2 kB per parameter × sample (the 16-32-32-8 network, 1 864
parameters, takes 11 s and writes 6.4 MB; its JSON trace takes 0.03 s). Training on the
float64 fast path (:mod:`tracer.evaluate.fastpath`) keeps only every loss and the checkpoints'
parameters. Its cost per iteration, measured with one BLAS thread under a load of 2–3
(``python benchmarks/run.py`` measures the ReLU article's row again):

=================================  ===============  =============  ================
network                            samples × (P+U)  per iteration  per unit of work
=================================  ===============  =============  ================
2-2-2 (scalar kernel)              16               1.8 µs         —
2-3-1, 4 samples (scalar kernel)   68               6 µs           —
8-16-16-4, 20 samples              10 400           49 µs          (fixed cost)
2-64-64-64-1, 100 samples          877 000          0.29 ms        0.33 ns
2-64-64-64-1, 1000 samples         8 770 000        3.2 ms         0.37 ns
10-30×19, 50 samples (19 layers)   882 000          0.50 ms        0.57 ns
50-200-200-10, 200 samples         10 564 000       1.7 ms         0.16 ns
=================================  ===============  =============  ================

So the estimate counts samples × (parameters + units) for the matrix products plus
:data:`LAYER_COST` per layer for NumPy's cost per call (about 15 µs a layer), and takes one
unit as 1 ns: about twice what was measured, for a loaded machine or BLAS threads that
compete for its cores. The ReLU article's run (2-64-64-64-1, 1000 samples, 2000 epochs,
17.7 G units) is within :data:`MAX_WORK`; it trains in about 7 s.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracer.errors import TracerError

# -- the file (hard) -------------------------------------------------------------------------
#: Bytes in a spec file. A spec at the parameter bound, written out, takes about 1 MB.
MAX_FILE_BYTES = 5_000_000
#: Values (numbers, texts, lists, mappings) in a document, once YAML aliases are expanded.
MAX_VALUES = 200_000
#: Characters in one written number (Python itself refuses int() beyond 4 300 digits).
MAX_NUMBER_CHARS = 100
#: |exponent| of a number written as 1e-7: 10^300 is still a double's range.
MAX_EXPONENT = 300

# -- single keys of the spec (hard; the README's "Limits") -------------------------------------
MAX_LAYERS = 20
MAX_UNITS = 1000  # per layer; a neuron-by-neuron report beyond this is unreadable anyway
MAX_SAMPLES = 1000
MAX_ITERATIONS = 100_000
MAX_TITLE_CHARS = 200  # one line of a heading; a 1 MB title is refused, not cut
MAX_DESCRIPTION_CHARS = 500

# -- the whole network ----------------------------------------------------------------------
#: Hard: weights and biases of the network. At the bound (a 400-300-30 network) reading
#: takes 0.5 s, the trace with its checks 14 s and 470 MB; only a Markdown report of it
#: (forced past MAX_REPORT_STEPS) would be long: about 10 minutes and 220 MB.
MAX_PARAMETERS = 100_000
#: Soft: parameter × sample pairs detailed by the neuron-by-neuron report (about 4.4 MB of
#: Markdown and 12 s of rendering at the bound).
MAX_REPORT_STEPS = 2_000
#: Soft: parameter × sample pairs of one iteration computed exactly (fractions, else 50
#: digits) for the report's detailed iterations, whatever the view: about 50 µs each with the
#: numeric check (the 2-64-64-64-1 network with 8 samples, 68 616 pairs: 4 s, 130 MB).
MAX_EXACT_STEPS = 200_000
#: Soft: training work, iterations × (samples × (parameters + units) + LAYER_COST × layers),
#: in units of about 1 ns on the fast path: some 20 s at the bound (the ReLU article's 2000
#: epochs of 1000 samples through 8 577 parameters: 17.7 G, about 7 s measured).
MAX_WORK = 20_000_000_000
#: Hard: the same (a few minutes at the bound; memory stays small, the fast path keeps
#: every loss and only the checkpoints' parameters).
MAX_WORK_HARD = 200_000_000_000
#: The fixed cost of one layer in one iteration, in units of training work (NumPy calls).
LAYER_COST = 15_000


#: The two ways a report explains a network: unit by unit, or layer by layer in matrices.
VIEWS = ("neuron", "matrix")
#: Which listed iterations of the JSON trace hold every sample's z, a and δ (tracer.report.jsontrace):
#: all; those computed exactly or chosen for detail; auto: all up to JSON_SAMPLE_VALUES numbers.
SAMPLE_VALUES = ("auto", "all", "detail")
#: About 4 MB of JSON. The ReLU article's run (1000 samples, 193 units, 11 checkpoints after
#: the first) would add 6.4 million numbers, 250 MB, and take a minute.
JSON_SAMPLE_VALUES = 100_000


class LimitError(TracerError):
    """A size bound was exceeded. ``soft`` is True when ``force=True`` would lift it;
    ``bound`` names it (``neuron``, ``exact``, ``work`` for the soft ones)."""

    def __init__(
        self, message: str, where: str = "", line: int | None = None, soft: bool = False, bound: str = ""
    ) -> None:
        self.soft = soft
        self.bound = bound
        super().__init__(message, where, line)


@dataclass(frozen=True)
class Lift:
    """The soft bounds a run goes beyond: ``neuron``, the length of a neuron-by-neuron report
    (the matrix view's length does not grow with the network); ``every``, all of them
    (``--force``). ``force=True`` anywhere means ``Lift(every=True)``."""

    neuron: bool = False
    every: bool = False

    @classmethod
    def of(cls, force: bool | Lift) -> Lift:
        return force if isinstance(force, Lift) else cls(every=bool(force))


def view_for(report_steps: int) -> str:
    """The view a report takes when none is asked for: neuron by neuron up to
    ``MAX_REPORT_STEPS`` parameter × sample pairs, else the matrix view."""
    return "neuron" if report_steps <= MAX_REPORT_STEPS else "matrix"


@dataclass(frozen=True)
class Shape:
    """The sizes a spec declares, read before any of its numbers are converted."""

    sizes: tuple[int, ...]  # the number of inputs, then the units of each layer
    biases: tuple[int, ...]  # bias parameters of each layer: its units, 1 if shared, 0 if none
    samples: int = 1
    iterations: int = 1

    @classmethod
    def declared(cls, inputs: int, layers: list[tuple[int, object]], samples: int, iterations: int) -> Shape:
        """From a spec's inputs and its layers' (units, biases as written): a list of biases is
        one per unit, one number is a shared bias, none is no bias."""
        biases = tuple(units if isinstance(b, list) else 0 if b is None else 1 for units, b in layers)
        return cls((inputs, *(units for units, _ in layers)), biases, samples, iterations)

    @classmethod
    def of(cls, spec: object) -> Shape:
        """The shape of a validated spec (a :class:`tracer.spec.model.NetworkSpec`)."""
        layers = spec.layers  # type: ignore[attr-defined]
        biases = tuple(len(x.biases) if x.biases else int(x.shared_bias is not None) for x in layers)
        sizes = (spec.n_inputs, *(x.units for x in layers))  # type: ignore[attr-defined]
        return cls(sizes, biases, len(spec.samples), spec.iterations)  # type: ignore[attr-defined]

    @property
    def parameters(self) -> int:
        return sum(a * b for a, b in zip(self.sizes, self.sizes[1:], strict=False)) + sum(self.biases)

    @property
    def units(self) -> int:
        return sum(self.sizes[1:])

    @property
    def report_steps(self) -> int:
        """Parameter × sample pairs: each is a chain-rule step of the report's backward pass."""
        return self.parameters * self.samples

    @property
    def work(self) -> int:
        """Iterations × (samples × (parameters + units) + LAYER_COST × layers): the time of training."""
        layers = len(self.sizes) - 1
        return self.iterations * (self.samples * (self.parameters + self.units) + LAYER_COST * layers)


@dataclass(frozen=True)
class Refusal:
    """Why a shape is refused: the message (estimate and bound), the spec key it is about."""

    problem: str
    key: str  # "layers", "samples" or "iterations"
    soft: bool
    bound: str = ""  # which bound: "parameters", "neuron", "exact", "work"

    def error(self, where: str = "", line: int | None = None) -> LimitError:
        return LimitError(self.problem, where, line, self.soft, self.bound)


def refusal(shape: Shape, force: bool | Lift = False, keys: tuple[str, ...] = ()) -> Refusal | None:
    """The first bound ``shape`` exceeds, hard bounds first; None if it is within all of them.

    ``force`` lifts soft bounds: True (or ``Lift(every=True)``) all of them,
    ``Lift(neuron=True)`` only the neuron-by-neuron report's length. ``keys`` are the spec's
    top-level keys, to point the message at ``samples`` or ``iterations`` when the spec gives
    them. Pure arithmetic on a few integers: it runs in microseconds whatever the declared sizes.
    """
    lift = Lift.of(force)
    net = "-".join(str(n) for n in shape.sizes)
    params = shape.parameters
    if params > MAX_PARAMETERS:
        return Refusal(
            f"a {net} network has {params} weights and biases; the limit is {MAX_PARAMETERS}",
            "layers",
            False,
            "parameters",
        )
    work_key = "iterations" if "iterations" in keys else "samples" if "samples" in keys else "layers"
    work = (
        f"{shape.iterations} iterations of {_count(shape.samples, 'sample')} through {params} parameters "
        f"and {shape.units} units: about {shape.work} steps of work"
    )
    if shape.work > MAX_WORK_HARD:
        return Refusal(f"{work}; the limit is {MAX_WORK_HARD}", work_key, False, "work")
    if lift.every:
        return None
    steps = steps_text(shape)
    steps_key = "samples" if shape.samples > 1 and "samples" in keys else "layers"
    if shape.report_steps > MAX_REPORT_STEPS and not lift.neuron:
        return Refusal(
            f"the neuron-by-neuron report of this {net} network would detail {steps}; "
            f"the limit is {MAX_REPORT_STEPS}",
            steps_key,
            True,
            "neuron",
        )
    if shape.report_steps > MAX_EXACT_STEPS:
        return Refusal(
            f"computing an iteration of this {net} network exactly takes {steps}; "
            f"the limit is {MAX_EXACT_STEPS}",
            steps_key,
            True,
            "exact",
        )
    if shape.work > MAX_WORK:
        return Refusal(f"{work}; the limit is {MAX_WORK}", work_key, True, "work")
    return None


def steps_text(shape: Shape) -> str:
    """``8577 parameters x 8 samples = 68616 gradient steps`` (or, for one sample, the steps alone)."""
    per = f"{shape.parameters} parameters x {shape.samples} samples = " if shape.samples > 1 else ""
    return f"{per}{shape.report_steps} gradient steps"


def auto_note(shape: Shape) -> str:
    """What the command line says when the size chooses the matrix view."""
    net = "-".join(str(n) for n in shape.sizes)
    return (
        f"a neuron-by-neuron report of this {net} network would detail {steps_text(shape)} "
        f"(the limit is {MAX_REPORT_STEPS}): using the matrix view "
        "(--view neuron --force details every neuron)"
    )


def detail_refusal(shape: Shape, last: int) -> str | None:
    """Why computing iterations 1 to ``last`` exactly (the report's detailed ones) is too much
    work (``MAX_EXACT_STEPS`` in all), or None."""
    total = shape.report_steps * last
    if last == 1 or total <= MAX_EXACT_STEPS:
        return None
    return (
        f"computing iterations 1 to {last} exactly takes {last} x {shape.report_steps} = {total} "
        f"gradient steps; the limit is {MAX_EXACT_STEPS}"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


__all__ = [
    "VIEWS",
    "LimitError",
    "Lift",
    "Refusal",
    "Shape",
    "auto_note",
    "detail_refusal",
    "refusal",
    "steps_text",
    "view_for",
]
