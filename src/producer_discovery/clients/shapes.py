"""The shape a provider's document must have before our code reads it.

A client declares, per endpoint, the fields its readers rely on (`CachingClient.shapes`):

    (("response", "song"), dict)                          required, of that type
    (("response", "song", "producer_artists"), OBJECTS)   absent, null, or a list of objects
    (("response", "song", "custom_performances", EVERY_ITEM, "artists"), OBJECTS)
                                                          the same, in every object of a list

`shape_problem` says what is wrong with a document, or None. A document with a problem is a
ResponseShapeError (the source's answer is unreadable), never cached. Our readers may then
index what is required and iterate what is OBJECTS as objects: anything they raise beyond
that (KeyError, TypeError, AttributeError…) is a bug of ours, not the provider's shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ListOfObjects:
    """The kind of a list our code reads item by item: absent, null, or a list of objects."""

    def __repr__(self) -> str:
        return "OBJECTS"


OBJECTS = ListOfObjects()
EVERY_ITEM = "*"  # a path step through every object of a list (other items are not read)

Kind = type | tuple[type, ...] | ListOfObjects
Shape = tuple[tuple[str, ...], Kind]
Shapes = Mapping[str, tuple[Shape, ...]]  # endpoint → what a document of it must have


def shape_problem(document: Any, required: tuple[Shape, ...]) -> str | None:
    """What is wrong with a document's shape, or None when it has every required field."""
    if not isinstance(document, dict):
        return f"document is {type(document).__name__}, not an object"
    for path, kind in required:
        problem = value_problem(document, path, kind, ())
        if problem is not None:
            return problem
    return None


def value_problem(value: Any, path: tuple[str, ...], kind: Kind, at: tuple[str, ...]) -> str | None:
    """What is wrong with `value` (found at `at`) for the rest of `path`, or None."""
    if not path:
        return kind_problem(value, kind, at)
    step, rest = path[0], path[1:]
    if step == EVERY_ITEM:
        items = value if isinstance(value, list) else []
        for index, item in enumerate(items):
            if isinstance(item, dict):
                problem = value_problem(item, rest, kind, (*at, str(index)))
                if problem is not None:
                    return problem
        return None
    if not isinstance(value, dict):
        return f"{dotted(at)} is {type(value).__name__}, not an object"
    if value.get(step) is None and kind is OBJECTS:
        return None  # an optional list that is not there
    if step not in value:
        return f"{dotted((*at, step))} is missing"
    return value_problem(value[step], rest, kind, (*at, step))


def kind_problem(value: Any, kind: Kind, at: tuple[str, ...]) -> str | None:
    if isinstance(kind, ListOfObjects):
        if not isinstance(value, list):
            return f"{dotted(at)} is {type(value).__name__}, not a list"
        for item in value:
            if not isinstance(item, dict):
                return f"{dotted(at)} holds a {type(item).__name__}, not only objects"
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        return f"{dotted(at)} is {type(value).__name__}, not {names}"
    return None


def dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)
