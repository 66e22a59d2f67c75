"""Reading public social links and e-mail addresses out of providers' text and URLs.

- `normalize_handle` turns "@Name", "https://www.instagram.com/name/" or
  "instagram.com/name?hl=en" into "name", and refuses anything Instagram would not accept as
  a username: 1–30 characters of letters, digits, "." and "_", no dot at either end, no two
  dots in a row, and none of Instagram's own paths ("p", "reel", "explore", "accounts"…).
- `classify_url` says which profile field a link is (Instagram handle, Twitter/X handle,
  Facebook, SoundCloud, TikTok, YouTube, Bandcamp, or a plain website); links to reference
  sites (Wikipedia, Discogs, MusicBrainz, streaming shops…) are not profiles.
- `extract_emails` finds addresses in public text only; it never guesses one. A mailto: link
  or an address where a link was expected is an e-mail (`classify_url`, `mentions_email`):
  it goes to the operator-only `email`, never to a public field.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

INSTAGRAM_HOSTS = ("instagram.com", "instagr.am")
INSTAGRAM_USERNAME = re.compile(r"^(?!\.)(?!.*\.\.)(?!.*\.$)[a-z0-9._]{1,30}$")
INSTAGRAM_RESERVED = frozenset(
    {
        "p",
        "reel",
        "reels",
        "tv",
        "stories",
        "explore",
        "accounts",
        "direct",
        "about",
        "developer",
        "legal",
        "privacy",
        "terms",
        "web",
        "emails",
        "challenge",
        "session",
        "graphql",
        "api",
        "static",
        "oauth",
        "login",
        "logout",
        "signup",
        "tags",
        "locations",
    }
)
INSTAGRAM_DEEP_LINK_PREFIXES = frozenset({"_u", "_n"})
TWITTER_HOSTS = ("twitter.com", "x.com")
TWITTER_USERNAME = re.compile(r"^[a-z0-9_]{1,15}$")
TWITTER_RESERVED = frozenset({"home", "i", "intent", "share", "search", "hashtag", "explore"})
PROFILE_FIELD_OF_HOST = {
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "soundcloud.com": "soundcloud",
    "tiktok.com": "tiktok",
    "youtube.com": "youtube",
    "youtu.be": "youtube",
    "bandcamp.com": "bandcamp",
}
REFERENCE_HOSTS = (
    "wikipedia.org",
    "wikidata.org",
    "discogs.com",
    "musicbrainz.org",
    "allmusic.com",
    "imdb.com",
    "genius.com",
    "spotify.com",
    "apple.com",
    "last.fm",
    "deezer.com",
    "tidal.com",
    "amazon.com",
    "beatport.com",
    "whosampled.com",
    "rateyourmusic.com",
)
EMAIL = re.compile(
    r"(?<![\w.%+-])[a-z0-9][a-z0-9._%+-]*@(?:[a-z0-9-]+\.)+[a-z]{2,24}\b", re.IGNORECASE
)
PLACEHOLDER_EMAIL_DOMAINS = frozenset({"domain.com", "yourdomain.com", "yoursite.com"})
FILE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "webp", "svg"})  # "logo@2x.png"


def host_is(host: str, domains: tuple[str, ...]) -> bool:
    """True when `host` is one of `domains` or a subdomain of one."""
    return any(host == domain or host.endswith(f".{domain}") for domain in domains)


def split_link(value: str) -> tuple[str, list[str]] | None:
    """(host, path segments) of a link written with or without its scheme; None when no
    host can be read."""
    text = value.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    host = (parts.hostname or "").casefold().removeprefix("www.").removeprefix("m.")
    if not host:
        return None
    return host, [segment for segment in parts.path.split("/") if segment]


def looks_like_link(text: str, hosts: tuple[str, ...]) -> bool:
    """True when a handle field holds a link rather than a bare name ("kelso.beats" is a
    name; "instagram.com/kelso.beats" and "https://…" are links)."""
    if "/" in text:
        return True
    host = text.split("?")[0].casefold().removeprefix("www.").removeprefix("m.")
    return host_is(host, hosts)


def valid_instagram_username(candidate: str) -> str | None:
    """The lower-cased username when Instagram would accept it, else None."""
    username = candidate.casefold()
    if INSTAGRAM_USERNAME.match(username) and username not in INSTAGRAM_RESERVED:
        return username
    return None


def normalize_handle(value: str | None) -> str | None:
    """The lower-case Instagram handle in "@Name", a bare "name" or an instagram.com link;
    None when there is none or it breaks Instagram's username rules."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.startswith("@"):
        return valid_instagram_username(text[1:])
    if not looks_like_link(text, INSTAGRAM_HOSTS):
        return valid_instagram_username(text)
    link = split_link(text)
    if link is None or not host_is(link[0], INSTAGRAM_HOSTS):
        return None
    segments = link[1]
    if segments and segments[0] in INSTAGRAM_DEEP_LINK_PREFIXES:
        segments = segments[1:]
    return valid_instagram_username(segments[0]) if segments else None


def normalize_twitter_handle(value: str | None) -> str | None:
    """The lower-case Twitter/X handle in "@Name", a bare "name" or a twitter.com/x.com link."""
    if not value or not value.strip():
        return None
    text = value.strip().removeprefix("@")
    if looks_like_link(text, TWITTER_HOSTS):
        link = split_link(text)
        if link is None or not host_is(link[0], TWITTER_HOSTS) or not link[1]:
            return None
        text = link[1][0]
    handle = text.casefold()
    if TWITTER_USERNAME.match(handle) and handle not in TWITTER_RESERVED:
        return handle
    return None


def mentions_email(value: str) -> bool:
    """True when a value is, or holds, an e-mail address or a mailto: link."""
    return "mailto:" in value.casefold() or EMAIL.search(value) is not None


def classify_url(url: str) -> tuple[str, str] | None:
    """(field, value) for a profile link: ("instagram_handle", "name"),
    ("twitter_handle", "name"), ("soundcloud", url)…, ("website", url) for any other http(s)
    site; ("email", address) for a mailto: link or an address (contact details, never a
    website); None for reference sites and for what is not a usable link."""
    if mentions_email(url):
        emails = extract_emails(url)
        return ("email", emails[0]) if emails else None
    if "://" in url and not url.strip().casefold().startswith(("http://", "https://")):
        return None  # ftp:, javascript:, … are no profile links
    link = split_link(url)
    if link is None:
        return None
    host, _ = link
    if host_is(host, INSTAGRAM_HOSTS):
        handle = normalize_handle(url)
        return ("instagram_handle", handle) if handle else None
    if host_is(host, TWITTER_HOSTS):
        twitter = normalize_twitter_handle(url)
        return ("twitter_handle", twitter) if twitter else None
    if host_is(host, REFERENCE_HOSTS):
        return None
    for domain, field_name in PROFILE_FIELD_OF_HOST.items():
        if host_is(host, (domain,)):
            return field_name, url.strip()
    return "website", url.strip()


def is_placeholder_email(address: str) -> bool:
    """True for template addresses ("you@yourdomain.com") and image names ("logo@2x.png").
    example.com addresses are real enough for this check (they are the test data's)."""
    domain = address.rsplit("@", 1)[1]
    return domain in PLACEHOLDER_EMAIL_DOMAINS or domain.rsplit(".", 1)[1] in FILE_SUFFIXES


def extract_emails(text: str | None) -> list[str]:
    """Distinct lower-case e-mail addresses written in a public text, in order of appearance."""
    found: list[str] = []
    for match in EMAIL.finditer(text or ""):
        address = match.group(0).casefold().rstrip(".")
        if address not in found and not is_placeholder_email(address):
            found.append(address)
    return found
