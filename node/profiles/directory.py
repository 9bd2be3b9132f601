"""The directory: members search the cards of their own space and of their twins.

Full text over what each card shares, ranked with names and skills weighing most (the store's
card_search.py: SQLite's FTS5 or PostgreSQL's tsvector); the vocabulary's labels in every
language are indexed with each card, so a search for "progettazione grafica" finds a card that
chose `graphic-design` whatever its member's language. Filters by skill (an id or a label in
any language), language, city and origin. Bounded: a query reads at most one page, and a query
text at most a few words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.store.card_search import CardSearch, search_cards
from node.store.db import Database
from node.store.profiles import Card

from . import vocabulary


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


async def search(db: Database, query: Query) -> list[Card]:
    """One page of cards, best first (most recently updated first without words)."""
    skill = (vocabulary.known("skills", query.skill) or " ".join(query.skill.split())) if query.skill else ""
    found = CardSearch(
        home=query.home,
        words=query.q,
        skill=skill,
        language=query.language,
        city=query.city,
        origin=query.origin,
        limit=query.limit,
        offset=query.offset,
    )
    return await search_cards(db, found)


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
