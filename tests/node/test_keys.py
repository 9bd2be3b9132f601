"""Key rotation while objects flow: twins follow without a single failed delivery."""

from __future__ import annotations

import asyncio
import os
import stat

import pytest

from node.clock import iso
from node.federation.directory import PeerDirectory
from node.keystore import KeyFileError, KeyStore
from protocol.keys import SigningKey
from tests.support.nodes import eventually, twin
from tests.support.objects import make_event, publish, versions


def counter(metric, **labels) -> float:
    return metric.labels(**labels)._value.get()


async def test_key_rotation__mid_stream_zero_failed_deliveries(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    old_kid = nyc.node.keys.current.kid
    expected = {}

    async def produce(start: int) -> None:
        for i in range(start, start + 40):
            await publish(nyc, make_event(nyc.url, f"ev{i}"))
            expected[f"ev{i}"] = 1
            await asyncio.sleep(0.005)

    producer = asyncio.create_task(produce(0))
    await asyncio.sleep(0.05)
    rotated = await nyc.api.ok("POST", "/api/v1/keys/rotate")
    await producer
    await produce(100)
    assert rotated["old_kid"] == old_kid and rotated["kid"] != old_kid

    async def london_has():
        return await versions(london, "Event", nyc.url)

    await eventually(london_has, expected, timeout=20)
    assert counter(nyc.node.metrics.deliveries, peer=london.url, result="error") == 0
    assert counter(london.node.metrics.inbox_items, via="push", result="rejected") == 0
    assert counter(london.node.metrics.inbox_items, via="feed", result="rejected") == 0
    keys = await london.node.store.peers.get_keys(nyc.url)
    assert keys[rotated["kid"]].expired_at is None
    assert keys[old_kid].expired_at is not None

    document = await nyc.api.ok("GET", "/.well-known/gemellaggio")
    assert list(document["object"]["verify_keys"]) == [rotated["kid"]]
    assert old_kid in document["object"]["old_verify_keys"]
    assert document["signature"]["kid"] == rotated["kid"]


async def test_key_rotation__requests_signed_with_the_old_key_are_refused_after_rotation(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    old_key = nyc.node.keys.current
    await nyc.api.ok("POST", "/api/v1/keys/rotate")
    await eventually(lambda: _expired(london, nyc, old_key.kid), True)
    await asyncio.sleep(1.1)  # a request created after the rotation instant
    nyc.node.client.key = old_key
    resp = await nyc.node.client.get(london.url + "/federation/v1/feed?after=0")
    assert resp.status == 401 and resp.json()["type"].endswith("/unknown-key")


async def _expired(london, nyc, kid) -> bool:
    keys = await london.node.store.peers.get_keys(nyc.url)
    return kid in keys and keys[kid].expired_at is not None


def test_keystore__private_key_is_0600_and_refused_when_readable_by_others(tmp_path):
    store = KeyStore.create(tmp_path / "keys")
    path = tmp_path / "keys" / "signing.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert KeyStore.load(tmp_path / "keys").current.kid == store.current.kid
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="readable by others"):
        KeyStore.load(tmp_path / "keys")


def test_keystore__rotation_survives_reload(tmp_path):
    store = KeyStore.create(tmp_path / "keys")
    old = store.rotate("2026-01-01T00:00:00Z")
    reloaded = KeyStore.load(tmp_path / "keys")
    assert reloaded.current.kid == store.current.kid != old.kid
    assert reloaded.old[old.kid].public_key == old.verify_key.b64url
    assert reloaded.verify_key(old.kid) == old.verify_key


async def test_key_rotation__a_request_read_during_the_rotations_transaction_does_not_keep_the_old_key(nodes):
    # A twin's request signed with its old key arrives while the rotation it sent is being applied:
    # its key is looked up then, from what is committed (the old key, not yet expired). Once the
    # rotation has committed, a request signed with the old key must be refused all the same.
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    old_kid, fresh = nyc.node.keys.current.kid, SigningKey.generate()
    directory = london.node.directory
    async with london.node.store.db.transaction() as tx:
        at = iso(london.node.clock.now())
        await directory.add_rotated_key(tx, nyc.url, old_kid, fresh.kid, fresh.verify_key.b64url, at)
        during = asyncio.create_task(nyc.node.client.get(london.url + "/federation/v1/feed?after=0"))
        await eventually(lambda: _looked_up(directory, nyc.url, old_kid), True)
    assert (await during).status == 200  # signed before the rotation was known: accepted
    await asyncio.sleep(1.1)  # a request created after the rotation instant
    resp = await nyc.node.client.get(london.url + "/federation/v1/feed?after=0")
    assert resp.status == 401 and resp.json()["type"].endswith("/unknown-key")


async def _looked_up(directory, node_id: str, kid: str) -> bool:
    return directory.kept_key(node_id, kid) is not None


async def test_key_rotation__applied_by_another_worker_reaches_this_one_within_the_key_cache_time(nodes):
    # Several workers share one database, each with its own copy of a twin's keys: a rotation
    # another worker applied is only in the database. This worker must read the keys again.
    nyc, london = await nodes("NYC"), await nodes("London", config={"delivery": {"key_cache_seconds": 0.5}})
    await twin(nyc, london)
    feed = london.url + "/federation/v1/feed?after=0"
    assert (await nyc.node.client.get(feed)).status == 200  # London now holds NYC's current key
    old_kid, fresh = nyc.node.keys.current.kid, SigningKey.generate()
    node = london.node
    other_worker = PeerDirectory(node.store, node.client, node.clock, refetch_seconds=300, key_cache_seconds=60)
    async with node.store.db.transaction() as tx:
        at = iso(node.clock.now())
        await other_worker.add_rotated_key(tx, nyc.url, old_kid, fresh.kid, fresh.verify_key.b64url, at)
    await asyncio.sleep(1.1)  # past the rotation's instant and this worker's key cache time
    resp = await nyc.node.client.get(feed)
    assert resp.status == 401 and resp.json()["type"].endswith("/unknown-key")
