"""The directory: members search the cards of their own space and of their twins.

Full text (SQLite FTS5, ranked by bm25 with names and skills weighing most) over what each
card shares; the vocabulary's labels in every language are indexed with each card, so a
search for "progettazione grafica" finds a card that chose `graphic-design` whatever its
member's language. Filters by skill (an id or a label in any language), language, city and
origin. Bounded: a query reads at most one page, and a query text at most a few words.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from node.store.db import Database
from node.store.profiles import Card

from . import vocabulary

MAX_WORDS = 8
READER_CACHE_KIB = 16 * 1024
# bm25 weights per column: display_name, headline, bio, terms, city, looking_for, languages. FTS5 normalises
# by the whole card's length (the terms column holds every label in three languages), so a name
# weighs much more than a word elsewhere.
WEIGHTS = (20.0, 5.0, 1.0, 8.0, 2.0, 2.0, 0.0)  # languages: a filter, not a match
WORD_COLUMNS = "{display_name headline bio terms city looking_for}"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Query:
    home: str  # this node: its own cards, and those of its active twins, are shown
    q: str = ""
    skill: str = ""
    language: str = ""
    city: str = ""
    origin: str = ""
    limit: int = 20
    offset: int = 0


def match_expression(text: str) -> str | None:
    """The FTS5 query for a member's words: each word as a quoted prefix, all of them required.
    Quoting means nothing the member types is read as FTS5 syntax."""
    words = _WORD.findall(text.casefold())[:MAX_WORDS]
    return " ".join(f'"{word}"*' for word in words) or None


def _match(query: Query) -> str | None:
    """The whole MATCH: the words in the text columns, and the language (its tag's subtags as a
    phrase: `es` finds `es-419`) inside the index rather than row by row."""
    words = match_expression(query.q)
    if words is None:
        return None
    expression = f"{WORD_COLUMNS} : ({words})"
    subtags = _WORD.findall(query.language.casefold())
    if subtags:
        expression += f' AND languages : "{" ".join(subtags)}"'
    return expression


def _filters(query: Query, match: str | None) -> tuple[list[str], list[Any]]:
    clauses = [
        "NOT EXISTS (SELECT 1 FROM hidden_cards h WHERE h.origin = c.origin AND h.handle = c.handle)",
        # A suspended or ended twin's cards are not shown (they come back with the twinning).
        "(c.origin = ? OR EXISTS (SELECT 1 FROM twinnings t WHERE t.peer_id = c.origin AND t.status = 'active'))",
    ]
    params: list[Any] = [query.home]
    if query.skill:
        term = vocabulary.known("skills", query.skill) or " ".join(query.skill.split())
        clauses.append("EXISTS (SELECT 1 FROM json_each(c.skills) j WHERE lower(j.value) = lower(?))")
        params.append(term)
    if query.language and (match is None or " AND languages : " not in match):
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(c.languages) j WHERE lower(j.value) = lower(?) "
            "OR lower(j.value) LIKE lower(?) || '-%')"
        )
        params += [query.language, query.language]
    if query.city:
        clauses.append("c.city = ? COLLATE NOCASE")
        params.append(query.city.strip())
    if query.origin:
        clauses.append("c.origin = ?")
        params.append(query.origin)
    return clauses, params


def _sql(query: Query) -> tuple[str, list[Any]]:
    match = _match(query)
    clauses, params = _filters(query, match)
    if match is None:
        sql = f"SELECT c.* FROM cards c WHERE {' AND '.join(clauses)} ORDER BY c.updated_at DESC, c.pk LIMIT ? OFFSET ?"
        return sql, [*params, query.limit, query.offset]
    # The index's matches drive the join (CROSS JOIN fixes the order: SQLite otherwise scanned every
    # card and probed the index for each, ten times the cost), and the page is cut on (pk, score)
    # pairs before the page's cards are read.
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = (
        f"SELECT c.* FROM (SELECT m.pk, m.score FROM (SELECT rowid AS pk, bm25(cards_fts, {weights}) AS score "
        f"FROM cards_fts WHERE cards_fts MATCH ?) m CROSS JOIN cards c ON c.pk = m.pk WHERE {' AND '.join(clauses)} "
        "ORDER BY m.score, m.pk LIMIT ? OFFSET ?) page CROSS JOIN cards c ON c.pk = page.pk "
        "ORDER BY page.score, page.pk"
    )
    return sql, [match, *params, query.limit, query.offset]


async def search(db: Database, query: Query) -> list[Card]:
    """One page of cards, best first (most recently updated first without words)."""
    sql, params = _sql(query)

    def run(conn: sqlite3.Connection) -> list[Card]:
        # A word found in thousands of cards reads each one's row for the filters: with SQLite's
        # default 2 MB page cache, 20,000 cards did not fit and every search went to the OS for
        # them (4x slower). The reader connection keeps 16 MiB.
        conn.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
        return [Card.from_row(row) for row in conn.execute(sql, params).fetchall()]

    return await db.read(run)


def item(card: Card, language: str) -> dict[str, Any]:
    """A directory item: origin, member, the shared fields, and the terms' labels in `language`."""
    shown = card.view()
    labels = {
        kind: [vocabulary.label(kind, term, language) for term in terms]
        for kind in vocabulary.KINDS
        if (terms := getattr(card, kind))
    }
    if labels:
        shown["labels"] = labels
    return shown
