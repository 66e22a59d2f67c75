"""The MusicBrainz and Discogs sections of a generated credits catalogue, in the layout of
`data/credits_catalogue.json`, recording in a `Ledger` who each one credits for which song.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from producer_discovery.sandbox.synthetic_model import Crew, Ledger, Person, Release, Song

if TYPE_CHECKING:
    from producer_discovery.sandbox.synthetic import Builder

Document = dict[str, Any]
DISCOGS_CO_ROLES = {"co": "Co-producer", "additional": "Producer [Additional]"}
ON_A_RELEASE = ("release", "unknown-isrc")


# MusicBrainz ---------------------------------------------------------------------------------
def musicbrainz_section(builder: Builder, ledger: Ledger) -> Document:
    rng = builder.rng
    crews = {song.isrc: release.crew for release in builder.releases for song in release.songs}
    people: dict[str, Person] = {}
    recordings = []
    for song in builder.songs:
        if song.musicbrainz == "absent":
            continue
        crew = crews[song.isrc]
        relations = [relation("producer", person) for person in song.producers]
        for person in song.producers:
            ledger.producer(song, "musicbrainz", person)
        for person, kind in song.co_producers:
            if rng.random() >= builder.realism.musicbrainz_drops_co_producer:
                relations.append(relation("producer", person, [kind]))
                ledger.producer(song, "musicbrainz", person)
        relations.append(relation("mix", crew.mixer))
        ledger.other(song, crew.mixer, "mixing engineer")
        credit = artist_credit(song.artist, song.featured)
        for person in [
            song.artist,
            crew.mixer,
            *song.producers,
            *(p for p, _ in song.co_producers),
        ]:
            people[person.key] = person
        if song.featured is not None:
            people[song.featured.key] = song.featured
        recordings.append(
            {
                "id": song.recording_id,
                "title": song.title,
                "length": song.duration_ms,
                "artist-credit": credit,
                "isrcs": song.musicbrainz_isrcs,
                "first-release-date": str(song.year),
                "relations": relations,
            }
        )
    releases = []
    for release in builder.releases:
        if release.musicbrainz_barcode is None:
            continue
        release_relations = [relation("mastering", release.crew.mastering)]
        people[release.crew.mastering.key] = release.crew.mastering
        if release.crew.executive is not None:
            release_relations.append(relation("producer", release.crew.executive, ["executive"]))
            people[release.crew.executive.key] = release.crew.executive
        for song in release.songs:
            if song.musicbrainz in ON_A_RELEASE:
                ledger.other(song, release.crew.mastering, "mastering engineer")
                if release.crew.executive is not None:
                    ledger.other(song, release.crew.executive, "executive producer")
        releases.append(musicbrainz_release(release, release_relations))
    return {
        "artists": [musicbrainz_artist(person) for person in people.values()],
        "recordings": recordings,
        "releases": releases,
    }


def relation(kind: str, person: Person, attributes: list[str] | None = None) -> Document:
    return {
        "type": kind,
        "artist": person.musicbrainz_id,
        "attributes": attributes or [],
        "credited-as": "",
    }


def artist_credit(artist: Person, featured: Person | None) -> list[Document]:
    if featured is None:
        return [{"artist": artist.musicbrainz_id, "joinphrase": ""}]
    return [
        {"artist": artist.musicbrainz_id, "joinphrase": " feat. "},
        {"artist": featured.musicbrainz_id, "joinphrase": ""},
    ]


def musicbrainz_release(release: Release, relations: list[Document]) -> Document:
    title, disambiguation = release.name, ""
    if release.edition_of is not None:  # MusicBrainz's style: the album's title, disambiguated
        title = release.edition_of.name
        disambiguation = (
            "deluxe edition" if release.kind == "deluxe" else (f"{release.year} remaster")
        )
    media = []
    for disc in release.discs:
        medium: Document = {
            "format": '12" Vinyl'
            if release.vinyl
            else ("CD" if release.album_type == "album" else "Digital Media"),
            "recordings": [song.recording_id for song in disc if song.musicbrainz in ON_A_RELEASE],
        }
        if release.vinyl:
            medium["numbers"] = vinyl_positions(len(disc))
        media.append(medium)
    return {
        "id": release.musicbrainz_id,
        "title": title,
        "disambiguation": disambiguation,
        "date": release.release_date,
        "country": release.artist.country,
        "barcode": release.musicbrainz_barcode,
        "artist-credit": artist_credit(release.artist, None),
        "media": media,
        "relations": relations,
    }


def musicbrainz_artist(person: Person) -> Document:
    urls = []
    if person.instagram and (not person.instagram_on_genius or person.genius_id % 2 == 0):
        urls.append(
            {"type": "social network", "resource": f"https://www.instagram.com/{person.instagram}/"}
        )
    first, _, last = person.musicbrainz_name.rpartition(" ")
    group = person.team or person.musicbrainz_name.startswith("The ")
    return {
        "id": person.musicbrainz_id,
        "name": person.musicbrainz_name,
        "sort-name": person.musicbrainz_name if group or not first else f"{last}, {first}",
        "type": "Group" if group else "Person",
        "disambiguation": "",
        "country": person.country,
        "urls": urls,
    }


# Discogs -------------------------------------------------------------------------------------
def vinyl_positions(count: int, first_side: int = 0) -> list[str]:
    """A1, A2, … B1, …: half the tracks a side."""
    side_length = max(1, (count + 1) // 2)
    return [
        f"{chr(ord('A') + first_side + index // side_length)}{index % side_length + 1}"
        for index in range(count)
    ]


def positions(release: Release) -> list[list[str]]:
    if release.vinyl:
        return [vinyl_positions(len(disc), 2 * number) for number, disc in enumerate(release.discs)]
    if len(release.discs) == 1:
        return [[str(index) for index in range(1, len(release.discs[0]) + 1)]]
    return [
        [f"{number}-{index}" for index in range(1, len(disc) + 1)]
        for number, disc in enumerate(release.discs, start=1)
    ]


def track_ranges(chosen: list[bool], names: list[str]) -> str:
    """Discogs' way of naming tracks: runs of three or more as "X to Y"; "" for all."""
    if all(chosen):
        return ""
    parts, index = [], 0
    while index < len(chosen):
        if not chosen[index]:
            index += 1
            continue
        end = index
        while end + 1 < len(chosen) and chosen[end + 1]:
            end += 1
        if end - index >= 2:
            parts.append(f"{names[index]} to {names[end]}")
        else:
            parts.extend(names[index : end + 1])
        index = end + 1
    return ", ".join(parts)


def credit(person: Person, role: str, tracks: str = "") -> Document:
    entry: Document = {"id": person.discogs_id, "role": role, "tracks": tracks}
    if person.discogs_anv:
        entry["anv"] = person.discogs_anv
    return entry


def discogs_section(builder: Builder, ledger: Ledger) -> Document:
    people: dict[str, Person] = {}
    releases = []
    for release in builder.releases:
        if not release.on_discogs:
            continue
        releases.append(discogs_release(builder, release, ledger, people))
    return {"artists": [discogs_artist(person) for person in people.values()], "releases": releases}


def discogs_release(
    builder: Builder, release: Release, ledger: Ledger, people: dict[str, Person]
) -> Document:
    rng, crew = builder.rng, release.crew
    songs, numbers = release.songs, [name for disc in positions(release) for name in disc]
    extraartists = []
    leads = list(dict.fromkeys(person for song in songs for person in song.producers))
    for person in leads:
        chosen = [person in song.producers for song in songs]
        extraartists.append(credit(person, "Producer", track_ranges(chosen, numbers)))
        for song in songs:
            if person in song.producers:
                ledger.producer(song, "discogs", person)
    extraartists += release_crew(crew, songs, ledger)
    tracklist: list[Document] = []
    position = iter(numbers)
    for disc_index, disc in enumerate(release.discs):
        if release.kind == "deluxe" and disc_index == len(release.discs) - 1:
            tracklist.append(
                {"position": "", "type_": "heading", "title": "Bonus Tracks", "duration": ""}
            )
        for song in disc:
            track: Document = {
                "position": next(position),
                "type_": "track",
                "title": song.title,
                "duration": f"{song.duration_ms // 60000}:{song.duration_ms // 1000 % 60:02d}",
            }
            track_credits = []
            for person, kind in song.co_producers:
                if rng.random() >= builder.realism.discogs_drops_co_producer:
                    track_credits.append(credit(person, DISCOGS_CO_ROLES[kind]))
                    ledger.producer(song, "discogs", person)
            if song.featured is not None:
                track_credits.append(credit(song.featured, "Featuring"))
                ledger.other(song, song.featured, "featured artist")
            if track_credits:
                track["extraartists"] = track_credits
            tracklist.append(track)
    for person in [
        release.artist,
        *leads,
        crew.mixer,
        crew.mastering,
        crew.writer,
        *([crew.executive] if crew.executive else []),
    ]:
        people[person.key] = person
    for song in songs:
        for person in track_people(song):
            people[person.key] = person
    return {
        "id": release.discogs_id,
        "title": release.name,
        "year": release.year,
        "released": release.release_date,
        "country": release.artist.country,
        "artists": [{"id": release.artist.discogs_id}],
        "formats": [discogs_format(release)],
        "labels": [
            {
                "name": release.label,
                "catno": f"CAT-{release.discogs_id % 10_000:04d}",
                "id": 90_000 + len(release.label),
            }
        ],
        "genres": ["Electronic", "Pop"],
        "styles": [style.title() for style in release.artist.genres],
        "barcode": release.barcode,
        "master_id": release.master_id,
        "extraartists": extraartists,
        "tracklist": tracklist,
    }


def track_people(song: Song) -> list[Person]:
    return [person for person, _ in song.co_producers] + ([song.featured] if song.featured else [])


def release_crew(crew: Crew, songs: list[Song], ledger: Ledger) -> list[Document]:
    entries = [
        credit(crew.mixer, "Mixed By"),
        credit(crew.mastering, "Mastered By"),
        credit(crew.writer, "Written-By"),
    ]
    for song in songs:
        ledger.other(song, crew.mixer, "mixing engineer")
        ledger.other(song, crew.mastering, "mastering engineer")
        ledger.other(song, crew.writer, "co-writer")
        if crew.executive is not None:
            ledger.other(song, crew.executive, "executive producer")
    if crew.executive is not None:
        entries.append(credit(crew.executive, "Executive-Producer"))
    return entries


def discogs_format(release: Release) -> Document:
    quantity = str(len(release.discs))
    if release.vinyl:
        return {"name": "Vinyl", "qty": quantity, "descriptions": ["LP", "Album"]}
    if release.album_type == "album":
        extra = (
            ["Deluxe Edition"]
            if release.kind == "deluxe"
            else (["Remastered"] if release.kind == "remaster" else [])
        )
        return {"name": "CD", "qty": quantity, "descriptions": ["Album", *extra]}
    return {
        "name": "File",
        "qty": quantity,
        "descriptions": ["EP" if release.kind == "ep" else "Single", "MP3"],
    }


def discogs_artist(person: Person) -> Document:
    urls = [f"https://www.instagram.com/{person.instagram}"] if person.instagram else []
    return {
        "id": person.discogs_id,
        "name": person.discogs_name,
        "realname": "",
        "profile": f"{person.role.title()}.",
        "urls": urls,
        "namevariations": [person.discogs_anv] if person.discogs_anv else [],
    }
