"""Title normalization: one song on several editions is one key; other recordings stay apart."""

from __future__ import annotations

import pytest

from producer_discovery.text import normalize_title, producer_names_in_title

SAME_SONG_SHAPES = [
    # featured artists
    ("Satellite Heart (feat. Juno Vale)", "satellite heart"),
    ("Satellite Heart [feat. Juno Vale]", "satellite heart"),
    ("Satellite Heart (ft. Juno Vale)", "satellite heart"),
    ("Satellite Heart (Featuring Juno Vale & Nova Reys)", "satellite heart"),
    ("Overpass Lullaby (with Juno Vale)", "overpass lullaby"),
    ("Satellite Heart feat. Juno Vale", "satellite heart"),
    ("Satellite Heart ft. Juno Vale", "satellite heart"),
    # remasters and reissues
    ("Neon Cathedral - 2019 Remaster", "neon cathedral"),
    ("Let It Be - Remastered 2009", "let it be"),
    ("Heroes (Remastered)", "heroes"),
    ("Heroes (2017 Remaster)", "heroes"),
    ("Space Oddity - 2009 Digital Remaster", "space oddity"),
    ("Wish You Were Here - Remastered Version", "wish you were here"),
    ("Neon Cathedral (Deluxe Edition)", "neon cathedral"),
    ("Neon Cathedral - Deluxe Edition", "neon cathedral"),
    ("Neon Cathedral (Deluxe)", "neon cathedral"),
    ("Thriller (25th Anniversary Edition)", "thriller"),
    ("Stay (Deluxe Version) - 2019 Remaster", "stay"),
    # live performances
    ("Yellow (Live at Glastonbury 2016)", "yellow"),
    ("Yellow - Live at Glastonbury", "yellow"),
    ("Yellow - Live", "yellow"),
    # producer and bonus markers
    ("Paper Moons (Prod. by Kaito Mercer)", "paper moons"),
    ("Glass Coast [prod. Kaito Mercer & Lena Ortiz]", "glass coast"),
    ("Mask Off (prod. Metro Boomin)", "mask off"),
    ("Paper Moons - Prod. by Kaito Mercer", "paper moons"),
    ("Afterglow - Bonus Track", "afterglow"),
    ("Afterglow (Bonus Track)", "afterglow"),
    ("Song - 2011 Remaster (feat. Juno Vale) [Prod. by Lena Ortiz]", "song"),
]

DIFFERENT_RECORDING_SHAPES = [
    ("Satellite Heart - Kaito Mercer Remix", "satellite heart kaito mercer remix"),
    ("Satellite Heart (Kaito Mercer Remix)", "satellite heart kaito mercer remix"),
    ("Satellite Heart - Acoustic", "satellite heart acoustic"),
    ("Postcards - Instrumental", "postcards instrumental"),
    ("Blinding Lights - Radio Edit", "blinding lights radio edit"),
    ("Cassette Ghosts (Demo)", "cassette ghosts demo"),
    ("Neon Cathedral (Karaoke Version)", "neon cathedral karaoke version"),
]

FOLDING_SHAPES = [
    ("Dancing with Myself", "dancing with myself"),
    ("Live Forever", "live forever"),
    ("Holy Water, Chrome Rain", "holy water chrome rain"),
    ("Don't Stop Me Now", "dont stop me now"),
    ("Corridor’s End", "corridors end"),
    ("Rock & Roll", "rock and roll"),
    ("Señorita Neón", "senorita neon"),
    ("Rêverie Électrique", "reverie electrique"),
    ("Two-Way Mirror", "two way mirror"),
    ("HUMBLE.", "humble"),
    ("Straße", "strasse"),
    ("ﬁre", "fire"),
    ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
    ("  Lots   of   Spaces  ", "lots of spaces"),
    ("Room 101 (Prod. by Lena Ortiz)", "room 101"),
]

NON_LATIN_SHAPES = [
    ("夜行列車", "夜行列車"),
    ("ありがとう", "ありがとう"),
    ("사랑해 (feat. Juno Vale)", "사랑해"),
    ("Группа крови (Remastered)", "группа крови"),
    ("Ёлка", "елка"),
    ("नमस्ते", "नमस्ते"),
    ("حبيبي - Live", "حبيبي"),
]


@pytest.mark.parametrize(("title", "expected"), SAME_SONG_SHAPES)
def test_edition_feature_and_producer_markers_are_stripped(title: str, expected: str) -> None:
    """Markers that do not change the song are removed from the key."""
    assert normalize_title(title) == expected


@pytest.mark.parametrize(("title", "expected"), DIFFERENT_RECORDING_SHAPES)
def test_remixes_edits_and_versions_stay_distinct(title: str, expected: str) -> None:
    """A remix, acoustic take, instrumental, edit or demo keeps its own key."""
    assert normalize_title(title) == expected


@pytest.mark.parametrize(("title", "expected"), FOLDING_SHAPES)
def test_case_accents_and_punctuation_are_folded(title: str, expected: str) -> None:
    """Case, accents, punctuation and spacing do not change the key."""
    assert normalize_title(title) == expected


@pytest.mark.parametrize(("title", "expected"), NON_LATIN_SHAPES)
def test_non_latin_titles_keep_their_letters(title: str, expected: str) -> None:
    """Titles in other scripts keep their letters and marks and never become empty."""
    assert normalize_title(title) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [("(Live)", "live"), ("[Bonus Track]", "bonus track"), ("???", "???")],
)
def test_a_title_made_only_of_markers_is_never_empty(title: str, expected: str) -> None:
    """When stripping leaves nothing, the whole title is folded instead."""
    assert normalize_title(title) == expected


def test_every_edition_of_one_song_shares_one_key() -> None:
    """Original, remaster, deluxe, featured and produced-by titles give one key."""
    editions = [
        "Neon Cathedral",
        "Neon Cathedral - 2019 Remaster",
        "Neon Cathedral (Deluxe Edition)",
        "Neon Cathedral (feat. Juno Vale)",
        "Neon Cathedral [Prod. by Kaito Mercer]",
        "NEON CATHEDRAL - Live at the Roundhouse",
    ]
    assert {normalize_title(title) for title in editions} == {"neon cathedral"}


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Paper Moons (Prod. by Kaito Mercer)", ["Kaito Mercer"]),
        ("Glass Coast [prod. Kaito Mercer & Lena Ortiz]", ["Kaito Mercer", "Lena Ortiz"]),
        ("Mask Off (prod. Metro Boomin)", ["Metro Boomin"]),
        ("Song (Produced by Ana, Ben and Cleo)", ["Ana", "Ben", "Cleo"]),
        ("Song [Prod.By Pi'erre Bourne]", ["Pi'erre Bourne"]),
        ("Song - Prod. by Kaito Mercer", ["Kaito Mercer"]),
        ("Song (prod. Metro Boomin x Southside)", ["Metro Boomin x Southside"]),
        ("Song (feat. Juno Vale) (Prod. by Lena Ortiz)", ["Lena Ortiz"]),
        (
            "Song (Prod. by Lena Ortiz) [prod. Lena Ortiz & Kaito Mercer]",
            ["Lena Ortiz", "Kaito Mercer"],
        ),
        ("Song (Prod. by Anderson Beats)", ["Anderson Beats"]),
    ],
)
def test_producer_names_are_read_from_prod_markers(title: str, expected: list[str]) -> None:
    """Each name in a prod. marker is returned once; &, comma and 'and' separate names."""
    assert producer_names_in_title(title) == expected


@pytest.mark.parametrize(
    "title",
    ["Satellite Heart (feat. Juno Vale)", "Product Placement", "Song (Prodigy Remix)", "Prod"],
)
def test_titles_without_prod_markers_name_no_producer(title: str) -> None:
    """Words that merely start with 'prod' are not producer credits."""
    assert producer_names_in_title(title) == []
