"""The one fold, the one title cleaner and the one similarity (names and titles alike)."""

from __future__ import annotations

import pytest

from producer_discovery.text import (
    TitleLevel,
    clean_title,
    comparable_title,
    fold,
    normalize_name,
    normalize_title,
    similarity,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("D.R.A.M.", "dram"),
        ("O'Neil", "oneil"),
        ("Don't Stop", "dont stop"),
        ("Corridor’s End", "corridors end"),
        ("Made-It", "made it"),
        ("AC/DC", "ac dc"),
        ("Kelso & Marr", "kelso and marr"),
        ("Chloë", "chloe"),
        ("Straße", "strasse"),
        ("HUMBLE.", "humble"),
        ("Holy Water, Chrome Rain", "holy water chrome rain"),
        ("СЛАВА МАРЛОУ", "слава марлоу"),
        ("사랑해", "사랑해"),
        ("ありがとう", "ありがとう"),
        ("  Lots   of   Spaces  ", "lots of spaces"),
        ("???", "???"),
    ],
)
def test_one_fold_for_names_and_titles(text: str, expected: str) -> None:
    """fold() gives the same key whether the text is a person's name or a track title."""
    assert fold(text) == expected
    assert normalize_title(text) == expected


@pytest.mark.parametrize("name", ["D.R.A.M.", "Chloë Marsh", "Kelso & Marr", "Made-It"])
def test_names_and_titles_agree_on_one_text(name: str) -> None:
    """A name used as a title folds exactly as the name does ("D.R.A.M." is "dram" in both)."""
    assert normalize_name(name) == normalize_title(name) == comparable_title(name)


@pytest.mark.parametrize(
    ("title", "song", "recording"),
    [
        ("Yellow - Live at Glastonbury", "Yellow", "Yellow - Live at Glastonbury"),
        ("Blinding Lights - Radio Edit", "Blinding Lights - Radio Edit", "Blinding Lights"),
        ("Stay (Explicit)", "Stay (Explicit)", "Stay"),
        ("Heroes (2017 Remaster)", "Heroes", "Heroes"),
        ("Song (feat. X) [Prod. by Y]", "Song", "Song"),
        ("Song (Kaito Mercer Remix)", "Song (Kaito Mercer Remix)", "Song (Kaito Mercer Remix)"),
        ("Dancing with Myself", "Dancing with Myself", "Dancing with Myself"),
    ],
)
def test_one_title_cleaner_at_two_levels(title: str, song: str, recording: str) -> None:
    """A live take is the same song but another recording; an edit is the same recording but
    its own song row; remasters, features and producer marks are neither."""
    assert clean_title(title) == song
    assert clean_title(title, TitleLevel.RECORDING) == recording


@pytest.mark.parametrize(
    ("first", "second", "low", "high"),
    [
        ("Chloë Marsh", "chloe marsh", 1.0, 1.0),
        ("Marsh Chloe", "Chloe Marsh", 1.0, 1.0),
        ("Satellite Heart", "Satelite Heart", 0.9, 0.99),
        ("Metro", "Metro Boomin", 0.0, 0.7),
        ("", "Metro", 0.0, 0.0),
    ],
)
def test_one_similarity(first: str, second: str, low: float, high: float) -> None:
    """similarity() compares folds, ignores word order, and never scores containment as equal."""
    assert low <= similarity(first, second) <= high
