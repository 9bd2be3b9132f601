"""The directory's search on both databases (node/store/card_search.py), and deleted cards'
words leaving PostgreSQL's files (`PgDatabase.reclaim_deleted`, node/store/card_purge.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from node.store import Store
from node.store.card_search import CardSearch, search_cards, tsquery_text
from node.store.profiles import Card, ProfileRepository
from tests.support.postgres import table_files

HOME = "https://here.example"
SECRET = "Vermicelliografo"
CARDS = {
    "ada": Card(HOME, "ada", 1, "2027-01-01T00:00:01Z", display_name="Ada L.", languages=["en", "it"], city="London"),
    "cy": Card(HOME, "cy", 1, "2027-01-01T00:00:02Z", display_name="Cy", headline="Ada fan", city="Leeds"),
    "bea": Card(
        HOME,
        "bea",
        1,
        "2027-01-01T00:00:03Z",
        display_name="Bea",
        bio="Progettista a Città di Castello",
        skills=["law"],
        languages=["es-419"],
        city="città",
    ),
    "dee": Card(HOME, "dee", 1, "2027-01-01T00:00:04Z", display_name="Dee", bio=f"{SECRET} of quartos", skills=["law"]),
    "far": Card("https://not-a-twin.example", "far", 1, "2027-01-01T00:00:05Z", display_name="Ada Far"),
}
TERMS = {"bea": "law diritto derecho", "dee": "law diritto derecho"}
SEARCHES = {
    "ada": (CardSearch(HOME, words="ada"), ["ada", "cy"]),  # a name before a headline; not a stranger's card
    "prefix and accents": (CardSearch(HOME, words="progett citta"), ["bea"]),
    "every word required": (CardSearch(HOME, words="ada london"), ["ada"]),
    "a label": (CardSearch(HOME, words="Diritto"), ["dee", "bea"]),  # the shorter card first
    "a skill": (CardSearch(HOME, skill="LAW"), ["dee", "bea"]),  # newest first without words
    "a language's subtag": (CardSearch(HOME, language="es"), ["bea"]),
    "words and a language": (CardSearch(HOME, words="diritto", language="es"), ["bea"]),
    "a city in any case": (CardSearch(HOME, city="LONDON"), ["ada"]),
    "query syntax is words": (CardSearch(HOME, words="'ada' & !x | ada:* <->"), []),
    "a page": (CardSearch(HOME, limit=2, offset=1), ["bea", "cy"]),
}


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    target = tmp_path / "node.db" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    store = await Store(target).open()
    repo = ProfileRepository(store.db)
    async with store.db.transaction() as tx:
        for handle, card in CARDS.items():
            await repo.store_card(tx, card, TERMS.get(handle, ""))
    yield store
    await store.close()


@pytest.mark.parametrize("name", SEARCHES)
async def test_search_cards__the_same_page_on_either_database(store: Store, name: str) -> None:
    search, expected = SEARCHES[name]
    assert [card.member for card in await search_cards(store.db, search)] == expected


def test_tsquery_text__each_word_a_quoted_prefix_all_required() -> None:
    assert tsquery_text("Ada 'OR' x:* & !") == "'ada':* & 'or':* & 'x':*"
    assert tsquery_text(" ,; ") is None


async def test_reclaim_deleted__a_deleted_card_s_words_leave_the_table_s_files_on_postgresql(postgres_url: str) -> None:
    store = await Store(postgres_url).open()
    try:
        repo = ProfileRepository(store.db)
        async with store.db.transaction() as tx:
            for handle, card in CARDS.items():
                await repo.store_card(tx, card, TERMS.get(handle, ""))
            await repo.delete_card(tx, HOME, "dee")
        # Deleted, even vacuumed, the row's bytes are still in the table's page and its words in the
        # GIN index: this is what the purge is for (and what shows this test can see them).
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute("VACUUM cards")
        assert _holding(postgres_url, SECRET, SECRET.lower())
        await repo.purge.purge()
        assert _holding(postgres_url, SECRET, SECRET.lower()) == []
        found = await search_cards(store.db, CardSearch(HOME, words="diritto"))
        assert [card.member for card in found] == ["bea"], "the other cards and their index are whole"
    finally:
        await store.close()


def _holding(url: str, *needles: str) -> list[str]:
    return [f"{p.name}: {n}" for p in table_files(url, "cards") for n in needles if n.encode() in p.read_bytes()]
