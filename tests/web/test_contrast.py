"""Colour contrast of the stylesheet's text/background pairs: WCAG AA (4.5:1 for text)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STYLE = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "producer_discovery"
    / "web"
    / "static"
    / "style.css"
)

# (text, background) as the pages use them: variables of :root or literal colours.
PAIRS = [
    ("--ink", "--bg"),
    ("--ink", "--card"),
    ("--muted", "--bg"),
    ("--muted", "--card"),
    ("--accent", "--card"),
    ("--accent", "--bg"),
    ("--accent-ink", "--accent"),
    ("#ffffff", "--brand"),
    ("--gold", "--brand"),
    ("--ok", "#dcf2e3"),
    ("--warn", "#fdf0d5"),
    ("--bad", "#fde4e1"),
    ("--ok", "#e8f5ec"),
    ("--bad", "#fdecea"),
    ("#3b4250", "#eef0f4"),
    ("--warn", "--card"),
]


def variables() -> dict[str, str]:
    match = re.search(r":root\s*{([^}]*)}", STYLE.read_text())
    assert match, "the stylesheet has no :root block"
    root = match.group(1)
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})", root))


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ratio(first: str, second: str) -> float:
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_colours_meet_wcag_aa(text: str, background: str) -> None:
    """Every text colour on the background it is used on reaches 4.5:1."""
    palette = variables()
    first, second = palette.get(text, text), palette.get(background, background)
    assert ratio(first, second) >= 4.5, (text, background, round(ratio(first, second), 2))
