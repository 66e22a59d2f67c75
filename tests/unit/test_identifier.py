"""The identifier asks every source and leaves out alone only a source that fails alone: one
that is out, or whose document has a shape we cannot read. A bug in a source's code is raised."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from producer_discovery.errors import ResponseShapeError, SourceBlocked
from producer_discovery.identification.identify import AskedSource, Identifier
from producer_discovery.identification.title import title_answer
from producer_discovery.identification.track import SourceAnswer, TrackIsrc, TrackToIdentify

TRACK = TrackToIdentify(
    track_id="t1",
    title="Neon Cathedral (Prod. by Dev O'Neil)",
    spotify_id=None,
    artist_names=("Nova Reyes",),
    album_title="Neon Cathedral",
    upc=None,
    album_track_count=1,
    album_songs=1,
)


class GeniusSong(BaseModel):
    id: int


def failing(error: Exception) -> AskedSource:
    def ask(track: TrackToIdentify, isrc: TrackIsrc) -> SourceAnswer:
        raise error

    return AskedSource("genius", ask)


def identifier(*sources: AskedSource) -> Identifier:
    return Identifier([*sources, AskedSource("title", title_answer)], ("genius", "title"))


@pytest.mark.parametrize(
    "error",
    [
        ResponseShapeError("genius", "songs", "response.song.producer_artists is str, not a list"),
        SourceBlocked("genius search: HTTP 403 (host blocked by the CDN)", "genius", 60),
    ],
)
def test_a_source_that_fails_alone_is_listed_as_missing(error: Exception) -> None:
    """An unreadable document or a blocked source: missing with why, the others' credits kept."""
    found = identifier(failing(error)).identify(TRACK)
    assert list(found.missing) == ["genius"]
    assert type(error).__name__ in found.missing["genius"]
    assert found.consulted == ["title"]
    assert [c.name for c in found.credits] == ["Dev O'Neil"]


def test_a_provider_model_refusing_the_document_is_an_unreadable_answer() -> None:
    """A pydantic ValidationError of provider data is the source's unreadable answer."""
    with pytest.raises(ValidationError) as refused:
        GeniusSong.model_validate({"id": "not a number"})
    found = identifier(failing(refused.value)).identify(TRACK)
    assert "genius parse: unexpected response shape: ValidationError" in found.missing["genius"]


@pytest.mark.parametrize(
    "bug",
    [
        AttributeError("'Credit' object has no attribute 'sorce'"),
        KeyError("producer_artist"),
        TypeError("genius_song_credits() takes 1 positional argument but 2 were given"),
    ],
)
def test_a_bug_in_a_source_is_raised_not_recorded_as_missing(bug: Exception) -> None:
    """An AttributeError, KeyError or TypeError of our code fails the identification."""
    with pytest.raises(type(bug)):
        identifier(failing(bug)).identify(TRACK)
