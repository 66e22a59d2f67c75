"""Public social data: handles, e-mails, per-source readers and the merge by trust."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from producer_discovery.db.producers import ProducerIds
from producer_discovery.enrichment.profiles import (
    ProfileValue,
    SocialFinding,
    extract_emails,
    from_discogs_artist,
    from_genius_artist,
    from_instagram_business,
    from_musicbrainz_artist,
    is_placeholder_image,
    merge_findings,
    normalize_handle,
)
from producer_discovery.enrichment.store import Enricher
from producer_discovery.sources import DISCOGS, GENIUS, INSTAGRAM, MUSICBRAINZ, Source

SEEN = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "handle"),
    [
        ("@KelsoAndMarr", "kelsoandmarr"),
        ("kelsoandmarr", "kelsoandmarr"),
        ("  devoneil.beats ", "devoneil.beats"),
        ("https://www.instagram.com/chloemarsh/", "chloemarsh"),
        ("http://instagram.com/ChloeMarsh", "chloemarsh"),
        ("instagram.com/devoneil.beats?hl=en", "devoneil.beats"),
        ("www.instagram.com/dev_oneil#posts", "dev_oneil"),
        ("https://m.instagram.com/kelsoandmarr/reels/", "kelsoandmarr"),
        ("https://www.instagram.com/_u/kelsoandmarr", "kelsoandmarr"),
        ("http://instagr.am/kelsoandmarr", "kelsoandmarr"),
        ("_kelso_", "_kelso_"),
        ("a" * 30, "a" * 30),
        ("a" * 31, None),
        (".kelso", None),
        ("kelso.", None),
        ("kelso..marr", None),
        ("kelso marr", None),
        ("kelso-marr", None),
        ("chloë", None),
        ("https://www.instagram.com/p/C0ffee123/", None),
        ("https://www.instagram.com/explore/tags/producer/", None),
        ("https://www.instagram.com/accounts/login/", None),
        ("https://www.instagram.com/", None),
        ("https://twitter.com/kelsoandmarr", None),
        ("explore", None),
        ("@", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_handle_accepts_only_valid_instagram_usernames(
    value: str | None, handle: str | None
) -> None:
    """Handles, links and @names reduce to a lower-case username, or None when invalid."""
    assert normalize_handle(value) == handle


def test_extract_emails_reads_public_text_lowercased_and_once() -> None:
    """Addresses are found in running text, lower-cased, deduplicated, trailing dots dropped."""
    text = (
        "Bookings: Bookings@KelsoAndMarr.example.com. Management: mgmt@kelso-marr.example.co.uk; "
        "again bookings@kelsoandmarr.example.com"
    )
    assert extract_emails(text) == [
        "bookings@kelsoandmarr.example.com",
        "mgmt@kelso-marr.example.co.uk",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Write to you@yourdomain.com for beats",
        "logo@2x.png banner@3x.jpg",
        "no address here, just @kelsoandmarr on instagram",
        "",
        None,
    ],
)
def test_extract_emails_ignores_templates_image_names_and_handles(text: str | None) -> None:
    """Template addresses, retina image names and @handles are not e-mails."""
    assert extract_emails(text) == []


GENIUS_ARTIST: dict[str, Any] = {
    "alternate_names": ["K&M", "Kelso and Marr", "K & M"],
    "api_path": "/artists/201",
    "description": {
        "plain": "Kelso & Marr are a production duo from Glasgow. "
        "Bookings: Bookings@KelsoAndMarr.example.com"
    },
    "facebook_name": "kelsoandmarrmusic",
    "followers_count": 312,
    "header_image_url": "https://images.genius.com/5d1e0f3c2b1a.1000x1000x1.jpg",
    "id": 201,
    "image_url": "https://images.genius.com/0f3c2b1a9e8d.1000x1000x1.jpg",
    "instagram_name": "KelsoAndMarr",
    "is_meme_verified": False,
    "is_verified": True,
    "name": "Kelso & Marr",
    "translation_artist": False,
    "twitter_name": "KelsoAndMarr",
    "url": "https://genius.com/artists/Kelso-and-marr",
    "iq": 1200,
    "user": None,
}


def fields_of(values: list[ProfileValue]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for field, value in values:
        found.setdefault(field, []).append(value)
    return found


def findings(source: Source[Any], document: dict[str, Any]) -> list[SocialFinding]:
    """What a profile document of a registered source shows, seen at SEEN."""
    return source.profile_source(None).findings(document, SEEN)


def test_genius_artist_gives_handles_image_aliases_and_description_email() -> None:
    """Every documented Genius field becomes a finding from source genius, at its trust."""
    assert fields_of(from_genius_artist(GENIUS_ARTIST)) == {
        "instagram_handle": ["kelsoandmarr"],
        "twitter_handle": ["kelsoandmarr"],
        "facebook": ["kelsoandmarrmusic"],
        "image_url": ["https://images.genius.com/0f3c2b1a9e8d.1000x1000x1.jpg"],
        "email": ["bookings@kelsoandmarr.example.com"],
        "alias": ["K&M", "Kelso and Marr", "K & M"],
    }
    found = findings(GENIUS, GENIUS_ARTIST)
    assert {(item.source, item.seen_at, item.trust) for item in found} == {("genius", SEEN, 0.9)}


def test_genius_default_avatar_is_not_an_image() -> None:
    """The default-avatar placeholder never becomes the producer's image."""
    artist = {
        **GENIUS_ARTIST,
        "image_url": "https://assets.genius.com/images/default_avatar_300.png?1629",
    }
    assert "image_url" not in fields_of(from_genius_artist(artist))


@pytest.mark.parametrize(
    ("url", "placeholder"),
    [
        ("https://assets.genius.com/images/default_avatar_300.png?1588262610", True),
        ("https://assets.genius.com/images/default_avatar_100.png", True),
        ("https://assets.genius.com/images/default_cover_image.png?1600000000", True),
        ("https://images.genius.com/0f3c2b1a9e8d.1000x1000x1.jpg", False),
    ],
)
def test_placeholder_images_are_recognised(url: str, placeholder: bool) -> None:
    """Genius' site assets and default images are placeholders; uploaded images are not."""
    assert is_placeholder_image(url) is placeholder


def test_genius_artist_with_nulls_gives_nothing() -> None:
    """Unknown fields are null on Genius and yield no findings, and no e-mail is invented."""
    artist = {
        "id": 205,
        "name": "Rafe Holloway",
        "instagram_name": None,
        "twitter_name": None,
        "facebook_name": None,
        "image_url": None,
        "alternate_names": [],
        "description": {"plain": "?"},
    }
    assert from_genius_artist(artist) == []


def url_relation(kind: str, resource: str, ended: bool = False) -> dict[str, Any]:
    return {
        "type": kind,
        "type-id": "99429741-f3f6-484b-84f8-23af51991770",
        "target-type": "url",
        "direction": "forward",
        "begin": None,
        "end": None,
        "ended": ended,
        "attributes": [],
        "attribute-ids": {},
        "attribute-values": {},
        "source-credit": "",
        "target-credit": "",
        "url": {"id": "b2a7c7f0-0000-4000-8000-000000000001", "resource": resource},
    }


MUSICBRAINZ_ARTIST: dict[str, Any] = {
    "id": "0b6f3a52-4c1e-4d2a-9d0e-1f2a3b4c5d01",
    "name": "Kelso & Marr",
    "sort-name": "Kelso & Marr",
    "type": "Group",
    "aliases": [{"name": "K&M", "sort-name": "K&M", "type": None, "primary": None, "locale": None}],
    "relations": [
        url_relation("social network", "https://www.instagram.com/kelsomarr.old/", ended=True),
        url_relation("social network", "https://www.instagram.com/kelsoandmarr/"),
        url_relation("social network", "https://x.com/KelsoAndMarr"),
        url_relation("social network", "https://www.tiktok.com/@kelsoandmarr"),
        url_relation("youtube", "https://www.youtube.com/@kelsoandmarr"),
        url_relation("official homepage", "https://kelsoandmarr.example.com/"),
        url_relation("bandcamp", "https://kelsoandmarr.bandcamp.com/"),
        url_relation("discogs", "https://www.discogs.com/artist/7001"),
        url_relation("wikidata", "https://www.wikidata.org/wiki/Q0000001"),
    ],
}


def test_musicbrainz_url_rels_are_classified_and_ended_links_skipped() -> None:
    """Social, YouTube, Bandcamp and homepage links count; ended and database links do not,
    but the Discogs page names the same person's Discogs id (same_as)."""
    assert fields_of(from_musicbrainz_artist(MUSICBRAINZ_ARTIST)) == {
        "instagram_handle": ["kelsoandmarr"],
        "twitter_handle": ["kelsoandmarr"],
        "tiktok": ["https://www.tiktok.com/@kelsoandmarr"],
        "youtube": ["https://www.youtube.com/@kelsoandmarr"],
        "website": ["https://kelsoandmarr.example.com/"],
        "bandcamp": ["https://kelsoandmarr.bandcamp.com/"],
        "alias": ["K&M"],
        "same_as": ["discogs:7001"],
    }


DISCOGS_ARTIST: dict[str, Any] = {
    "id": 7002,
    "name": "Devon O'Neil (2)",
    "realname": "Devon O'Neil",
    "profile": "UK producer. Contact: [url=mailto:dev@devoneil.example.com]dev@devoneil.example.com[/url]",
    "urls": [
        "https://en.wikipedia.org/wiki/Dev_O%27Neil",
        "https://www.instagram.com/devoneil.beats/",
        "https://soundcloud.com/devoneil",
        "http://www.devoneil.example.com",
        "https://devoneil-links.example.com",
    ],
    "namevariations": ["Dev O'Neil", "D. O'Neil"],
    "resource_url": "https://api.discogs.com/artists/7002",
    "uri": "https://www.discogs.com/artist/7002-Devon-ONeil-2",
    "data_quality": "Needs Vote",
}


def test_discogs_urls_are_classified_by_host_with_profile_email() -> None:
    """Known hosts become their fields, the first other site is the website, Wikipedia none."""
    assert fields_of(from_discogs_artist(DISCOGS_ARTIST)) == {
        "instagram_handle": ["devoneil.beats"],
        "soundcloud": ["https://soundcloud.com/devoneil"],
        "website": ["http://www.devoneil.example.com"],
        "email": ["dev@devoneil.example.com"],
        "alias": ["Dev O'Neil", "D. O'Neil"],
    }


def business_discovery(biography: str) -> dict[str, Any]:
    return {
        "business_discovery": {
            "biography": biography,
            "name": "Kelso & Marr",
            "website": "https://kelsoandmarr.example.com/",
            "username": "kelsoandmarr",
            "profile_picture_url": "https://scontent.cdninstagram.example.com/kelso.jpg",
            "followers_count": 18250,
            "media_count": 412,
            "id": "17841400000000101",
        },
        "id": "17841400000000001",
    }


def test_instagram_business_gives_bio_and_an_email_only_from_the_bio() -> None:
    """The bio, website and name are read; an e-mail appears only when the bio shows one."""
    with_email = fields_of(from_instagram_business(business_discovery("Duo. hi@kelso.example.com")))
    without_email = fields_of(from_instagram_business(business_discovery("Production duo.")))
    assert with_email["instagram_bio"] == ["Duo. hi@kelso.example.com"]
    assert with_email["email"] == ["hi@kelso.example.com"]
    assert with_email["website"] == ["https://kelsoandmarr.example.com/"]
    assert "email" not in without_email
    assert without_email["instagram_handle"] == ["kelsoandmarr"]


def test_merge_prefers_genius_then_musicbrainz_and_keeps_disagreements() -> None:
    """The most trusted source wins a field; differing values stay visible with their sources."""
    profile = merge_findings(
        findings(DISCOGS, {"urls": ["https://instagram.com/kelso.marr.beats"]})
        + findings(MUSICBRAINZ, MUSICBRAINZ_ARTIST)
        + findings(GENIUS, GENIUS_ARTIST)
    )
    assert profile.chosen["instagram_handle"].source == "genius"
    assert profile.instagram_handle == "kelsoandmarr"
    assert {
        "field": "instagram_handle",
        "values": [
            {"value": "kelsoandmarr", "source": "genius"},
            {"value": "kelso.marr.beats", "source": "discogs"},
        ],
    } in profile.disagreements


def test_bio_only_ever_comes_from_the_instagram_graph() -> None:
    """A bio offered by any other source is ignored; the Graph API's is kept."""
    forging = replace(
        GENIUS.profile_source(None),
        lookup=lambda artist_id: {"id": artist_id},
        read=lambda artist: [("instagram_bio", "Not a bio"), ("instagram_handle", "kelsoandmarr")],
    )
    graph = INSTAGRAM.profile_source(None)
    answering = replace(graph, lookup=lambda handle: business_discovery("Production duo."))
    producer = ProducerIds("p1", "Kelso & Marr", {"genius": ("201",)})
    alone = Enricher([forging, graph]).enrich(producer, last_attempt=True)
    assert alone.profile.instagram_bio is None
    both = Enricher([forging, answering]).enrich(producer, last_attempt=True)
    assert both.profile.instagram_bio == "Production duo."


def test_equal_trust_goes_to_the_most_recently_seen_value() -> None:
    """Between two values of one source, the newer observation wins."""
    older = SocialFinding("email", "old@kelso.example.com", "discogs", SEEN, 0.6)
    newer = SocialFinding(
        "email", "new@kelso.example.com", "discogs", SEEN + timedelta(days=3), 0.6
    )
    assert merge_findings([older, newer]).email == "new@kelso.example.com"


def test_metadata_social_records_value_source_time_and_aliases() -> None:
    """metadata_social is JSON with provenance per field, disagreements and aliases."""
    profile = merge_findings(
        findings(GENIUS, GENIUS_ARTIST) + findings(MUSICBRAINZ, MUSICBRAINZ_ARTIST)
    )
    metadata = profile.metadata_social()
    assert json.loads(json.dumps(metadata)) == metadata
    assert metadata["email"] == {
        "value": "bookings@kelsoandmarr.example.com",
        "source": "genius",
        "seen_at": "2026-11-02T09:30:00+00:00",
    }
    assert metadata["aliases"] == ["K&M", "Kelso and Marr"]
    assert metadata["disagreements"] == []
    assert profile.columns() == {
        "instagram_handle": "kelsoandmarr",
        "instagram_bio": None,
        "email": "bookings@kelsoandmarr.example.com",
        "image_url": "https://images.genius.com/0f3c2b1a9e8d.1000x1000x1.jpg",
    }


def test_addresses_in_any_public_field_become_the_private_email() -> None:
    """Discogs urls, an Instagram website, a Genius name: a mailto: link or an address is an
    `email` finding, never a website, alias or handle."""
    from producer_discovery.enrichment.profiles import (
        findings_of,
        from_discogs_artist,
        from_genius_artist,
        from_instagram_business,
        from_musicbrainz_artist,
    )

    values = [
        *from_discogs_artist(
            {"urls": ["mailto:disc@planted.example"], "namevariations": ["nv@planted.example"]}
        ),
        *from_instagram_business({"website": "ig@planted.example", "biography": "hi"}),
        *from_genius_artist({"facebook_name": "mailto:fb@planted.example"}),
        *from_musicbrainz_artist(
            {
                "relations": [
                    {"type": "official homepage", "url": {"resource": "mailto:mb@planted.example"}}
                ]
            }
        ),
    ]
    findings = findings_of(values, "test", 0.5, datetime(2026, 1, 1, tzinfo=UTC))
    for item in findings:
        if "planted.example" in item.value:
            assert item.field == "email"
            assert not item.value.startswith("mailto:")
    assert {item.value for item in findings if item.field == "email"} >= {
        "disc@planted.example",
        "ig@planted.example",
        "fb@planted.example",
        "mb@planted.example",
    }
