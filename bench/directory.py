"""People across twins: directory search over 20,000 cards, and a card change reaching 10 twins.

    python bench/directory.py [--cards 20000] [--twins 10] [--queries 300] [--changes 40]

Search: a real node (Home, on a loopback port) holds `--cards` cards from `--twins` twin
origins, stored through the same repository call the inbox uses for twins' cards (filling it
through 20,000 members' PUTs would only time the fill). Members' searches go through
`GET /api/v1/directory` over HTTP: words, an Italian skill label, a Spanish skill filter,
language and city filters, an origin; p50/p99 beside a bare FTS5 `MATCH ... ORDER BY bm25
LIMIT 20` over the same index, from a plain sqlite3 connection to the same file, in the same
run. Goal: p99 < 50 ms.

Fan-out: Home and `--twins` real twins (all in this process, one event loop, as the tests run
them); a member changes their card (audience: every twin) `--changes` times, one after the
other; each change is timed from the PUT until every twin acknowledged it (a twin acknowledges
a push only once it is committed, and the acknowledged row leaves Home's outbox).
Beside it, the machine's floor for the same fan-out: one HTTP round trip to each of the 10
twins in parallel (GET /healthz). Goal: p99 < 100 ms. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench._common import emit, machine, percentile, progress
from node.logs import configure_logging
from node.profiles import Card, vocabulary
from tests.support.nodes import InProcessNode, twin

SEARCH_GOAL_MS, FANOUT_GOAL_MS = 50.0, 100.0
# The tests' fast settings, but no feed pull every second: the searches would share the loop with
# twenty pulls a second.
QUIET = {"delivery": {"pull_interval_seconds": 600.0}}
FIRST = ["Ada", "Bruno", "Chiara", "Diego", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca"]
LAST = ["Rossi", "Smith", "Garcia", "Okafor", "Tanaka", "Novak", "Bianchi", "Khan", "Silva", "Moreau"]
CITIES = ["London", "New York", "Rome", "Milan", "Madrid", "Lisbon", "Berlin", "Paris", "Turin", "Boston"]
WORDS = [
    "design",
    "engines",
    "archives",
    "letterpress",
    "startups",
    "coffee",
    "climate",
    "robots",
    "music",
    "films",
    "data",
    "maps",
]
LANGS = ["en", "it", "es", "fr", "de", "pt-BR", "es-419"]


def fake_card(rng: random.Random, origin: str, n: int) -> Card:
    skills = rng.sample(sorted(vocabulary.entries("skills")), rng.randint(1, 4))
    interests = rng.sample(sorted(vocabulary.entries("interests")), rng.randint(0, 3))
    return Card(
        origin=origin,
        member=f"{n:032x}",
        version=1,
        updated_at=f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00Z",
        display_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        headline=" ".join(rng.sample(WORDS, 3)).capitalize(),
        bio=" ".join(rng.choices(WORDS, k=25)),
        skills=skills,
        interests=interests,
        languages=rng.sample(LANGS, rng.randint(1, 3)),
        city=rng.choice(CITIES),
        open_to_visitors=rng.random() < 0.3,
    )


async def fill(home: InProcessNode, origins: list[str], count: int) -> None:
    rng = random.Random(14)
    repo = home.node.profiles
    per_origin = count // len(origins)
    for o, origin in enumerate(origins):
        async with home.node.write() as work:
            for i in range(per_origin):
                card = fake_card(rng, origin, o * per_origin + i)
                await repo.store_card(work.tx, card, vocabulary.search_terms(card.skills, card.interests))


def queries(origins: list[str]) -> list[tuple[str, str | None]]:
    """(the API's query string, the bare FTS5 expression for it or None)."""
    found: list[tuple[str, str | None]] = []
    for n in range(40):
        word = WORDS[n % len(WORDS)]
        name = FIRST[n % len(FIRST)]
        found += [
            (f"q={name}", f'"{name.lower()}"*'),
            ("q=progettazione%20grafica", '"progettazione"* "grafica"*'),
            (f"q={word}&language=it", f'"{word}"*'),
            ("skill=Dise%C3%B1o%20gr%C3%A1fico", None),
            (f"city={CITIES[n % len(CITIES)].replace(' ', '%20')}&language=es", None),
            (f"q={name}%20{LAST[n % len(LAST)]}&origin={origins[n % len(origins)]}", None),
        ]
    return found


Cases = list[tuple[str, str | None]]


async def search_times(home: InProcessNode, token: str, cases: Cases, rounds: int) -> list[float]:
    times = []
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as session:
        for i in range(rounds):
            query, _ = cases[i % len(cases)]
            started = time.perf_counter()
            async with session.get(f"{home.local}/api/v1/directory?{query}", headers=headers) as resp:
                await resp.read()
            times.append(time.perf_counter() - started)
            assert resp.status == 200, query
    return times


def bare_fts_times(path: Path, cases: list[tuple[str, str | None]], rounds: int) -> list[float]:
    conn = sqlite3.connect(path)
    expressions = [e for _, e in cases if e]
    times = []
    for i in range(rounds):
        started = time.perf_counter()
        conn.execute(
            "SELECT rowid FROM cards_fts WHERE cards_fts MATCH ? ORDER BY bm25(cards_fts) LIMIT 20",
            (expressions[i % len(expressions)],),
        ).fetchall()
        times.append(time.perf_counter() - started)
    conn.close()
    return times


async def fanout_times(home: InProcessNode, twins: list[InProcessNode], token: str, changes: int) -> list[float]:
    times = []
    for n in range(changes):
        body = {"display_name": f"Bench {n}", "headline": f"change {n}", "shared": ["display_name", "headline"]}
        started = time.perf_counter()
        mine = await home.api.ok("PUT", "/api/v1/profile", body | {"audience": "twins"}, token=token)
        # A twin acknowledges a push only once applied and committed; the row leaves Home's outbox then.
        await delivered(home, mine["member"])
        times.append(time.perf_counter() - started)
    return times


async def delivered(home: InProcessNode, handle: str) -> None:
    pending = "SELECT 1 FROM outbox WHERE type = 'MemberProfile' AND id = ? LIMIT 1"
    while await home.node.store.db.fetch_one(pending, (handle,)):  # noqa: ASYNC110 (polling another node's rows)
        await asyncio.sleep(0.001)


async def floor_times(twins: list[InProcessNode], rounds: int) -> list[float]:
    times = []
    async with aiohttp.ClientSession() as session:

        async def ping(node: InProcessNode) -> None:
            async with session.get(node.local + "/healthz") as resp:
                await resp.read()

        for _ in range(rounds):
            started = time.perf_counter()
            await asyncio.gather(*(ping(node) for node in twins))
            times.append(time.perf_counter() - started)
    return times


def ms(values: list[float], p: float) -> float:
    return round(percentile(values, p) * 1000, 2)


async def main(args: argparse.Namespace) -> None:
    configure_logging("warning", "console")
    with tempfile.TemporaryDirectory(prefix="gemella-bench-directory-") as tmp:
        root = Path(tmp)
        home = await InProcessNode.create(root, "Home", config=QUIET)
        twins: list[InProcessNode] = []
        try:
            progress(f"twinning Home with {args.twins} twins")
            twins = [await InProcessNode.create(root, f"Twin {i}", config=QUIET) for i in range(args.twins)]
            for other in twins:
                await twin(home, other)
            origins = [other.url for other in twins]
            progress(f"storing {args.cards} cards from {args.twins} twins at Home")
            await fill(home, origins, args.cards)
            person = await home.api.ok("POST", "/api/v1/members", {"display_name": "Reader", "email": "r@h.example"})
            cases = queries(origins)
            await search_times(home, person["token"], cases, 30)  # warm up
            progress(f"{args.queries} directory searches over HTTP, then the bare FTS5 queries")
            ours = await search_times(home, person["token"], cases, args.queries)
            bare = bare_fts_times(home.directory / "node.db", cases, args.queries)
            progress(f"{args.changes} card changes reaching {args.twins} twins")
            await fanout_times(home, twins, person["token"], 3)  # warm up
            fanout = await fanout_times(home, twins, person["token"], args.changes)
            floor = await floor_times(twins, args.changes)
        finally:
            for node in [home, *twins]:
                await node.stop()
                await node.close_session()
    emit(
        {
            "benchmark": "directory",
            "search": {
                "cards": args.cards,
                "twins": args.twins,
                "queries": args.queries,
                "p50_ms": ms(ours, 50),
                "p99_ms": ms(ours, 99),
                "bare_fts5_p50_ms": ms(bare, 50),
                "bare_fts5_p99_ms": ms(bare, 99),
                "goal_p99_ms": SEARCH_GOAL_MS,
                "meets_goal": ms(ours, 99) < SEARCH_GOAL_MS,
            },
            "fanout": {
                "twins": args.twins,
                "changes": args.changes,
                "p50_ms": ms(fanout, 50),
                "p99_ms": ms(fanout, 99),
                "floor_parallel_http_round_trip_p50_ms": ms(floor, 50),
                "floor_parallel_http_round_trip_p99_ms": ms(floor, 99),
                "goal_p99_ms": FANOUT_GOAL_MS,
                "meets_goal": ms(fanout, 99) < FANOUT_GOAL_MS,
            },
            "notes": "search: HTTP round trip of GET /api/v1/directory (auth, FTS5 with filters, bm25 ranking, items "
            "with labels) against a bare FTS5 MATCH + bm25 + LIMIT 20 on the same file; fan-out: from the member's "
            "PUT until every twin acknowledged the new version (signed push, verified, applied, committed), "
            "all nodes in one process and one event loop, against parallel HTTP round trips to the same twins.",
            "machine": {**machine(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=20_000, help="cards at Home, spread over the twins (20000)")
    parser.add_argument("--twins", type=int, default=10, help="twin nodes (10)")
    parser.add_argument("--queries", type=int, default=300, help="directory searches (300)")
    parser.add_argument("--changes", type=int, default=40, help="card changes sent to every twin (40)")
    asyncio.run(main(parser.parse_args()))
