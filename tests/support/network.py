"""A network of twinned spaces: a random twinning graph, events and slots with random audiences,
and the check that every object reached exactly its audience.

Shared by `bench/network.py` (fifty nodes, in worker processes) and the ten-node test in
`tests/node/test_network.py` (in the test's process). Nodes are driven through their local
APIs only; what each node holds is read from its own database file (read-only), which is the
ground truth for "no more, no less": an API view could hide a replica that should not be there.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .nodes import BaseNode, eventually

Held = set[tuple[str, str, str, int]]  # (type, origin, id, version)

# What a network node needs beyond the test defaults: nodes meet as strangers from one address.
NETWORK_CONFIG: dict[str, Any] = {
    "limits": {"stranger_proposals_per_minute": 60_000, "peer_requests_per_second": 100_000, "peer_burst": 100_000},
}


def twinning_graph(rng: random.Random, count: int, low: int, high: int) -> list[tuple[int, int]]:
    """Edges of a random graph on `count` nodes whose degrees lie in [low, high]; node 0 is a hub
    twinned with everyone (the fan-out case). Other degrees are drawn uniformly in [low, high]
    and met as far as the others' own degrees allow."""
    edges = {(0, other) for other in range(1, count)}
    degree = [count - 1] + [1] * (count - 1)
    target = [count - 1] + [rng.randint(low, high) for _ in range(1, count)]
    pairs = [(a, b) for a in range(1, count) for b in range(a + 1, count)]
    rng.shuffle(pairs)
    for a, b in pairs:
        if degree[a] < target[a] and degree[b] < target[b]:
            edges.add((a, b))
            degree[a] += 1
            degree[b] += 1
    for a in range(1, count):  # anyone still under the lowest degree takes random partners
        others = [b for b in range(1, count) if b != a and (min(a, b), max(a, b)) not in edges and degree[b] < high]
        rng.shuffle(others)
        while degree[a] < low and others:
            b = others.pop()
            edges.add((min(a, b), max(a, b)))
            degree[a] += 1
            degree[b] += 1
    return sorted(edges)


def twins_of(edges: Sequence[tuple[int, int]], count: int) -> list[list[int]]:
    found: list[list[int]] = [[] for _ in range(count)]
    for a, b in edges:
        found[a].append(b)
        found[b].append(a)
    return found


async def twin_all(nodes: Sequence[BaseNode], edges: Sequence[tuple[int, int]], concurrency: int = 8) -> None:
    """Propose and accept every edge through the local APIs, a few at a time; wait until all are active."""
    gate = asyncio.Semaphore(concurrency)

    async def one(a: BaseNode, b: BaseNode) -> None:
        async with gate:
            proposed = await a.api.ok("POST", "/api/v1/twins", {"url": b.url})
            await eventually(lambda: _has_twinning(b, proposed["id"]), True, timeout=60)
            await b.api.ok("POST", f"/api/v1/twins/{proposed['id']}/accept")
            await eventually(lambda: _status(a, proposed["id"]), "active", timeout=60)

    await asyncio.gather(*(one(nodes[a], nodes[b]) for a, b in edges))


async def _has_twinning(node: BaseNode, twinning_id: str) -> bool:
    status, _ = await node.api.call("GET", f"/api/v1/twins/{twinning_id}")
    return status == 200


async def _status(node: BaseNode, twinning_id: str) -> str:
    return str((await node.api.ok("GET", f"/api/v1/twins/{twinning_id}"))["status"])


@dataclass
class Published:
    """What the network's nodes published, and to whom: the expected holdings follow from it."""

    urls: list[str]
    twins: list[list[int]]
    # (type, origin index, id) -> (version, audience as node indexes)
    objects: dict[tuple[str, int, str], tuple[int, frozenset[int]]] = field(default_factory=dict)

    def expected(self, index: int) -> Held:
        """What node `index` must hold of the others' events and slots: exactly this."""
        return {
            (type_, self.urls[origin], object_id, version)
            for (type_, origin, object_id), (version, audience) in self.objects.items()
            if index in audience
        }

    def deliveries(self) -> int:
        return sum(len(audience) for _, audience in self.objects.values())


async def publish_event(
    node: BaseNode, published: Published, index: int, rng: random.Random, *, to_all: bool | None = None
) -> str:
    """An event for all twins or a random handful of them."""
    twins = published.twins[index]
    everyone = rng.random() < 0.4 if to_all is None else to_all
    chosen = set(twins) if everyone else set(rng.sample(twins, rng.randint(1, min(len(twins), 5))))
    body = {
        "title": f"Event {rng.randint(0, 10**6)}",
        "starts_at": f"2027-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T18:00",
        "ends_at": "2027-12-31T21:00",
        "audience": "all" if everyone else sorted(published.urls[t] for t in chosen),
    }
    created = await node.api.ok("POST", "/api/v1/events", body)
    published.objects[("Event", index, created["id"])] = (1, frozenset(chosen))
    return str(created["id"])


async def update_event(node: BaseNode, published: Published, index: int, event_id: str) -> None:
    """A new version of an event: every node of its audience must end up with that version."""
    version, audience = published.objects[("Event", index, event_id)]
    await node.api.ok("PATCH", f"/api/v1/events/{event_id}", {"summary": f"Changed for version {version + 1}"})
    published.objects[("Event", index, event_id)] = (version + 1, audience)


async def offer_slot(node: BaseNode, published: Published, index: int, rng: random.Random, resource: str) -> None:
    """A slot for one random twin: only that twin may hold it."""
    twin = rng.choice(published.twins[index])
    day = rng.randint(1, 28)
    body = {
        "resource_id": resource,
        "twin_id": published.urls[twin],
        "starts_at": f"2027-10-{day:02d}T{rng.randint(8, 12):02d}:00",
        "ends_at": f"2027-10-{day:02d}T17:00",
        "seats": rng.randint(1, 20),
    }
    slot = await node.api.ok("POST", "/api/v1/slots", body)
    published.objects[("Slot", index, slot["id"])] = (1, frozenset({twin}))


def database(node: BaseNode) -> Path:
    return node.directory / "node.db"


def held(path: Path, own_url: str) -> Held:
    """The others' events and slots a node holds, read from its database (read-only, WAL-safe)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
        rows = conn.execute(
            "SELECT type, origin, id, version FROM objects WHERE type IN ('Event', 'Slot') AND origin != ?",
            (own_url,),
        ).fetchall()
    return {(str(t), str(o), str(i), int(v)) for t, o, i, v in rows}


def differences(nodes: Sequence[BaseNode], published: Published) -> dict[str, dict[str, list[Any]]]:
    """Per node, what it lacks and what it holds but should not (empty when exact)."""
    found = {}
    for index, node in enumerate(nodes):
        have, want = held(database(node), node.url), published.expected(index)
        if have != want:
            found[node.url] = {"missing": sorted(want - have)[:5], "unexpected": sorted(have - want)[:5]}
    return found


def holds(node: BaseNode, type_: str, origin: str, object_id: str, version: int = 1) -> bool:
    with sqlite3.connect(f"file:{database(node)}?mode=ro", uri=True, timeout=10) as conn:
        row = conn.execute(
            "SELECT version FROM objects WHERE type = ? AND origin = ? AND id = ?", (type_, origin, object_id)
        ).fetchone()
    return row is not None and int(row[0]) >= version
