"""A twin rotating its key again and again: each KeyRotation names a fresh key, signed with
a key it already retired (objects signed with old keys stay valid), or a version bump of one
rotation. Each would add a key the node keeps for that twin, and every lookup of the twin's
keys reads them all. A rotation retires a current key or changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from node.federation.directory import MAX_RETIRED_KEYS
from protocol.keys import SigningKey
from protocol.models import KeyRotation

from .conftest import ArenaFactory
from .twin import HostileTwin

INBOX = "/federation/v1/inbox"


def rotation(origin: str, old: SigningKey, version: int) -> tuple[KeyRotation, SigningKey]:
    fresh = SigningKey.generate()
    obj = KeyRotation(
        origin=origin,
        id="rotation-again",
        version=version,
        old_kid=old.kid,
        new_kid=fresh.kid,
        new_public_key=fresh.verify_key.b64url,
        effective_at=datetime.now(UTC).replace(microsecond=0),
    )
    return obj, fresh


async def test_rotation_flood__a_retired_key_cannot_rotate_again(arena: ArenaFactory) -> None:
    a = await arena()
    first = a.twin.key
    # A real rotation: first -> second, signed with the first.
    obj, second = rotation(a.twin.url, first, 1)
    [(status, body)] = await a.twin.push(a.home, [a.twin.seal(obj)])
    assert status == 202 and body["results"][0]["status"] == "applied", body
    a.twin.key = second  # the twin signs its requests with its current key from now on
    # Then new versions of a rotation signed with the retired key: each names a fresh key.
    envelopes = []
    for version in range(2, 40):
        obj, _ = rotation(a.twin.url, first, version)
        a.twin.key = first
        envelopes.append(a.twin.seal(obj))  # the envelope signed with the retired key
        a.twin.key = second
    [(status, body)] = await a.twin.push(a.home, envelopes)  # the request signed with the current key
    assert status == 202, body
    assert {r["status"] for r in body["results"]} == {"rejected"}, body["results"][:3]
    # The node still knows the twin by its current key alone (and the retired one).
    status, _ = await a.twin.send(
        "POST", a.home.url + INBOX, {"items": [a.twin.seal(rotation(a.twin.url, second, 50)[0])]}
    )
    assert status == 202


async def test_rotation_flood__a_chain_of_rotations_keeps_as_many_retired_keys_as_a_document_lists(
    nodes: Any,
) -> None:
    home = await nodes("Home")
    twin = HostileTwin()
    await twin.start()
    try:
        await twin.twin_with(home)
        for version in range(1, 71):  # each rotation signed with the key the one before named
            obj, fresh = rotation(twin.url, twin.key, version)
            [(status, body)] = await twin.push(home, [twin.seal(obj)])
            assert status == 202 and body["results"][0]["status"] == "applied", body
            twin.key = fresh
        keys = await home.node.store.peers.get_keys(twin.url)
        retired = [k for k in keys.values() if k.expired_at is not None]
        assert len(retired) == MAX_RETIRED_KEYS and keys[twin.key.kid].expired_at is None, len(keys)
        status, _ = await twin.send(
            "POST", home.url + INBOX, {"items": [twin.seal(rotation(twin.url, twin.key, 71)[0])]}
        )
        assert status == 202
    finally:
        await twin.stop()
