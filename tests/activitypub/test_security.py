"""What the bridge refuses: unsigned, tampered, stale or borrowed signatures, keys behind private
addresses, blocked instances; and what operators can do about followers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import bovine.utils
from bovine.crypto.types import CryptographicSecret
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from node.activitypub import signatures
from tests.activitypub.follower import BovineFollower
from tests.activitypub.support import event_body, flush, followed
from tests.support.greedy import GreedyServer

Nodes = Any


def _follow(follower: BovineFollower, space_url: str) -> dict[str, Any]:
    actor = f"{space_url}/ap/actor"
    return {"id": f"{follower.base}/f/1", "type": "Follow", "actor": follower.actor_id, "object": actor}


async def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    headers = headers | {"Content-Type": "application/activity+json"}
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        return response.status, await response.json(content_type=None)


def _key(follower: BovineFollower) -> rsa.RSAPrivateKey:
    key = load_pem_private_key(follower.private_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


async def _followers(space: Any) -> list[str]:
    listing = await space.api.ok("GET", "/api/v1/activitypub/followers")
    return [f["actor"] for f in listing["followers"]]


async def test_inbox__refuses_unsigned_tampered_stale_and_borrowed_follows(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    follower = await BovineFollower().start()
    try:
        inbox, body = f"{milan.url}/ap/inbox", json.dumps(_follow(follower, milan.url)).encode()
        now = datetime.now(UTC)
        key_id, stranger = follower.secret.key_id, rsa.generate_private_key(65537, 2048)
        signed = signatures.sign("POST", inbox, body, _key(follower), key_id, now)
        cases = {
            "unsigned": (body, {}),
            "tampered": (body.replace(b"/f/1", b"/f/2"), signed),
            "stale": (body, signatures.sign("POST", inbox, body, _key(follower), key_id, now - timedelta(hours=3))),
            "borrowed": (body, signatures.sign("POST", inbox, body, stranger, key_id, now)),
        }
        for name, (sent, headers) in cases.items():
            status, problem = await _post(inbox, sent, headers)
            assert status == 401, name
            assert problem["type"].endswith("signature-invalid"), name
        assert await _followers(milan) == []
        status, _ = await _post(inbox, body, signed)
        assert status == 202
        assert await _followers(milan) == [follower.actor_id]
    finally:
        await follower.stop()


async def test_inbox__does_not_fetch_keys_from_private_addresses_unless_allowed(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome", config={"federation": {"allow_private_addresses": False}})
    follower = await BovineFollower().start()
    try:
        response = await follower.follow(f"{milan.url}/ap/actor", f"{milan.url}/ap/inbox")
        assert response.status == 401
        assert await _followers(milan) == []
    finally:
        await follower.stop()


async def test_inbox__undo_follow_removes_the_follower(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    follower = await followed(milan)
    try:
        response = await follower.follow(f"{milan.url}/ap/actor", f"{milan.url}/ap/inbox", activity_type="Undo")
        assert response.status == 202
        assert await _followers(milan) == []
        await milan.api.ok("POST", "/api/v1/events", event_body("Open day"))
        await flush(milan)
        assert not follower.of_type("Create")
    finally:
        await follower.stop()


async def test_operator__removes_a_follower_who_then_gets_nothing(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    follower = await followed(milan)
    try:
        assert await _followers(milan) == [follower.actor_id]
        status, _ = await milan.api.call("GET", "/api/v1/activitypub/followers", token="")
        assert status == 401
        await milan.api.ok("DELETE", f"/api/v1/activitypub/followers?actor={follower.actor_id}")
        await milan.api.ok("POST", "/api/v1/events", event_body("Open day"))
        await flush(milan)
        assert not follower.of_type("Create")
    finally:
        await follower.stop()


async def test_operator__blocked_instance_gets_nothing_and_may_not_follow(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    follower = await followed(milan)
    try:
        await milan.api.ok("POST", "/api/v1/events", event_body("Open day"))
        await milan.api.ok("POST", "/api/v1/activitypub/blocks", {"host": "127.0.0.1"})
        await flush(milan)
        assert not follower.of_type("Create")
        assert await _followers(milan) == []
        response = await follower.follow(f"{milan.url}/ap/actor", f"{milan.url}/ap/inbox")
        assert response.status == 403
        assert await _followers(milan) == []
        assert (await milan.api.ok("GET", "/api/v1/activitypub/blocks"))["blocked"] == ["127.0.0.1"]
        await milan.api.ok("DELETE", "/api/v1/activitypub/blocks/127.0.0.1")
        response = await follower.follow(f"{milan.url}/ap/actor", f"{milan.url}/ap/inbox")
        assert response.status == 202
    finally:
        await follower.stop()


async def test_inbox__garbage_is_a_problem_not_a_crash(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    for body in (b"not json", b"[]", b'{"type": "Follow"}', b"[" * 100_000):
        status, problem = await _post(f"{milan.url}/ap/inbox", body, {})
        assert status in (401, 413, 422), body[:20]
        assert "type" in problem


async def test_inbox__a_key_document_past_the_size_limit_is_not_read(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    greedy = await GreedyServer("endless").start()
    try:
        follower = BovineFollower()
        follower.actor_id = f"{greedy.url}/users/alice"
        follower.secret = CryptographicSecret.from_pem(f"{follower.actor_id}#main-key", follower.private_pem)
        response = await follower.follow(f"{milan.url}/ap/actor", f"{milan.url}/ap/inbox")
        assert response.status == 401
        # The stream never ends: the node stopped reading (socket buffers hold a few MiB on loopback).
        assert greedy.sent < 16 * 1024 * 1024
        assert await _followers(milan) == []
    finally:
        await greedy.stop()


async def test_inbox__refused_posts_are_charged_to_the_address(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome", config={"limits": {"unverified_requests_per_minute": 1}})
    statuses = [(await _post(f"{milan.url}/ap/inbox", b"{}", {}))[0] for _ in range(40)]
    assert statuses[0] == 422 and statuses[-1] == 429


async def test_operator__a_removed_follower_back_from_an_outage_gets_nothing_queued_for_it(
    nodes: Nodes, monkeypatch: Any
) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    follower = await followed(milan)
    monkeypatch.setattr(bovine.utils, "check_max_offset_now", lambda dt, minutes=5: True)
    try:
        follower.down = True
        await milan.api.ok("POST", "/api/v1/events", event_body("Open day"))
        await flush(milan)
        assert await milan.node.activitypub.store.count_pending() == 1
        await milan.api.ok("DELETE", f"/api/v1/activitypub/followers?actor={follower.actor_id}")
        follower.down = False
        milan.clock.offset_seconds = 3600
        await flush(milan)
        assert not follower.of_type("Create"), "removed before it was delivered"
        assert await milan.node.activitypub.store.count_pending() == 0
    finally:
        await follower.stop()
