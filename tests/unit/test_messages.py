"""The message models as the Python senders use them (no database: the property test
tests/integration/test_property_messages.py holds them to validate_queue_message)."""

from __future__ import annotations

from uuid import UUID

import pytest
from producer_discovery.workers.artist_discovery import hit_message
from pydantic import ValidationError

from producer_discovery.clients.spotify_models import Artist
from producer_discovery.messages import (
    MAXIMUM_STRING_CHARACTERS,
    AlbumDiscoveryMessage,
    SocialEnrichmentMessage,
)

PRODUCER = UUID("6a1e0c62-8f0b-4d6e-9d55-0c3b4c8a1f00")


def hit(**fields: object) -> Artist:
    return Artist.model_validate(
        {"id": "7KsNovaReyes", "name": "Nova Reyes", "images": [{"url": "https://i/1"}]} | fields
    )


def test_a_genre_hit_is_sent_with_its_artist_object() -> None:
    """The hit's id, name and artist object, as Spotify sent it (nulls left out)."""
    message = hit_message(hit(popularity=47))
    assert message is not None
    assert message.body() == {
        "spotifyId": "7KsNovaReyes",
        "artistName": "Nova Reyes",
        "artist": {
            "id": "7KsNovaReyes",
            "name": "Nova Reyes",
            "images": [{"url": "https://i/1"}],
            "popularity": 47,
        },
    }
    assert message.artist is not None
    assert message.artist.spotify_artist() == hit(popularity=47)


def test_a_genre_hit_too_long_for_a_message_is_sent_by_id_alone() -> None:
    """A name over 300 characters (Spotify allows 1000) does not fit: the stage fetches it."""
    message = hit_message(hit(name="n" * 301))
    assert message is not None
    assert message.body() == {"spotifyId": "7KsNovaReyes"}
    assert hit_message(hit(id=" ")) is None  # no message can name it


def test_a_message_is_built_by_field_name_but_read_by_json_name() -> None:
    """Senders build by field name; a body with field names instead of JSON names is refused,
    as validate_queue_message refuses it."""
    message = AlbumDiscoveryMessage(artist_id=PRODUCER, spotify_id="7Ks", offset=10)
    assert AlbumDiscoveryMessage.model_validate(message.body(), by_name=False) == message
    with pytest.raises(ValidationError):
        AlbumDiscoveryMessage.model_validate(
            {"artist_id": str(PRODUCER), "spotify_id": "7Ks"}, by_name=False
        )


def test_the_new_ids_stamp_fits_a_message_however_many_ids() -> None:
    """Learned ids are named in the refresh stamp, cut to a string's bound; such a refresh
    reads profiles through the cache, a requeue's timestamp fresh ones."""
    message = SocialEnrichmentMessage.for_new_ids(PRODUCER, [f"discogs:{n}" for n in range(500)])
    assert message.refresh is not None
    assert len(message.refresh) == MAXIMUM_STRING_CHARACTERS
    assert not message.wants_fresh_profiles
    assert not SocialEnrichmentMessage(producer_id=PRODUCER).wants_fresh_profiles
    refreshed = SocialEnrichmentMessage(producer_id=PRODUCER, refresh="2024-05-01T00:00:00Z")
    assert refreshed.wants_fresh_profiles
