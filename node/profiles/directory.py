"""The directory: members search the cards of their own space and of their twins.

Full text over what each card shares, ranked with names and skills weighing most (the store's
card_search.py: SQLite's FTS5 or PostgreSQL's tsvector); the vocabulary's labels in every
language are indexed with each card, so a search for "progettazione grafica" finds a card that
chose `graphic-design` whatever its member's language. Filters by skill (an id or a label in
any language), language, city and origin. Bounded: a query reads at most one page, and a query
text at most a few words.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from node.store.card_search import CardSearch, search_cards
from node.store.db import Database
from node.store.profiles import Card

from . import vocabulary


def query(home: str, origin: str, params: dict[str, Any]) -> CardSearch:
    """The store's search from the API's or the page's parameters (their `q` is the words)."""
    fields = dict(params)
    words = fields.pop("q", "") or ""
    return CardSearch(home=home, words=words, **fields | {"origin": origin})


async def search(db: Database, query: CardSearch) -> list[Card]:
    """One page of cards, best first (most recently updated first without words). A skill may be
    given as a vocabulary id or as its label in any language."""
    skill = (vocabulary.known("skills", query.skill) or " ".join(query.skill.split())) if query.skill else ""
    return await search_cards(db, replace(query, skill=skill))


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
