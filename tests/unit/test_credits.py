"""Producer credits from Genius, MusicBrainz, Discogs and titles, and their fusion."""

from __future__ import annotations

import json
from typing import Any

import pytest

from producer_discovery.identification.credits import Credit, production_role
from producer_discovery.identification.discogs import (
    discogs_release_credits,
    discogs_roles,
    positions_in,
)
from producer_discovery.identification.fusion import fuse
from producer_discovery.identification.genius import genius_hit_matches, genius_song_credits
from producer_discovery.identification.musicbrainz import (
    musicbrainz_recording_credits,
    musicbrainz_release_track_credits,
)
from producer_discovery.identification.release_tracks import match_release_track
from producer_discovery.identification.title import title_credits
from producer_discovery.sources import credit_sources

RANKING = tuple(source.name for source in credit_sources())  # genius, musicbrainz, …

# Genius ----------------------------------------------------------------------------------


def genius_artist(artist_id: int, name: str) -> dict[str, Any]:
    slug = name.replace(" ", "-")
    return {
        "api_path": f"/artists/{artist_id}",
        "header_image_url": f"https://images.genius.com/{artist_id}.1000x1000x1.jpg",
        "id": artist_id,
        "image_url": f"https://images.genius.com/{artist_id}.1000x1000x1.jpg",
        "is_meme_verified": False,
        "is_verified": False,
        "name": name,
        "url": f"https://genius.com/artists/{slug}",
    }


def performance(label: str, *artists: dict[str, Any]) -> dict[str, Any]:
    return {"label": label, "artists": list(artists)}


GENIUS_SONG: dict[str, Any] = {
    "id": 7310001,
    "title": "Satellite Heart",
    "full_title": "Satellite Heart by Nova Reyes (Ft. Juno Vale)",
    "artist_names": "Nova Reyes (Ft. Juno Vale)",
    "primary_artist": genius_artist(101, "Nova Reyes"),
    "featured_artists": [genius_artist(102, "Juno Vale")],
    "producer_artists": [genius_artist(201, "Kelso & Marr")],
    "writer_artists": [genius_artist(101, "Nova Reyes"), genius_artist(203, "Ava Lindqvist")],
    "custom_performances": [
        performance("Co-Producer", genius_artist(202, "Dev O'Neil")),
        performance("Additional Production", genius_artist(204, "Chloë Marsh")),
        performance("Vocal Producer", genius_artist(204, "Chloë Marsh")),
        performance("Executive Producer", genius_artist(205, "Rafe Holloway")),
        performance("Mixing Engineer", genius_artist(206, "Șerban Ghenea")),
        performance("Recording Engineer", genius_artist(207, "Mara Quist")),
        performance("Production Coordinator", genius_artist(208, "Lee Tamsin")),
        performance("Guitar", genius_artist(209, "Ola Brandt")),
        performance("Label", genius_artist(300, "Orbit Records")),
    ],
    "description": {"plain": "Produced by Kelso & Marr."},
}


def roles_by_name(credits: list[Credit]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for credit in credits:
        found.setdefault(credit.name, set()).add(credit.role)
    return found


def test_genius_team_named_with_ampersand_stays_one_credit() -> None:
    """ "Kelso & Marr" in producer_artists is one team, not two people."""
    team = [c for c in genius_song_credits(GENIUS_SONG) if c.source_id == "201"]
    assert [(c.name, c.normalized_name, c.role) for c in team] == [
        ("Kelso & Marr", "kelso and marr", "producer")
    ]
    assert team[0].confidence == 0.85


def test_genius_custom_performances_map_to_production_roles() -> None:
    """Co-, additional, vocal and executive production labels become their roles."""
    assert roles_by_name(genius_song_credits(GENIUS_SONG)) == {
        "Kelso & Marr": {"producer"},
        "Dev O'Neil": {"co-producer"},
        "Chloë Marsh": {"additional producer", "vocal producer"},
        "Rafe Holloway": {"executive producer"},
    }


def test_genius_writers_featured_engineers_and_labels_are_never_credits() -> None:
    """Writers, featured artists, engineers, instruments, labels and coordinators are left out."""
    names = {credit.name for credit in genius_song_credits(GENIUS_SONG)}
    for outsider in (
        "Nova Reyes",
        "Juno Vale",
        "Ava Lindqvist",
        "Șerban Ghenea",
        "Mara Quist",
        "Lee Tamsin",
        "Ola Brandt",
        "Orbit Records",
    ):
        assert outsider not in names


def test_executive_producer_is_kept_but_does_not_count_as_producer() -> None:
    """An executive producer credit is evidence, never a producing role."""
    executive = [c for c in genius_song_credits(GENIUS_SONG) if c.name == "Rafe Holloway"]
    assert [(c.role, c.counts_as_producer, c.role_label) for c in executive] == [
        ("executive producer", False, "Executive Producer")
    ]


def test_genius_song_with_only_a_co_producer_performance_still_has_a_credit() -> None:
    """Empty producer_artists plus a "Co-Producer" performance gives one co-producer."""
    song = {
        "producer_artists": [],
        "writer_artists": [],
        "custom_performances": [performance("Co-Producer", genius_artist(202, "Dev O'Neil"))],
    }
    assert [(c.name, c.role, c.confidence) for c in genius_song_credits(song)] == [
        ("Dev O'Neil", "co-producer", 0.8)
    ]


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("Producer", "producer"),
        ("Produced By", "producer"),
        ("Co-Producer", "co-producer"),
        ("Coproducer", "co-producer"),
        ("Co-Production", "co-producer"),
        ("Additional Production", "additional producer"),
        ("Additional Producer(s)", "additional producer"),
        ("Assistant Producer", "assistant producer"),
        ("Associate Producer", "associate producer"),
        ("Vocal Producer", "vocal producer"),
        ("Executive Producer", "executive producer"),
        ("Executive-Producer", "executive producer"),
        ("Co-Executive Producer", "executive producer"),
        ("Music Producer", "producer"),
        ("Mixing Engineer", None),
        ("Production Coordinator", None),
        ("Post Production", None),
        ("Written-By", None),
        ("Guitar", None),
        ("Label", None),
    ],
)
def test_production_role_reads_free_text_labels(label: str, role: str | None) -> None:
    """Only labels naming production map to a role; others map to None."""
    assert production_role(label) == role


# Genius search hits ----------------------------------------------------------------------


def search_hit(song_id: int, title: str, artist: dict[str, Any]) -> dict[str, Any]:
    return {
        "highlights": [],
        "index": "song",
        "type": "song",
        "result": {
            "id": song_id,
            "title": title,
            "full_title": f"{title} by {artist['name']}",
            "artist_names": artist["name"],
            "primary_artist": artist,
            "url": f"https://genius.com/songs/{song_id}",
        },
    }


NOVA = genius_artist(101, "Nova Reyes")
RIGHT_HIT = search_hit(7310001, "Satellite Heart", NOVA)


@pytest.mark.parametrize(
    "decoy",
    [
        search_hit(7310002, "Satellite Heart (Kaito Mercer Remix)", NOVA),
        search_hit(7310003, "Satellite Heart (Live)", NOVA),
        search_hit(7310004, "Satellite Heart - Acoustic", NOVA),
        search_hit(7310005, "Satellite Heart", genius_artist(110, "Halcyon Drift")),
        search_hit(7310006, "Satellite Heart", genius_artist(111, "Nova Reyes Tribute")),
        search_hit(7310007, "Satellite Heart", genius_artist(112, "Nova Reys")),
        search_hit(
            7310008, "Satellite Heart (Tribute to Nova Reyes)", genius_artist(113, "Piano Dreams")
        ),
        search_hit(7310009, "Paper Moons", NOVA),
    ],
)
def test_genius_decoy_hits_are_rejected(decoy: dict[str, Any]) -> None:
    """Remixes, live takes, other or tribute artists and other songs never match."""
    assert genius_hit_matches(decoy, "Satellite Heart", "Nova Reyes", 0.85) is None


@pytest.mark.parametrize(
    ("title", "artist"),
    [
        ("Satellite Heart", "Nova Reyes"),
        ("Satellite Heart (feat. Juno Vale)", "Nova Reyes"),
        ("Satellite Heart - 2019 Remaster", "NOVA REYES"),
        ("Satellite Heart [Prod. by Kelso & Marr]", "Nova Reyes"),
    ],
)
def test_genius_right_hit_is_accepted_with_its_score(title: str, artist: str) -> None:
    """The same song by the same artist matches, whatever decorations the track carries."""
    assert genius_hit_matches(RIGHT_HIT, title, artist, 0.85) == 1.0


def test_genius_remix_hit_matches_the_remix_track() -> None:
    """A remix track matches the remix page, and not the original."""
    remix = search_hit(7310002, "Satellite Heart (Kaito Mercer Remix)", NOVA)
    assert genius_hit_matches(remix, "Satellite Heart - Kaito Mercer Remix", "Nova Reyes", 0.85)
    assert (
        genius_hit_matches(RIGHT_HIT, "Satellite Heart - Kaito Mercer Remix", "Nova Reyes", 0.85)
        is None
    )


def test_genius_near_title_passes_only_above_the_threshold() -> None:
    """A small spelling difference in the title is scored, and the threshold decides."""
    typo = search_hit(7310010, "Satelite Heart", NOVA)
    score = genius_hit_matches(typo, "Satellite Heart", "Nova Reyes", 0.85)
    assert score is not None
    assert 0.85 <= score < 1.0
    assert genius_hit_matches(typo, "Satellite Heart", "Nova Reyes", 0.99) is None


# Titles ----------------------------------------------------------------------------------


def test_title_credits_are_low_confidence_and_without_ids() -> None:
    """Names from "(Prod. by …)" become producer credits at 0.4, once each."""
    credits = title_credits(["Kelso & Marr", "Dev O'Neil", "Kelso & Marr", " "])
    assert [(c.name, c.source, c.source_id, c.confidence) for c in credits] == [
        ("Kelso & Marr", "title", None, 0.4),
        ("Dev O'Neil", "title", None, 0.4),
    ]


# MusicBrainz -----------------------------------------------------------------------------
RECORDING_PRODUCER = "5c0ceac3-feb4-41f0-868d-dc06f6e27fc0"
RELEASE_PRODUCER = "8bf377ba-8d71-4ecc-97f2-7bb2d8a2a75f"
KELSO_MBID = "0b6f3a52-4c1e-4d2a-9d0e-1f2a3b4c5d01"
DEV_MBID = "0b6f3a52-4c1e-4d2a-9d0e-1f2a3b4c5d02"
CHLOE_MBID = "0b6f3a52-4c1e-4d2a-9d0e-1f2a3b4c5d03"
RAFE_MBID = "0b6f3a52-4c1e-4d2a-9d0e-1f2a3b4c5d04"


def mb_relation(
    kind: str, type_id: str, mbid: str, name: str, attributes: list[str], credited: str = ""
) -> dict[str, Any]:
    return {
        "begin": None,
        "end": None,
        "ended": False,
        "type": kind,
        "type-id": type_id,
        "direction": "backward",
        "target-type": "artist",
        "attributes": attributes,
        "attribute-ids": {},
        "attribute-values": {},
        "source-credit": "",
        "target-credit": credited,
        "artist": {
            "id": mbid,
            "name": name,
            "sort-name": name,
            "disambiguation": "",
            "type": "Person",
            "type-id": "b6e035f4-3ce9-331c-97df-83397230b0df",
        },
    }


RECORDING: dict[str, Any] = {
    "id": "5e1f9c7a-1111-4a2b-8c3d-000000000001",
    "title": "Satellite Heart",
    "length": 215000,
    "disambiguation": "",
    "video": False,
    "isrcs": ["QZES72400001"],
    "relations": [
        mb_relation("producer", RECORDING_PRODUCER, KELSO_MBID, "Kelso & Marr", []),
        mb_relation("producer", RECORDING_PRODUCER, DEV_MBID, "Devon O'Neil", ["co"], "Dev O'Neil"),
        mb_relation("producer", RECORDING_PRODUCER, CHLOE_MBID, "Chloë Marsh", ["additional"]),
        mb_relation("producer", RECORDING_PRODUCER, RAFE_MBID, "Rafe Holloway", ["executive"]),
        mb_relation(
            "mix",
            "3e3102e1-1896-4f50-b5b2-dd9824e46efe",
            "9a9a9a9a-0000-4000-8000-000000000006",
            "Șerban Ghenea",
            [],
        ),
        mb_relation(
            "engineer",
            "5dcc52af-7064-4051-8d62-7d80f4c3c907",
            "9a9a9a9a-0000-4000-8000-000000000007",
            "Mara Quist",
            [],
        ),
    ],
}


def test_musicbrainz_attributes_map_to_roles() -> None:
    """co → co-producer, additional → additional producer, executive → not a producer."""
    credits = musicbrainz_recording_credits(RECORDING)
    assert [(c.source_id, c.role, c.counts_as_producer, c.attributes) for c in credits] == [
        (KELSO_MBID, "producer", True, ()),
        (DEV_MBID, "co-producer", True, ("co",)),
        (CHLOE_MBID, "additional producer", True, ("additional",)),
        (RAFE_MBID, "executive producer", False, ("executive",)),
    ]


def test_musicbrainz_shows_the_credited_name_and_matches_on_the_artist_name() -> None:
    """`target-credit` is the name shown; the artist's own name is the identity key."""
    dev = next(c for c in musicbrainz_recording_credits(RECORDING) if c.source_id == DEV_MBID)
    assert (dev.name, dev.normalized_name, dev.confidence) == ("Dev O'Neil", "devon oneil", 0.8)
    assert dev.name_keys == {"devon oneil", "dev oneil"}


def second_recording() -> dict[str, Any]:
    return {
        "id": "5e1f9c7a-1111-4a2b-8c3d-000000000002",
        "title": "Paper Moons",
        "isrcs": ["QZES72400002"],
        "relations": [],
    }


RELEASE: dict[str, Any] = {
    "id": "7c0b2d4e-2222-4f00-9a00-000000000010",
    "title": "Satellite Heart",
    "relations": [
        mb_relation("producer", RELEASE_PRODUCER, RAFE_MBID, "Rafe Holloway", ["executive"]),
        mb_relation("producer", RELEASE_PRODUCER, KELSO_MBID, "Kelso & Marr", []),
    ],
    "media": [
        {
            "position": 1,
            "format": "Digital Media",
            "track-count": 2,
            "tracks": [
                {
                    "id": "t1",
                    "number": "1",
                    "position": 1,
                    "title": "Satellite Heart",
                    "recording": RECORDING,
                },
                {
                    "id": "t2",
                    "number": "2",
                    "position": 2,
                    "title": "Paper Moons",
                    "recording": second_recording(),
                },
            ],
        }
    ],
}


def test_musicbrainz_release_credits_reach_every_track_at_lower_confidence() -> None:
    """Release-level producers apply to each recording at 0.6, recording ones stay at 0.8."""
    credits = musicbrainz_release_track_credits(RELEASE)
    paper_moons = credits["5e1f9c7a-1111-4a2b-8c3d-000000000002"]
    assert [(c.source_id, c.role, c.confidence) for c in paper_moons] == [
        (RAFE_MBID, "executive producer", 0.6),
        (KELSO_MBID, "producer", 0.6),
    ]
    satellite = credits["5e1f9c7a-1111-4a2b-8c3d-000000000001"]
    kelso = [(c.role, c.confidence) for c in satellite if c.source_id == KELSO_MBID]
    assert kelso == [("producer", 0.8)]


def test_match_release_track_prefers_isrc_then_title() -> None:
    """A track is found by ISRC first, else by its title without decorations."""
    by_isrc = match_release_track(RELEASE, "Anything", "qzes72400002")
    by_title = match_release_track(RELEASE, "Satellite Heart (feat. Juno Vale)")
    assert by_isrc is not None
    assert by_isrc["title"] == "Paper Moons"
    assert by_title is RECORDING
    assert match_release_track(RELEASE, "Satellite Heart (Live)") is None


# Discogs ---------------------------------------------------------------------------------


def discogs_artist(
    artist_id: int, name: str, role: str, tracks: str = "", anv: str = ""
) -> dict[str, Any]:
    return {
        "name": name,
        "anv": anv,
        "join": "",
        "role": role,
        "tracks": tracks,
        "id": artist_id,
        "resource_url": f"https://api.discogs.com/artists/{artist_id}",
    }


def discogs_track(position: str, title: str, *extra: dict[str, Any]) -> dict[str, Any]:
    track: dict[str, Any] = {
        "position": position,
        "type_": "track",
        "title": title,
        "duration": "3:30",
    }
    if extra:
        track["extraartists"] = list(extra)
    return track


DISCOGS_RELEASE: dict[str, Any] = {
    "id": 30111222,
    "title": "Satellite Heart",
    "artists": [discogs_artist(7000, "Nova Reyes", "")],
    "extraartists": [
        discogs_artist(7001, "Kelso & Marr", "Producer, Written-By", "A1 to A3, B2"),
        discogs_artist(7002, "Devon O'Neil (2)", "Co-producer", anv="Dev O'Neil"),
        discogs_artist(7003, "Chloë Marsh", "Producer [Additional], Vocals [Backing]", "B1"),
        discogs_artist(7004, "Rafe Holloway", "Executive-Producer"),
        discogs_artist(7005, "Șerban Ghenea", "Mixed By"),
        discogs_artist(7006, "Mara Quist", "Recorded By [Vocals]"),
    ],
    "tracklist": [
        {"position": "", "type_": "heading", "title": "Side A", "duration": ""},
        discogs_track(
            "A1",
            "Satellite Heart",
            discogs_artist(7008, "Kaito Mercer", "Producer [Additional], Programmed By"),
        ),
        discogs_track("A2", "Night Drive"),
        discogs_track("A3", "Glass Harbour"),
        {"position": "", "type_": "heading", "title": "Side B", "duration": ""},
        discogs_track("B1", "Lowlight"),
        discogs_track("B2", "Paper Moons"),
    ],
}


def test_discogs_credits_for_a_track_honour_the_tracks_field() -> None:
    """A1 gets its own credits, release credits naming A1 and release-wide ones; not B1's."""
    credits = discogs_release_credits(DISCOGS_RELEASE, "Satellite Heart", "A1")
    assert [(c.name, c.role, c.source_id, c.confidence) for c in credits] == [
        ("Kaito Mercer", "additional producer", "7008", 0.75),
        ("Kelso & Marr", "producer", "7001", 0.75),
        ("Dev O'Neil", "co-producer", "7002", 0.6),
        ("Rafe Holloway", "executive producer", "7004", 0.6),
    ]


def test_discogs_suffix_is_stripped_and_anv_is_shown() -> None:
    """ "Devon O'Neil (2)" credited as "Dev O'Neil" shows the anv and matches without "(2)"."""
    dev = [
        c
        for c in discogs_release_credits(DISCOGS_RELEASE, "Lowlight", None)
        if c.source_id == "7002"
    ]
    assert [(c.name, c.normalized_name) for c in dev] == [("Dev O'Neil", "devon oneil")]


def test_discogs_bracket_qualifier_shapes_the_role() -> None:
    """ "Producer [Additional]" on B1 is an additional producer with the qualifier kept."""
    chloe = [
        c
        for c in discogs_release_credits(DISCOGS_RELEASE, "Lowlight", "B1")
        if c.source_id == "7003"
    ]
    assert [(c.role, c.role_label, c.attributes) for c in chloe] == [
        ("additional producer", "Producer [Additional]", ("Additional",))
    ]


def test_discogs_track_not_on_the_release_gets_no_credits() -> None:
    """When the tracklist does not contain the track, nothing is credited."""
    assert discogs_release_credits(DISCOGS_RELEASE, "Some Other Song", None) == []


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("Producer, Written-By", [("producer", "Producer")]),
        ("Producer [Additional]", [("additional producer", "Producer [Additional]")]),
        ("Co-producer", [("co-producer", "Co-producer")]),
        ("Executive-Producer", [("executive producer", "Executive-Producer")]),
        ("Written-By, Producer, Arranged By", [("producer", "Producer")]),
        (
            "Instruments [Guitar, Bass], Producer [Co-producer]",
            [("co-producer", "Producer [Co-producer]")],
        ),
        ("Mixed By", []),
        ("Recorded By [Vocals]", []),
        ("Music By [All Tracks By]", []),
        (
            "Producer, Executive-Producer",
            [("producer", "Producer"), ("executive producer", "Executive-Producer")],
        ),
    ],
)
def test_discogs_role_strings_are_split_and_read(
    role: str, expected: list[tuple[str, str]]
) -> None:
    """Commas outside brackets split roles; each is read with its bracket qualifiers."""
    assert [(found, label) for found, label, _ in discogs_roles(role)] == expected


VINYL = ["A1", "A2", "A3", "B1", "B2"]
CD = ["1", "2", "3", "4", "5", "6"]
DOUBLE_CD = ["1-1", "1-2", "1-3", "2-1", "2-2", "2-3"]


@pytest.mark.parametrize(
    ("tracks", "positions", "expected"),
    [
        ("A1 to A3, B2", VINYL, {"a1", "a2", "a3", "b2"}),
        ("A2 to B1", VINYL, {"a2", "a3", "b1"}),
        ("1, 3-5", CD, {"1", "3", "4", "5"}),
        ("2 & 6", CD, {"2", "6"}),
        ("A1-A2", VINYL, {"a1", "a2"}),
        ("1-2 to 2-1", DOUBLE_CD, {"1-2", "1-3", "2-1"}),
        ("2-3", DOUBLE_CD, {"2-3"}),
        ("C1 to C3", VINYL, set()),
    ],
)
def test_discogs_track_ranges_cover_the_right_positions(
    tracks: str, positions: list[str], expected: set[str]
) -> None:
    """Lists, "to" ranges and dashed ranges follow tracklist order; a disc position stays one."""
    assert positions_in(tracks, positions) == expected


# Fusion ----------------------------------------------------------------------------------


def credit(
    source: str, source_id: str | None, name: str, confidence: float, role: str = "producer"
) -> Credit:
    return Credit.create(
        name=name,
        role=role,
        source=source,
        source_id=source_id,
        role_label=role,
        confidence=confidence,
    )


def test_one_person_credited_by_three_sources_is_fused_with_exact_confidence() -> None:
    """1 − (1 − 0.85)(1 − 0.8)(1 − 0.75) for Genius, MusicBrainz and Discogs together."""
    fused = fuse(
        [
            credit("genius", "201", "Kelso & Marr", 0.85),
            credit("musicbrainz", KELSO_MBID, "Kelso and Marr", 0.8),
            credit("discogs", "7001", "Kelso & Marr", 0.75),
        ],
        RANKING,
    )
    assert len(fused) == 1
    assert fused[0].confidence == pytest.approx(1 - 0.15 * 0.2 * 0.25)
    assert fused[0].ids == {"genius": "201", "musicbrainz": KELSO_MBID, "discogs": "7001"}
    assert fused[0].source == "discogs+genius+musicbrainz"


def test_several_credits_from_one_source_count_once_at_their_best() -> None:
    """Two Genius credits (0.85 and 0.8) and a title hint give 1 − 0.15 × 0.6."""
    fused = fuse(
        [
            credit("genius", "204", "Chloë Marsh", 0.8, "additional producer"),
            credit("genius", "204", "Chloë Marsh", 0.85),
            credit("title", None, "Chloe Marsh", 0.4),
        ],
        RANKING,
    )
    assert [(f.display_name, f.sources) for f in fused] == [("Chloë Marsh", ["genius", "title"])]
    assert fused[0].confidence == pytest.approx(1 - 0.15 * 0.6)
    assert fused[0].roles == ["producer", "additional producer"]


def test_same_name_with_different_ids_from_one_source_is_two_people() -> None:
    """Two Genius artists both called "John Smith" are never merged on the name."""
    fused = fuse(
        [credit("genius", "501", "John Smith", 0.85), credit("genius", "502", "John Smith", 0.8)],
        RANKING,
    )
    assert sorted(f.ids["genius"] for f in fused) == ["501", "502"]


def test_a_name_shared_by_two_people_does_not_absorb_other_credits() -> None:
    """With two Discogs "John Smith (n)", a title hint of that name stays its own entry."""
    fused = fuse(
        [
            credit("discogs", "801", "John Smith (2)", 0.75),
            credit("discogs", "802", "John Smith (3)", 0.75),
            credit("title", None, "John Smith", 0.4),
        ],
        RANKING,
    )
    assert len(fused) == 3
    assert sorted(f.source for f in fused) == ["discogs", "discogs", "title"]


def test_same_source_id_merges_whatever_the_spelling() -> None:
    """A Genius id seen under two spellings is one person, shown by its first spelling."""
    fused = fuse(
        [credit("genius", "202", "Dev O'Neil", 0.85), credit("genius", "202", "Devon O'Neil", 0.8)],
        RANKING,
    )
    assert [(f.display_name, f.ids) for f in fused] == [("Dev O'Neil", {"genius": "202"})]


def test_credited_name_links_sources_when_canonical_names_differ() -> None:
    """Genius "Dev O'Neil" and a Discogs "Devon O'Neil (2)" credited as "Dev O'Neil" fuse."""
    discogs = discogs_release_credits(DISCOGS_RELEASE, "Lowlight", "B1")
    fused = fuse([credit("genius", "202", "Dev O'Neil", 0.8, "co-producer"), *discogs], RANKING)
    dev = next(f for f in fused if f.ids.get("genius") == "202")
    assert dev.ids == {"genius": "202", "discogs": "7002"}


def test_display_name_comes_from_the_most_trusted_source() -> None:
    """Genius' spelling with its diacritics wins over Discogs' and the title's."""
    fused = fuse(
        [
            credit("title", None, "CHLOE MARSH", 0.4),
            credit("discogs", "7003", "Chloe Marsh", 0.75),
            credit("genius", "204", "Chloë Marsh", 0.85),
        ],
        RANKING,
    )
    assert [f.display_name for f in fused] == ["Chloë Marsh"]


def test_executive_only_person_does_not_count_as_producer() -> None:
    """counts_as_producer is True only when some source credits a producing role."""
    executive_only = fuse(
        [credit("musicbrainz", RAFE_MBID, "Rafe Holloway", 0.8, "executive producer")], RANKING
    )
    both = fuse(
        [
            credit("genius", "205", "Rafe Holloway", 0.8, "executive producer"),
            credit("discogs", "7004", "Rafe Holloway", 0.75),
        ],
        RANKING,
    )
    assert executive_only[0].counts_as_producer is False
    assert both[0].counts_as_producer is True


def test_fused_producer_serialises_to_json_with_evidence() -> None:
    """to_json() is plain JSON carrying ids, roles, sources and per-source evidence."""
    fused = fuse(
        genius_song_credits(GENIUS_SONG) + musicbrainz_recording_credits(RECORDING), RANKING
    )
    kelso = next(f for f in fused if f.normalized_name == "kelso and marr").to_json()
    assert json.loads(json.dumps(kelso)) == kelso
    assert kelso["source"] == "genius+musicbrainz"
    assert [(e["source"], e["source_id"], e["role_label"]) for e in kelso["evidence"]] == [
        ("genius", "201", "Producer"),
        ("musicbrainz", KELSO_MBID, "producer"),
    ]
