"""Hypothesis strategies of queue messages (producer_discovery.messages): valid messages
drawn from each model's own fields and bounds, and bodies one to three values away from a
valid one (each value changed to what a sender might get wrong: white space pydantic strips
and btrim does not, ids in other UUID forms, numbers as floats or strings, lengths around
every bound, nulls, missing keys)."""

from __future__ import annotations

import json
from typing import Annotated, Any, get_args, get_origin
from uuid import UUID

from annotated_types import Ge, Le, MaxLen, MinLen
from hypothesis import assume
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from producer_discovery.messages import (
    AlbumDiscoveryMessage,
    ArtistDiscoveryMessage,
    CarriedArtist,
    CarriedFollowers,
    CarriedImage,
    ProducerIdentificationMessage,
    QueueMessage,
    SocialEnrichmentMessage,
    TrackDiscoveryMessage,
)
from tests.support.database import typed
from tests.support.hostile_values import FIELD_NAMES, json_values

# White space pydantic strips and btrim does not, a control character Python's str.strip()
# strips and pydantic does not, and a space.
TRICKY_SPACES = "\u00a0\u3000\u2028\u0085\t\n\x1c "
text_characters = st.sampled_from(TRICKY_SPACES) | st.characters(
    codec="utf-8", exclude_characters="\x00"
)


# Valid messages, drawn from the models' own fields and bounds ----------------------------
def bounds_of(info: FieldInfo) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    for constraint in info.metadata:
        if isinstance(constraint, MinLen):
            bounds["min_size"] = constraint.min_length
        elif isinstance(constraint, MaxLen):
            bounds["max_size"] = constraint.max_length
        elif isinstance(constraint, Ge):
            bounds["min_value"] = constraint.ge
        elif isinstance(constraint, Le):
            bounds["max_value"] = constraint.le
    return bounds


def values_of(annotation: Any, bounds: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values of a field's type within its bounds (the model refuses the few that break a
    rule the type does not say, such as a name of white space only)."""
    origin, arguments = get_origin(annotation), get_args(annotation)
    if origin is Annotated:  # Uuid: the UUID and its validator
        return values_of(arguments[0], bounds)
    if type(None) in arguments:  # X | None
        (inner,) = (argument for argument in arguments if argument is not type(None))
        return st.none() | values_of(inner, bounds)
    if origin is list:
        return st.lists(values_of(arguments[0], {}), max_size=3)
    if annotation is UUID:
        return st.uuids()
    if annotation is str:
        size = {"min_size": bounds.get("min_size", 0), "max_size": bounds.get("max_size", 40)}
        return st.text(text_characters, **size)
    if annotation is int:
        low, high = bounds.get("min_value"), bounds.get("max_value")
        if high is None:  # unbounded above: up to the largest number a message may hold
            return st.integers(low, 10**12) | st.just(10**1000 - 1)
        return st.integers(low, high)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return instances_of(annotation)
    raise AssertionError(f"no strategy for {annotation!r}")


def fields_of(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments of the model by field name: every required field, and each field
    with a default sometimes (so that `body()` leaves it out)."""
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, info in model.model_fields.items():
        strategy = values_of(info.annotation, bounds_of(info))
        (required if info.is_required() else optional)[name] = strategy
    return st.fixed_dictionaries(required, optional=optional)


def instances_of(model: type[BaseModel]) -> st.SearchStrategy[Any]:
    return (
        fields_of(model)
        .map(lambda fields: built(model, fields))
        .filter(lambda instance: instance is not None)
    )


def built(model: type[BaseModel], fields: dict[str, Any]) -> Any:
    try:
        return model(**fields)
    except ValidationError:
        return None


@st.composite
def valid_messages(draw: st.DrawFn, model: type[QueueMessage]) -> QueueMessage:
    fields = draw(fields_of(model))
    if model is ArtistDiscoveryMessage:  # one subject: a name, an id (+ its artist) or a genre
        subject = draw(st.sampled_from(["artist_name", "spotify_id", "genre"]))
        others = {
            "artist_name": ("spotify_id", "genre", "artist"),
            "spotify_id": ("genre",),
            "genre": ("artist_name", "spotify_id", "artist"),
        }[subject]
        for name in others:
            fields.pop(name, None)
        if fields.get(subject) is None:
            fields[subject] = draw(values_of(str, {"min_size": 1, "max_size": 30}))
        if fields.get("artist") is not None:  # the artist object spotifyId names
            fields["artist"] = fields["artist"].model_copy(
                update={"id": fields["spotify_id"].strip()}
            )
    message = built(model, fields)
    assume(message is not None)
    return typed(message, QueueMessage)


# Hostile and nearly valid bodies -----------------------------------------------------------
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"
BOUNDS = (0, 1, 100, 101, 300, 301, 1000, 1001)  # each bound of the models, and one past it
SOME_UUID = "6a1e0c62-8f0b-4d6e-9d55-0c3b4c8a1f77"
EVERYWHERE: list[Any] = [
    None,
    True,
    False,
    -1,
    5.0,
    "",
    "5",
    "x",
    [],
    {},
    [None],
    10**1000 - 1,  # the longest number a message may hold
    10**1000,
    " ",
    " " * 101,
    "\x1c",  # white space to Python's str.strip(), not to pydantic
    "\x1cx\x1c",
    "x" * 1001,
    SOME_UUID,
    SOME_UUID.upper(),
    *(" " + space for space in WHITE_SPACE),
]


def variants(current: Any) -> list[Any]:
    """What a sender might get wrong about a value, around `current`, and anywhere."""
    around: list[Any] = []
    if isinstance(current, str):
        around = [
            current[:-1],
            current + "x",
            current.upper(),
            "{" + current + "}",
            current.replace("-", ""),
            current.replace("-", "")[:8] + "-" + current.replace("-", "")[8:],
            "urn:uuid:" + current,
        ]
        around += [space + current for space in WHITE_SPACE] + [current + "\x1c"]
        around += [current.ljust(size, "x") for size in BOUNDS if size > len(current)]
        around += [" " + current.ljust(size, "x") for size in BOUNDS if size > len(current)]
    elif isinstance(current, int) and not isinstance(current, bool):
        around = [-current, current + 1, current - 1, *BOUNDS, -1, 2**63]
        if abs(current) < 10**300:  # as a float and as a string (both refused)
            around += [float(current), str(current)]
    elif isinstance(current, list):
        around = [[], [None], [1], ["x"], [*current, None], [*current, "x"], [current]]
        around += [[value] for value in variants(current[0])] if current else []
    elif isinstance(current, dict):
        around = [[current], {**current, "id": None}, {"total": "1"}, {"url": 1}]
    return around + EVERYWHERE


Path = tuple[Any, ...]  # keys and indexes from a body to one of its objects


def places(body: dict[str, Any], model: type[QueueMessage]) -> list[tuple[Path, str]]:
    """Every (object, key) a deviation can change: the body's keys, its model's fields and
    the keys of every queue message, and those of the artist object it carries."""
    names = {info.alias or name for name, info in model.model_fields.items()}
    found: list[tuple[Path, str]] = [
        ((), key) for key in sorted(set(body) | names | set(FIELD_NAMES))
    ]
    artist = body.get("artist")
    if isinstance(artist, dict):
        keys = set(artist) | set(CarriedArtist.model_fields)
        found += [(("artist",), key) for key in sorted(keys)]
        images, followers = artist.get("images"), artist.get("followers")
        if isinstance(images, list) and images and isinstance(images[0], dict):
            found += [(("artist", "images", 0), key) for key in ("url", "height", "width")]
        if isinstance(followers, dict):
            found.append((("artist", "followers"), "total"))
    return found


MISSING = object()  # a deviation that removes the key


def at(body: Any, path: Path) -> Any:
    for step in path:
        body = body[step]
    return body


def deviation(body: dict[str, Any], path: Path, key: str, value: Any) -> dict[str, Any]:
    """A copy of `body` whose object at `path` has `key` set to `value` (or removed)."""
    copy: dict[str, Any] = json.loads(json.dumps(body))
    if value is MISSING:
        at(copy, path).pop(key, None)
    else:
        at(copy, path)[key] = value
    return copy


def deviations(body: dict[str, Any], model: type[QueueMessage]) -> list[dict[str, Any]]:
    """Every body one value away from `body`."""
    return [
        deviation(body, path, key, value)
        for path, key in places(body, model)
        for value in [MISSING, *variants(at(body, path).get(key))]
    ]


@st.composite
def nearly_valid_bodies(draw: st.DrawFn, model: type[QueueMessage]) -> Any:
    """A valid body with one to three values changed, added or removed (in it or in the
    artist object it carries)."""
    body = draw(valid_messages(model)).body()
    for _ in range(draw(st.integers(1, 3))):
        path, key = draw(st.sampled_from(places(body, model)))
        choices = st.sampled_from([MISSING, *variants(at(body, path).get(key))]) | json_values
        body = deviation(body, path, key, draw(choices))
    return body


def some_id(number: int) -> UUID:
    return UUID(f"6a1e0c62-8f0b-4d6e-9d55-0c3b4c8a1f{number:02d}")


def typical_messages() -> list[QueueMessage]:
    """One message of each shape each queue takes, as its sender builds it."""
    carried = CarriedArtist(
        id="7KsNovaReyes",
        name="Nova Reyes",
        images=[CarriedImage(url="https://i.scdn.co/image/nova", height=640, width=640)],
        genres=["synthwave"],
        popularity=47,
        followers=CarriedFollowers(total=1200),
    )
    return [
        ArtistDiscoveryMessage(artist_name="Nova Reyes"),
        ArtistDiscoveryMessage(spotify_id="7KsNovaReyes", artist_name="Nova Reyes", artist=carried),
        ArtistDiscoveryMessage(genre="synthwave", min_popularity=40, limit=50),
        AlbumDiscoveryMessage(artist_id=some_id(1), spotify_id="7KsNovaReyes", offset=10),
        TrackDiscoveryMessage(album_id=some_id(2), spotify_id="4aaRooms", artist_id=some_id(1)),
        ProducerIdentificationMessage(
            track_id=some_id(3),
            normalized_track_id=some_id(4),
            artist_id=some_id(1),
            refresh="2024-05-01T00:00:00.000000Z",
        ),
        SocialEnrichmentMessage(producer_id=some_id(5), refresh="new-ids:genius:12"),
    ]
