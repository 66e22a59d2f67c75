"""Name normalization: the key producers are matched and stored under."""

from __future__ import annotations

import pytest

from producer_discovery.text import (
    comparable_title,
    display_name,
    normalize_name,
    similarity,
    strip_discogs_suffix,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kelso & Marr", "kelso and marr"),
        ("Shampoo Press & Curl", "shampoo press and curl"),
        ("O'Neil", "oneil"),
        ("Dev O’Neil", "dev oneil"),
        ("Chloë Marsh", "chloe marsh"),
        ("Șerban Ghenea", "serban ghenea"),
        ("Ñengo Flow", "nengo flow"),
        ("John Smith (2)", "john smith"),
        ("Mike WiLL Made-It", "mike will made it"),
        ("D.R.A.M.", "dram"),
        ("!llmind", "llmind"),
        ("  Metro   Boomin  ", "metro boomin"),
        ("ＫＥＬＳＯ", "kelso"),
    ],
)
def test_normalize_name_follows_the_documented_recipe(name: str, expected: str) -> None:
    """Diacritics, case, "&", apostrophes, dashes and Discogs suffixes fold as documented."""
    assert normalize_name(name) == expected


def test_accented_and_plain_spellings_share_one_key() -> None:
    """ "Chloë" and "Chloe" are the same person to the matcher."""
    assert normalize_name("Chloë") == normalize_name("Chloe") == normalize_name("CHLOE")


def test_apostrophe_variants_share_one_key() -> None:
    """Straight and curly apostrophes, or none, give the same key."""
    assert normalize_name("O'Neil") == normalize_name("O’Neil") == normalize_name("ONeil")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("СЛАВА МАРЛОУ", "слава марлоу"),
        ("방탄소년단", "방탄소년단"),
        ("ビートルズ", "ビートルズ"),
        ("राहुल", "राहुल"),
        ("夜行列車", "夜行列車"),
    ],
)
def test_non_latin_names_keep_their_letters(name: str, expected: str) -> None:
    """Other scripts are case-folded but never emptied, voicing marks and vowel signs kept."""
    assert normalize_name(name) == expected


def test_a_name_of_symbols_only_does_not_become_empty() -> None:
    """A name made only of punctuation keeps its folded text rather than an empty key."""
    assert normalize_name("!!!") == "!!!"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("John Smith (2)", "John Smith"),
        ("John Smith (12) ", "John Smith"),
        ("John Smith (UK)", "John Smith (UK)"),
        ("(2) Many", "(2) Many"),
        ("Plain", "Plain"),
    ],
)
def test_strip_discogs_suffix_removes_only_a_trailing_number(name: str, expected: str) -> None:
    """Only Discogs' " (N)" at the end is a disambiguator; other brackets are the name."""
    assert strip_discogs_suffix(name) == expected


def test_display_name_prefers_the_release_name_variation() -> None:
    """A Discogs `anv` is shown as credited; without one, the name loses its suffix."""
    assert display_name("Devon O'Neil (2)", "Dev O'Neil") == "Dev O'Neil"
    assert display_name("Devon O'Neil (2)", "") == "Devon O'Neil"
    assert display_name("Devon O'Neil (2)") == "Devon O'Neil"


def test_similar_ignores_accents_case_and_word_order() -> None:
    """Similarity is computed over normal forms and ignores word order."""
    assert similarity("Chloë Marsh", "chloe marsh") == 1.0
    assert similarity("Marsh Chloe", "Chloe Marsh") == 1.0


def test_similar_does_not_score_a_contained_name_as_equal() -> None:
    """A short name inside a longer one is not a near match ("Metro" vs "Metro Boomin")."""
    assert similarity("Metro", "Metro Boomin") < 0.7
    assert similarity("", "Metro") == 0.0


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Blinding Lights - 2019 Remaster", "blinding lights"),
        ("Satellite Heart (feat. Juno Vale) [Prod. by Kelso & Marr]", "satellite heart"),
        ("Satellite Heart (with Juno Vale)", "satellite heart"),
        ("Satellite Heart (Deluxe Edition) - Radio Edit", "satellite heart"),
        ("Satellite Heart (Kaito Mercer Remix)", "satellite heart kaito mercer remix"),
        ("Satellite Heart - Live at Wembley", "satellite heart live at wembley"),
        ("Dancing With Myself", "dancing with myself"),
    ],
)
def test_comparable_title_drops_decorations_but_keeps_variants(title: str, expected: str) -> None:
    """Feature, producer, remaster and edition marks go; remix and live marks stay."""
    assert comparable_title(title) == expected
