"""Write the report of every built-in example into reports/ (run: python tests/regenerate_reports.py)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
COMMAND = "python tests/regenerate_reports.py"


def expected() -> dict[str, str]:
    """File name → the text tracer generates now."""
    from tracer import examples
    from tracer.render import render
    from tracer.trace import trace

    out = {}
    for name in examples.names():
        tr = trace(examples.load(name))
        out[f"{name}.md"] = render(tr, "md")
        out[f"{name}.json"] = render(tr, "json")
    return out


def main() -> int:
    sys.path.insert(0, str(ROOT))
    REPORTS.mkdir(exist_ok=True)
    for name, text in expected().items():
        (REPORTS / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote reports/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
