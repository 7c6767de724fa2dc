"""Pictures of a training run: the loss curve as SVG (Markdown, HTML) or pgfplots (LaTeX).

Deterministic: coordinates are written with a fixed number of decimals, so the same run
gives the same bytes. A long run is thinned to at most :data:`MAX_POINTS` points (always
keeping the first and the last).
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence

MAX_POINTS = 400
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 20, 45


def _thin(values: Sequence[float]) -> list[tuple[int, float]]:
    """(iteration, loss) pairs, at most MAX_POINTS of them, evenly spread."""
    n = len(values)
    if n <= MAX_POINTS:
        picks = range(n)
    else:
        picks = sorted({round(k * (n - 1) / (MAX_POINTS - 1)) for k in range(MAX_POINTS)})
    return [(k + 1, float(values[k])) for k in picks]


def _log_scale(values: Sequence[float]) -> bool:
    positive = [v for v in values if v > 0]
    return len(positive) == len(values) and max(positive) / min(positive) > 100


def _ticks(low: float, high: float, log: bool) -> list[float]:
    if log:
        first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
        step = max(1, (last - first) // 6)
        return [10.0**e for e in range(first, last + 1, step)]
    if high == low:
        return [low]
    raw = (high - low) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    return [
        start + k * step for k in range(int((high - start) / step) + 2) if start + k * step <= high + step / 2
    ]


def _label(v: float) -> str:
    return (
        f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e")
        if (v and (abs(v) < 1e-3 or abs(v) >= 1e4))
        else f"{v:g}"
    )


def loss_curve_svg(history: Sequence[float], x_label: str, y_label: str) -> str:
    """An SVG line chart of the loss against the iteration."""
    points = _thin(history)
    ys = [y for _, y in points]
    log = _log_scale(ys)
    ticks = _ticks(min(ys), max(ys), log)
    low, high = min(ticks[0], min(ys)), max(ticks[-1], max(ys))
    if log:
        low, high = math.log10(low), math.log10(high)
    span = (high - low) or 1.0
    n = max(len(history), 2)

    def px(k: int) -> float:
        return LEFT + (k - 1) / (n - 1) * (WIDTH - LEFT - RIGHT)

    def py(v: float) -> float:
        u = math.log10(v) if log else v
        return TOP + (1 - (u - low) / span) * (HEIGHT - TOP - BOTTOM)

    path = " ".join(f"{'M' if i == 0 else 'L'}{px(k):.2f},{py(v):.2f}" for i, (k, v) in enumerate(points))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{html.escape(y_label)}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
    ]
    for tick in ticks:
        y = py(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.2f}" x2="{WIDTH - RIGHT}" y2="{y:.2f}" stroke="#e3e6ea"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.2f}" text-anchor="end" fill="#444">{_label(tick)}</text>'
        )
    xticks = [1] + [round(k) for k in _ticks(1, n, False) if 1 < round(k) <= n]
    for k in sorted(set(xticks)):
        x = px(k)
        parts.append(
            f'<text x="{x:.2f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" fill="#444">{k}</text>'
        )
    parts += [
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#444"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#444"/>',
        f'<path d="{path}" fill="none" stroke="#1f6feb" stroke-width="2"/>',
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.0f}" y="{HEIGHT - 8}" text-anchor="middle" fill="#222">'
        f"{html.escape(x_label)}</text>",
        f'<text x="14" y="{(TOP + HEIGHT - BOTTOM) / 2:.0f}" text-anchor="middle" fill="#222" '
        f'transform="rotate(-90 14 {(TOP + HEIGHT - BOTTOM) / 2:.0f})">{html.escape(y_label)}'
        f"{' (log scale)' if log else ''}</text>",
        "</svg>",
    ]
    return "\n".join(parts)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def loss_curve_tikz(history: Sequence[float], x_label: str, y_label: str) -> str:
    """The same chart as a pgfplots axis (x_label, y_label already LaTeX-escaped)."""
    points = _thin(history)
    log = _log_scale([y for _, y in points])
    kind = "semilogyaxis" if log else "axis"
    coords = " ".join(f"({k},{v:.10g})" for k, v in points)
    return (
        "\\begin{center}\n\\begin{tikzpicture}\n"
        f"\\begin{{{kind}}}[width=0.9\\linewidth, height=6cm, xlabel={{{x_label}}}, ylabel={{{y_label}}}, "
        "grid=major, no markers, every axis plot/.append style={thick}]\n"
        f"\\addplot coordinates {{{coords}}};\n"
        f"\\end{{{kind}}}\n\\end{{tikzpicture}}\n\\end{{center}}"
    )
