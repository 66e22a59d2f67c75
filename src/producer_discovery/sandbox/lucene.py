"""The Lucene query syntax of MusicBrainz' search endpoints, for the sandbox: a parser for
boolean queries and a scorer of one document against them.

    query   := clause ((AND | OR | && | ||)? clause)*     adjacent clauses: OR (Lucene's default);
                                                          a NOT/- clause among them excludes
    clause  := (NOT | - | +)? ( "(" query ")" | field ":" value | value )
    value   := "phrase" | term | "(" values ")"           a group applies its field to each value
    values  := value ((AND | OR)? value)*

AND binds tighter than OR, as in Lucene. Bare words next to each other, outside any field,
make one phrase of the default field (`Neon Cathedral` = `release:"Neon Cathedral"`), which
is how the search pages treat free text. `artistname` is read as `artist`.

Matching, per document (`available`: field → its texts): a text field matches when the
folded value equals one of its texts (0) or is contained in one (-5); identifier fields
(EXACT_FIELDS: barcode, isrc, MBIDs) only on the exact string, as MusicBrainz indexes them,
except that barcodes are indexed and queried without leading zeroes (MusicBrainz' search
strips them on both sides: "00602475093060" finds "602475093060" and "0602475093060").
`score` says how well one document matches: AND adds its parts, OR keeps its best part,
NOT excludes; 100 plus that sum, or None when the document does not match.

`relative_scores` scores a whole search as MusicBrainz' Solr does: a matching term weighs
its rarity among the documents (1 + ln(N / (df + 1)), less for a contained match), AND
adds, OR keeps the best part, and every hit's score is its weight ÷ the best hit's × 100.
So in a query OR-ing many titles an exact match on a common title scores well below 100.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from producer_discovery.sandbox.credits_data import match_score

EXACT_FIELDS = frozenset({"barcode", "isrc", "arid", "reid", "rid", "rgid", "tid"})
CASELESS_FIELDS = frozenset({"isrc"})
STRIPPED_FIELDS = frozenset({"barcode"})  # indexed and queried without leading zeroes
CONTAINED_WEIGHT = 0.8  # a value contained in a text weighs less than one equal to it
TOKEN = re.compile(
    r'\s*(?:(?P<open>\()|(?P<close>\))|"(?P<phrase>(?:[^"\\]|\\.)*)"|(?P<prefix>[-+])(?=\S)'
    r"|(?P<field>[A-Za-z][\w-]*):(?=\S)|(?P<word>(?:[^\s()\"\\]|\\.)+))"
)
OPERATORS = {"AND": "and", "&&": "and", "OR": "or", "||": "or", "NOT": "not"}
FIELD_ALIASES = {"artistname": "artist"}


class QuerySyntaxError(ValueError):
    """A query the parser cannot read (MusicBrainz answers 400 for those)."""


@dataclass(frozen=True)
class Term:
    field: str
    text: str


@dataclass(frozen=True)
class Boolean:
    operator: str  # "and" | "or"
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Term | Boolean | Not


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def tokens(query: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: open, close, phrase, field, word (operators are words)."""
    found: list[tuple[str, str]] = []
    position = 0
    query = query.strip()
    while position < len(query):
        match = TOKEN.match(query, position)
        if not match or match.end() == position:
            raise QuerySyntaxError(f"cannot read the query at {query[position:]!r}")
        kind = match.lastgroup
        assert kind is not None
        found.append((kind, match.group(kind)))
        position = match.end()
        while position < len(query) and query[position].isspace():
            position += 1
    return found


class Parser:
    def __init__(self, query: str, default_field: str) -> None:
        self.items = tokens(query)
        self.position = 0
        self.default_field = default_field

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.position] if self.position < len(self.items) else None

    def take(self) -> tuple[str, str]:
        item = self.items[self.position]
        self.position += 1
        return item

    def operator(self) -> str | None:
        item = self.peek()
        if item and item[0] == "word" and item[1] in OPERATORS:
            return OPERATORS[item[1]]
        return None

    def parse(self) -> Node:
        node = self.expression(self.default_field, grouped=False)
        if self.peek() is not None:
            raise QuerySyntaxError("unbalanced parentheses")
        return node

    def expression(self, field: str, grouped: bool) -> Node:
        """Clauses joined by AND/OR (AND first); ends at ')' or the end."""
        alternatives: list[list[Node]] = [[self.clause(field, grouped)]]
        while (item := self.peek()) is not None and item[0] != "close":
            operator = self.operator()
            if operator in ("and", "or"):
                self.take()
            if operator == "and":
                alternatives[-1].append(self.clause(field, grouped))
            else:  # OR, or nothing between two clauses: Lucene's default operator
                alternatives.append([self.clause(field, grouped)])
        ands = [
            parts[0] if len(parts) == 1 else Boolean("and", tuple(parts)) for parts in alternatives
        ]
        # A prohibited clause among optional ones (`a -b`, `a OR NOT b`) excludes from all.
        excluded = [node for node in ands if isinstance(node, Not)]
        optional = [node for node in ands if not isinstance(node, Not)]
        if not optional:
            return excluded[0] if len(excluded) == 1 else Boolean("and", tuple(excluded))
        either = optional[0] if len(optional) == 1 else Boolean("or", tuple(optional))
        return either if not excluded else Boolean("and", (either, *excluded))

    def clause(self, field: str, grouped: bool) -> Node:
        item = self.peek()
        if item is None:
            raise QuerySyntaxError("the query ends where a clause was expected")
        if self.operator() == "not" or item[0] == "prefix":
            self.take()
            inner = self.clause(field, grouped)
            return inner if item[1] == "+" else Not(inner)
        kind, text = self.take()
        if kind == "open":
            node = self.expression(field, grouped)
            self.closing()
            return node
        if kind == "field":
            name = text.lower()
            name = FIELD_ALIASES.get(name, name)
            if (self.peek() or ("", ""))[0] == "open":
                self.take()
                node = self.expression(name, grouped=True)
                self.closing()
                return node
            kind, text = self.take()
            return self.term(name, kind, text)
        if kind == "close":
            raise QuerySyntaxError("unbalanced parentheses")
        if kind == "word" and not grouped:  # free words: one phrase of the default field
            words = [unescape(text)]
            while (following := self.peek()) and following[0] == "word" and not self.operator():
                words.append(unescape(self.take()[1]))
            return Term(field, " ".join(words))
        return self.term(field, kind, text)

    def term(self, field: str, kind: str, text: str) -> Term:
        if kind not in ("phrase", "word"):
            raise QuerySyntaxError(f"a value was expected after {field}:")
        return Term(field, unescape(text))

    def closing(self) -> None:
        item = self.peek()
        if item is None or item[0] != "close":
            raise QuerySyntaxError("unbalanced parentheses")
        self.take()


def parse(query: str, default_field: str) -> Node:
    """The query's tree; QuerySyntaxError when it cannot be read."""
    if not query.strip():
        raise QuerySyntaxError("an empty query")
    return Parser(query, default_field).parse()


def term_penalty(term: Term, available: dict[str, list[str]]) -> int | None:
    texts = available.get(term.field)
    if texts is None:
        return None
    if term.field in EXACT_FIELDS:
        wanted = indexed(term.field, term.text)
        return 0 if wanted and wanted in {indexed(term.field, text) for text in texts} else None
    return match_score(term.text, texts)


def indexed(field: str, text: str) -> str:
    """An identifier as the index holds it (and a query's value is read): ISRCs upper-case,
    barcodes without leading zeroes."""
    if field in CASELESS_FIELDS:
        text = text.upper()
    if field in STRIPPED_FIELDS:
        text = text.strip().lstrip("0")
    return text


def penalty(node: Node, available: dict[str, list[str]]) -> int | None:
    if isinstance(node, Term):
        return term_penalty(node, available)
    if isinstance(node, Not):
        return 0 if penalty(node.part, available) is None else None
    scores = [penalty(part, available) for part in node.parts]
    if node.operator == "and":
        return None if None in scores else sum(s for s in scores if s is not None)
    matched = [score for score in scores if score is not None]
    return max(matched) if matched else None


def score(node: Node, available: dict[str, list[str]]) -> int | None:
    """100 for a document that matches every clause exactly, less for contained matches,
    None when it does not match."""
    found = penalty(node, available)
    return None if found is None else 100 + found


def fields(node: Node) -> Iterable[str]:
    """Every field the query names."""
    if isinstance(node, Term):
        yield node.field
    elif isinstance(node, Not):
        yield from fields(node.part)
    else:
        for part in node.parts:
            yield from fields(part)


def terms(node: Node) -> Iterable[Term]:
    """Every term of the query."""
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from terms(node.part)
    else:
        for part in node.parts:
            yield from terms(part)


def weighed(
    node: Node, penalties: dict[Term, int | None], weights: dict[Term, float]
) -> float | None:
    """A document's raw weight from its terms' matches (`penalties`, as term_penalty says),
    or None when it does not match."""
    if isinstance(node, Term):
        found = penalties[node]
        if found is None:
            return None
        return weights[node] * (1.0 if found == 0 else CONTAINED_WEIGHT)
    if isinstance(node, Not):
        return 0.0 if weighed(node.part, penalties, weights) is None else None
    parts = [weighed(part, penalties, weights) for part in node.parts]
    if node.operator == "and":
        return None if None in parts else sum(part for part in parts if part is not None)
    matched = [part for part in parts if part is not None]
    return max(matched) if matched else None


def relative_scores(node: Node, documents: Sequence[dict[str, list[str]]]) -> list[int | None]:
    """Each document's score in one search (see the module docstring): its weight ÷ the best
    weight × 100, rounded (at least 1), or None when it does not match."""
    wanted = list(dict.fromkeys(terms(node)))
    penalties = [{term: term_penalty(term, document) for term in wanted} for document in documents]
    matching = {term: sum(found[term] is not None for found in penalties) for term in wanted}
    count = max(len(documents), 1)
    weights = {term: 1.0 + math.log(count / (matching[term] + 1)) for term in wanted}
    weights = {term: max(weight, 0.01) for term, weight in weights.items()}
    raw = [weighed(node, found, weights) for found in penalties]
    best = max((value for value in raw if value is not None), default=0.0)
    return [
        None if value is None else max(1, round(100 * value / best)) if best > 0 else 100
        for value in raw
    ]
