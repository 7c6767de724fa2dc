"""Per-language report prose: ``templates/default/lang/<lang>.yaml``.

Every word of a report that is not mathematics comes from these files, so a Chinese
report has no English left in it. A user's template folder may hold ``lang/<lang>.yaml``
with some keys replaced; the rest come from the default file.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tracer import markup

LANGUAGES = ("en", "zh")


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


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
                    table = _merge(table, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
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
