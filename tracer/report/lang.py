"""Per-language report prose: ``templates/default/lang/<lang>.yaml``.

Every word of a report that is not mathematics comes from these files, so a Chinese
report has no English left in it. A user's template folder may hold ``lang/<lang>.yaml``
with some keys replaced; the rest come from the default file.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tracer.errors import TracerError
from tracer.report import markup

LANGUAGES = ("en", "zh")


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _load(path: Path) -> dict:
    """One language file, checked: a mapping of strings whose markup parses."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = " ".join(str(getattr(err, "problem", None) or "not valid YAML").split())
        raise TracerError(f"not valid YAML: {problem}", str(path), mark.line + 1 if mark else None) from None
    except UnicodeDecodeError:
        raise TracerError("not UTF-8 text", str(path)) from None
    if not isinstance(data, dict):
        raise TracerError("a language file must be a mapping of names to strings", str(path))
    _check(data, str(path), "")
    return data


def _check(node: dict, path: str, prefix: str) -> None:
    for k, v in node.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            _check(v, path, name + ".")
        elif not isinstance(v, str):
            raise TracerError(f"string {name} must be text, not {type(v).__name__}", path)
        else:
            try:
                markup.parse(v)
            except ValueError as err:
                raise TracerError(f"string {name}: {err}", path) from None


class Strings:
    """The strings of one language; :meth:`__call__` fills a string's placeholders."""

    def __init__(self, lang: str, folders: list[Path]) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
        self.lang = lang
        table: dict = {}
        for folder in reversed(folders):  # the first folder wins
            for path in (folder / "default" / "lang" / f"{lang}.yaml", folder / "lang" / f"{lang}.yaml"):
                if path.is_file():
                    table = _merge(table, _load(path))
        self.table = table

    def raw(self, name: str) -> object:
        node: object = self.table
        for part in name.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"no string {name!r} for language {self.lang!r}")
            node = node[part]
        return node

    def __call__(self, key: str, /, **values: object) -> str:
        """The markup of string ``key`` with ``{placeholders}`` filled in."""
        text = self.raw(key)
        if not isinstance(text, str):
            raise KeyError(f"string {key!r} is a group, not a string")
        return markup.fill(text, values)

    def maybe(self, name: str, default: str) -> str:
        """A string that may be missing (e.g. a description of a new activation)."""
        try:
            return self(name)
        except KeyError:
            return markup.literal(default)

    def units(self, count: int) -> str:
        return self("unit_one" if count == 1 else "unit_many")
