"""The generated catalogue written in the sample files' layouts: the Spotify document, the
Genius section, and `_expected` read back from what every section credits (`Ledger`).
MusicBrainz and Discogs are in `synthetic_sources`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from producer_discovery.sandbox import synthetic_names as names
from producer_discovery.sandbox.catalogue import DEFAULT_CATALOGUE
from producer_discovery.sandbox.credits_data import CREDITS_CATALOGUE
from producer_discovery.sandbox.synthetic_model import Crew, Ledger, Person, Release, Song
from producer_discovery.sandbox.synthetic_sources import discogs_section, musicbrainz_section
from producer_discovery.text import normalize_name, normalize_title

if TYPE_CHECKING:
    from producer_discovery.sandbox.synthetic import Builder

Document = dict[str, Any]
PLACEHOLDER_IMAGE = "https://assets.genius.com/images/default_avatar_300.png"
GENIUS_CO_LABELS = {"co": "Co-Producer", "additional": "Additional Production"}


def sample_about(path: Path) -> Document:
    about: Document = json.loads(path.read_text(encoding="utf-8"))["_about"]
    return about


def images(kind: str, item_id: str) -> list[dict[str, Any]]:
    return [
        {
            "url": f"https://images.sandbox.invalid/{kind}/{item_id}/{size}",
            "height": size,
            "width": size,
        }
        for size in (640, 300, 64)
    ]


# Spotify -------------------------------------------------------------------------------------
def spotify_document(builder: Builder, generated: Document) -> Document:
    rng = builder.rng
    artists = [
        {
            "id": artist.spotify_id,
            "name": artist.name,
            "genres": list(artist.genres),
            "popularity": rng.randint(15, 80),
            "followers": rng.randint(500, 2_000_000),
            "images": images("artist", str(artist.spotify_id)),
        }
        for artist in builder.artists
    ]
    albums = [spotify_album(builder, release) for release in builder.releases]
    about = {
        "what": "Synthetic Spotify catalogue from producer_discovery.sandbox.synthetic: every "
        "name, id, ISRC and UPC is invented. Some UPCs are 14-digit zero-padded GTINs.",
        "layout": sample_about(DEFAULT_CATALOGUE)["layout"],
        "generated": generated,
    }
    return {"_about": about, "artists": artists, "albums": albums}


def spotify_album(builder: Builder, release: Release) -> Document:
    # A live or demo take draws from its own generator: the rest stays as without them.
    rng = builder.takes_rng if release.other_takes else builder.rng
    registry = builder.takes_registry if release.other_takes else builder.registry
    tracks = [
        {
            "id": registry.text(names.spotify_id),
            "name": song.spotify_title(release.track_suffix),
            "artist_ids": [person.spotify_id for person in (song.artist, song.featured) if person],
            "disc_number": disc_number,
            "track_number": track_number,
            "duration_ms": song.duration_ms,
            "explicit": song.explicit,
            "isrc": release.other_takes.get(song.isrc, song.isrc),
            "popularity": rng.randint(0, 70),
        }
        for disc_number, disc in enumerate(release.discs, start=1)
        for track_number, song in enumerate(disc, start=1)
    ]
    return {
        "id": release.spotify_id,
        "name": release.name,
        "album_type": release.album_type,
        "artist_ids": [release.artist.spotify_id],
        "release_date": release.release_date,
        "release_date_precision": release.precision,
        "label": release.label,
        "upc": release.spotify_upc,
        "popularity": rng.randint(5, 75),
        "copyright": f"\u00a9 {release.year} {release.label}",
        "images": images("album", release.spotify_id),
        "tracks": tracks,
    }


# Genius --------------------------------------------------------------------------------------
def genius_section(builder: Builder, ledger: Ledger) -> Document:
    rng, first_album = builder.rng, first_releases(builder.releases)
    songs, credited = [], {artist.key: artist for artist in builder.artists}
    for song in builder.songs:
        if song.genius_id is None:
            continue
        performances: list[dict[str, Any]] = []
        for person, kind in song.co_producers:
            if rng.random() >= builder.realism.genius_drops_co_producer:
                performances.append(
                    {"label": GENIUS_CO_LABELS[kind], "artists": [person.genius_id]}
                )
                ledger.producer(song, "genius", person)
        crew = first_album[song.isrc].crew
        performances.append({"label": "Mixing Engineer", "artists": [crew.mixer.genius_id]})
        ledger.other(song, crew.mixer, "mixing engineer")
        if crew.executive is not None:
            performances.append(
                {"label": "Executive Producer", "artists": [crew.executive.genius_id]}
            )
            ledger.other(song, crew.executive, "executive producer")
        for person in song.producers:
            ledger.producer(song, "genius", person)
        for person, why in (
            (song.artist, "the performing artist (writer)"),
            (song.writer, "co-writer"),
        ):
            ledger.other(song, person, why)
        if song.featured is not None:
            ledger.other(song, song.featured, "featured artist")
        album = first_album[song.isrc]
        songs.append(
            {
                "id": song.genius_id,
                "title": song.title,
                "primary_artist": song.artist.genius_id,
                "featured_artists": [song.featured.genius_id] if song.featured else [],
                "producer_artists": [person.genius_id for person in song.producers],
                "writer_artists": [song.artist.genius_id, song.writer.genius_id],
                "custom_performances": performances,
                "release_date": album.release_date if album.precision == "day" else None,
                "album": {"id": album.genius_album_id, "name": album.name}
                if album.album_type == "album"
                else None,
                "pageviews": rng.randint(200, 90_000),
            }
        )
        credited |= {person.key: person for person in song_people(song, crew)}
    return {"artists": [genius_artist(person) for person in credited.values()], "songs": songs}


def song_people(song: Song, crew: Crew) -> list[Person]:
    people = [song.artist, song.writer, crew.mixer, *song.producers]
    people += [person for person, _ in song.co_producers]
    people += [person for person in (song.featured, crew.executive) if person is not None]
    return people


def genius_artist(person: Person) -> Document:
    image = (
        PLACEHOLDER_IMAGE
        if person.placeholder_image
        else (f"https://images.genius.sandbox.invalid/artists/{person.key}.jpg")
    )
    description = f"{person.name} is a {person.role} from {person.country}."
    if person.email:
        description += f" Bookings: {person.email}"
    return {
        "id": person.genius_id,
        "name": person.name,
        "alternate_names": [],
        "image_url": image,
        "instagram_name": person.instagram if person.instagram_on_genius else None,
        "twitter_name": None,
        "facebook_name": None,
        "is_verified": person.role == "artist",
        "followers_count": 0 if person.placeholder_image else 40 + person.genius_id % 9000,
        "description": description,
    }


def first_releases(releases: list[Release]) -> dict[str, Release]:
    """Each song's first release in catalogue order (its album when it has one)."""
    first: dict[str, Release] = {}
    for release in releases:
        for song in release.songs:
            current = first.get(song.isrc)
            if current is None or (current.album_type != "album" and release.album_type == "album"):
                first[song.isrc] = release
    return first


# The whole credits document and its `_expected` -------------------------------------------
def credits_document(builder: Builder, generated: Document) -> Document:
    ledger = Ledger()
    genius = genius_section(builder, ledger)
    musicbrainz = musicbrainz_section(builder, ledger)
    discogs = discogs_section(builder, ledger)
    about = sample_about(CREDITS_CATALOGUE)
    return {
        "_about": {
            "what": "Synthetic public credit data of the synthetic Spotify catalogue generated "
            "with it (producer_discovery.sandbox.synthetic). Every name and id is "
            "invented.",
            "layout": about["layout"],
            "generated": generated,
        },
        "genius": genius,
        "musicbrainz": musicbrainz,
        "discogs": discogs,
        "_expected": expected(builder, ledger),
    }


def expected(builder: Builder, ledger: Ledger) -> Document:
    titles: dict[str, list[str]] = {}
    other_isrcs: dict[str, list[str]] = {}
    for release in builder.releases:
        for isrc, take in release.other_takes.items():
            other_isrcs.setdefault(isrc, []).append(take)
    for release in builder.releases:
        for song in release.songs:
            shown = titles.setdefault(song.isrc, [])
            if song.spotify_title(release.track_suffix) not in shown:
                shown.append(song.spotify_title(release.track_suffix))
    songs: list[Document] = []
    credited: set[str] = set()
    for song in builder.songs:
        for person in song.title_credit:
            ledger.producer(song, "title", person)
        sources = {
            source: ledger.credited(song, source)
            for source in ("genius", "musicbrainz", "discogs", "title")
        }
        producers = sorted({key for keys in sources.values() for key in keys})
        credited.update(producers)
        songs.append(
            {
                "artist": song.artist.name,
                "title": song.title,
                "isrc": song.isrc,
                "other_isrcs": other_isrcs.get(song.isrc, []),
                "spotify_titles": titles[song.isrc],
                "normalized_artist": normalize_name(song.artist.name),
                "normalized_title": normalize_title(song.spotify_title()),
                "main_artist": True,
                "in_artist_discography": True,
                "producers": producers,
                "producer_names": [ledger.people[key].name for key in producers],
                "credited_non_producers": sorted(ledger.non_producers.get(song.isrc, set())),
                "title_credits": sources["title"],
                "sources": sources,
                "genius_song_id": song.genius_id,
                "genius_decoys_ranked_first": False if song.genius_id else None,
                "musicbrainz_coverage": song.musicbrainz,
            }
        )
    return {
        "_about": {
            "what": "The truth for every song of the synthetic catalogue, in the sample's "
            "shape; musicbrainz_coverage says how MusicBrainz holds the song: "
            "release, unknown-isrc (on releases, its ISRC unknown or another), "
            "standalone (a recording on no release) or absent. other_isrcs are the song's "
            "live and demo takes, which no source credits: the song's producers are "
            "expected whichever take is identified first.",
        },
        "songs": songs,
        "producers": {key: expected_producer(ledger.people[key]) for key in sorted(credited)},
        "non_producers": {
            key: {"name": ledger.people[key].name, "why": why}
            for key, why in sorted(ledger.why.items())
            if key not in credited
        },
    }


def expected_producer(person: Person) -> Document:
    source = None
    if person.instagram:
        source = "genius" if person.instagram_on_genius else "musicbrainz"
    return {
        "name": person.name,
        "normalized_name": normalize_name(person.name),
        "genius_artist_id": person.genius_id,
        "musicbrainz_id": person.musicbrainz_id,
        "discogs_id": person.discogs_id,
        "discogs_name": person.discogs_name,
        "instagram_handle": person.instagram,
        "instagram_source": source,
        "email_public": person.email is not None,
        "email": person.email,
        "image_url": None
        if person.placeholder_image
        else f"https://images.genius.sandbox.invalid/artists/{person.key}.jpg",
        "placeholder_image": person.placeholder_image,
        "name_variant": person.variant,
    }
