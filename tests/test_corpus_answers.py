"""Bad answers files through ``tracer check``: one line, exit code 2, nothing written.

``tests/corpus/bad-answers/`` holds one malformed answers file per file and ``expected.yaml``
the exact stderr line each must give for the spec ``sigmoid-222-bias``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tracer.cli import main

BAD = Path(__file__).resolve().parent / "corpus" / "bad-answers"
EXPECTED: dict[str, str] = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))


def test_every_file_has_its_line():
    files = {p.name for p in BAD.iterdir() if p.name != "expected.yaml"}
    assert files == set(EXPECTED) and len(files) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_answers_file(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = BAD / name
    target = tmp_path / "feedback.md"
    rc = main(["check", "sigmoid-222-bias", str(path), "-o", str(target)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert (rc, out, err) == (2, "", EXPECTED[name].replace("{path}", str(path)) + "\n")
    assert not target.exists()
    # among many files, the same line, and no report or scores.csv for any of them
    folder = tmp_path / "many"
    good = tmp_path / "good.yaml"
    good.write_text("a3: 0.6236\n")
    rc = main(["check", "sigmoid-222-bias", str(good), str(path), "-o", str(folder)])
    out, err = capsys.readouterr()
    assert (rc, err) == (2, EXPECTED[name].replace("{path}", str(path)) + "\n")
    assert not folder.exists() or not any(folder.iterdir())
