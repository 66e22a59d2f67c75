"""Text for matching: one fold, one title cleaner, one similarity. Display text is never touched.

`fold(text)` is the one normal form of names and titles:

1. Unicode NFKD, then the Latin combining diacritics are dropped ("Chloë" → "chloe",
   "Șerban" → "serban"). Only the diacritic blocks are dropped: the vowel signs of Indic
   scripts and the Japanese voicing marks are letters' parts, not accents;
2. casefold; `&` becomes "and" ("Kelso & Marr" → "kelso and marr");
3. dash and connector punctuation (`-`, `_`, `/`) separate words ("Made-It" → "made it");
   every other punctuation mark or symbol is dropped ("O'Neil" → "oneil", "D.R.A.M." → "dram");
4. whitespace is collapsed and the result is NFC-composed, so Hangul stays in syllables.

Letters of every script survive ("СЛАВА МАРЛОУ" → "слава марлоу"): nothing is transliterated.
A text made only of symbols keeps its case-folded self rather than becoming empty.

`normalize_name(name)` is the key producers are matched and stored under (`normalized_name`):
the fold of the name without its Discogs disambiguation suffix ("John Smith (3)").

`clean_title(title, level)` removes the markers that do not change what a title names:

    marker                                        SONG (one row per song)   RECORDING (same take)
    (feat. X) [ft. X] (with X) feat. X (at end)   stripped                  stripped
    (Prod. by X), [prod. X & Y], - Prod. by X     stripped                  stripped
    - 2019 Remaster, (Remastered), (Deluxe …),    stripped                  stripped
    - Anniversary Edition, (Bonus Track)
    (Live at Wembley), - Live                     stripped                  kept: another take
    - Radio Edit, (Explicit), - Single Version,   kept: another recording   stripped: same take
    (Clean), - Album Version, (Mono), (Stereo)
    - X Remix, (Acoustic), - Instrumental, (Demo) kept                      kept

A remaster, a deluxe reissue or a live performance is the same *song*, credited to the same
producers; a remix, an acoustic take or an edit is a new row. When matching a provider's
*recording*, a live take is another recording while an explicit or radio edit is the same one.
`with` is a feature marker only inside brackets ("Dancing with Myself" keeps its word).

`normalize_title` (the `normalized_tracks` key) and `comparable_title` (matching providers'
recordings) are the fold of the cleaned title. `similarity` compares two texts by their folds,
ignoring word order, from 0 to 1.

`producer_names_in_title()` reads "(Prod. by X)" markers, a low-confidence producer credit.
Inside such a marker `&`, `,` and ` and ` separate people ("prod. X & Y" is two producers);
` x ` does not, because it also occurs inside names.

`display_name` is the name to show: as credited (diacritics kept); for Discogs the release's
name variation (`anv`) wins over the artist's canonical name.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum

from rapidfuzz import fuzz

DISCOGS_SUFFIX = re.compile(r"\s*\(\d+\)\s*$")
WHITESPACE = re.compile(r"\s+")

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


class TitleLevel(Enum):
    SONG = "song"
    RECORDING = "recording"


FEATURE = r"(?:feat\.?|ft\.?|featuring|with)\s"
PRODUCER = r"prod(?:uced)?\.?(?:\s*by)?\s"
REMASTER = r"(?:\d{4}\s+)?(?:digital(?:ly)?\s+)?remaster(?:ed)?(?:\s+\d{4})?(?:\s+version)?"
EDITION = r"(?:deluxe|[\w\s']*\bedition\b)"
BONUS = r"bonus(?:\s+track)?"
LIVE = r"live\b"
SAME_TAKE = r"(?:explicit|clean|radio\s+edit|single\s+version|album\s+version|mono|stereo)\b"
MARKERS = {
    TitleLevel.SONG: rf"(?:{FEATURE}|{PRODUCER}|{LIVE}|{BONUS}|{REMASTER}|{EDITION})",
    TitleLevel.RECORDING: rf"(?:{FEATURE}|{PRODUCER}|{SAME_TAKE}|{BONUS}|{REMASTER}|{EDITION})",
}
BRACKETED_MARKER = {
    level: re.compile(rf"\s*[(\[]\s*{marker}[^)\]]*[)\]]", re.IGNORECASE)
    for level, marker in MARKERS.items()
}
DASH_MARKER = {
    level: re.compile(rf"\s+[-–—]\s+{marker}(?:(?!\s[-–—]\s)[^()\[\]])*$", re.IGNORECASE)
    for level, marker in MARKERS.items()
}
TRAILING_FEATURE = re.compile(r"\s+(?:feat\.?|ft\.?|featuring)\s.*$", re.IGNORECASE)

PRODUCER_MARKER = re.compile(
    rf"(?:[(\[]\s*{PRODUCER}\s*(?P<bracketed>[^)\]]+)[)\]]|\s[-–—]\s+{PRODUCER}\s*(?P<dashed>[^()\[\]]+)$)",
    re.IGNORECASE,
)
NAME_SEPARATOR = re.compile(r"\s*(?:&|,|\band\b)\s*", re.IGNORECASE)


# Folding -----------------------------------------------------------------------------------
def is_diacritic(character: str) -> bool:
    """True for a combining mark from the diacritic blocks (accents, cedillas, umlauts…)."""
    code_point = ord(character)
    return any(start <= code_point <= end for start, end in DIACRITIC_RANGES)


def clean_character(character: str) -> str:
    """One character of the fold: a space for word separators, nothing for other
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


def fold(text: str) -> str:
    """The one normal form of names and titles (see the module docstring)."""
    decomposed = unicodedata.normalize("NFKD", text)
    undecorated = "".join(c for c in decomposed if not is_diacritic(c))
    folded = undecorated.casefold().replace("&", " and ")
    cleaned = collapse_spaces("".join(clean_character(c) for c in folded))
    if not cleaned:
        return collapse_spaces(folded)
    return unicodedata.normalize("NFC", cleaned)


def similarity(first: str, second: str) -> float:
    """Similarity of two texts from 0 to 1, over their folds.

    Word order is ignored ("Smith John" ≈ "John Smith") but, unlike partial or weighted
    ratios, a text is not "similar" to a longer one that merely contains it.
    """
    first_key, second_key = fold(first), fold(second)
    if not first_key or not second_key:
        return 0.0
    return fuzz.token_sort_ratio(first_key, second_key) / 100.0


# Names -------------------------------------------------------------------------------------
def strip_discogs_suffix(name: str) -> str:
    """Remove Discogs' numeric disambiguation suffix: "John Smith (3)" → "John Smith"."""
    return DISCOGS_SUFFIX.sub("", name).strip()


def display_name(name: str, name_variation: str | None = None) -> str:
    """The name to show for a credit: the release's name variation (Discogs `anv`) when it is
    given, else the canonical name without its Discogs suffix."""
    if name_variation and name_variation.strip():
        return name_variation.strip()
    return strip_discogs_suffix(name)


def normalize_name(name: str) -> str:
    """The matching key of a person's name."""
    return fold(strip_discogs_suffix(name))


# Titles ------------------------------------------------------------------------------------
def clean_title(title: str, level: TitleLevel = TitleLevel.SONG) -> str:
    """The title without the markers that `level` ignores (see the module docstring)."""
    previous = None
    cleaned = title
    while cleaned != previous:
        previous = cleaned
        cleaned = BRACKETED_MARKER[level].sub("", cleaned)
        cleaned = DASH_MARKER[level].sub("", cleaned)
        cleaned = TRAILING_FEATURE.sub("", cleaned)
    return cleaned.strip()


def normalize_title(title: str) -> str:
    """The matching key of a song: the same for its editions, remasters and live takes."""
    return fold(clean_title(title)) or fold(title) or title.strip().casefold()


def comparable_title(title: str) -> str:
    """The matching key of a recording: a live take or a remix is never the studio one."""
    return fold(clean_title(title, TitleLevel.RECORDING)) or fold(title)


def producer_names_in_title(title: str) -> list[str]:
    """Names credited by "(Prod. by X)", "[prod. X & Y]" or "- Prod. by X" markers, in order."""
    names: list[str] = []
    for match in PRODUCER_MARKER.finditer(title):
        credited = match.group("bracketed") or match.group("dashed")
        for name in NAME_SEPARATOR.split(credited.strip()):
            if name and name not in names:
                names.append(name)
    return names
