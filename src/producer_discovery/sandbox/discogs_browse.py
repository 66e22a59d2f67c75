"""The Discogs sandbox's browsing shapes: an artist's releases, masters and their versions,
paging envelopes, artist search results, as Discogs documents them.

- `GET /artists/{id}/releases?sort=year|title|format&sort_order=asc|desc&page=&per_page=`
  → `{"pagination": {...}, "releases": [...]}`. A release that belongs to a master is listed
  once, as its master: `{id (the master's), type: "master", main_release, title, year, role,
  artist, resource_url, thumb}`; a release without a master is `{id, type: "release", title,
  year, role, artist, format, label, status, resource_url, thumb}`. `role` is "Main" for the
  artist's own releases, "TrackAppearance" where the artist is on a track only, and the
  credit role ("Producer", "Mixed By") where the artist is credited.
- `GET /masters/{id}` → `{id, main_release, most_recent_release, title, year, artists,
  tracklist, versions_url, ...}`; `GET /masters/{id}/versions` → `{"pagination", "versions"}`
  with `{id, title, format, label, country, released, major_formats, catno, status, ...}`.
- Paging: `pagination{page, pages, per_page, items, urls{first, prev, next, last}}` (only the
  links that exist), `per_page` default 50, at most 100.

The compact catalogue has no masters of its own: releases sharing a `master_id` are the
versions of one master, whose main release is the first-released (then lowest id) version.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from producer_discovery.sandbox.credits_data import slug

DISCOGS_SUFFIX = re.compile(r"\s*\(\d+\)$")
WEB = "https://www.discogs.com"
SORT_KEYS = ("year", "title", "format")


def pagination(
    base_url: str, path: str, query: dict[str, str], items: int, page: int, per_page: int
) -> dict[str, Any]:
    """The paging envelope of one page, with the links that exist."""
    pages = max(1, math.ceil(items / per_page))

    def link(number: int) -> str:
        return f"{base_url}{path}?{urlencode({**query, 'page': str(number), 'per_page': str(per_page)})}"

    urls: dict[str, str] = {}
    if page > 1:
        urls.update(first=link(1), prev=link(min(page - 1, pages)))
    if page < pages:
        urls.update(next=link(page + 1), last=link(pages))
    return {"page": page, "pages": pages, "per_page": per_page, "items": items, "urls": urls}


def masters_of(releases: dict[int, dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Each master id with its versions, main release first."""
    versions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for release in releases.values():
        if release.get("master_id"):
            versions[int(release["master_id"])].append(release)
    for group in versions.values():
        group.sort(
            key=lambda release: (str(release.get("released") or release["year"]), release["id"])
        )
    return dict(versions)


def artist_role(release: dict[str, Any], artist_id: int) -> str | None:
    """How an artist is on a release: "Main", "TrackAppearance", a credit role, or None."""
    if any(credit["id"] == artist_id for credit in release["artists"]):
        return "Main"
    tracks = release.get("tracklist", [])
    if any(credit["id"] == artist_id for track in tracks for credit in track.get("artists", [])):
        return "TrackAppearance"
    credits = [
        *release.get("extraartists", []),
        *(credit for track in tracks for credit in track.get("extraartists", [])),
    ]
    for credit in credits:
        if credit["id"] == artist_id and credit.get("role"):
            return str(credit["role"]).split(",")[0].split("[")[0].strip()
    return None


def listing_item(
    release: dict[str, Any],
    role: str,
    artist: str,
    master: list[dict[str, Any]] | None,
    base_url: str,
) -> dict[str, Any]:
    """One `/artists/{id}/releases` entry: the master when the release has one, else itself."""
    common = {"role": role, "artist": artist, "thumb": ""}
    if master:
        main = master[0]
        return {
            **common,
            "id": int(main["master_id"]),
            "type": "master",
            "main_release": main["id"],
            "title": main["title"],
            "year": main["year"],
            "resource_url": f"{base_url}/masters/{main['master_id']}",
        }
    formats = ", ".join(f["name"] for f in release["formats"])
    return {
        **common,
        "id": release["id"],
        "type": "release",
        "title": release["title"],
        "year": release["year"],
        "format": formats,
        "label": release["labels"][0]["name"] if release["labels"] else "",
        "status": "Accepted",
        "resource_url": f"{base_url}/releases/{release['id']}",
    }


def sorted_listing(
    items: list[dict[str, Any]], sort: str | None, order: str | None
) -> list[dict[str, Any]]:
    """Items by `sort` (year by default, then title), ascending unless `order` is desc."""
    key = sort if sort in SORT_KEYS else "year"
    items = sorted(
        items, key=lambda item: (str(item.get(key) or ""), str(item["title"]), item["id"])
    )
    return items[::-1] if order == "desc" else items


def master_json(
    versions: list[dict[str, Any]],
    artists: list[dict[str, Any]],
    tracklist: list[dict[str, Any]],
    base_url: str,
) -> dict[str, Any]:
    main, newest = (
        versions[0],
        max(versions, key=lambda r: (str(r.get("released") or r["year"]), r["id"])),
    )
    master_id = main["master_id"]
    return {
        "id": master_id,
        "title": main["title"],
        "year": main["year"],
        "main_release": main["id"],
        "main_release_url": f"{base_url}/releases/{main['id']}",
        "most_recent_release": newest["id"],
        "most_recent_release_url": f"{base_url}/releases/{newest['id']}",
        "resource_url": f"{base_url}/masters/{master_id}",
        "versions_url": f"{base_url}/masters/{master_id}/versions",
        "uri": f"{WEB}/master/{master_id}-{slug(main['title'])}",
        "artists": artists,
        "genres": main["genres"],
        "styles": main["styles"],
        "tracklist": tracklist,
        "images": [],
        "videos": [],
        "data_quality": "Correct",
        "num_for_sale": 0,
        "lowest_price": None,
    }


def version_item(release: dict[str, Any], base_url: str) -> dict[str, Any]:
    """One `/masters/{id}/versions` entry."""
    formats = release["formats"]
    descriptions = [d for f in formats for d in f.get("descriptions", [])]
    label = release["labels"][0] if release["labels"] else {"name": "", "catno": ""}
    return {
        "id": release["id"],
        "title": release["title"],
        "status": "Accepted",
        "format": ", ".join([*(f["name"] for f in formats), *descriptions]),
        "major_formats": [f["name"] for f in formats],
        "label": label["name"],
        "catno": label.get("catno", ""),
        "country": release["country"],
        "released": str(release.get("released") or release["year"]),
        "resource_url": f"{base_url}/releases/{release['id']}",
        "thumb": "",
        "stats": {"community": {"in_wantlist": 0, "in_collection": 0}},
    }


def artist_result(artist: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A `/database/search?type=artist` result: `title` is the name as Discogs spells it."""
    return {
        "id": artist["id"],
        "type": "artist",
        "title": artist["name"],
        "resource_url": f"{base_url}/artists/{artist['id']}",
        "uri": f"/artist/{artist['id']}-{slug(artist['name'])}",
        "thumb": "",
        "cover_image": "",
        "master_id": None,
        "master_url": None,
        "user_data": {"in_wantlist": False, "in_collection": False},
    }
