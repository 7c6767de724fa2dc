"""Feedback on marked answers: the report a student reads (Markdown, HTML, LaTeX) and the
JSON a tool reads.

The first wrong step is shown as the report shows a step (formula, the numbers that go in
it, the value: :class:`tracer.report.blocks.Printers`) with the student's value beside it, and,
when the student's own earlier numbers give something else, the same step with theirs.
"""

from __future__ import annotations

import json

import sympy as sp

from tracer import __version__
from tracer.homework.marking import Mark, Marking
from tracer.notation import Notation
from tracer.numbers import number_latex, rounded
from tracer.report import lang
from tracer.report.blocks import Printers, aligned
from tracer.report.markup import Math, literal
from tracer.report.render import Options, make_env, notation_of, template_folders, tidy
from tracer.spec.tolerance import Tolerance

VERDICTS = ("correct", "carried", "wrong", "missing")


def to_dict(marking: Marking, names: Notation | None = None) -> dict:
    """The marking as plain data (the JSON output)."""
    names = names or notation_of(marking.trace)
    first = marking.first_wrong
    out = {
        "title": marking.trace.spec.title,
        "answers": marking.answers.source,
        "student": marking.answers.student,
        "tolerance": marking.tolerance.describe(),
        "score": marking.score,
        "first_wrong": _mark_dict(first, names) if first is not None else None,
        "marks": [_mark_dict(m, names) for m in marking.marks],
        "training": None,
    }
    if marking.training is not None:
        out["training"] = {
            "tried": marking.training.tried,
            "mistakes": list(marking.training.found),
            "reason": marking.training.reason,
        }
    return out


def _mark_dict(m: Mark, names: Notation) -> dict:
    a = m.answer
    return {
        "iteration": a.iteration,
        "key": a.key,
        "name": a.name,
        "display": names.text(a.key),
        "given": a.text,
        "value": _float(a.value),
        "expected": _float(m.expected),
        "own": _float(m.own),
        "verdict": m.verdict,
        "unreadable": a.unreadable,
        "fewer_digits": m.fewer_digits,
        "because": list(m.because),
        "mistakes": [
            {"id": d.mistake, "detail": dict(d.detail), "value": _float(d.value)} for d in m.diagnoses
        ],
        "line": a.line,
    }


def _float(value: sp.Expr | None) -> float | None:
    return None if value is None else float(value)


def to_json(marking: Marking, names: Notation | None = None) -> str:
    return json.dumps(to_dict(marking, names), indent=2, ensure_ascii=False) + "\n"


class Renderer:
    """Renders feedback in one format and language; made once for many answers files (the
    Jinja2 environment, its compiled template and the language strings are reused)."""

    def __init__(self, options: Options) -> None:
        self.options = options
        if options.fmt != "json":
            self.strings = lang.Strings(options.lang, template_folders(options.template_dir))
            self.env = make_env(options.template_dir, options.fmt)
            self.template = self.env.get_template(f"default/check.{options.fmt}.jinja2")

    def __call__(self, marking: Marking) -> str:
        options = self.options
        names = notation_of(marking.trace, options.notation or marking.answers.notation)
        if options.fmt == "json":
            return to_json(marking, names)
        fmt, strings = self.env.globals["f"], self.strings
        ctx = context(marking, names, strings, options.digits)
        ctx.update(fragment=options.fragment, lang=options.lang, version=_version(), fmt=options.fmt)
        ctx["title"] = str(strings.raw("marking.title")).replace("{title}", marking.trace.spec.title)
        ctx["t"] = lambda key, /, **values: fmt.prose(strings(key, **values))
        ctx["p"] = fmt.prose
        return tidy(self.template.render(ctx))


def render(marking: Marking, options: Options) -> str:
    """The feedback report in ``options.fmt`` (md, html, tex; json gives :func:`to_json`)."""
    return Renderer(options)(marking)


def _version() -> str:
    return __version__


def context(marking: Marking, names: Notation, t: lang.Strings, digits: int) -> dict:
    """What the check templates show: the score, the first wrong step, every verdict."""
    first = marking.first_wrong
    sections = []
    for n in sorted({m.iteration for m in marking.marks}):
        rows = [_row(m, names, t, digits) for m in marking.marks if m.iteration == n]
        sections.append({"iteration": n, "rows": rows, "loss_note": t("marking.loss_iteration", n=str(n))})
    score = marking.score
    return {
        "spec_title": marking.trace.spec.title,
        "student": marking.answers.student,
        "tolerance": _tolerance(marking.tolerance, t),
        "score": score,
        "score_line": t(
            "marking.score_line",
            credit=str(score["correct"] + score["carried"]),
            asked=str(score["asked"]),
            percent=f"{100 * score['score']:.0f}",
        ),
        "all_right": marking.all_right,
        "first": _first(marking, first, names, t, digits) if first is not None else None,
        "sections": sections,
        "several": len(sections) > 1,
        "training": _training(marking, t),
        "head": [t(f"marking.head.{k}") for k in ("quantity", "given", "expected", "verdict", "note")],
    }


def _tolerance(rule: Tolerance, t: lang.Strings) -> str:
    amount = str(rule.describe()["amount"])
    text = t(f"marking.rule.{rule.rule}", amount=amount)
    if rule.last_digit and rule.rule in ("sig_figs", "decimals"):
        text += " " + t("marking.rule.last_digit")
    text += " " + t(f"marking.rule.fewer_{rule.fewer_digits}")
    return text + " " + t("marking.rule.source", source=t(f"marking.source.{rule.source.replace(' ', '_')}"))


def _name(key: str, names: Notation) -> Math:
    return Math(r"L^{+}" if key == "L+" else names.latex(key))


def _row(m: Mark, names: Notation, t: lang.Strings, digits: int) -> dict:
    a = m.answer
    given = literal(a.text) if a.text is not None else "—"  # noqa: RUF001
    expected = t("marking.math", value=Math(number_latex(m.expected, digits)))
    return {
        "name": t("marking.math", value=_name(a.key, names)),
        "given": given,
        "expected": expected,
        "verdict": m.verdict,
        "verdict_text": t(f"marking.verdict.{m.verdict}"),
        "note": _note(m, names, t, digits),
    }


def _note(m: Mark, names: Notation, t: lang.Strings, digits: int) -> str:
    parts = []
    if m.answer.unreadable:
        parts.append(t("marking.note.unreadable"))
    if m.verdict == "carried":
        roots = [_name(k, names) for k in m.because[:3]]
        parts.append(
            t(
                "marking.note.carried",
                wrong=Math(", ".join(r.latex for r in roots)),
                own=Math(number_latex(m.own, digits)),
            )
        )
    if m.verdict == "wrong" and not m.answer.unreadable:
        if m.diagnoses:
            parts.append(_mistake(m.diagnoses[0], names, t))
        elif _differs(m.own, m.expected, digits):
            parts.append(t("marking.note.own_differs", own=Math(number_latex(m.own, digits))))
    if m.fewer_digits:
        parts.append(t("marking.note.fewer"))
    return " ".join(parts)


def _differs(a: sp.Expr, b: sp.Expr, digits: int) -> bool:
    return rounded(a, digits)[0] != rounded(b, digits)[0]


def _mistake(d, names: Notation, t: lang.Strings) -> str:
    values: dict[str, object] = {}
    for k, v in d.detail.items():
        values[k] = str(v) if k == "digits" else _name(v, names)
    text = t(f"mistakes.{d.mistake}", **{k: v for k, v in values.items() if k != "at"})
    if "at" in values:
        text += " " + t("marking.at_step", at=values["at"])
    return text


def _first(marking: Marking, m: Mark, names: Notation, t: lang.Strings, digits: int) -> dict:
    a = m.answer
    out: dict = {
        "line": t(
            "marking.first_line",
            name=_name(a.key, names),
            n=str(a.iteration),
            given=a.text or "",
            expected=Math(number_latex(m.expected, digits)),
        ),
        "math": None,
        "own_math": None,
        "mistakes": [_mistake(d, names, t) for d in m.diagnoses],
        "no_mistake": t("marking.no_mistake") if not m.diagnoses and not a.unreadable else None,
    }
    step = next((s for s in marking.trace.steps if s.key == a.key), None)
    truth = marking.truth.get(a.iteration)
    if step is not None and truth is not None:
        right = Printers(dict(truth), digits, names)
        out["math"] = aligned(right.step(step))
        own = marking.own[a.iteration]
        if _differs(own.computed.get(a.key, m.expected), m.expected, digits):
            mine = Printers(dict(own), digits, names)
            out["own_math"] = aligned(mine.step(step))
            out["own_line"] = t("marking.own_line", own=Math(number_latex(own.computed[a.key], digits)))
    return out


def _training(marking: Marking, t: lang.Strings) -> str | None:
    tr = marking.training
    if tr is None:
        return None
    if not tr.tried:
        return t("marking.training.not_tried", reason=tr.reason or "")
    if not tr.found:
        return t("marking.training.none")
    return " ".join(t("marking.training.found", mistake=t(f"mistakes_short.{mid}")) for mid in tr.found)
