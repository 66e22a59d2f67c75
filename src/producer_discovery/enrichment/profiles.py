"""Public social data about a producer, with where each value came from.

Each reader turns one provider's documented JSON into profile values (field, value); a
source (enrichment.contribution.ProfileSource) makes them `SocialFinding`s (field, value,
source, seen_at, trust), and `merge_findings` picks one value per field and keeps the rest.

Where values may come from (nothing is guessed, nothing is scraped):
- Genius artist: `instagram_name`, `twitter_name`, `facebook_name`, `image_url` (unless it is
  Genius's default avatar), `alternate_names` as aliases, e-mails written in
  `description.plain`.
- MusicBrainz artist (`inc=url-rels`): "social network", "youtube", "soundcloud",
  "bandcamp", "video channel" and "official homepage" links still in use (not `ended`), and
  its "discogs" relations as `same_as` ids ("discogs:12345": the same person's Discogs page,
  which links the producer rows of one person: docs/reliability.md, "Identities").
- Discogs artist: its `urls` classified by host, `namevariations` as aliases, e-mails in
  `profile`.
- Instagram Graph API Business Discovery: `biography` (the only source of a bio), `website`,
  `name`, and an e-mail only when the biography shows one.

E-mail addresses are contact details, for operators only: an address or a mailto: link found
in any public field (a Discogs url, an Instagram website, an alias, a name) becomes an
`email` finding and never stays in the public field (`contact_safe`).

Trust, highest first, decides the winner of every field (each source's `trust` in the
registry, producer_discovery.sources); equal trust goes to the most recently seen value. A
field one source alone may give (the bio: only_source_of) is taken from no other. Losing
values that differ are kept as disagreements, and aliases are all kept.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from producer_discovery.enrichment.links import (
    classify_url,
    extract_emails,
    mentions_email,
    normalize_handle,
    normalize_twitter_handle,
)
from producer_discovery.text import normalize_name

__all__ = [
    "ProfileValue",
    "SocialFinding",
    "SocialProfile",
    "extract_emails",
    "findings_of",
    "from_discogs_artist",
    "from_genius_artist",
    "from_instagram_business",
    "from_musicbrainz_artist",
    "is_placeholder_image",
    "merge_findings",
    "normalize_handle",
]

ALIAS = "alias"
SAME_AS = "same_as"  # "discogs:12345": the same person's id at another source
DISCOGS_ARTIST_URL = re.compile(r"discogs\.com/(?:[a-z]{2}/)?artist/(\d+)", re.IGNORECASE)
COLUMNS = ("instagram_handle", "instagram_bio", "email", "image_url")
MUSICBRAINZ_LINK_TYPES = frozenset(
    {"social network", "youtube", "soundcloud", "bandcamp", "video channel", "official homepage"}
)
GENIUS_PLACEHOLDER_MARKERS = ("default_avatar", "default_cover", "/images/default", "no_image")

ProfileValue = tuple[str, str]  # (field, value) as one source shows it


@dataclass(frozen=True)
class SocialFinding:
    """One value of one profile field, as one source showed it at one time."""

    field: str
    value: str
    source: str
    seen_at: datetime
    trust: float

    def provenance(self) -> dict[str, str]:
        """{"value", "source", "seen_at"} for `metadata.social`."""
        return {"value": self.value, "source": self.source, "seen_at": self.seen_at.isoformat()}


PRIVATE_FIELDS = frozenset({"email", "instagram_bio"})  # contact details: operators only
LINK_FIELDS = frozenset({"website", "image_url", "soundcloud", "youtube", "bandcamp", "tiktok"})


def contact_safe(field: str, value: str) -> list[tuple[str, str]]:
    """The (field, value) pairs a raw value makes: any e-mail address or mailto: link in a
    public field (a website, an alias, a name) becomes an `email` and leaves the field; a
    link field keeps only http(s) links."""
    if field in PRIVATE_FIELDS:
        return [(field, value)]
    if mentions_email(value):
        return [("email", address) for address in extract_emails(value)]
    if field in LINK_FIELDS and not value.casefold().startswith(("http://", "https://")):
        if "://" in value or field == "image_url":
            return []
        value = f"https://{value}"  # "kelso.example" as written on a profile
    return [(field, value)]


def findings_of(
    values: Iterable[ProfileValue], source: str, trust: float, seen_at: datetime
) -> list[SocialFinding]:
    """The values one source showed at `seen_at`, as findings of that source and trust; an
    address in a public field becomes an `email` finding instead (contact_safe)."""
    return [
        SocialFinding(clean_field, clean, source, seen_at, trust)
        for field, value in values
        for clean_field, clean in contact_safe(field, value)
    ]


def present(pairs: Iterable[tuple[str, str | None]]) -> list[ProfileValue]:
    """The (field, value) pairs whose value is not empty, the value stripped."""
    return [
        (field, str(value).strip())
        for field, value in pairs
        if value is not None and str(value).strip()
    ]


def first_per_field(values: Iterable[ProfileValue]) -> list[ProfileValue]:
    """One value per field from one source (its first link of a kind), aliases and same_as
    ids all kept."""
    kept: dict[str, ProfileValue] = {}
    aliases: list[ProfileValue] = []
    for value in values:
        if value[0] in (ALIAS, SAME_AS):
            aliases.append(value)
        else:
            kept.setdefault(value[0], value)
    return list(kept.values()) + aliases


def text_values(emails_in: str | None, aliases: Iterable[str] | None) -> list[ProfileValue]:
    """E-mails written in a public text, and the other names a source knows the person by."""
    pairs = [("email", email) for email in extract_emails(emails_in)]
    pairs += [(ALIAS, alias) for alias in aliases or []]
    return present(pairs)


# Readers ---------------------------------------------------------------------------------
def is_placeholder_image(url: str) -> bool:
    """True for Genius's stand-in pictures (`assets.genius.com/images/default_avatar_300.png`,
    default cover art) that say nothing about the person."""
    lowered = url.casefold()
    return "assets.genius.com/" in lowered or any(m in lowered for m in GENIUS_PLACEHOLDER_MARKERS)


def from_genius_artist(artist: dict[str, Any]) -> list[ProfileValue]:
    """Profile values of a Genius artist (`response.artist` of `GET /artists/{id}`)."""
    image_url = artist.get("image_url")
    profile = [
        ("instagram_handle", normalize_handle(artist.get("instagram_name"))),
        ("twitter_handle", normalize_twitter_handle(artist.get("twitter_name"))),
        ("facebook", artist.get("facebook_name")),
        ("image_url", image_url if image_url and not is_placeholder_image(image_url) else None),
    ]
    description = (artist.get("description") or {}).get("plain")
    return first_per_field(
        present(profile) + text_values(description, artist.get("alternate_names"))
    )


def musicbrainz_link(relation: dict[str, Any]) -> tuple[str, str] | None:
    """(field, value) of one url relation of a MusicBrainz artist, if it is a profile link
    still in use."""
    kind = relation.get("type")
    resource = (relation.get("url") or {}).get("resource")
    if kind not in MUSICBRAINZ_LINK_TYPES or relation.get("ended") or not resource:
        return None
    classified = classify_url(resource)
    if classified is None or (classified[0] == "website" and kind != "official homepage"):
        return None
    return classified


def musicbrainz_same_as(relation: dict[str, Any]) -> tuple[str, str] | None:
    """("same_as", "discogs:12345") for a url relation naming the artist's Discogs page."""
    resource = (relation.get("url") or {}).get("resource") or ""
    found = DISCOGS_ARTIST_URL.search(resource) if relation.get("type") == "discogs" else None
    return (SAME_AS, f"discogs:{found.group(1)}") if found else None


def from_musicbrainz_artist(artist: dict[str, Any]) -> list[ProfileValue]:
    """Profile values of a MusicBrainz artist looked up with `inc=url-rels` (and `aliases`)."""
    relations = artist.get("relations") or []
    links = [link for relation in relations if (link := musicbrainz_link(relation))]
    links += [same for relation in relations if (same := musicbrainz_same_as(relation))]
    aliases = [alias.get("name") for alias in artist.get("aliases") or [] if alias.get("name")]
    return first_per_field(present(links) + text_values(None, aliases))


def from_discogs_artist(artist: dict[str, Any]) -> list[ProfileValue]:
    """Profile values of a Discogs artist (`GET /artists/{id}`): `urls`, name variations and
    e-mails written in `profile`."""
    links = [link for url in artist.get("urls") or [] if (link := classify_url(url))]
    return first_per_field(
        present(links) + text_values(artist.get("profile"), artist.get("namevariations"))
    )


def from_instagram_business(payload: dict[str, Any]) -> list[ProfileValue]:
    """Profile values of a Business Discovery answer (the whole response or its
    `business_discovery` object): bio, website, display name, and e-mails in the bio."""
    account = payload.get("business_discovery", payload)
    biography = account.get("biography")
    profile = [
        ("instagram_handle", normalize_handle(account.get("username"))),
        ("instagram_bio", biography),
        ("website", account.get("website")),
        ("instagram_name", account.get("name")),
    ]
    return first_per_field(present(profile) + text_values(biography, None))


# Merging ---------------------------------------------------------------------------------
@dataclass
class SocialProfile:
    """The chosen value of each field, the values that lost, every alias, and the ids at
    other sources the profiles say are the same person's (same_as)."""

    chosen: dict[str, SocialFinding]
    disagreements: list[dict[str, Any]]
    aliases: list[str]
    same_as: list[SocialFinding] = dataclasses.field(default_factory=list)

    def value(self, field: str) -> str | None:
        """The chosen value of a field, or None."""
        chosen = self.chosen.get(field)
        return chosen.value if chosen else None

    @property
    def instagram_handle(self) -> str | None:
        return self.value("instagram_handle")

    @property
    def instagram_bio(self) -> str | None:
        return self.value("instagram_bio")

    @property
    def email(self) -> str | None:
        return self.value("email")

    @property
    def image_url(self) -> str | None:
        return self.value("image_url")

    def columns(self) -> dict[str, str | None]:
        """The values of the `producers` columns: instagram_handle, instagram_bio, email,
        image_url (None where nothing was found)."""
        return {column: self.value(column) for column in COLUMNS}

    def metadata_social(self) -> dict[str, Any]:
        """`{field: {value, source, seen_at}, …, "disagreements": […], "aliases": […]}`."""
        metadata: dict[str, Any] = {
            field: chosen.provenance() for field, chosen in sorted(self.chosen.items())
        }
        metadata["disagreements"] = self.disagreements
        metadata["aliases"] = self.aliases
        if self.same_as:
            metadata["same_as"] = [item.provenance() for item in self.same_as]
        return metadata


def disagreement(field: str, candidates: list[SocialFinding]) -> dict[str, Any] | None:
    """The distinct values (case-insensitive) that sources gave for a field, when more than
    one."""
    values: list[dict[str, str]] = []
    seen_values: set[str] = set()
    for item in candidates:
        if item.value.casefold() not in seen_values:
            seen_values.add(item.value.casefold())
            values.append({"value": item.value, "source": item.source})
    return {"field": field, "values": values} if len(values) > 1 else None


def distinct_aliases(findings: Iterable[SocialFinding]) -> list[str]:
    """Alias names once each (by normalized name), in the order first seen."""
    keys: set[str] = set()
    aliases: list[str] = []
    for item in findings:
        key = normalize_name(item.value)
        if key not in keys:
            keys.add(key)
            aliases.append(item.value)
    return aliases


def merge_findings(findings: Iterable[SocialFinding]) -> SocialProfile:
    """One value per field: the most trusted source's, then the most recently seen."""
    by_field: dict[str, list[SocialFinding]] = {}
    for item in findings:
        by_field.setdefault(item.field, []).append(item)
    aliases = distinct_aliases(by_field.pop(ALIAS, []))
    same_as = list({item.value: item for item in by_field.pop(SAME_AS, [])}.values())
    chosen: dict[str, SocialFinding] = {}
    disagreements: list[dict[str, Any]] = []
    for field, candidates in sorted(by_field.items()):
        ranked = sorted(candidates, key=lambda item: (-item.trust, -item.seen_at.timestamp()))
        chosen[field] = ranked[0]
        conflict = disagreement(field, ranked)
        if conflict:
            disagreements.append(conflict)
    return SocialProfile(
        chosen=chosen, disagreements=disagreements, aliases=aliases, same_as=same_as
    )
