"""Twins converge on the origin's latest versions: push, pull, outages, lost pushes, restarts."""

from __future__ import annotations

from tests.support.nodes import eventually, twin
from tests.support.objects import make_event, publish, versions
from tests.support.proxy import LossyProxy


async def outbox_depth(node) -> int:
    return sum(n for n, _ in (await node.node.store.outbox.list_depths()).values())


async def test_replication__published_event_reaches_twin_by_push(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    await publish(nyc, make_event(nyc.url, "launch", title="Launch party"))

    async def london_has():
        return await versions(london, "Event", nyc.url)

    assert await eventually(london_has, {"launch": 1}) == {"launch": 1}
    await eventually(lambda: outbox_depth(nyc), 0)


async def test_replication__peer_down_converges_after_restart_without_operator(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    await london.stop()
    expected = {}
    for i in range(20):
        await publish(nyc, make_event(nyc.url, f"ev{i}", 1))
        expected[f"ev{i}"] = 1
    for i in range(0, 20, 2):  # updates while London is still down
        for version in (2, 3):
            await publish(nyc, make_event(nyc.url, f"ev{i}", version, title=f"v{version}"))
        expected[f"ev{i}"] = 3
    # One pending row per (peer, object): the updates replaced the older pending versions.
    assert await outbox_depth(nyc) == 20
    await london.start()

    async def london_has():
        return await versions(london, "Event", nyc.url)

    await eventually(london_has, expected, timeout=20)
    await eventually(lambda: outbox_depth(nyc), 0, timeout=20)
    stored = await london.node.store.objects.get("Event", nyc.url, "ev4")
    assert stored is not None and stored.object["title"] == "v3"


async def test_replication__all_pushes_lost_feed_alone_converges(nodes, tmp_path):
    proxy = LossyProxy()
    await proxy.start()
    try:
        # London's public URL is the proxy, which swallows every push to London's inbox.
        london = await nodes("London", url=proxy.url)
        proxy.target = london.local
        nyc = await nodes("NYC")
        await twin(nyc, london)
        for i in range(30):
            await publish(nyc, make_event(nyc.url, f"ev{i}", 1))
        await publish(nyc, make_event(nyc.url, "ev0", 2, title="changed"))
        await eventually(lambda: outbox_depth(nyc), 0)  # NYC believes it delivered everything

        async def london_has():
            return await versions(london, "Event", nyc.url)

        expected = {f"ev{i}": 1 for i in range(30)} | {"ev0": 2}
        await eventually(london_has, expected, timeout=20)
        assert proxy.swallowed >= 1
        pushed = london.node.metrics.inbox_items.labels(via="push", result="applied")._value.get()
        assert pushed == 0
    finally:
        await proxy.stop()


async def test_replication__restart_keeps_twinning_and_replicas(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    agreement = await twin(nyc, london)
    await publish(nyc, make_event(nyc.url, "kept"))

    async def london_has():
        return await versions(london, "Event", nyc.url)

    await eventually(london_has, {"kept": 1})
    await london.stop()
    await london.start()
    assert (await london.api.ok("GET", f"/api/v1/twins/{agreement}"))["status"] == "active"
    assert await versions(london, "Event", nyc.url) == {"kept": 1}
    await publish(nyc, make_event(nyc.url, "after", 1))
    await eventually(london_has, {"kept": 1, "after": 1})


async def test_replication__suspended_twin_gets_nothing_until_resumed(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    agreement = await twin(nyc, london)
    await nyc.api.ok("POST", f"/api/v1/twins/{agreement}/suspend")
    await publish(nyc, make_event(nyc.url, "quiet"))

    async def london_status():
        return (await london.api.ok("GET", f"/api/v1/twins/{agreement}"))["status"]

    await eventually(london_status, "suspended")
    # The notice of the suspension went through NYC's outbox: London shows it as soon as it has
    # applied it, and NYC drops the row only once London's answer is back (a moment later, longer
    # on PostgreSQL under load). Then nothing is left: the event was never queued for London.
    await eventually(lambda: outbox_depth(nyc), 0)
    assert await versions(london, "Event", nyc.url) == {}
    resp = await london.node.client.get(nyc.url + "/federation/v1/feed?after=0")
    assert resp.status == 403 and resp.json()["type"].endswith("/not-twinned")
    await nyc.api.ok("POST", f"/api/v1/twins/{agreement}/resume")

    async def london_has():
        return await versions(london, "Event", nyc.url)

    await eventually(london_has, {"quiet": 1})
