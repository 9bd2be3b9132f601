"""Public endpoints: the signed node document, health, Prometheus metrics, unknown routes."""

from __future__ import annotations

import aiohttp

from protocol.envelope import open_envelope, read_envelope
from protocol.keys import VerifyKey, format_fingerprint
from tests.support.nodes import eventually, twin
from tests.support.objects import make_event, publish


async def test_well_known__document_is_self_signed_and_names_the_current_key(nodes):
    nyc = await nodes("NYC", "America/New_York")
    raw = await nyc.api.ok("GET", "/.well-known/gemellaggio")
    envelope = read_envelope(raw)
    entry = raw["object"]["verify_keys"][envelope.signature.kid]
    doc = open_envelope(envelope, VerifyKey.from_b64url(entry["key"]), signer=nyc.url)
    assert doc.origin == nyc.url and doc.timezone == "America/New_York"
    assert doc.endpoints.inbox == nyc.url + "/federation/v1/inbox"
    about = await nyc.api.ok("GET", "/api/v1/node", token="")
    assert about["kid"] == envelope.signature.kid
    assert about["fingerprint"] == format_fingerprint(VerifyKey.from_b64url(entry["key"]).fingerprint)


async def test_metrics__count_deliveries_and_inbox_results(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    await publish(nyc, make_event(nyc.url, "m1"))

    async def delivered():
        status, text = await nyc.api.call("GET", "/metrics", token="")
        assert status == 200
        return f'gemella_delivered_items_total{{peer="{london.url}"}} 1.0' in text

    await eventually(delivered, True)
    _, text = await london.api.call("GET", "/metrics", token="")
    assert 'gemella_inbox_items_total{result="applied",via="push"} 1.0' in text
    _, text = await nyc.api.call("GET", "/metrics", token="")
    assert f'gemella_outbox_depth{{peer="{london.url}"}} 0.0' in text


async def test_healthz_and_unknown_route_answers(nodes):
    nyc = await nodes("NYC")
    assert (await nyc.api.ok("GET", "/healthz", token=""))["status"] == "ok"
    status, problem = await nyc.api.call("GET", "/no/such/page", token="")
    assert status == 404 and problem["type"].endswith("/not-found")
    status, problem = await nyc.api.call("DELETE", "/healthz", token="")
    assert status == 405 and problem["type"].endswith("/method-not-allowed")


async def test_metrics__only_the_operator_or_an_allowed_network_reads_them(nodes):
    closed = await nodes("Closed", config={"metrics": {"allow": []}})
    status, problem = await closed.api.call("GET", "/metrics", token="")
    assert status == 401 and problem["type"].endswith("/unauthorized")
    status, _ = await closed.api.call("GET", "/metrics")  # the operator token
    assert status == 200
    local = await nodes("Local")
    assert (await local.api.call("GET", "/metrics", token=""))[0] == 200, "loopback is allowed by default"
    async with aiohttp.ClientSession() as session:
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        async with session.get(local.local + "/metrics", headers=forwarded) as resp:
            assert resp.status == 401, "what a reverse proxy forwards is not local"
