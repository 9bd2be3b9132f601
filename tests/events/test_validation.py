"""Bad input gets a clear problem and changes nothing: not the list, not the store, not the feed."""

from __future__ import annotations

import pytest

from tests.support.nodes import eventually

from .support import body, feed_as, listing, nyc_london, publish, versions_at

TEN_MB = "x" * (10 * 1024 * 1024)
NOT_A_TWIN = "http://127.0.0.1:9"


async def snapshot(nyc, london):
    """Everything a bad request must leave as it was."""
    return (
        await listing(nyc, **{"from": "2027-01-01", "to": "2027-12-31"}),
        await versions_at(nyc, nyc),
        await nyc.node.store.objects.get_max_seq(),
        await feed_as(london, nyc),
        await versions_at(london, nyc),
    )


@pytest.fixture
async def pair(nodes):
    nyc, london = await nyc_london(nodes)
    existing = await publish(nyc, title="Existing")
    await eventually(lambda: versions_at(london, nyc), {existing["id"]: 1})
    return nyc, london, existing


@pytest.mark.parametrize(
    ("fields", "status", "problem", "field"),
    [
        ({"ends_at": "2027-03-16T17:00"}, 422, "validation-error", "ends_at"),
        ({"ends_at": "2027-03-16T18:00"}, 422, "validation-error", "ends_at"),
        ({"timezone": "Mars/Olympus_Mons"}, 422, "validation-error", "timezone"),
        ({"description": TEN_MB}, 413, "payload-too-large", None),
        ({"description": "x" * 30_000}, 422, "validation-error", "description"),
        ({"audience": [NOT_A_TWIN]}, 422, "validation-error", "audience.0"),
        ({"audience": []}, 422, "validation-error", "audience"),
        ({"starts_at": "next tuesday"}, 422, "validation-error", "starts_at"),
        ({"starts_at": "2027-03-16"}, 422, "validation-error", "starts_at"),
        ({"capacity": "30"}, 422, "validation-error", "capacity"),
        ({"capacity": -1}, 422, "validation-error", "capacity"),
        ({"online_url": "javascript:alert(1)"}, 422, "validation-error", "online_url"),
        ({"color": "red"}, 422, "validation-error", "color"),
    ],
)
async def test_event__bad_new_event_refused_and_nothing_changes(pair, fields, status, problem, field):
    nyc, london, _ = pair
    before = await snapshot(nyc, london)
    got, doc = await nyc.api.call("POST", "/api/v1/events", body(**fields))
    assert got == status, doc
    assert doc["type"].endswith("/" + problem)
    if field is not None:
        assert doc["errors"][0]["field"] == field, doc
    assert await snapshot(nyc, london) == before


@pytest.mark.parametrize(
    ("fields", "status", "field"),
    [
        ({"ends_at": "2027-03-16T17:00"}, 422, "ends_at"),
        ({"starts_at": "2027-03-16T21:00", "ends_at": "2027-03-16T20:00"}, 422, "ends_at"),
        ({"timezone": "Nowhere/Atlantis"}, 422, "timezone"),
        ({"status": "moved_online"}, 422, "online_url"),
        ({"status": "gone"}, 422, "status"),
        ({"title": None}, 422, "title"),
        ({"starts_at": None}, 422, "starts_at"),
        ({"timezone": ""}, 422, "timezone"),
        ({"audience": ["not-a-twinning-id"]}, 422, "audience.0"),
        ({"description": TEN_MB}, 413, None),
    ],
)
async def test_event__bad_update_refused_and_nothing_changes(pair, fields, status, field):
    nyc, london, existing = pair
    before = await snapshot(nyc, london)
    got, doc = await nyc.api.call("PATCH", f"/api/v1/events/{existing['id']}", fields)
    assert got == status, doc
    if field is not None:
        assert doc["errors"][0]["field"] == field, doc
    assert await snapshot(nyc, london) == before


async def test_event__audience_naming_a_twin_not_yet_accepted_is_refused(nodes):
    nyc, london = await nyc_london(nodes)
    milan = await nodes("Milan", "Europe/Rome")
    await nyc.api.ok("POST", "/api/v1/twins", {"url": milan.url})  # proposed, not accepted
    got, doc = await nyc.api.call("POST", "/api/v1/events", body(audience=[london.url, milan.url]))
    assert (got, doc["errors"][0]["field"]) == (422, "audience.1")
    assert "not an active twin" in doc["detail"]
    assert await versions_at(nyc, nyc) == {}


async def test_event__body_must_be_json_and_list_bounds_valid(pair):
    nyc, _london, _ = pair
    async with nyc.api.session.post(
        nyc.local + "/api/v1/events", data=b"title: x", headers={"Authorization": f"Bearer {nyc.token}"}
    ) as resp:
        assert resp.status == 415
    for query, field in (
        ("from=2027-04-01&to=2027-03-01", "to"),
        ("from=soon", "from"),
        ("origin=http://x.example", "origin"),
    ):
        got, doc = await nyc.api.call("GET", f"/api/v1/events?{query}")
        assert (got, doc["errors"][0]["field"]) == (422, field), query
