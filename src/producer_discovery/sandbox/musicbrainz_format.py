"""What MusicBrainz's identifiers and relations look like, for the sandbox: the relation and
attribute type ids, stable made-up MBIDs and a relation's JSON envelope (the search
endpoints' query syntax is in sandbox/lucene.py)."""

from __future__ import annotations

import uuid
from typing import Any

RELATION_TYPE_IDS = {
    ("recording", "producer"): "5c0ceac3-feb4-41f0-868d-dc06f6e27fc0",
    ("recording", "engineer"): "5dcc52af-7064-4051-8d62-7d80f4c3c907",
    ("recording", "mix"): "3e3102e1-1896-4f50-b5b2-dd9824e46efe",
    ("recording", "recording"): "a01ee869-80a8-45ef-9447-c59e91aa7926",
    ("release", "producer"): "8bf377ba-8d71-4ecc-97f2-7bb2d8a2a75f",
    ("release", "engineer"): "87e9224f-c6c5-42a5-86b9-70f92349a0cf",
    ("release", "mastering"): "84453d28-c3e8-4864-9aae-25aa968bcf9e",
    ("release", "mix"): "6cc958c0-533b-4540-a281-058fbb941890",
    ("artist", "social network"): "99429741-f3f6-484b-84f8-23af51991770",
    ("artist", "youtube"): "6a540e5b-58c6-4192-b6ba-dbc71ec8fcf0",
    ("artist", "soundcloud"): "89e4a949-0976-440d-bda1-5f772c1e5710",
    ("artist", "official homepage"): "fe33d22f-c3b0-4d68-bd53-a856badf2b15",
}
ATTRIBUTE_IDS = {
    "additional": "0a5341f8-3b1d-4f99-a0c6-26b7f4e42c7f",
    "assistant": "8c4196b1-7053-4b16-921a-f22b2898ed44",
    "associate": "8d23d2dd-13df-43ea-85a0-d7eb38dc32ec",
    "co": "ac6f6b4c-a4ec-4483-a04e-9f425a914573",
    "executive": "e0039285-6667-4f94-80d6-aa6520c6d359",
}
ARTIST_TYPE_IDS = {
    "Person": "b6e035f4-3ce9-331c-97df-83397230b0df",
    "Group": "e431f5f6-b5d2-343d-8b36-72607fffb74b",
}
OFFICIAL_STATUS_ID = "4e304316-386d-3409-af2e-78857eec5cfe"


def derived_mbid(*parts: str) -> str:
    """A stable MBID for things the catalogue does not name (tracks, URLs)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def relation_envelope(
    kind: str, type_id: str, target_type: str, attributes: list[str], target_credit: str = ""
) -> dict[str, Any]:
    """The fields every MusicBrainz relation has, whatever its target."""
    return {
        "type": kind,
        "type-id": type_id,
        "target-type": target_type,
        "direction": "backward" if target_type == "artist" else "forward",
        "begin": None,
        "end": None,
        "ended": False,
        "attributes": attributes,
        "attribute-ids": {name: ATTRIBUTE_IDS[name] for name in attributes},
        "attribute-values": {},
        "source-credit": "",
        "target-credit": target_credit,
    }
