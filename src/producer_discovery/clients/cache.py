"""Caching provider answers: a stable resource or a search is fetched once.

The credits clients (Genius, MusicBrainz, Discogs) read through a `ResponseCache`: songs,
recordings, releases and artists rarely change, and a search is keyed by its full query, so
a re-run of a stage or a second track of the same album costs no request. Values are the
providers' JSON documents exactly as decoded: they double as evidence of where a credit came
from. Only successful answers are cached; a 404 reads as "nothing there" (None) and is asked
again next time.

    client.fetch(path, endpoint=..., params=...)
        cache.get(api, key) ── hit ──► the cached document
              │ miss
        ApiClient.get_json (shared limiter, retries, metrics) ──► shape check ──► cache.put
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, ClassVar, Protocol
from urllib.parse import urlencode

from producer_discovery.clients.base import ApiClient
from producer_discovery.clients.shapes import Shapes, shape_problem
from producer_discovery.errors import NotFound, ResponseShapeError
from producer_discovery.settings import Settings

JsonDocument = dict[str, Any]


class ResponseCache(Protocol):
    def get(self, api: str, key: str) -> JsonDocument | None:
        """The document cached for `key` of `api`, or None."""

    def put(self, api: str, key: str, value: JsonDocument) -> None:
        """Remember a document for `key` of `api`."""

    def exclusive(self, api: str, key: str) -> AbstractContextManager[None]:
        """Hold the one right to fetch `key` of `api` (single flight)."""


class MemoryResponseCache:
    """A ResponseCache in a dict (tests, one-off runs). Hands out copies, never its own."""

    def __init__(self) -> None:
        self.documents: dict[tuple[str, str], JsonDocument] = {}
        self.lock = threading.Lock()
        self.fetch_locks: dict[tuple[str, str], threading.Lock] = {}

    def get(self, api: str, key: str) -> JsonDocument | None:
        with self.lock:
            document = self.documents.get((api, key))
        return copy.deepcopy(document) if document is not None else None

    def put(self, api: str, key: str, value: JsonDocument) -> None:
        with self.lock:
            self.documents[(api, key)] = copy.deepcopy(value)

    @contextmanager
    def exclusive(self, api: str, key: str) -> Iterator[None]:
        with self.lock:
            fetch_lock = self.fetch_locks.setdefault((api, key), threading.Lock())
        with fetch_lock:
            yield


def cache_key(path: str, params: Mapping[str, Any]) -> str:
    """The request a document answers: path plus sorted query, "songs/1?text_format=plain"."""
    return f"{path}?{urlencode(sorted(params.items()))}"


class CachingClient(ApiClient):
    """An ApiClient whose GETs go through an optional cache, one fetch per resource at once."""

    # Per endpoint, the fields our code reads without checking (clients/shapes.py): a document
    # without them is a ResponseShapeError before it is cached, and a cached one without them
    # is fetched again.
    shapes: ClassVar[Shapes] = {}

    def __init__(
        self, settings: Settings, *, cache: ResponseCache | None = None, **options: Any
    ) -> None:
        super().__init__(settings, **options)
        self.cache = cache

    def fetch(self, path: str, *, endpoint: str, params: Mapping[str, Any]) -> JsonDocument | None:
        """The provider's document for a GET, from the cache when it is there; None on 404."""
        if self.cache is None:
            return self._fetch(path, endpoint, params)
        key = cache_key(path, params)
        cached = self.cache.get(self.api, key)
        if cached is not None and self.readable(endpoint, cached):
            return cached
        with self.cache.exclusive(self.api, key):
            cached = self.cache.get(self.api, key)
            if cached is not None and self.readable(endpoint, cached):
                return cached
            document = self._fetch(path, endpoint, params)
            if document is not None:
                self.cache.put(self.api, key, document)
            return document

    def readable(self, endpoint: str, document: Any) -> bool:
        return shape_problem(document, self.shapes.get(endpoint, ())) is None

    def checked(self, endpoint: str, document: Any) -> JsonDocument:
        """The document when its shape is what `shapes` says for the endpoint."""
        problem = shape_problem(document, self.shapes.get(endpoint, ()))
        if problem is not None:
            raise ResponseShapeError(self.api, endpoint, problem)
        return dict(document)

    def _fetch(self, path: str, endpoint: str, params: Mapping[str, Any]) -> JsonDocument | None:
        try:
            document = self.get_json(path, endpoint=endpoint, params=dict(params))
        except NotFound:
            return None
        return self.checked(endpoint, document)
