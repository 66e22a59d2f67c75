"""Producer identification waits for a credit source blocked for a short while
(identification.waiting): when, and for how long the song is set aside."""

from __future__ import annotations

import pytest

from producer_discovery.db.rate_limits import Outage
from producer_discovery.errors import Deferred, WaitingForSource
from producer_discovery.identification.identify import Identification
from producer_discovery.identification.waiting import wait_for_sources


class Outages:
    def __init__(self, *outages: Outage) -> None:
        self.outages = {outage.api: outage for outage in outages}

    def outage(self, api: str) -> Outage | None:
        return self.outages.get(api)


def blocked(**sources: str) -> Identification:
    return Identification(missing=dict.fromkeys(sources, "SourceBlocked: …"), blocked=sources)


@pytest.mark.parametrize(
    ("outage", "delay"),
    [
        (Outage("genius", 3, 57), 15),  # a long block left: bounded to 15 s
        (Outage("genius", 3, 0), 5),  # passed, nobody answered yet: 5 s at least
        (Outage("genius", 3, 9), 9),  # what is left of the block
        (Outage("genius", 173, 57), 7),  # what is left of the wait
    ],
)
def test_a_young_outage_sets_the_song_aside_for_a_bounded_delay(
    outage: Outage, delay: float
) -> None:
    """Out for less than the wait: WaitingForSource (a Deferred), naming the API, for what is
    left of the block or of the wait, within 5-15 s."""
    with pytest.raises(WaitingForSource) as waiting:
        wait_for_sources(blocked(genius="genius"), Outages(outage), 180)
    assert isinstance(waiting.value, Deferred)
    assert waiting.value.apis == ["genius"]
    assert waiting.value.retry_after == pytest.approx(delay)
    assert str(waiting.value).startswith(
        f"waiting for genius (genius out {outage.out_seconds:.0f}s of 180s; again in"
    )


def test_a_blocked_spotify_makes_musicbrainz_wait_for_spotify() -> None:
    """The API that blocked, not the source it failed: MusicBrainz asked Spotify for an ISRC."""
    with pytest.raises(WaitingForSource) as waiting:
        wait_for_sources(
            blocked(musicbrainz="spotify", genius="genius"),
            Outages(Outage("spotify", 1, 20), Outage("genius", 500, 20)),
            180,
        )
    assert waiting.value.apis == ["spotify"], "Genius is out past the wait: not waited for"


@pytest.mark.parametrize(
    "outages",
    [
        Outages(),  # answered since: the gap is refilled at once instead
        Outages(Outage("genius", 181, 30)),  # out past the wait
        Outages(Outage("genius", 3, 57, credentials_refused=True)),  # refused: not waited for
    ],
)
def test_no_wait_past_the_wait_for_refused_credentials_or_once_answered(outages: Outages) -> None:
    """The song completes without the source (its gap recorded) instead."""
    wait_for_sources(blocked(genius="genius"), outages, 180)


def test_nothing_blocked_nothing_waited_for() -> None:
    """A source missing for another reason (an unreadable answer) is never waited for."""
    found = Identification(missing={"genius": "ResponseShapeError: …"})
    wait_for_sources(found, Outages(Outage("genius", 1, 50)), 180)
