"""The sandboxes' "world" mode: answers in the shapes the real services really send.

Our clean sandboxes agree with our clients because one team wrote both. In world mode every
successful JSON answer is rewritten after the handler, with what responses recorded from the
real services show (tests/fixtures/recorded) and what the providers are known to vary:

    spotify      album_type upper-case ("ALBUM", "SINGLE") from GET /albums/{id}, and "EP",
                 "ep" and null in pages; UPCs padded to 14 digits ("00602475093060"); a null
                 item and an unreadable item (no id) in every page; unknown fields everywhere
    genius       unknown fields; NUL, right-to-left, zero-width and combining characters in
                 free text (a song's and an artist's description)
    musicbrainz  unknown fields; NUL in an annotation
    discogs      a heading without a position before the tracklist; unknown fields and NUL in
                 the release notes
    instagram    unknown fields

The credits are unchanged: a pipeline run in world mode must find exactly what a clean run
finds. `SandboxEnvironment(world=True)` turns it on.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

ODD_TEXT = " \u200f\u200b e\u0301\u0000"  # RTL mark, zero-width space, combining acute, NUL
PAGE_ALBUM_TYPES = ("ALBUM", "EP", "ep", None, "Single")


def worldly(provider: str, endpoint: str, body: Any) -> Any:
    """`body` (a handler's JSON answer) as the real `provider` would shape it."""
    rewrite = REWRITES.get(provider)
    if rewrite is None or not isinstance(body, dict):
        return body
    shaped = copy.deepcopy(body)
    rewrite(endpoint, shaped)
    shaped.setdefault("_world_unknown_field", {"added": "by the real service one day"})
    return shaped


def padded_upc(album: dict[str, Any]) -> None:
    ids = album.get("external_ids")
    if isinstance(ids, dict) and isinstance(ids.get("upc"), str) and ids["upc"].isdigit():
        ids["upc"] = ids["upc"].zfill(14)


def odd_items(page: dict[str, Any]) -> None:
    """A null item and one without an id, as real pages sometimes hold."""
    if isinstance(page.get("items"), list):
        page["items"] = [*page["items"], None, {"name": "unreadable item", "type": "album"}]


def spotify(endpoint: str, body: dict[str, Any]) -> None:
    if endpoint == "album":
        body["album_type"] = str(body.get("album_type") or "album").upper()
        padded_upc(body)
        if isinstance(body.get("tracks"), dict):
            odd_items(body["tracks"])
    elif endpoint == "artist_albums":
        types = itertools.cycle(PAGE_ALBUM_TYPES)
        for album in body.get("items") or []:
            if isinstance(album, dict):
                album["album_type"] = next(types)
        odd_items(body)
    elif endpoint == "album_tracks":
        odd_items(body)
    elif endpoint == "search":
        for page in body.values():
            if isinstance(page, dict):
                odd_items(page)
    elif endpoint in ("track", "tracks_batch"):
        for track in body.get("tracks") or [body]:
            if isinstance(track, dict) and isinstance(track.get("album"), dict):
                track["album"]["album_type"] = str(track["album"].get("album_type") or "").upper()


def genius(endpoint: str, body: dict[str, Any]) -> None:
    response = body.get("response")
    if not isinstance(response, dict):
        return
    for key in ("song", "artist"):
        item = response.get(key)
        if isinstance(item, dict):
            description = item.get("description")
            if isinstance(description, dict) and isinstance(description.get("plain"), str):
                description["plain"] += ODD_TEXT
            item["_world_stats"] = {"iq": None, "pyongs": 0}


def musicbrainz(endpoint: str, body: dict[str, Any]) -> None:
    if endpoint in ("release", "recording", "artist"):
        body["annotation"] = "Recorded live." + ODD_TEXT


def discogs(endpoint: str, body: dict[str, Any]) -> None:
    if endpoint == "releases" and isinstance(body.get("tracklist"), list):
        body["tracklist"] = [
            {"type_": "heading", "position": "", "title": "Side One", "duration": ""},
            *body["tracklist"],
        ]
        body["notes"] = str(body.get("notes") or "") + ODD_TEXT


def instagram(endpoint: str, body: dict[str, Any]) -> None:
    return None


REWRITES = {
    "spotify": spotify,
    "genius": genius,
    "musicbrainz": musicbrainz,
    "discogs": discogs,
    "instagram": instagram,
}
