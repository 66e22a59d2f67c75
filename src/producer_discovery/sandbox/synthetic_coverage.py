"""Which source holds what, for `sandbox.synthetic`: albums missing from MusicBrainz or
Discogs, barcodes written differently, ISRCs MusicBrainz does not know, Genius pages.

Shares are applied as exact counts (`round(share * population)` drawn without replacement),
so a small catalogue has the same proportions as a large one, up to rounding.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

from producer_discovery.sandbox import synthetic_names as names
from producer_discovery.sandbox.synthetic_model import Realism, Release, Song

Item = TypeVar("Item")


class Coverage:
    def __init__(self, rng: random.Random, realism: Realism, registry: names.Registry) -> None:
        self.rng = rng
        self.realism = realism
        self.registry = registry

    def share(self, items: Sequence[Item], share: float) -> list[Item]:
        """`share` of the items, drawn at random (exact count, catalogue order kept)."""
        chosen = set(self.rng.sample(range(len(items)), round(share * len(items))))
        return [item for index, item in enumerate(items) if index in chosen]

    def apply(self, releases: list[Release], songs: list[Song]) -> None:
        self.releases(releases)
        self.songs(releases, songs)

    def releases(self, releases: list[Release]) -> None:
        realism = self.realism
        off_musicbrainz = set(self.share(releases, realism.musicbrainz_absent_share))
        rest = [release for release in releases if release not in off_musicbrainz]
        share_of_rest = realism.discogs_absent_share * len(releases) / max(1, len(rest))
        for release in self.share(rest, min(1.0, share_of_rest)):
            release.on_discogs = False
        for release in releases:
            release.spotify_upc = release.barcode
            release.musicbrainz_barcode = None if release in off_musicbrainz else release.barcode
            release.vinyl = (
                release.album_type == "album" and self.rng.random() < realism.vinyl_share
            )
        on_musicbrainz = [release for release in releases if release not in off_musicbrainz]
        padded = self.share(on_musicbrainz, realism.barcode_padding_share)
        for release in padded:  # a list: iterating a set of objects would not be reproducible
            # Spotify sends the GTIN-14; MusicBrainz keeps the UPC-A or its EAN-13 form.
            release.spotify_upc = "00" + release.barcode
            release.musicbrainz_barcode = self.rng.choice((release.barcode, "0" + release.barcode))
        chosen = set(padded)
        others = [release for release in on_musicbrainz if release not in chosen]
        share_of_others = realism.no_barcode_share * len(on_musicbrainz) / max(1, len(others))
        for release in self.share(others, min(1.0, share_of_others)):
            release.musicbrainz_barcode = ""
        for release in releases:
            if release not in off_musicbrainz:
                continue
            # Spotify's own format does not depend on MusicBrainz
            if self.rng.random() < realism.barcode_padding_share:
                release.spotify_upc = "00" + release.barcode

    def songs(self, releases: list[Release], songs: list[Song]) -> None:
        realism = self.realism
        on_releases = {
            id(song)
            for release in releases
            if release.musicbrainz_barcode is not None
            for song in release.songs
        }
        released = [song for song in songs if id(song) in on_releases]
        lone = [song for song in songs if id(song) not in on_releases]
        for song in songs:
            song.musicbrainz_isrcs = [song.isrc]
        for song in self.share(released, realism.unknown_isrc_share):
            song.musicbrainz = "unknown-isrc"
            if self.rng.random() < 0.5:
                song.musicbrainz_isrcs = []
            else:  # another registrant's code for the same recording
                other = names.isrc(
                    "QM", names.registrant(self.rng), song.year, self.rng.randint(0, 99_999)
                )
                song.musicbrainz_isrcs = [other]
        standalone = set(self.share(lone, realism.standalone_recording_share))
        for song in lone:
            song.musicbrainz = "standalone" if song in standalone else "absent"
        for song in self.share(songs, realism.genius_share):
            song.genius_id = self.registry.number(1_000_000, 9_999_999)
