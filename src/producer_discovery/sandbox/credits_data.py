"""The credits catalogue shared by the Genius, MusicBrainz and Discogs sandboxes.

`data/credits_catalogue.json` holds what the three providers publicly know about the songs
of the sample Spotify catalogue, stored compactly: people and songs are referred to by their
provider id, and each sandbox expands them into the provider's real JSON shapes. Its
`_about` key describes the layout; its `_expected` key says, for every song, who really
produced it and what enrichment should find about each producer.

Also here: the small text helpers the sandboxes' searches use, and the standalone runner
behind each sandbox's `python -m` entry.
"""

from __future__ import annotations

import argparse
import json
import re
import time
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from producer_discovery.sandbox.server import SandboxServer

CREDITS_CATALOGUE = Path(__file__).parent / "data" / "credits_catalogue.json"
NOT_A_WORD = re.compile(r"[^\w]+")
TRAILING_BRACKETS = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*$")
STOP_WORDS = frozenset({"a", "an", "and", "the", "of", "by", "feat", "ft", "with"})


@cache
def load_credits(path: Path = CREDITS_CATALOGUE) -> dict[str, Any]:
    """The whole catalogue, parsed once per file (treat it as read-only)."""
    with Path(path).open(encoding="utf-8") as file:
        catalogue: dict[str, Any] = json.load(file)
    return catalogue


def index_by(items: Iterable[dict[str, Any]], key: str = "id") -> dict[Any, dict[str, Any]]:
    """Items keyed by one of their fields."""
    return {item[key]: item for item in items}


def fold(text: str) -> str:
    """Text reduced for search matching: no accents, case-folded, "&" → "and", no
    punctuation, single spaces. Letters of every script survive."""
    decomposed = unicodedata.normalize("NFKD", text)
    unaccented = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = unaccented.casefold().replace("&", " and ").replace("'", "").replace("’", "")
    return " ".join(NOT_A_WORD.sub(" ", folded).split())


def words(text: str) -> set[str]:
    """The significant words of a text, folded."""
    return set(fold(text).split()) - STOP_WORDS


def match_score(wanted: str, available: Iterable[str]) -> int | None:
    """How a search value matches texts, folded: 0 when it equals one, -5 when one contains
    it, None when none does."""
    folded = fold(wanted)
    texts = [fold(text) for text in available]
    if folded in texts:
        return 0
    if any(folded and folded in text for text in texts):
        return -5
    return None


def search_score(wanted: dict[str, str], available: dict[str, list[str]]) -> int | None:
    """100 when every wanted field equals one of its available texts, less for each that is
    only contained in one, None when a field is missing or matches nothing."""
    score = 100
    for field, value in wanted.items():
        partial = match_score(value, available[field]) if field in available else None
        if partial is None:
            return None
        score += partial
    return score


def without_trailing_brackets(title: str) -> str:
    """ "Satellite Heart (Kaito Mercer Remix)" → "Satellite Heart"."""
    return TRAILING_BRACKETS.sub("", title).strip() or title


def bounded_number(value: str | None, default: int, minimum: int, maximum: int) -> int:
    """An integer query parameter clamped to its range; the default when absent or bad."""
    try:
        number = int(value) if value else default
    except ValueError:
        number = default
    return max(minimum, min(maximum, number))


def slug(text: str) -> str:
    """A URL slug in the providers' style: "Dev O'Neil" → "dev-oneil"."""
    return fold(text).replace(" ", "-") or "untitled"


def standalone_parser(description: str) -> argparse.ArgumentParser:
    """The options every credits sandbox accepts when run on its own; add your own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    parser.add_argument(
        "--catalogue", type=Path, default=CREDITS_CATALOGUE, help="credits catalogue JSON file"
    )
    return parser


def serve_until_interrupted(sandbox: SandboxServer) -> None:
    """Start a sandbox, print its URL, and serve until Ctrl-C."""
    with sandbox:
        print(f"{sandbox.name} sandbox listening on {sandbox.url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print(f"{sandbox.name} sandbox stopped", flush=True)
