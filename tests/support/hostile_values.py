"""Hypothesis strategies for hostile input: arbitrary JSON with unicode edge cases
(RTL and override marks, zero-width and combining characters, a BOM, NUL), huge and deeply
nested values, and the field names the stages read, so that some of it gets past validation."""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import strategies as st

from producer_discovery.messages import ID_FIELDS

EDGE_CHARACTERS = '\u200f\u202e\u200b\ufeff\u0301\u0000\U0001f600a Z9-"\\{}[]'
FIELD_NAMES = ("artistName", *ID_FIELDS, "offset", "limit", "minPopularity", "refresh")


def nested(depth: int) -> Any:
    """`depth` arrays around a string."""
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


edge_text = st.text(
    alphabet=st.sampled_from(EDGE_CHARACTERS) | st.characters(codec="utf-8"), max_size=40
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | edge_text
    | st.uuids().map(str)
    | st.integers(301, 7000).map(lambda n: "n" * n)
)
keys = st.sampled_from(FIELD_NAMES) | edge_text
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
) | st.integers(30, 400).map(nested)  # deeper than Python's json.dumps can write is sent as text
messages = (
    st.dictionaries(keys, json_values, max_size=6)
    | json_values
    | st.fixed_dictionaries({"artistName": edge_text})
    | st.fixed_dictionaries({"trackId": st.uuids().map(str), "x": json_values})
    | st.just({"producerId": str(uuid.UUID(int=0)), "pad": "y" * 70_000})
)


def has_nul(value: Any) -> bool:
    """PostgreSQL's jsonb and text refuse NUL (\\u0000): such a body never enters a queue."""
    return "\\u0000" in json.dumps(value)
