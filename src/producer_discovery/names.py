"""How people's names are compared: one normal form for matching, display names kept as credited.

`normalise_name` is the key producers are matched and stored under (`normalized_name`):

1. a Discogs disambiguation suffix is stripped ("John Smith (3)" → "John Smith");
2. Unicode NFKD, then the Latin combining diacritics are dropped ("Chloë" → "chloe",
   "Șerban" → "serban"). Only the diacritic blocks are dropped: the vowel signs of Indic
   scripts and the Japanese voicing marks are letters' parts, not accents;
3. casefold; `&` becomes "and" ("Kelso & Marr" → "kelso and marr");
4. dash and connector punctuation (`-`, `_`, `/`) separate words ("Made-It" → "made it");
   every other punctuation mark or symbol is dropped ("O'Neil" → "oneil", "D.R.A.M." → "dram");
5. whitespace is collapsed and the result is NFC-composed, so Hangul stays in syllables.

Letters of every script survive ("СЛАВА МАРЛОУ" → "слава марлоу"): nothing is transliterated,
so two spellings in different scripts are different keys. A name made only of symbols keeps
its case-folded text rather than becoming empty.

The display name is always the name as credited (diacritics kept); for Discogs the release's
name variation (`anv`) wins over the artist's canonical name.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

DISCOGS_SUFFIX = re.compile(r"\s*\(\d+\)\s*$")
WHITESPACE = re.compile(r"\s+")
TITLE_DECORATION = (
    r"feat\b|featuring\b|ft\b|with\b|prod\b|produced\b|remaster|deluxe\b|explicit\b|clean\b"
    r"|bonus track\b|radio edit\b|single version\b|album version\b|mono\b|stereo\b"
    r"|\d{4} remaster"
)
DECORATION_IN_BRACKETS = re.compile(rf"[(\[]\s*(?:{TITLE_DECORATION})[^)\]]*[)\]]", re.IGNORECASE)
DECORATION_AFTER_DASH = re.compile(rf"\s[-–—]\s*(?:{TITLE_DECORATION}).*$", re.IGNORECASE)

# Combining Diacritical Marks and their supplements/extensions, for Latin, Greek and Cyrillic.
DIACRITIC_RANGES = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)
WORD_SEPARATOR_CATEGORIES = frozenset({"Pd", "Pc"})  # dashes, underscores
EXTRA_WORD_SEPARATORS = frozenset("/\\|")


def strip_discogs_suffix(name: str) -> str:
    """Remove Discogs' numeric disambiguation suffix: "John Smith (3)" → "John Smith"."""
    return DISCOGS_SUFFIX.sub("", name).strip()


def display_name(name: str, name_variation: str | None = None) -> str:
    """The name to show for a credit: the release's name variation (Discogs `anv`) when it is
    given, else the canonical name without its Discogs suffix."""
    if name_variation and name_variation.strip():
        return name_variation.strip()
    return strip_discogs_suffix(name)


def is_diacritic(character: str) -> bool:
    """True for a combining mark from the diacritic blocks (accents, cedillas, umlauts…)."""
    code_point = ord(character)
    return any(start <= code_point <= end for start, end in DIACRITIC_RANGES)


def clean_character(character: str) -> str:
    """One character of the normal form: a space for word separators, nothing for other
    punctuation and symbols, the character itself otherwise."""
    category = unicodedata.category(character)
    if category in WORD_SEPARATOR_CATEGORIES or character in EXTRA_WORD_SEPARATORS:
        return " "
    if category[0] in "PS":
        return ""
    if category[0] in "ZC":
        return " "
    return character


def collapse_spaces(text: str) -> str:
    """Single spaces between words, none at the ends."""
    return WHITESPACE.sub(" ", text).strip()


def fold_text(text: str) -> str:
    """Steps 2 to 5 of the normal form: no diacritics, case-folded, "&" → "and",
    punctuation dropped, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    undecorated = "".join(c for c in decomposed if not is_diacritic(c))
    folded = undecorated.casefold().replace("&", " and ")
    cleaned = collapse_spaces("".join(clean_character(c) for c in folded))
    if not cleaned:
        return collapse_spaces(folded)
    return unicodedata.normalize("NFC", cleaned)


def normalise_name(name: str) -> str:
    """The matching key of a person's name (see the module docstring for the rules)."""
    return fold_text(strip_discogs_suffix(name))


def comparable_title(title: str) -> str:
    """A track title reduced for telling whether two providers show the same *recording*.

    Decorations that do not change the recording are removed: "(feat. X)", "[ft. X]",
    "(with X)", "(Prod. by X)", "- 2019 Remaster", "(Deluxe Edition)", "- Radio Edit",
    "- Single Version", "(Explicit)"… Variant markers are kept ("(Remix)", "- Live",
    "(Acoustic)"), so a live take or a remix never passes for the studio recording. This is
    stricter than `titles.normalise_title`, whose key groups a song's live versions together.
    """
    undecorated = DECORATION_IN_BRACKETS.sub(" ", title)
    undecorated = DECORATION_AFTER_DASH.sub("", undecorated)
    return fold_text(undecorated)


def similar(first: str, second: str) -> float:
    """Similarity of two names from 0 to 1, over their normal forms.

    Word order is ignored ("Smith John" ≈ "John Smith") but, unlike partial or weighted
    ratios, a name is not "similar" to a longer name that merely contains it.
    """
    first_key, second_key = normalise_name(first), normalise_name(second)
    if not first_key or not second_key:
        return 0.0
    return fuzz.token_sort_ratio(first_key, second_key) / 100.0
