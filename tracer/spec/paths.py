"""Data paths such as ``layers[1].weights[0][2]`` for error messages."""

from __future__ import annotations


def dotted(path: tuple) -> str:
    """``('layers', 1, 'weights')`` → ``layers[1].weights``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
