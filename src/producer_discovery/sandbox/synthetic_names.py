"""Invented names and identifiers in the providers' real shapes, for `sandbox.synthetic`.

Every draw goes through one `random.Random`, so a seed gives the same names and ids; a
`Registry` refuses a value twice, so names, titles and ids are unique in a catalogue.
"""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Callable

from producer_discovery.text import fold

BASE62 = string.digits + string.ascii_letters

FIRST_NAMES = (
    "Nova",
    "Juno",
    "Kaito",
    "Lena",
    "Dev",
    "Chloë",
    "Marlow",
    "Imogen",
    "Felix",
    "Iris",
    "Ada",
    "Bram",
    "Cleo",
    "Dario",
    "Elio",
    "Freya",
    "Gus",
    "Hana",
    "Ines",
    "Jonah",
    "Kira",
    "Luca",
    "Maya",
    "Nils",
    "Orla",
    "Pia",
    "Quinn",
    "Rafael",
    "Saoirse",
    "Tomás",
    "Uma",
    "Vera",
    "Wes",
    "Ximena",
    "Yusuf",
    "Zoë",
    "Anouk",
    "Björn",
    "Céline",
    "Dmitri",
    "Esme",
    "Farah",
    "Gideon",
    "Hugo",
    "Isla",
    "Jasper",
    "Kenji",
    "Liv",
    "Mateo",
    "Nadia",
    "Oskar",
    "Priya",
    "Remy",
    "Sana",
    "Theo",
    "Ulla",
    "Viggo",
    "Wren",
    "Yara",
    "Zane",
    "André",
)
LAST_NAMES = (
    "Reyes",
    "Vale",
    "Mercer",
    "Ortiz",
    "O'Neil",
    "Marsh",
    "Quinn",
    "Hart",
    "Munro",
    "Templeton",
    "Castellano",
    "Whitlock",
    "Abara",
    "Bergström",
    "Calloway",
    "Dunmore",
    "Eskildsen",
    "Fairweather",
    "Galloway",
    "Halloran",
    "Ibarra",
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrova",
    "Quintero",
    "Rasmussen",
    "Sorensen",
    "Thorne",
    "Ueda",
    "Varga",
    "Winslow",
    "Yilmaz",
    "Zeller",
    "D'Angelo",
    "Achterberg",
    "Blackwood",
    "Cruz",
    "Delacroix",
    "Ellery",
    "Fontaine",
    "Greaves",
    "Holloway",
    "Iversen",
    "Jovanović",
    "Kuroda",
    "Lachance",
    "Mbeki",
    "Novak",
    "Oyelaran",
)
ADJECTIVES = (
    "Velvet",
    "Neon",
    "Static",
    "Golden",
    "Hollow",
    "Silver",
    "Paper",
    "Electric",
    "Quiet",
    "Crimson",
    "Distant",
    "Broken",
    "Midnight",
    "Glass",
    "Amber",
    "Wild",
    "Restless",
    "Faded",
    "Burning",
    "Frozen",
    "Lonely",
    "Secret",
    "Lucid",
    "Ultraviolet",
    "Sleepless",
    "Violet",
    "Hidden",
    "Endless",
    "Northern",
    "Tender",
    "Copper",
    "Silent",
    "Heavy",
    "Gentle",
    "Fever",
    "Lunar",
    "Solar",
    "Coastal",
    "Urban",
    "Pale",
    "Cobalt",
    "Scarlet",
    "Wandering",
    "Honey",
    "Iron",
    "Marble",
    "Sapphire",
    "Hazy",
    "Open",
    "Slow",
    "Bright",
    "Little",
)
NOUNS = (
    "Cathedral",
    "Heart",
    "Bloom",
    "Coast",
    "Saints",
    "Transit",
    "Corridor",
    "Postcard",
    "Lullaby",
    "Skyline",
    "Radio",
    "Ghosts",
    "Sermon",
    "Harbor",
    "Lantern",
    "Mirror",
    "River",
    "Signal",
    "Garden",
    "Highway",
    "Season",
    "Window",
    "Satellite",
    "Horizon",
    "Ember",
    "Compass",
    "Echo",
    "Orchard",
    "Tide",
    "Letter",
    "Static",
    "Parade",
    "Anthem",
    "Motel",
    "Carousel",
    "Avenue",
    "Comet",
    "Engine",
    "Fountain",
    "Glacier",
    "Island",
    "Jukebox",
    "Kingdom",
    "Lighthouse",
    "Meadow",
    "Nightfall",
    "Ocean",
    "Palace",
    "Quarry",
    "Rooftop",
    "Sparrow",
    "Tower",
    "Valley",
    "Wildfire",
    "Afterglow",
    "Daydream",
    "Moonlight",
    "Rain",
)
PLACES = (
    "Lisbon",
    "Osaka",
    "Berlin",
    "Memphis",
    "Tangier",
    "Reykjavik",
    "Brooklyn",
    "Marseille",
    "Havana",
    "Kyoto",
    "Lagos",
    "Tbilisi",
    "Oaxaca",
    "Glasgow",
    "Montreal",
    "Valparaíso",
)
BAND_NOUNS = (
    "Arcade",
    "Ferry",
    "Lights",
    "Collective",
    "Machines",
    "Parade",
    "Society",
    "Assembly",
    "Orchestra",
    "Foxes",
    "Rivals",
    "Strangers",
    "Tides",
    "Wolves",
    "Satellites",
    "Echoes",
)
GENRES = (
    "synthwave",
    "indie pop",
    "dream pop",
    "alt r&b",
    "indie rock",
    "post-punk",
    "chillwave",
    "neo soul",
    "electropop",
    "shoegaze",
    "art pop",
    "bedroom pop",
    "trip hop",
    "folk pop",
)
VENUES = (
    "Harbor Hall",
    "the Roundhouse",
    "Union Chapel",
    "the Fillmore",
    "Paradiso",
    "the Troubadour",
    "Red Rocks",
    "the Apollo",
)
LABELS = (
    "Lumen Records",
    "Harbor Sound",
    "Static Bloom Recordings",
    "Northbound Music",
    "Paper Moon Records",
    "Velvet Room",
    "Midnight Ferry Music",
    "Cobalt Tapes",
)
COUNTRIES = ("GB", "US", "ES", "DE", "FR", "JP", "SE", "NL", "CA", "AU")


class Registry:
    """Draws values until one is new: names, titles and ids are never given out twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[object] = set()

    def unique(
        self,
        draw: Callable[[random.Random], object],
        *,
        folded: bool = False,
        attempts: int = 10_000,
    ) -> object:
        """A value not drawn before; `folded` compares texts by their fold (names, titles)."""
        for _ in range(attempts):
            value = draw(self.rng)
            key = fold(value) if folded and isinstance(value, str) else value
            if key not in self.taken:
                self.taken.add(key)
                return value
        raise RuntimeError("the vocabulary is exhausted")

    def text(self, draw: Callable[[random.Random], str]) -> str:
        """An identifier (compared exactly)."""
        return str(self.unique(draw))

    def name(self, draw: Callable[[random.Random], str]) -> str:
        """A name or title (compared folded: "Zoë Marsh" and "Zoe Marsh" are one)."""
        return str(self.unique(draw, folded=True))

    def number(self, low: int, high: int) -> int:
        return int(str(self.unique(lambda rng: rng.randint(low, high))))


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def band_name(rng: random.Random) -> str:
    return f"The {rng.choice(ADJECTIVES)} {rng.choice(BAND_NOUNS)}"


def artist_name(rng: random.Random) -> str:
    return band_name(rng) if rng.random() < 0.35 else person_name(rng)


def team_name(rng: random.Random) -> str:
    """A production team: "Thorne & Varga"."""
    first, second = rng.sample(LAST_NAMES, 2)
    return f"{first} & {second}"


def song_title(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.45:
        return f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
    if shape < 0.65:
        return f"{rng.choice(NOUNS)} of {rng.choice(NOUNS)}"
    if shape < 0.8:
        return f"{rng.choice(NOUNS)}s Over {rng.choice(PLACES)}"
    if shape < 0.9:
        return f"Last {rng.choice(NOUNS)} to {rng.choice(PLACES)}"
    return f"{rng.choice(ADJECTIVES)} {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"


def spotify_id(rng: random.Random) -> str:
    """22 base62 characters, like every Spotify id."""
    return "".join(rng.choice(BASE62) for _ in range(22))


def mbid(rng: random.Random) -> str:
    """A random (version 4) UUID, the shape of every MusicBrainz identifier."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def registrant(rng: random.Random) -> str:
    """The 3-character ISRC registrant code."""
    return "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(3))


def isrc(country: str, registrant_code: str, year: int, number: int) -> str:
    """`CCXXXYYNNNNN`: country, registrant, two-digit year, five-digit designation."""
    return f"{country}{registrant_code}{year % 100:02d}{number:05d}"


def check_digit(digits: str) -> str:
    """The GS1 check digit of a UPC/EAN/GTIN body (weights 3,1,3,… from the right)."""
    total = sum(
        int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(digits))
    )
    return str((10 - total % 10) % 10)


def upc(rng: random.Random) -> str:
    """A 12-digit UPC-A with a valid check digit (no leading zero, so padding is visible)."""
    body = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(10))
    return body + check_digit(body)
