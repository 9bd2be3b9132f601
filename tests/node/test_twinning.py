"""The twinning handshake between real nodes over HTTP."""

from __future__ import annotations

from protocol.problems import Problem
from tests.support.nodes import twin


async def test_twinning__propose_and_accept_makes_both_sides_active(nodes):
    nyc = await nodes("NYC", "America/New_York")
    london = await nodes("London", "Europe/London")

    proposed = await nyc.api.ok("POST", "/api/v1/twins", {"url": london.url})
    assert proposed["status"] == "proposed"
    london_fp = (await london.api.ok("GET", "/api/v1/node"))["fingerprint"]
    assert proposed["peer_fingerprint"] == london_fp

    pending = (await london.api.ok("GET", "/api/v1/twins"))["items"]
    assert [(t["id"], t["status"], t["peer"]) for t in pending] == [(proposed["id"], "pending", nyc.url)]
    nyc_fp = (await nyc.api.ok("GET", "/api/v1/node"))["fingerprint"]
    assert pending[0]["peer_fingerprint"] == nyc_fp

    accepted = await london.api.ok("POST", f"/api/v1/twins/{proposed['id']}/accept")
    assert accepted["status"] == "active"
    assert (await nyc.api.ok("GET", f"/api/v1/twins/{proposed['id']}"))["status"] == "active"


async def test_twinning__suspend_resume_end_reach_the_peer(nodes):
    nyc = await nodes("NYC")
    london = await nodes("London")
    agreement = await twin(nyc, london)

    from tests.support.nodes import eventually

    async def london_status():
        return (await london.api.ok("GET", f"/api/v1/twins/{agreement}"))["status"]

    await nyc.api.ok("POST", f"/api/v1/twins/{agreement}/suspend", {"reason": "renovation"})
    await eventually(london_status, "suspended")
    await nyc.api.ok("POST", f"/api/v1/twins/{agreement}/resume")
    await eventually(london_status, "active")
    await london.api.ok("POST", f"/api/v1/twins/{agreement}/end", {"reason": "moving"})
    assert (await london.api.ok("GET", f"/api/v1/twins/{agreement}"))["status"] == "ended"

    async def nyc_status():
        return (await nyc.api.ok("GET", f"/api/v1/twins/{agreement}"))["status"]

    await eventually(nyc_status, "ended")


async def test_twinning__operator_token_required(nodes):
    nyc = await nodes("NYC")
    status, body = await nyc.api.call("GET", "/api/v1/twins", token="")
    assert status == 401
    assert body["type"].endswith("/unauthorized")
    status, body = await nyc.api.call("GET", "/api/v1/twins", token="not-a-token")
    assert status == 401


async def test_twinning__only_the_side_that_suspended_may_resume(nodes):
    nyc = await nodes("NYC")
    london = await nodes("London")
    agreement = await twin(nyc, london)
    from tests.support.nodes import eventually

    await nyc.api.ok("POST", f"/api/v1/twins/{agreement}/suspend", {"reason": "renovation"})

    async def london_view():
        return await london.api.ok("GET", f"/api/v1/twins/{agreement}")

    seen = await eventually(london_view, lambda t: t["status"] == "suspended")
    assert seen["suspended_by"] == "peer"
    status, problem = await london.api.call("POST", f"/api/v1/twins/{agreement}/resume")
    assert status == 409 and problem["type"].endswith("/conflict")
    assert (await nyc.api.ok("GET", f"/api/v1/twins/{agreement}"))["suspended_by"] == "us"

    # A twin's own signed resume cannot lift our operator's suspension either.
    from protocol.envelope import seal
    from protocol.models import TwinningChange

    change = TwinningChange(
        origin=london.url,
        id="5f0c6a8e-1f2d-4c3b-9a8e-7f6d5c4b3a21",
        version=1,
        agreement_id=agreement,
        action="resume",
        at=london.node.clock.now(),
    )
    resp = await london.node.client.send(
        "POST", nyc.url + "/federation/v1/twinning", seal(change, london.node.keys.current).model_dump(mode="json")
    )
    assert resp.status == 409
    assert (await nyc.api.ok("GET", f"/api/v1/twins/{agreement}"))["status"] == "suspended"

    await nyc.api.ok("POST", f"/api/v1/twins/{agreement}/resume")
    await eventually(london_view, lambda t: t["status"] == "active" and t["suspended_by"] is None)


# Pulls as rare as by default: a refused first pull would be retried only minutes later.
SLOW_PULLS = {"delivery": {"pull_interval_seconds": 180.0, "backoff_cap_seconds": 300.0}}
EARLIER = {"title": "Before we twinned", "starts_at": "2027-03-10T18:00", "ends_at": "2027-03-10T19:00"}


async def test_twinning__the_proposers_first_pull_after_acceptance_succeeds_at_once(nodes):
    nyc = await nodes("NYC", config=SLOW_PULLS)
    london = await nodes("London", config=SLOW_PULLS)
    before = await london.api.ok("POST", "/api/v1/events", EARLIER)  # in London's feed before the twinning
    service = nyc.node.twinning
    receive_acceptance = service._receive_acceptance
    first_pull: list[object] = []

    async def then_pull_at_once(*args):
        """NYC's first pull, made the moment the acceptance made NYC active (before it answers)."""
        answer = await receive_acceptance(*args)
        try:
            first_pull.append(await nyc.node.federation.link(london.url).pull_feed())
        except Problem as refused:
            first_pull.append(refused.kind)
        return answer

    service._receive_acceptance = then_pull_at_once
    proposed = await nyc.api.ok("POST", "/api/v1/twins", {"url": london.url})
    await london.api.ok("POST", f"/api/v1/twins/{proposed['id']}/accept")

    assert first_pull == [1], "London was already active when its acceptance reached NYC"
    listed = await nyc.api.ok("GET", f"/api/v1/events?origin={london.url}&from=2027-03-01&to=2027-03-31")
    assert [item["id"] for item in listed["items"]] == [before["id"]]


async def test_twinning__an_acceptance_that_does_not_arrive_leaves_the_twinning_pending(nodes):
    nyc = await nodes("NYC")
    london = await nodes("London")
    proposed = await nyc.api.ok("POST", "/api/v1/twins", {"url": london.url})
    await nyc.stop()

    status, problem = await london.api.call("POST", f"/api/v1/twins/{proposed['id']}/accept")
    assert status == 502 and problem["type"].endswith("/peer-unreachable"), problem
    pending = await london.api.ok("GET", f"/api/v1/twins/{proposed['id']}")
    assert pending["status"] == "pending"
    assert "acceptance" not in pending or pending["acceptance"] is None
    assert nyc.url not in await london.node.store.twinnings.list_active_peers()
