"""API requests per identified song: the producer_identification stage next to a per-track
client, on the whole sample catalogue and the credit sandboxes, in the same run.

    .venv/bin/python -m benchmarks.producer_requests      (from the repository root)

The per-track client is what the original system did for every song, without a cache:
Spotify GET /tracks/{id} for the ISRC, MusicBrainz /isrc/{isrc} then /recording/{mbid} (two
MusicBrainz calls per song), Genius search then /songs/{id} of the first hit, Discogs search
then /releases/{id} of the first hit. The stage asks MusicBrainz and Discogs once per album
(barcode or title search + one release lookup holding every track's credits), falls back to
the per-track route only where that cannot pay off, and shares every answer through the
PostgreSQL response cache. Requests are counted by the sandboxes themselves (Spotify's token
requests left out). MusicBrainz runs at 50/s here: counts do not depend on the rate.

Uses a new database on the server of DATABASE_URL when set (created and dropped), else a
throwaway cluster like the tests'.
"""

from __future__ import annotations

from collections import Counter

import psycopg

from producer_discovery.clients.discogs import DiscogsClient
from producer_discovery.clients.genius import GeniusClient
from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.db.scratch import scratch_database
from producer_discovery.identification.identify import load_track
from producer_discovery.identification.track import TrackToIdentify, search_title
from producer_discovery.logging import configure
from producer_discovery.runtime.resources import Resources
from producer_discovery.sandbox.catalogue_seed import seed_catalogue
from producer_discovery.settings import Settings
from producer_discovery.workers.producer_identification import QUEUE, build
from tests.support.sandboxes import Sandboxes
from tests.support.settings import sandbox_settings
from tests.support.stages import drain_stage

APIS = ("musicbrainz", "genius", "discogs", "spotify")


# The stage ---------------------------------------------------------------------------------
def run_stage(url: str, settings: Settings, messages: list[dict[str, str]]) -> int:
    """Identify every song with one draining worker; the songs credited to someone."""
    drain_stage(settings, QUEUE, build, messages=messages, timeout=None)
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(DISTINCT track_id) FROM track_producers").fetchone()
    return int(row[0]) if row else 0


# The per-track client ----------------------------------------------------------------------
def per_track(settings: Settings, tracks: list[TrackToIdentify]) -> None:
    """Every song on its own, no cache: the original system's request pattern."""
    spotify = SpotifyClient.from_settings(settings)
    genius, musicbrainz, discogs = (
        GeniusClient.from_settings(settings),
        MusicBrainzClient.from_settings(settings),
        DiscogsClient.from_settings(settings),
    )
    for track in tracks:
        assert track.spotify_id is not None
        isrc = spotify.get_track(track.spotify_id).isrc
        recordings = musicbrainz.recordings_by_isrc(isrc) if isrc else []
        if recordings:
            musicbrainz.recording(recordings[0]["id"])
        first_song = next(
            iter(genius.search(f"{search_title(track.title)} {track.artist_name}")), None
        )
        if first_song:
            genius.song(first_song["id"])
        first_release = next(
            iter(discogs.search_releases(track.artist_name, search_title(track.title))), None
        )
        if first_release:
            discogs.release(first_release["id"])
    for client in (spotify, genius, musicbrainz, discogs):
        client.close()


def stored_tracks(
    url: str, settings: Settings, messages: list[dict[str, str]]
) -> list[TrackToIdentify]:
    """The seeded songs' representative tracks, as the stage loads them."""
    resources = Resources.build(settings, url, QUEUE)
    try:
        tracks = [load_track(resources.pool, m["trackId"], m["artistId"]) for m in messages]
    finally:
        resources.close()
    return [track for track in tracks if track is not None]


# Report ------------------------------------------------------------------------------------
def report(songs: int, credited: int, stage: Counter[str], baseline: Counter[str]) -> list[str]:
    lines = [
        f"songs identified: {songs} (credited to at least one producer: {credited})",
        f"{'API':<12}{'stage':>8}{'/song':>8}{'per-track':>11}{'/song':>8}{'ratio':>8}",
    ]
    for api in (*APIS, "total"):
        ours = stage[api] if api != "total" else sum(stage.values())
        theirs = baseline[api] if api != "total" else sum(baseline.values())
        ratio = f"{theirs / ours:.1f}x" if ours else "-"
        lines.append(
            f"{api:<12}{ours:>8}{ours / songs:>8.2f}{theirs:>11}{theirs / songs:>8.2f}{ratio:>8}"
        )
    return lines


def main() -> None:
    configure("json", level=40)
    sandboxes = Sandboxes(musicbrainz_requests_per_second=50, discogs_requests_per_minute=100_000)
    with scratch_database() as url, sandboxes:
        settings = sandbox_settings(sandboxes, url, fast=True, instagram=False)
        with psycopg.connect(url, autocommit=True) as conn:
            messages = seed_catalogue(conn)
        credited = run_stage(url, settings, messages)
        stage = sandboxes.requests()
        tracks = stored_tracks(url, settings, messages)
        sandboxes.reset()
        per_track(settings, tracks)
        baseline = sandboxes.requests()
    print("\n".join(report(len(messages), credited, stage, baseline)))


if __name__ == "__main__":
    main()
