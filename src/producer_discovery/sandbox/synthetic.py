"""A synthetic catalogue for the sandboxes, 3 to 200 artists, with realistic coverage.

    spotify_doc, credits_doc = generate(artists=20, seed=0)
    catalogue = GeneratedCatalogue.build(20).write(directory)   # the two JSON files

The two documents have the layouts of `data/spotify_catalogue.json` and
`data/credits_catalogue.json` (each `_about` says so, and lists the knobs used), and the
credits document has an `_expected` of the sample's shape: one entry per song (ISRC) with the
producers the sources credit (their union plus "(prod. X)" title hints), the non-producers
they credit, and one entry per producer with its ids on every source. Deterministic per seed.

The realism knobs (`Realism`, defaults close to what the real sources cover):
- per artist 3-8 releases: albums of 8-14 tracks (12 % on two discs), EPs of 4-6 tracks and
  singles (album_type "single" both), pre-release singles repeating album recordings (same
  ISRC), deluxe editions (30 % of albums: same recordings plus 2 bonus songs on disc 2) and
  remasters (15 %: titles "X - 2019 Remaster"), every edition sharing ISRCs;
- live and demo editions (`live_share` 50 % of artists: a later live album "Live at …" of 3-5
  songs, titles "X - Live" or "X (Live at …)"; `demo_share` 30 %: a later EP "… Demos" of 2-3
  songs, titles plain, as "X - Demo" would be another song by the title policy): other recordings (their own ISRCs) on no MusicBrainz or Discogs release
  and without a Genius page, so no source credits them; `_expected` stays per song (each
  song lists its other takes' ISRCs in `other_isrcs`). They are drawn from a generator of their
  own, after everything else, so the rest of a catalogue is the same as without them;
- featured artists (10 % of songs, "(feat. X)" or "(with X)"), "(prod. X)" titles (4 %),
  a team written as it is named ("(prod. Thorne & Varga)": one team, not two people);
- a pool of ~1.5 producers an artist (10 % teams), each artist working with 2-4 of them, so
  producers are shared across artists; 20 % spelled differently on one source (Discogs
  " (N)" suffix or a name variation `anv`, MusicBrainz's typographic apostrophe, Discogs
  without accents);
- 20 % of Spotify albums absent from MusicBrainz and a different 25 % absent from Discogs;
- of the MusicBrainz releases, 35 % with the barcode stored as the 12-digit UPC or the
  13-digit EAN while Spotify sends the 14-digit zero-padded GTIN, 10 % with no barcode;
- 8 % of the songs on MusicBrainz releases with an ISRC MusicBrainz does not know (none, or
  another one); half the songs on no MusicBrainz release as a lone recording (ISRC and
  credits, no release), the other half absent;
- Discogs credits at release level naming their tracks as the real data does ("1 to 4, 6",
  "A1 to B2", "1-1 to 1-6", "" for all) plus track-level extraartists (co-producers,
  featuring); Genius pages for 85 % of songs with producer_artists and custom performances;
- sources sometimes omit a co-producer (Genius 30 %, MusicBrainz 20 %, Discogs 25 %).
No compilations and no Genius decoys (the sample catalogue keeps those traps).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from producer_discovery.sandbox import synthetic_names as names
from producer_discovery.sandbox.credits_data import slug
from producer_discovery.sandbox.synthetic_coverage import Coverage
from producer_discovery.sandbox.synthetic_documents import credits_document, spotify_document
from producer_discovery.sandbox.synthetic_model import Crew, Person, Realism, Release, Song

MINIMUM_ARTISTS = 3
MAXIMUM_ARTISTS = 200
Document = dict[str, Any]


def generate(
    artists: int, seed: int = 0, realism: Realism | None = None
) -> tuple[Document, Document]:
    """The Spotify and the credits documents of a catalogue of `artists` artists."""
    if not MINIMUM_ARTISTS <= artists <= MAXIMUM_ARTISTS:
        raise ValueError(
            f"a synthetic catalogue has {MINIMUM_ARTISTS} to {MAXIMUM_ARTISTS} artists, "
            f"not {artists}"
        )
    knobs = realism or Realism()
    builder = Builder(random.Random(seed), knobs)
    builder.build(artists)
    about = {"artists": artists, "seed": seed, "realism": knobs.described()}
    return (
        spotify_document(builder, about),
        credits_document(builder, about),
    )


@dataclass(frozen=True)
class GeneratedCatalogue:
    """A generated catalogue, written as the two files the sandboxes load."""

    artists: int
    seed: int
    spotify: Document
    credits: Document
    directory: Path | None = None

    @classmethod
    def build(cls, artists: int, seed: int = 0) -> GeneratedCatalogue:
        spotify, credits = generate(artists, seed)
        return cls(artists, seed, spotify, credits)

    def write(self, directory: Path) -> GeneratedCatalogue:
        directory.mkdir(parents=True, exist_ok=True)
        written = replace(self, directory=directory)
        for path, document in (
            (written.spotify_path, self.spotify),
            (written.credits_path, self.credits),
        ):
            path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return written

    @property
    def spotify_path(self) -> Path:
        assert self.directory is not None, "write() the catalogue first"
        return self.directory / "spotify_catalogue.json"

    @property
    def credits_path(self) -> Path:
        assert self.directory is not None, "write() the catalogue first"
        return self.directory / "credits_catalogue.json"

    @property
    def artist_names(self) -> list[str]:
        return [artist["name"] for artist in self.spotify["artists"]]


class Builder:
    """Draws people, releases and coverage in a fixed order from one random generator."""

    def __init__(self, rng: random.Random, realism: Realism) -> None:
        self.rng = rng
        self.realism = realism
        self.registry = names.Registry(rng)
        self.artists: list[Person] = []
        self.producers: list[Person] = []
        self.crew_pool: list[Person] = []
        self.releases: list[Release] = []
        self.songs: list[Song] = []
        self.song_numbers: dict[str, int] = {}
        # The live and demo takes' own generator (seeded once the artists are drawn).
        self.takes_rng = random.Random(0)
        self.takes_registry = names.Registry(self.takes_rng)

    # People -----------------------------------------------------------------------------
    def person(self, role: str, draw: Callable[[random.Random], str]) -> Person:
        name = self.registry.name(draw)
        person = Person(
            key=slug(name),
            name=name,
            role=role,
            genius_id=self.registry.number(2_000_000, 3_999_999),
            musicbrainz_id=self.registry.text(names.mbid),
            discogs_id=self.registry.number(100_000, 9_999_999),
            country=self.rng.choice(names.COUNTRIES),
        )
        person.placeholder_image = self.rng.random() < 0.25
        handle = slug(name).replace("-", "") + self.rng.choice(("", ".music", "beats", "_prod"))
        chance = self.rng.random()
        if chance < 0.55:
            person.instagram, person.instagram_on_genius = handle, True
        elif chance < 0.7:
            person.instagram = handle
        if role == "producer" and self.rng.random() < 0.2:
            person.email = f"{handle.replace('_', '.')}@example.com"
        return person

    def producer(self) -> Person:
        team = self.rng.random() < self.realism.team_share
        person = self.person("producer", names.team_name if team else names.person_name)
        person.team = team
        if self.rng.random() < self.realism.name_variant_share:
            self.vary_name(person)
        return person

    def vary_name(self, person: Person) -> None:
        """One source spells the producer differently (the person stays the same)."""
        folded = slug(person.name).replace("-", " ")
        if "'" in person.name:
            person.musicbrainz_name = person.name.replace("'", "\u2019")
            person.variant = "musicbrainz typographic apostrophe"
        elif folded != person.name.casefold().replace("&", "and") and not person.team:
            person.discogs_name = folded.title()
            person.variant = "discogs without accents"
        elif not person.team and self.rng.random() < 0.5:
            first, _, last = person.name.partition(" ")
            person.discogs_anv = f"{first[0]}. {last}"
            person.variant = "discogs name variation (anv)"
        else:
            person.discogs_name = f"{person.name} ({self.rng.randint(2, 9)})"
            person.variant = "discogs disambiguation suffix"

    def artist(self) -> Person:
        person = self.person("artist", names.artist_name)
        person.spotify_id = self.registry.text(names.spotify_id)
        person.genres = tuple(self.rng.sample(names.GENRES, 2))
        person.registrant = self.registry.text(names.registrant)
        return person

    def crew(self) -> Crew:
        def pick(role: str, size: int) -> Person:
            pool = [person for person in self.crew_pool if person.role == role]
            if len(pool) < size:
                pool.append(self.person(role, names.person_name))
                self.crew_pool.append(pool[-1])
                return pool[-1]
            return self.rng.choice(pool)

        count = len(self.artists)
        executive = pick("executive", max(1, count // 4)) if self.rng.random() < 0.6 else None
        circle = self.rng.sample(self.producers, min(len(self.producers), self.rng.randint(2, 4)))
        return Crew(
            pick("mixer", max(2, count // 3)),
            pick("mastering", max(1, count // 5)),
            executive,
            pick("writer", max(2, count // 2)),
            circle,
        )

    # Releases ---------------------------------------------------------------------------
    def build(self, artist_count: int) -> None:
        self.artists = [self.artist() for _ in range(artist_count)]
        self.producers = [self.producer() for _ in range(max(4, round(artist_count * 1.5)))]
        for artist in self.artists:
            self.discography(artist, self.crew())
        Coverage(self.rng, self.realism, self.registry).apply(self.releases, self.songs)
        self.other_takes()

    def song(self, artist: Person, crew: Crew, year: int, producers: list[Person]) -> Song:
        realism = self.realism
        number = self.song_numbers[artist.key] = self.song_numbers.get(artist.key, 0) + 1
        song = Song(
            isrc=names.isrc("QZ", artist.registrant, year, number),
            title=self.registry.name(names.song_title),
            artist=artist,
            writer=crew.writer,
            year=year,
            duration_ms=self.rng.randint(130_000, 330_000),
            explicit=self.rng.random() < 0.15,
            producers=producers,
            recording_id=self.registry.text(names.mbid),
        )
        others = [person for person in self.artists if person is not artist]
        if self.rng.random() < realism.featured_share:
            song.featured = self.rng.choice(others)
            song.feature_word = self.rng.choice(("feat.", "feat.", "with"))
        if self.rng.random() < realism.title_credit_share:
            song.title_credit = list(producers)
        if self.rng.random() < realism.co_producer_share:
            helpers = [person for person in self.producers if person not in producers]
            song.co_producers = [(self.rng.choice(helpers), self.rng.choice(("co", "additional")))]
        self.songs.append(song)
        return song

    def release(
        self,
        artist: Person,
        crew: Crew,
        kind: str,
        discs: list[list[Song]],
        date: str,
        name: str = "",
        suffix: str = "",
    ) -> Release:
        precision = self.rng.choices(("day", "month", "year"), (8, 1, 1))[0]
        shown = {"day": date, "month": date[:7], "year": date[:4]}[precision]
        release = Release(
            spotify_id=self.registry.text(names.spotify_id),
            name=name or discs[0][0].title,
            album_type="album" if kind in ("album", "deluxe", "remaster") else "single",
            kind=kind,
            artist=artist,
            crew=crew,
            discs=discs,
            release_date=shown,
            precision=precision,
            label=self.rng.choice(names.LABELS),
            barcode=str(self.registry.unique(names.upc)),
            track_suffix=suffix,
            musicbrainz_id=self.registry.text(names.mbid),
            discogs_id=self.registry.number(1_000_000, 29_999_999),
            master_id=self.registry.number(100_000, 3_999_999),
            genius_album_id=self.registry.number(100_000, 999_999),
        )
        self.releases.append(release)
        return release

    def date(self, year: int) -> str:
        return f"{year}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"

    def discography(self, artist: Person, crew: Crew) -> None:
        rng, realism = self.rng, self.realism
        total = rng.randint(*realism.releases_per_artist)
        album_count = max(1, min(3, round(total * rng.uniform(0.25, 0.45))))
        year = rng.randint(2008, 2016)
        albums = []
        for _ in range(album_count):
            albums.append(self.album(artist, crew, year))
            year += rng.randint(1, 3)
        remaining = total - album_count
        for album in albums:
            for kind, share in (
                ("deluxe", realism.deluxe_share),
                ("remaster", realism.remaster_share),
            ):
                if remaining > 0 and rng.random() < share:
                    self.edition(album, kind)
                    remaining -= 1
        while remaining > 0:
            choice = rng.choices(("pre-release", "single", "ep"), (5, 3, 2))[0]
            if choice == "pre-release":
                album = rng.choice(albums)
                song = rng.choice(album.discs[0])
                single_year = max(2005, album.year - rng.randint(0, 1))
                self.release(
                    artist,
                    crew,
                    "pre-release",
                    [[song]],
                    self.date(single_year),
                    song.spotify_title(),
                )
            else:
                size = 1 if choice == "single" else rng.randint(4, 6)
                producers = rng.sample(crew.producers, 1)
                songs = [self.song(artist, crew, year, producers) for _ in range(size)]
                name = songs[0].title if choice == "single" else f"{songs[0].title} EP"
                self.release(artist, crew, choice, [songs], self.date(year), name)
                year += rng.randint(0, 1)
            remaining -= 1

    def album(self, artist: Person, crew: Crew, year: int) -> Release:
        rng = self.rng
        if rng.random() < self.realism.two_disc_album_share:
            sizes = [rng.randint(8, 12), rng.randint(8, 12)]
        else:
            sizes = [rng.randint(*self.realism.album_tracks)]
        lead = crew.producers[0]
        second = next(iter(crew.producers[1:]), None)
        count = sum(sizes)
        block_start = count  # tracks from here on are the second producer's
        if second is not None and rng.random() < self.realism.second_producer_share:
            block_start = rng.randint(count // 3, count - 2)
        songs = [
            self.song(
                artist, crew, year, [lead] if index < block_start or second is None else [second]
            )
            for index in range(count)
        ]
        discs = [songs[: sizes[0]], songs[sizes[0] :]] if len(sizes) == 2 else [songs]
        name = self.registry.name(names.song_title)
        return self.release(artist, crew, "album", discs, self.date(year), name)

    def other_takes(self) -> None:
        """Live albums and demo EPs of some songs, released after the artist's albums (see the
        module docstring); their own generator keeps the main one's draws unchanged."""
        self.takes_rng.seed(f"editions:{self.artists[0].spotify_id}")
        self.takes_registry.taken = self.registry.taken
        rng, registry = self.takes_rng, self.takes_registry
        for artist in self.artists:
            own = [release for release in self.releases if release.artist is artist]
            albums = [release for release in own if release.kind == "album"]
            if not albums:
                continue
            last = max(release.year for release in own)
            for kind, share in (
                ("live", self.realism.live_share),
                ("demo", self.realism.demo_share),
            ):
                if rng.random() >= share:
                    continue
                songs = [song for album in albums for song in album.songs]
                chosen = rng.sample(
                    songs,
                    min(len(songs), rng.randint(3, 5) if kind == "live" else rng.randint(2, 3)),
                )
                self.take_release(
                    rng,
                    registry,
                    artist,
                    albums[0],
                    kind,
                    chosen,
                    min(2026, last + rng.randint(1, 2)),
                )

    def take_release(
        self,
        rng: random.Random,
        registry: names.Registry,
        artist: Person,
        album: Release,
        kind: str,
        songs: list[Song],
        year: int,
    ) -> None:
        if kind == "live":
            venue = rng.choice(names.VENUES)
            name, suffix = f"Live at {venue}", rng.choice((" - Live", f" (Live at {venue})"))
        else:
            name, suffix = f"{album.name} Demos", ""
        release = Release(
            spotify_id=registry.text(names.spotify_id),
            name=name,
            album_type="album" if kind == "live" else "single",
            kind=kind,
            artist=artist,
            crew=album.crew,
            discs=[songs],
            release_date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            precision="day",
            label=album.label,
            barcode=str(registry.unique(names.upc)),
            track_suffix=suffix,
            on_discogs=False,
        )
        release.spotify_upc = release.barcode  # musicbrainz_barcode None: not on MusicBrainz
        for song in songs:
            number = rng.randint(50_000, 99_999)
            release.other_takes[song.isrc] = names.isrc("QZ", artist.registrant, year, number)
        self.releases.append(release)

    def edition(self, album: Release, kind: str) -> None:
        year = min(2025, album.year + (1 if kind == "deluxe" else self.rng.randint(5, 12)))
        if kind == "deluxe":
            producers = album.songs[0].producers
            bonus = [self.song(album.artist, album.crew, year, producers) for _ in range(2)]
            discs = [*album.discs, bonus]
            name, suffix = f"{album.name} (Deluxe Edition)", ""
        else:
            discs = album.discs
            name, suffix = f"{album.name} ({year} Remaster)", f" - {year} Remaster"
        edition = self.release(album.artist, album.crew, kind, discs, self.date(year), name, suffix)
        edition.edition_of = album
        edition.master_id = album.master_id
