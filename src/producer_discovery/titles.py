"""Track titles: the normalised key that makes one song on several editions one row.

`normalise_title()` removes markers that do not change which song it is, then folds the rest:

    stripped (same song)                           kept (a different recording)
    (feat. X) [ft. X] (with X) feat. X (at end)   - Kaito Mercer Remix, (Remix)
    - 2019 Remaster, - Remastered 2011, (Remastered), - Acoustic, (Acoustic Version)
    (Deluxe Edition), - Anniversary Edition        - Instrumental, (Demo)
    (Live at Wembley), - Live, - Live at …         - Radio Edit, (Single Edit)
    (Prod. by X), [prod. X & Y], - Prod. by X     (Karaoke Version), anything unrecognised
    (Bonus Track), - Bonus Track

A remaster, a deluxe reissue or a live performance is the same song, credited to the same
producers; a remix, an acoustic take, an instrumental or an edit is a new recording with its
own credits, so it keeps its own row. `with` is only a feature marker inside brackets
("Dancing with Myself" keeps its word).

Folding: Unicode NFKD, accents (the combining *diacritical* mark blocks) dropped, NFC again,
casefold, `&` → `and`, apostrophes removed, any other punctuation → a space, spaces collapsed.
Only diacritics are dropped, so marks that are part of other scripts survive (Japanese
dakuten: "ありがとう" stays itself) and Hangul syllables recompose; letters of every script
are kept. A title made only of markers or punctuation falls back to a folding of the whole
title, so no title becomes "".

`producer_names_in_title()` reads "(Prod. by X)" markers, a low-confidence producer credit.
Inside such a marker `&`, `,` and ` and ` separate people ("prod. X & Y" is two producers);
` x ` does not, because it also occurs inside names.
"""

from __future__ import annotations

import re
import unicodedata

_FEATURE = r"(?:feat\.?|ft\.?|featuring|with)\s"
_PRODUCER = r"prod(?:uced)?\.?(?:\s*by)?\s"
_REMASTER = r"(?:\d{4}\s+)?(?:digital(?:ly)?\s+)?remaster(?:ed)?(?:\s+\d{4})?(?:\s+version)?"
_EDITION = r"(?:deluxe|[\w\s']*\bedition\b)"
_LIVE = r"live\b"
_BONUS = r"bonus(?:\s+track)?"

_MARKER = rf"(?:{_FEATURE}|{_PRODUCER}|{_LIVE}|{_BONUS}|{_REMASTER}|{_EDITION})"
_BRACKETED_MARKER = re.compile(rf"\s*[(\[]\s*{_MARKER}[^)\]]*[)\]]", re.IGNORECASE)
_DASH_MARKER = re.compile(rf"\s+[-–—]\s+{_MARKER}(?:(?!\s[-–—]\s)[^()\[\]])*$", re.IGNORECASE)
_TRAILING_FEATURE = re.compile(r"\s+(?:feat\.?|ft\.?|featuring)\s.*$", re.IGNORECASE)

_PRODUCER_MARKER = re.compile(
    rf"(?:[(\[]\s*{_PRODUCER}\s*(?P<bracketed>[^)\]]+)[)\]]|\s[-–—]\s+{_PRODUCER}\s*(?P<dashed>[^()\[\]]+)$)",
    re.IGNORECASE,
)
_NAME_SEPARATOR = re.compile(r"\s*(?:&|,|\band\b)\s*", re.IGNORECASE)

_APOSTROPHES = re.compile(r"['’ʼ`´]")
_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_WORD_CATEGORIES = ("L", "M", "N")  # letters, marks (vowel signs, virama), numbers


def normalise_title(title: str) -> str:
    """The matching key of a track title (see the module docstring for what is stripped)."""
    folded = _fold(strip_markers(title))
    return folded or _fold(title) or title.strip().casefold()


def strip_markers(title: str) -> str:
    """The title without feature, producer, remaster, edition, live and bonus markers."""
    previous = None
    stripped = title
    while stripped != previous:
        previous = stripped
        stripped = _BRACKETED_MARKER.sub("", stripped)
        stripped = _DASH_MARKER.sub("", stripped)
        stripped = _TRAILING_FEATURE.sub("", stripped)
    return stripped.strip()


def producer_names_in_title(title: str) -> list[str]:
    """Names credited by "(Prod. by X)", "[prod. X & Y]" or "- Prod. by X" markers, in order."""
    names: list[str] = []
    for match in _PRODUCER_MARKER.finditer(title):
        credited = match.group("bracketed") or match.group("dashed")
        for name in _NAME_SEPARATOR.split(credited.strip()):
            if name and name not in names:
                names.append(name)
    return names


def _fold(text: str) -> str:
    without_accents = _DIACRITICS.sub("", unicodedata.normalize("NFKD", text))
    folded = unicodedata.normalize("NFC", without_accents).casefold()
    folded = folded.replace("&", " and ")
    folded = _APOSTROPHES.sub("", folded)
    spaced = "".join(
        char if unicodedata.category(char).startswith(_WORD_CATEGORIES) else " " for char in folded
    )
    return " ".join(spaced.split())
