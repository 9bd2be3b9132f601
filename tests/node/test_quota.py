"""Quota per twin: what a twin stores here is bounded; past it, items are refused one by one."""

from __future__ import annotations

import pytest

from protocol.envelope import seal
from tests.support.nodes import twin
from tests.support.objects import make_event, versions
from tests.web.support import Browserless


async def push(sender, receiver, events) -> list[dict]:
    batch = [seal(event, sender.node.keys.current).model_dump(mode="json") for event in events]
    resp = await sender.node.client.send("POST", receiver.url + "/federation/v1/inbox", {"items": batch})
    assert resp.status == 202
    return resp.json()["results"]


def kinds(results: list[dict]) -> list[str]:
    return [r["problem"]["type"].rsplit("/", 1)[-1] if r["status"] == "rejected" else r["status"] for r in results]


@pytest.fixture
async def small(nodes):
    nyc = await nodes("NYC")
    london = await nodes("London", config={"limits": {"twin_max_objects": 5}})
    await twin(nyc, london)
    return nyc, london


async def test_quota__objects_past_the_quota_are_refused_and_updates_still_apply(small):
    nyc, london = small
    events = [make_event(nyc.url, f"e{n}", title=f"Event {n}") for n in range(7)]
    results = await push(nyc, london, events)
    assert kinds(results) == ["applied"] * 5 + ["quota-exceeded"] * 2
    assert results[5]["problem"]["status"] == 507 and "e5" in results[5]["problem"]["detail"]
    assert await versions(london, "Event", nyc.url) == {f"e{n}": 1 for n in range(5)}

    # At its quota, the twin can still cancel an event and change one without making it larger.
    cancelled = make_event(nyc.url, "e0", version=2, title="Event 0", status="cancelled")
    shorter = make_event(nyc.url, "e1", version=2, title="E1")
    assert kinds(await push(nyc, london, [cancelled, shorter, make_event(nyc.url, "e9")])) == [
        "applied",
        "applied",
        "quota-exceeded",
    ]
    stored = await london.node.store.objects.get("Event", nyc.url, "e0")
    assert stored.object["status"] == "cancelled"

    status = await london.api.ok("GET", "/api/v1/status")
    storage = next(p for p in status["peers"] if p["peer"] == nyc.url)["storage"]
    assert storage["objects"] == 5 and storage["max_objects"] == 5
    assert storage["refused"] == 3 and storage["last_refused_at"]

    client = Browserless(london.local)
    try:
        await client.sign_in(london.token, "/admin")
        code, page = await client.get("/admin/delivery")
        assert code == 200
        assert "3 objects refused" in page
        assert "over quota" in page
    finally:
        await client.close()


async def test_quota__bytes_bound_new_objects_and_larger_versions(nodes):
    nyc = await nodes("NYC")
    london = await nodes("London", config={"limits": {"twin_max_bytes": 4096}})
    await twin(nyc, london)
    events = [make_event(nyc.url, f"e{n}", title=f"Event {n}") for n in range(12)]
    results = kinds(await push(nyc, london, events))
    applied = results.count("applied")
    assert 1 <= applied < 12 and results == ["applied"] * applied + ["quota-exceeded"] * (12 - applied)
    usage = await london.node.store.usage.get(nyc.url)
    assert usage.objects == applied and usage.bytes <= 4096

    longer = make_event(nyc.url, "e0", version=2, title="Event 0", description="x" * 4000)
    same_size = make_event(nyc.url, "e0", version=3, title="Event 0")
    assert kinds(await push(nyc, london, [longer, same_size])) == ["quota-exceeded", "applied"]
    assert (await london.node.store.usage.get(nyc.url)).bytes == usage.bytes + 0


async def test_quota__sizes_are_the_stored_envelopes_bytes_read_with_their_versions(nodes):
    nyc = await nodes("NYC")
    london = await nodes("London")
    await twin(nyc, london)
    key, absent = ("Event", nyc.url, "e0"), ("Event", nyc.url, "absent")
    assert kinds(await push(nyc, london, [make_event(nyc.url, "e0", title="Café à Zürich ☕")])) == ["applied"]
    row = await london.node.store.db.fetch_one("SELECT envelope FROM objects WHERE id = 'e0'")
    size = len(row["envelope"].encode("utf-8"))  # bytes, not characters: the title is not ASCII

    async with london.node.store.db.transaction() as tx:
        held = await london.node.store.objects.list_versions_and_sizes(tx, [key, absent, key])

    assert held == {key: (1, size)}
    assert (await london.node.store.usage.get(nyc.url)).bytes == size > len(row["envelope"])
