"""A fake Genius API (api.genius.com) over the credits catalogue's `genius` section.

Endpoints, each wrapped in Genius' envelope `{"meta": {"status": 200}, "response": {...}}`:
- `GET /search?q=&per_page=&page=` → `response.hits[]` of `{highlights, index, type, result}`,
  where `result` is the song summary: no producers, writers or custom performances.
- `GET /songs/{id}?text_format=` → `response.song` with `producer_artists`, `writer_artists`,
  `featured_artists` and `custom_performances`.
- `GET /artists/{id}?text_format=` → `response.artist` with `instagram_name`, `twitter_name`,
  `facebook_name`, `image_url` and `description`.
- `GET /artists/{id}/songs?per_page=&page=&sort=` → `response.songs` (the song summaries of
  every song where the artist is primary or featured; `per_page` 20 by default, at most 50;
  `sort` "title" (the default, case-insensitive) or "popularity" (page views)) and
  `response.next_page` (the next page's number, null on the last page).

Search relevance, like the real one, favours popular pages over exact ones: songs whose title
(without a trailing "(…)" such as "(Live)" or "(Remix)") is contained in the query come first,
ordered by page views; then songs matching some query words. So a decoy with more page views
(a live version, a remix, a tribute, another artist's song of the same title) is ranked above
the right song where the catalogue gives it more views.

Every request needs `Authorization: Bearer <token>` (or `?access_token=`): without one, 401
with Genius' `{"meta": {"status": 401, "message": …}}`; with a wrong one (when the sandbox was
given `access_token`), 401 with the OAuth `{"error": "invalid_token", …}` body. An empty
description reads "?", as on Genius. CDN 403s and other failures come from `Faults`.

Standalone: `python -m producer_discovery.sandbox.genius --port 8082 [--token T]`.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from producer_discovery.sandbox.credits_data import (
    CREDITS_CATALOGUE,
    bounded_number,
    index_by,
    load_credits,
    serve_until_interrupted,
    slug,
    standalone_parser,
    without_trailing_brackets,
    words,
)
from producer_discovery.sandbox.server import Faults, Request, Response, SandboxServer

DEFAULT_PER_PAGE = 10
MAXIMUM_PER_PAGE = 20
ARTIST_SONGS_DEFAULT_PER_PAGE = 20
ARTIST_SONGS_MAXIMUM_PER_PAGE = 50
MISSING_TOKEN = "This call requires an access_token. Please see: https://genius.com/developers"
INVALID_TOKEN = {
    "error": "invalid_token",
    "error_description": (
        "The access token provided is expired, revoked, malformed or invalid for other reasons."
    ),
}
EMPTY_DESCRIPTION = "?"


def formatted_text(text: str, text_format: str) -> dict[str, Any]:
    """A Genius rich-text field in each requested format ("dom", "plain", "html")."""
    shown = text or EMPTY_DESCRIPTION
    renderings: dict[str, Any] = {
        "plain": shown,
        "html": f"<p>{html.escape(shown)}</p>",
        "dom": {"tag": "root", "children": [{"tag": "p", "children": [shown]}]},
    }
    wanted = [form.strip() for form in text_format.split(",") if form.strip() in renderings]
    return {form: renderings[form] for form in wanted or ["dom"]}


def date_components(date: str | None) -> dict[str, int] | None:
    """ "2021-09-24" → {"year": 2021, "month": 9, "day": 24}."""
    if not date:
        return None
    year, month, day = (int(part) for part in date.split("-"))
    return {"year": year, "month": month, "day": day}


CLOUDFLARE_BLOCK_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Attention Required! | Cloudflare</title></head>"
    b'<body><div id="cf-wrapper"><h1>Sorry, you have been blocked</h1>'
    b"<h2>You are unable to access genius.com</h2></div></body></html>\n"
)


class GeniusSandbox(SandboxServer):
    name = "genius"

    def __init__(
        self,
        catalogue: Path = CREDITS_CATALOGUE,
        *,
        access_token: str | None = None,
        faults: Faults | None = None,
        port: int = 0,
    ) -> None:
        super().__init__(faults, port)
        section = load_credits(catalogue)["genius"]
        self.songs = index_by(section["songs"])
        self.artists = index_by(section["artists"])
        self.access_token = access_token
        self.route("GET", r"/search", "search", self.search)
        self.route("GET", r"/songs/(?P<song_id>\d+)", "songs", self.song)
        self.route("GET", r"/artists/(?P<artist_id>\d+)", "artists", self.artist)
        self.route("GET", r"/artists/(?P<artist_id>\d+)/songs", "artist-songs", self.artist_songs)

    # Provider behaviour -----------------------------------------------------------------
    def error(self, status: int, message: str) -> Response:
        return Response(status, {"meta": {"status": status, "message": message}})

    def blocked(self) -> Response:
        """Cloudflare's page when it blocks a host: 403, HTML, for minutes."""
        return Response(
            403,
            CLOUDFLARE_BLOCK_PAGE,
            {
                "Content-Type": "text/html; charset=UTF-8",
                "Server": "cloudflare",
                "CF-RAY": "8f00000000000000-FRA",
            },
        )

    def check_request(self, request: Request, endpoint: str) -> Response | None:
        authorization = request.headers.get("authorization", "")
        scheme, _, credential = authorization.partition(" ")
        token = credential.strip() if scheme.lower() == "bearer" else ""
        token = token or request.param("access_token") or ""
        if not token:
            return self.error(401, MISSING_TOKEN)
        if self.access_token is not None and token != self.access_token:
            return Response(401, INVALID_TOKEN)
        return None

    @staticmethod
    def ok(response: dict[str, Any]) -> Response:
        return Response(200, {"meta": {"status": 200}, "response": response})

    # Handlers ---------------------------------------------------------------------------
    def search(self, request: Request) -> Response:
        per_page = bounded_number(request.param("per_page"), DEFAULT_PER_PAGE, 1, MAXIMUM_PER_PAGE)
        page = bounded_number(request.param("page"), 1, 1, 10_000)
        ranked = self.ranked_songs(request.param("q") or "")
        shown = ranked[(page - 1) * per_page : page * per_page]
        hits = [
            {"highlights": [], "index": "song", "type": "song", "result": self.song_summary(song)}
            for song in shown
        ]
        return self.ok({"hits": hits})

    def song(self, request: Request) -> Response:
        song = self.songs.get(int(request.match["song_id"]))
        if song is None:
            return self.error(404, "Not found")
        text_format = request.param("text_format") or "dom"
        return self.ok({"song": self.full_song(song, text_format)})

    def artist(self, request: Request) -> Response:
        artist = self.artists.get(int(request.match["artist_id"]))
        if artist is None:
            return self.error(404, "Not found")
        text_format = request.param("text_format") or "dom"
        return self.ok({"artist": self.full_artist(artist, text_format)})

    def artist_songs(self, request: Request) -> Response:
        """An artist's songs (primary or featured), a page at a time, as Genius lists them."""
        artist_id = int(request.match["artist_id"])
        if artist_id not in self.artists:
            return self.error(404, "Not found")
        per_page = bounded_number(
            request.param("per_page"),
            ARTIST_SONGS_DEFAULT_PER_PAGE,
            1,
            ARTIST_SONGS_MAXIMUM_PER_PAGE,
        )
        page = bounded_number(request.param("page"), 1, 1, 10_000)
        sort = request.param("sort") or "title"
        if sort not in ("title", "popularity"):
            return self.error(400, "sort must be one of: title, popularity")
        songs = [
            song
            for song in self.songs.values()
            if song["primary_artist"] == artist_id or artist_id in song["featured_artists"]
        ]
        if sort == "title":
            songs.sort(key=lambda song: (song["title"].casefold(), song["id"]))
        else:
            songs.sort(key=lambda song: (-song.get("pageviews", 0), song["id"]))
        shown = songs[(page - 1) * per_page : page * per_page]
        next_page = page + 1 if page * per_page < len(songs) else None
        return self.ok(
            {"songs": [self.song_summary(song) for song in shown], "next_page": next_page}
        )

    # Relevance --------------------------------------------------------------------------
    def ranked_songs(self, query: str) -> list[dict[str, Any]]:
        """Songs sharing a word with the query: title contained first, then by page views."""
        query_words = words(query)
        scored = []
        for song in self.songs.values():
            song_words = words(song["title"]) | words(self.artist_names(song))
            if not query_words & song_words:
                continue
            title_contained = words(without_trailing_brackets(song["title"])) <= query_words
            scored.append((title_contained, song.get("pageviews", 0), -song["id"], song))
        scored.sort(key=lambda entry: entry[:3], reverse=True)
        return [entry[3] for entry in scored]

    # Shapes -----------------------------------------------------------------------------
    def artist_names(self, song: dict[str, Any]) -> str:
        """ "Nova Reyes (Ft. Juno Vale)", as Genius writes a song's artists."""
        primary = self.artists[song["primary_artist"]]["name"]
        featured = [self.artists[artist_id]["name"] for artist_id in song["featured_artists"]]
        return f"{primary} (Ft. {' & '.join(featured)})" if featured else primary

    def artist_summary(self, artist_id: int) -> dict[str, Any]:
        artist = self.artists[artist_id]
        return {
            "api_path": f"/artists/{artist_id}",
            "header_image_url": artist["image_url"],
            "id": artist_id,
            "image_url": artist["image_url"],
            "is_meme_verified": False,
            "is_verified": artist.get("is_verified", False),
            "name": artist["name"],
            "url": f"https://genius.com/artists/{slug(artist['name']).capitalize()}",
        }

    def artist_summaries(self, artist_ids: list[int]) -> list[dict[str, Any]]:
        return [self.artist_summary(artist_id) for artist_id in artist_ids]

    def song_summary(self, song: dict[str, Any]) -> dict[str, Any]:
        """The song as search results show it: no credits beyond the performers."""
        primary = self.artists[song["primary_artist"]]
        featured_names = [self.artists[a]["name"] for a in song["featured_artists"]]
        title_with_featured = song["title"]
        if featured_names:
            title_with_featured += f" (Ft. {' & '.join(featured_names)})"
        path = "/" + f"{slug(primary['name'])}-{slug(song['title'])}-lyrics".capitalize()
        image = f"https://images.genius.sandbox.invalid/songs/{song['id']}.jpg"
        return {
            "annotation_count": 0,
            "api_path": f"/songs/{song['id']}",
            "artist_names": self.artist_names(song),
            "full_title": f"{song['title']} by {self.artist_names(song)}",
            "header_image_thumbnail_url": image,
            "header_image_url": image,
            "id": song["id"],
            "instrumental": False,
            "lyrics_owner_id": song["primary_artist"],
            "lyrics_state": "complete",
            "path": path,
            "primary_artist_names": primary["name"],
            "pyongs_count": None,
            "release_date_components": date_components(song.get("release_date")),
            "song_art_image_thumbnail_url": image,
            "song_art_image_url": image,
            "stats": {"unreviewed_annotations": 0, "hot": False, "pageviews": song["pageviews"]},
            "title": song["title"],
            "title_with_featured": title_with_featured,
            "url": f"https://genius.com{path}",
            "featured_artists": self.artist_summaries(song["featured_artists"]),
            "primary_artist": self.artist_summary(song["primary_artist"]),
            "primary_artists": [self.artist_summary(song["primary_artist"])],
        }

    def full_song(self, song: dict[str, Any], text_format: str) -> dict[str, Any]:
        album = song.get("album")
        return {
            **self.song_summary(song),
            "album": self.album(album, song["primary_artist"]) if album else None,
            "apple_music_id": None,
            "custom_performances": [
                {
                    "label": performance["label"],
                    "artists": self.artist_summaries(performance["artists"]),
                }
                for performance in song["custom_performances"]
            ],
            "description": formatted_text(song.get("description", ""), text_format),
            "language": "en",
            "media": [],
            "producer_artists": self.artist_summaries(song["producer_artists"]),
            "recording_location": None,
            "release_date": song.get("release_date"),
            "song_relationships": [],
            "writer_artists": self.artist_summaries(song["writer_artists"]),
        }

    def album(self, album: dict[str, Any], artist_id: int) -> dict[str, Any]:
        artist_name = self.artists[artist_id]["name"]
        return {
            "api_path": f"/albums/{album['id']}",
            "cover_art_url": f"https://images.genius.sandbox.invalid/albums/{album['id']}.jpg",
            "full_title": f"{album['name']} by {artist_name}",
            "id": album["id"],
            "name": album["name"],
            "url": f"https://genius.com/albums/{slug(artist_name)}/{slug(album['name'])}",
            "artist": self.artist_summary(artist_id),
        }

    def full_artist(self, artist: dict[str, Any], text_format: str) -> dict[str, Any]:
        return {
            **self.artist_summary(artist["id"]),
            "alternate_names": artist.get("alternate_names", []),
            "description": formatted_text(artist.get("description", ""), text_format),
            "facebook_name": artist.get("facebook_name"),
            "followers_count": artist.get("followers_count", 0),
            "instagram_name": artist.get("instagram_name"),
            "translation_artist": False,
            "twitter_name": artist.get("twitter_name"),
            "iq": 0,
            "user": None,
        }


def main(argv: list[str] | None = None) -> None:
    parser = standalone_parser("A fake Genius API over the sample credits catalogue.")
    parser.add_argument("--token", default=None, help="the only access token accepted")
    options = parser.parse_args(argv)
    sandbox = GeniusSandbox(options.catalogue, access_token=options.token, port=options.port)
    serve_until_interrupted(sandbox)


if __name__ == "__main__":
    main()
