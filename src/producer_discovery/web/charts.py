"""Small charts drawn on the server as inline SVG (no JavaScript, no library): one line per
series over the hours of get_pipeline_history(), with a title, axis labels and a text
alternative for screen readers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

PALETTE = ("#1f6feb", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490", "#a16207")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 560, 180, 40, 24, 10, 10


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]


def series_by(rows: list[dict[str, Any]], hours: list[str], key: str, value: str) -> list[Series]:
    """One series per distinct `key`, a value per hour (0 where the hour has no row)."""
    index = {hour: position for position, hour in enumerate(hours)}
    found: dict[str, list[float]] = {}
    for row in rows:
        position = index.get(row["hour"])
        if position is None:
            continue
        values = found.setdefault(str(row[key]), [0.0] * len(hours))
        values[position] += float(row[value] or 0)
    return [Series(name, values) for name, values in sorted(found.items())]


def line_chart(
    title: str, hours: list[str], series: list[Series], unit: str, additive: bool = True
) -> Markup:
    """An accessible SVG line chart; 'no data' text when every series is empty. The legend
    shows each series' total (additive) or its peak (a mean per hour, say)."""
    peak = max((max(s.values) for s in series if s.values), default=0.0)
    labels = [label(hour) for hour in hours]

    def headline(one: Series) -> float:
        return round(sum(one.values) if additive else max(one.values), 1)

    summary = (
        "; ".join(
            f"{s.name}: {sum(s.values):g} {unit} in total, at most {max(s.values):g} an hour"
            if additive
            else f"{s.name}: at most {max(s.values):g} {unit}"
            for s in series
        )
        or "no data in this period"
    )
    parts = [
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption>',
        (
            f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-label="{escape(title)}: {escape(summary)}" '
            'preserveAspectRatio="none" focusable="false">'
        ),
    ]
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = peak or 1.0
    for fraction in (0.0, 0.5, 1.0):
        y = TOP + plot_height * (1 - fraction)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{top * fraction:g}</text>'
        )
    count = max(len(hours) - 1, 1)
    for position in range(0, len(hours), max(len(hours) // 6, 1)):
        x = LEFT + plot_width * position / count
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="middle">{escape(labels[position])}</text>'
        )
    for number, one in enumerate(series):
        points = " ".join(
            f"{LEFT + plot_width * i / count:.1f},{TOP + plot_height * (1 - v / top):.1f}"
            for i, v in enumerate(one.values)
        )
        parts.append(
            f'<polyline fill="none" stroke="{PALETTE[number % len(PALETTE)]}" stroke-width="2" points="{points}"/>'
        )
    parts.append("</svg>")
    if series:
        parts.append(
            '<ul class="legend">'
            + "".join(
                f'<li><span class="swatch" style="background:{PALETTE[n % len(PALETTE)]}"></span>'
                f'{escape(s.name)} <span class="muted">({"" if additive else "peak "}{headline(s):g})</span></li>'
                for n, s in enumerate(series)
            )
            + "</ul>"
        )
    else:
        parts.append('<p class="muted">No data in the last 24 hours.</p>')
    parts.append("</figure>")
    return Markup("".join(parts))


def label(hour: str) -> str:
    try:
        return datetime.fromisoformat(hour).strftime("%H:%M")
    except ValueError:
        return hour


def collaboration_graph(name: str, collaborators: list[dict[str, Any]], limit: int = 12) -> Markup:
    """The producer in the middle, the strongest collaborators around it, linked; line width
    grows with the tracks shared."""
    import math

    chosen = collaborators[:limit]
    if not chosen:
        return Markup("")
    size, centre, radius = 360, 180, 130
    peak = max(c["shared_tracks"] for c in chosen)
    parts = [
        (
            f'<svg class="graph" viewBox="0 0 {size} {size}" role="img" '
            f'aria-label="{escape(name)} and {len(chosen)} collaborators" focusable="false">'
        )
    ]
    nodes = []
    for position, one in enumerate(chosen):
        angle = 2 * math.pi * position / len(chosen) - math.pi / 2
        x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        width = 1 + 4 * one["shared_tracks"] / peak
        parts.append(
            f'<line x1="{centre}" y1="{centre}" x2="{x:.1f}" y2="{y:.1f}" '
            f'class="edge" stroke-width="{width:.1f}"/>'
        )
        nodes.append((x, y, one))
    for x, y, one in nodes:
        href = f"/{'producers' if one['kind'] == 'producer' else 'artists'}/{escape(one['id'])}"
        parts.append(
            f'<a href="{href}"><circle cx="{x:.1f}" cy="{y:.1f}" r="9" class="node {escape(one["kind"])}"/>'
            f'<text x="{x:.1f}" y="{y + 22:.1f}" text-anchor="middle">{escape(one["name"][:22])}</text></a>'
        )
    parts.append(
        f'<circle cx="{centre}" cy="{centre}" r="14" class="node self"/>'
        f'<text x="{centre}" y="{centre + 30}" text-anchor="middle" class="self-label">{escape(name[:24])}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
