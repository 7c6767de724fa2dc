"""The files of a problem set: for each variant a student sheet, a worked solution, an answer
key and its spec; one index; with LaTeX, one document of all sheets and one of all solutions.

Every variant has the same network shape, so the chain-rule derivation (:func:`tracer.derive.steps.steps`,
pure symbols) is made once and shared; the templates, language strings and Jinja2 environment
are loaded once. Each variant's numbers are computed by the usual pipeline
(:func:`tracer.evaluate.tracing.trace`) and checked numerically (an independent 60-digit finite difference,
:mod:`tracer.evaluate.selfcheck`); the symbolic check runs on request (``symbolic=True``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field

import sympy as sp

from tracer import __version__
from tracer.derive import steps as derive
from tracer.evaluate.selfcheck import Check, self_check
from tracer.evaluate.tracing import Trace, trace
from tracer.homework.variation import Variant, slots
from tracer.notation import Notation, grad, updated
from tracer.numbers import number_text
from tracer.report import formats, lang
from tracer.report.markup import Markup, Math
from tracer.report.render import Options, make_env, notation_of, report_context, template_folders, tidy
from tracer.spec import tolerance as tol
from tracer.spec import writing as specyaml
from tracer.spec.model import NetworkSpec
from tracer.spec.vary import DEFAULT_ASK, Vary

KEY_DIGITS = 12  # significant digits of an answer key's values (the tolerance judges far fewer)
SUFFIX = {"md": ".md", "tex": ".tex", "html": ".html"}
_PLAIN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_/]*\+?$")


def folder(k: int) -> str:
    """The folder of variant k: ``variant-007`` (three digits whatever the number of variants)."""
    return f"variant-{k:03d}"


def asked(trace: Trace, groups: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """The quantities a sheet asks for, by group, as canonical keys (``L+``: loss after)."""
    net = trace.network
    out: list[tuple[str, list[str]]] = []
    for group in groups:
        keys: list[str] = []
        if group == "forward":
            for n in net.samples():
                for layer in net.units:
                    for u in layer:
                        keys += [net.z(u.layer, u.index, n), net.a(u.layer, u.index, n)]
        elif group == "loss":
            keys = ["L"]
        elif group == "deltas":
            for n in net.samples():
                for layer in reversed(net.units):
                    keys += [net.delta(u.layer, u.index, n) for u in layer]
        elif group == "gradients":
            keys = [grad(p.key) for p in net.trainable]
        elif group == "updates":
            keys = [updated(p.key) for p in net.trainable]
        elif group == "loss_after":
            keys = ["L+"]
        if keys:
            out.append((group, keys))
    return out


def answer_name(key: str, names: Notation) -> str:
    """The name of a quantity in an answers file (what ``tracer check`` reads back)."""
    if key in ("L", "L+"):
        return key
    if key.startswith("delta"):
        return "dL/d" + names.text("z" + key[len("delta") :])
    return names.text(key)


def answer_latex(key: str, names: Notation) -> str:
    return r"L^{+}" if key == "L+" else names.latex(key)


def true_value(trace: Trace, key: str) -> sp.Expr:
    if key == "L+":
        return trace.iterations[1].loss if len(trace.iterations) > 1 else trace.final_loss
    return trace.first.values[key]


def _yaml_key(name: str) -> str:
    return name if _PLAIN_NAME.match(name) else json.dumps(name)


@dataclass
class Maker:
    """Writes the files of one problem set; made once, called for each variant."""

    options: Options
    ask: tuple[str, ...] = DEFAULT_ASK
    symbolic: bool = False  # also run the symbolic self-check on every variant (slow)
    steps: tuple | None = None  # the shared derivation
    sheets_tex: list[tuple[int, str]] = field(default_factory=list)
    solutions_tex: list[tuple[int, str]] = field(default_factory=list)
    losses: dict[int, sp.Expr] = field(default_factory=dict)  # each variant's L, for the index

    def __post_init__(self) -> None:
        opts = self.options
        self.strings = lang.Strings(opts.lang, template_folders(opts.template_dir))
        self.env = make_env(opts.template_dir, opts.fmt)
        self.f = self.env.globals["f"]
        self.report = self.env.get_template(f"default/report.{opts.fmt}.jinja2")
        self.sheet = self.env.get_template(f"default/sheet.{opts.fmt}.jinja2")

    def raw(self, name: str, **values: object) -> str:
        """A language string as plain text (YAML comments, CSV), placeholders filled."""
        text = str(self.strings.raw(name))
        for k, v in values.items():
            text = text.replace("{" + k + "}", str(v))
        return text

    def traced(self, spec: NetworkSpec) -> Trace:
        result = trace(spec, check=False)
        if self.steps is None:
            self.steps = derive.steps(result.network)
        checked = Trace(result.network, result.iterations, result.final_loss, self._check(result))
        checked.__dict__["steps"] = self.steps  # the derivation is the same symbols for every variant
        return checked

    def _check(self, result: Trace) -> Check:
        return self_check(result.network, dict(result.first.params), dict(result.first.values), self.symbolic)

    def files(self, variant: Variant, spec_path: str) -> dict[str, str]:
        """The files of one variant, by name inside its folder."""
        result = self.traced(variant.spec)
        self.losses[variant.index] = result.first.loss
        opts = self.options
        names = notation_of(result, opts.notation)
        ctx = self._context(result, names)
        groups = asked(result, self.ask)
        template = self._answers(variant, groups, names, spec_path)
        ctx.update(self._sheet_context(variant, result, groups, names, template))
        suffix = SUFFIX[opts.fmt]
        out = {
            "spec.yaml": specyaml.dump(variant.spec),
            "sheet" + suffix: tidy(self.sheet.render(ctx)),
            "solution" + suffix: tidy(self.report.render(ctx)),
            "answers.yaml": template,
            "key.yaml": self._key_yaml(variant, result, groups, names, spec_path),
            "key.json": self._key_json(result, groups, names),
        }
        if opts.fmt == "tex":
            ctx["fragment"] = True
            self.sheets_tex.append((variant.index, tidy(self.sheet.render(ctx))))
            self.solutions_tex.append((variant.index, tidy(self.report.render(ctx))))
        return out

    def _context(self, result: Trace, names: Notation) -> dict:
        ctx = report_context(result, self.options, self.strings, self.f)
        ctx["fmt"] = self.options.fmt
        return ctx

    def _sheet_context(
        self, variant: Variant, result: Trace, groups: list, names: Notation, template: str
    ) -> dict:
        questions = []
        for group, keys in groups:
            items = ", ".join(f"${answer_latex(k, names)}$" for k in keys)
            questions.append({"title": self.strings(f"variants.ask.{group}"), "names": items})

        rule = result.spec.tolerance or tol.DEFAULT
        amount = int(rule.amount) if rule.rule in ("sig_figs", "decimals") else specyaml.number(rule.amount)
        return {
            "variant": {"index": variant.index, "seed": variant.seed},
            "questions": questions,
            "answers_block": self.f.code_block(_strip_comments(template), "yaml"),
            "rule": self.strings(f"marking.rule.{rule.rule}", amount=amount),
            "Markup": Markup,
            "Math": Math,
        }

    def _answers(self, variant: Variant, groups: list, names: Notation, spec_path: str) -> str:
        head = self.raw("variants.answers_header", k=variant.index, title=variant.spec.title, spec=spec_path)
        lines = [f"# {line}" for line in head.splitlines()] + ["student: ~"]
        lines += [f"{_yaml_key(answer_name(k, names))}: ~" for _, keys in groups for k in keys]
        return "\n".join(lines) + "\n"

    def _key_yaml(
        self, variant: Variant, result: Trace, groups: list, names: Notation, spec_path: str
    ) -> str:
        head = self.raw("variants.key_header", k=variant.index, seed=variant.seed, spec=spec_path)
        lines = [f"# {line}" for line in head.splitlines()]
        lines.append(f"tolerance: {specyaml.tolerance(result.spec)}")
        for _, keys in groups:
            for k in keys:
                lines.append(
                    f"{_yaml_key(answer_name(k, names))}: {number_text(true_value(result, k), KEY_DIGITS)}"
                )
        return "\n".join(lines) + "\n"

    def _key_json(self, result: Trace, groups: list, names: Notation) -> str:
        rule = result.spec.tolerance
        data: dict = {"tolerance": rule.describe() if rule is not None else {"sig_figs": 4}}
        if rule is not None:
            described = rule.describe()
            data["tolerance"] = {described["rule"]: described["amount"]}
            if not rule.last_digit:
                data["tolerance"]["last_digit"] = False
            if rule.fewer_digits != "judge":
                data["tolerance"]["fewer_digits"] = rule.fewer_digits
        for _, keys in groups:
            for k in keys:
                # 12 significant digits survive the double exactly: the JSON number reads back as written
                data[answer_name(k, names)] = float(number_text(true_value(result, k), KEY_DIGITS))
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def index(self, spec: NetworkSpec, variants: list[Variant]) -> dict[str, str]:
        """``index.csv`` and ``index.md``: each variant with its seed, folder and drawn numbers."""
        drawn = [s.key for s in slots(spec) if _varied(spec, s)]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["variant", "seed", "draw", "folder", "L", *drawn])
        for v in variants:
            numbers = dict(v.numbers)
            row = [v.index, v.seed, v.draw, folder(v.index), number_text(self.losses[v.index], 8)]
            writer.writerow(row + [specyaml.number(numbers[k]).strip('"') for k in drawn])
        f = _md_format()
        seed = variants[0].seed if variants else 0
        head = [self.raw(f"variants.index.head.{c}") for c in ("variant", "seed", "draw", "folder", "loss")]
        rows = [
            [
                str(v.index),
                str(v.seed),
                str(v.draw),
                f.code(folder(v.index)),
                number_text(self.losses[v.index], 8),
            ]
            for v in variants
        ]
        lines = [
            f.heading(1, f.literal(self.raw("variants.index.title", title=spec.title))),
            "",
            f.paragraph(f.literal(self.raw("variants.index.intro", seed=seed))),
            "",
            f.table([f.esc(h) for h in head], rows, "rrrlr"),
        ]
        return {"index.csv": out.getvalue(), "index.md": "\n".join(lines) + "\n"}

    def collections(self, spec: NetworkSpec) -> dict[str, str]:
        """``sheets.tex`` and ``solutions.tex``: every variant on its own pages, for pdflatex."""
        template = self.env.get_template("default/sheet-collection.tex.jinja2")
        fmt, strings = self.f, self.strings
        out = {}
        for name, parts in (("sheets", self.sheets_tex), ("solutions", self.solutions_tex)):
            ctx = {
                "title": self.raw(f"variants.collection.{name}", title=spec.title),
                "version": _version(),
                "lang": self.options.lang,
                "fragment": False,
                "parts": [
                    {"heading": fmt.esc(self.raw("variants.collection.variant", k=k)), "body": body}
                    for k, body in sorted(parts)
                ],
                "t": lambda key, /, **values: fmt.prose(strings(key, **values)),
                "p": fmt.prose,
            }
            out[f"{name}.tex"] = tidy(template.render(ctx))
        return out


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("#")) + "\n"


def _varied(spec: NetworkSpec, slot) -> bool:
    return (spec.vary or Vary()).range_of(slot.group, slot.layer) is not None


def _md_format():
    return formats.get("md")


def _version() -> str:
    return __version__
