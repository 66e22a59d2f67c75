"""The in-memory model `sandbox.synthetic` builds before writing the providers' documents:
people, songs (one ISRC each) and releases (one Spotify album each), plus the realism knobs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class Realism:
    """How far the generated catalogue departs from a perfect one. Defaults are close to what
    the sources really cover (see the module docstring of `sandbox.synthetic`)."""

    releases_per_artist: tuple[int, int] = (3, 8)  # albums, EPs, singles and editions
    album_tracks: tuple[int, int] = (8, 14)
    two_disc_album_share: float = 0.12  # two discs of 8-12 tracks each
    deluxe_share: float = 0.3  # per album: a deluxe edition, 2 bonus songs on disc 2
    remaster_share: float = 0.15  # per album: a remaster, titles "X - 2019 Remaster"
    featured_share: float = 0.1  # songs with a featured artist (another catalogue artist)
    title_credit_share: float = 0.04  # songs titled "X (prod. Producer)"
    second_producer_share: float = 0.5  # albums where a second producer takes a block
    co_producer_share: float = 0.25  # songs with a co- or additional producer
    musicbrainz_absent_share: float = 0.2  # Spotify albums absent from MusicBrainz
    discogs_absent_share: float = 0.25  # others, absent from Discogs
    barcode_padding_share: float = 0.35  # MB releases: Spotify 14-digit GTIN, MB 12/13
    no_barcode_share: float = 0.1  # MB releases without a barcode (found by title only)
    unknown_isrc_share: float = 0.08  # songs on MB releases whose ISRC MB lacks or differs
    standalone_recording_share: float = 0.5  # songs on no MB release: a lone recording
    genius_share: float = 0.85  # songs with a Genius page
    genius_drops_co_producer: float = 0.3
    musicbrainz_drops_co_producer: float = 0.2
    discogs_drops_co_producer: float = 0.25
    name_variant_share: float = 0.2  # producers spelled differently on one source
    team_share: float = 0.1  # producers that are a team ("Thorne & Varga")
    vinyl_share: float = 0.2  # Discogs album releases that are LPs (positions A1, B2)
    live_share: float = 0.5  # per artist: a later live album of some songs, credited nowhere
    demo_share: float = 0.3  # per artist: a later EP of demos of some songs, credited nowhere

    def described(self) -> dict[str, object]:
        return {knob.name: getattr(self, knob.name) for knob in fields(self)}


@dataclass(eq=False)  # identity: the same person, song or release
class Person:
    key: str
    name: str
    role: str  # artist, producer, mixer, mastering, executive, writer
    genius_id: int
    musicbrainz_id: str
    discogs_id: int
    team: bool = False
    spotify_id: str | None = None
    country: str = "GB"
    musicbrainz_name: str = ""
    discogs_name: str = ""
    discogs_anv: str | None = None
    variant: str | None = None  # how the name differs across sources
    instagram: str | None = None
    instagram_on_genius: bool = False
    email: str | None = None
    placeholder_image: bool = False
    genres: tuple[str, ...] = ()
    registrant: str = ""

    def __post_init__(self) -> None:
        self.musicbrainz_name = self.musicbrainz_name or self.name
        self.discogs_name = self.discogs_name or self.name


@dataclass(eq=False)  # identity: the same person, song or release
class Song:
    isrc: str
    title: str  # canonical, without markers
    artist: Person
    writer: Person
    year: int
    duration_ms: int
    explicit: bool
    producers: list[Person] = field(default_factory=list)
    co_producers: list[tuple[Person, str]] = field(default_factory=list)  # (who, co|additional)
    featured: Person | None = None
    feature_word: str = "feat."
    title_credit: list[Person] = field(default_factory=list)
    recording_id: str = ""
    musicbrainz: str = "release"  # release, unknown-isrc, standalone, absent
    musicbrainz_isrcs: list[str] = field(default_factory=list)
    genius_id: int | None = None

    def spotify_title(self, suffix: str = "") -> str:
        title = self.title
        if self.featured is not None:
            title += f" ({self.feature_word} {self.featured.name})"
        if self.title_credit:
            title += f" (prod. {' & '.join(person.name for person in self.title_credit)})"
        return title + suffix


@dataclass(eq=False)  # identity: the same person, song or release
class Crew:
    """Who works on an artist's records besides the producers."""

    mixer: Person
    mastering: Person
    executive: Person | None
    writer: Person
    producers: list[Person]  # the artist's circle, drawn from the shared pool


@dataclass(eq=False)  # identity: the same person, song or release
class Release:
    spotify_id: str
    name: str
    album_type: str  # album or single (Spotify files EPs as singles)
    kind: str  # album, ep, single, pre-release, deluxe, remaster
    artist: Person
    crew: Crew
    discs: list[list[Song]]
    release_date: str
    precision: str
    label: str
    barcode: str  # the 12-digit UPC
    track_suffix: str = ""  # " - 2019 Remaster", " - Live", " - Demo"
    other_takes: dict[str, str] = field(default_factory=dict)  # song ISRC → this take's ISRC
    edition_of: Release | None = None
    spotify_upc: str = ""
    musicbrainz_barcode: str | None = None  # None: absent from MusicBrainz; "": no barcode
    on_discogs: bool = True
    vinyl: bool = False
    musicbrainz_id: str = ""
    discogs_id: int = 0
    master_id: int = 0
    genius_album_id: int = 0

    @property
    def songs(self) -> list[Song]:
        return [song for disc in self.discs for song in disc]

    @property
    def year(self) -> int:
        return int(self.release_date[:4])


@dataclass
class Ledger:
    """What the rendered documents credit, per song ISRC: the producers each source names
    and everyone named in another role; `_expected` is read from it."""

    producers: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    non_producers: dict[str, set[str]] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)

    def producer(self, song: Song, source: str, person: Person) -> None:
        self.people[person.key] = person
        self.producers.setdefault(song.isrc, {}).setdefault(source, set()).add(person.key)

    def other(self, song: Song, person: Person, why: str) -> None:
        self.people[person.key] = person
        self.why.setdefault(person.key, why)
        self.non_producers.setdefault(song.isrc, set()).add(person.key)

    def credited(self, song: Song, source: str) -> list[str]:
        return sorted(self.producers.get(song.isrc, {}).get(source, set()))
