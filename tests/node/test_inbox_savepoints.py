"""One item that makes an inbox hook fail is refused alone; the rest of its batch is applied."""

from __future__ import annotations

import pytest

from protocol.envelope import seal
from tests.support.nodes import twin
from tests.support.objects import make_event, versions

# COUNT and UNTIL together, the UNTIL before the start: a series with no occurrence at all. The
# wire model takes it (its form is fine); indexing it inside the inbox transaction fails.
NO_OCCURRENCE = "FREQ=DAILY;COUNT=5;UNTIL=20200101T000000Z"


@pytest.fixture
async def pair(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    return nyc, london


async def test_inbox__item_whose_hook_raises_is_refused_alone_and_the_batch_applies(pair):
    nyc, london = pair
    key = nyc.node.keys.current
    items = [
        make_event(nyc.url, "before", title="Before"),
        make_event(nyc.url, "crafted", title="Crafted", rrule=NO_OCCURRENCE),
        make_event(nyc.url, "after", title="After", rrule="FREQ=WEEKLY;COUNT=3"),
    ]
    batch = [seal(event, key).model_dump(mode="json") for event in items]
    resp = await nyc.node.client.send("POST", london.url + "/federation/v1/inbox", {"items": batch})
    assert resp.status == 202
    results = resp.json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["problem"]["type"].endswith("/validation-error")
    assert "crafted" in results[1]["problem"]["detail"]
    assert await versions(london, "Event", nyc.url) == {"before": 1, "after": 1}
    series = await london.node.store.db.fetch_all("SELECT id FROM event_series ORDER BY id")
    assert [r["id"] for r in series] == ["after"], "the refused item left nothing behind"


async def test_inbox__refused_item_can_be_fixed_by_a_newer_version(pair):
    nyc, london = pair
    key = nyc.node.keys.current
    crafted = seal(make_event(nyc.url, "x", rrule=NO_OCCURRENCE), key).model_dump(mode="json")
    fixed = seal(make_event(nyc.url, "x", version=2, rrule="FREQ=DAILY;COUNT=5"), key).model_dump(mode="json")
    url = london.url + "/federation/v1/inbox"
    first = await nyc.node.client.send("POST", url, {"items": [crafted]})
    assert [r["status"] for r in first.json()["results"]] == ["rejected"]
    second = await nyc.node.client.send("POST", url, {"items": [fixed]})
    assert [r["status"] for r in second.json()["results"]] == ["applied"]
    assert await versions(london, "Event", nyc.url) == {"x": 2}
