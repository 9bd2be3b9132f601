"""The directory's search over `cards`, on either database: one page of cards, best first.

The filters are the same SQL on both (dialect.py translates `json_each`); the full-text match
is each database's own: FTS5 with bm25 on SQLite (0041), a weighted tsvector with `ts_rank`
on PostgreSQL (0070). Both take the member's words as whole-word prefixes, all required, and
quote them, so nothing a member types is read as query syntax. The feature (node/profiles/
directory.py) only says what to look for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from .db import Database
from .profiles import Card

MAX_WORDS = 8
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class CardSearch:
    """What a member looks for. `skill` is the term as stored (a vocabulary id or a free tag)."""

    home: str  # this node: its own cards, and those of its active twins, are shown
    words: str = ""
    skill: str = ""
    language: str = ""
    city: str = ""
    origin: str = ""
    limit: int = 20
    offset: int = 0


def words_of(text: str) -> list[str]:
    """The member's words, at most MAX_WORDS of them (a query reads at most a few)."""
    return _WORD.findall(text.casefold())[:MAX_WORDS]


class _FullText(Protocol):
    def ranked(self, search: CardSearch, filters: str) -> tuple[str, list[Any]] | None:
        """The page of cards matching the words and `filters` (params follow the words'), or
        None when the search has no words."""


class _Fts5:
    """SQLite: the FTS5 index `cards_fts` ranked by bm25 (lower is better)."""

    # display_name, headline, bio, terms, city, looking_for, languages. FTS5 normalises by the
    # whole card's length (terms holds every label in three languages), so a name weighs most.
    WEIGHTS = (20.0, 5.0, 1.0, 8.0, 2.0, 2.0, 0.0)  # languages: a filter, not a match
    WORD_COLUMNS = "{display_name headline bio terms city looking_for}"
    handles_language = True

    def ranked(self, search: CardSearch, filters: str) -> tuple[str, list[Any]] | None:
        words = match_expression(search.words)
        if words is None:
            return None
        match = f"{self.WORD_COLUMNS} : ({words})"
        if subtags := _WORD.findall(search.language.casefold()):
            # The language's subtags as a phrase (`es` finds `es-419`), inside the index.
            match += f' AND languages : "{" ".join(subtags)}"'
        # The index's matches drive the join (CROSS JOIN fixes the order: SQLite otherwise scanned
        # every card and probed the index for each, ten times the cost), and the page is cut on
        # (pk, score) pairs before the page's cards are read.
        weights = ", ".join(str(w) for w in self.WEIGHTS)
        sql = (
            f"SELECT c.* FROM (SELECT m.pk, m.score FROM (SELECT rowid AS pk, bm25(cards_fts, {weights}) AS score "
            f"FROM cards_fts WHERE cards_fts MATCH ?) m CROSS JOIN cards c ON c.pk = m.pk WHERE {filters} "
            "ORDER BY m.score, m.pk LIMIT ? OFFSET ?) page CROSS JOIN cards c ON c.pk = page.pk "
            "ORDER BY page.score, page.pk"
        )
        return sql, [match]


class _TsQuery:
    """PostgreSQL: the GIN index over `card_words(...)` (0070), ranked by ts_rank (higher is better)."""

    # ts_rank's weights of the classes D, C, B, A: bio, city and looking_for; headline; the
    # vocabulary's labels; the name (the same order as the bm25 weights above). Normalisation 1
    # divides by the card's length (its logarithm), as bm25 favours the shorter of two cards.
    WEIGHTS = "{0.1, 0.25, 0.4, 1.0}"
    WORDS = "card_words(c.display_name, c.headline, c.bio, c.terms, c.city, c.looking_for)"
    handles_language = False

    def ranked(self, search: CardSearch, filters: str) -> tuple[str, list[Any]] | None:
        query = tsquery_text(search.words)
        if query is None:
            return None
        sql = (
            f"SELECT c.* FROM (SELECT c.pk, ts_rank('{self.WEIGHTS}', {self.WORDS}, q, 1) AS score "
            f"FROM cards c, to_tsquery('simple', card_fold(?)) q WHERE {self.WORDS} @@ q AND {filters} "
            "ORDER BY score DESC, c.pk LIMIT ? OFFSET ?) page JOIN cards c ON c.pk = page.pk "
            "ORDER BY page.score DESC, page.pk"
        )
        return sql, [query]


_FULL_TEXT: dict[str, _Fts5 | _TsQuery] = {"sqlite": _Fts5(), "postgresql": _TsQuery()}


def match_expression(text: str) -> str | None:
    """FTS5's query for the member's words: each word a quoted prefix, all of them required."""
    return " ".join(f'"{word}"*' for word in words_of(text)) or None


def tsquery_text(text: str) -> str | None:
    """PostgreSQL's `to_tsquery` text for the member's words: each a quoted prefix (`'ada':*`),
    all of them required (`&`). Words are letters, digits and `_` only, so no quote is in them."""
    return " & ".join(f"'{word}':*" for word in words_of(text)) or None


async def search_cards(db: Database, search: CardSearch) -> list[Card]:
    """One page of cards, best first (most recently updated first without words)."""
    full_text = _FULL_TEXT[db.dialect]
    in_index = full_text.handles_language and bool(words_of(search.words) and _WORD.findall(search.language))
    clauses, params = _filters(search, in_index)
    filters = " AND ".join(clauses)
    ranked = full_text.ranked(search, filters)
    if ranked is None:
        sql = f"SELECT c.* FROM cards c WHERE {filters} ORDER BY c.updated_at DESC, c.pk LIMIT ? OFFSET ?"
        head: list[Any] = []
    else:
        sql, head = ranked
    args = [*head, *params, search.limit, search.offset]
    return await db.read(lambda conn: [Card.from_row(row) for row in conn.execute(sql, args).fetchall()], wide=True)


def _filters(search: CardSearch, in_index: bool) -> tuple[list[str], list[Any]]:
    """The WHERE clauses besides the words (`in_index`: the language is matched in the index)."""
    clauses = [
        "NOT EXISTS (SELECT 1 FROM hidden_cards h WHERE h.origin = c.origin AND h.handle = c.handle)",
        # A suspended or ended twin's cards are not shown (they come back with the twinning).
        "(c.origin = ? OR EXISTS (SELECT 1 FROM twinnings t WHERE t.peer_id = c.origin AND t.status = 'active'))",
    ]
    params: list[Any] = [search.home]
    if search.skill:
        clauses.append("EXISTS (SELECT 1 FROM json_each(c.skills) j WHERE lower(j.value) = lower(?))")
        params.append(search.skill)
    if search.language and not in_index:
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(c.languages) j WHERE lower(j.value) = lower(?) "
            "OR lower(j.value) LIKE lower(?) || '-%')"
        )
        params += [search.language, search.language]
    if search.city:
        clauses.append("c.city = ? COLLATE NOCASE")
        params.append(search.city.strip())
    if search.origin:
        clauses.append("c.origin = ?")
        params.append(search.origin)
    return clauses, params
