"""A fediverse follower on loopback built with bovine (PyPI), an ActivityPub library that is not ours.

It serves its actor (with an RSA key bovine made), signs its Follow with bovine's
draft-cavage signer, and checks every POST to its inboxes with bovine's SignatureChecker,
fetching the space's key from the space's actor document. `down` makes it answer 503.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag

import aiohttp
from aiohttp import web
from bovine.clients.signed_http import legacy_digest_method_uppercase
from bovine.clients.signed_http_methods import signed_post
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.types import CryptographicIdentifier, CryptographicSecret

from tests.support.nodes import free_port

AS = "https://www.w3.org/ns/activitystreams"


@dataclass
class Received:
    path: str
    activity: dict[str, Any]
    signed_by: str | None  # the owner bovine verified the signature for, None when it did not verify


@dataclass
class BovineFollower:
    port: int = field(default_factory=free_port)
    down: bool = False
    received: list[Received] = field(default_factory=list)
    runner: web.AppRunner | None = None

    def __post_init__(self) -> None:
        self.public_pem, self.private_pem = generate_rsa_public_private_key()
        self.base = f"http://127.0.0.1:{self.port}"
        self.actor_id = f"{self.base}/users/alice"
        self.secret = CryptographicSecret.from_pem(f"{self.actor_id}#main-key", self.private_pem)

    def actor(self) -> dict[str, Any]:
        return {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": self.actor_id,
            "type": "Person",
            "preferredUsername": "alice",
            "inbox": f"{self.base}/users/alice/inbox",
            "outbox": f"{self.base}/users/alice/outbox",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {"id": self.secret.key_id, "owner": self.actor_id, "publicKeyPem": self.public_pem},
        }

    async def start(self) -> BovineFollower:
        app = web.Application()
        app.router.add_get("/users/alice", self._actor)
        app.router.add_post("/users/alice/inbox", self._inbox)
        app.router.add_post("/inbox", self._inbox)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def follow(self, actor_url: str, inbox: str, *, activity_type: str = "Follow") -> aiohttp.ClientResponse:
        activity: dict[str, Any] = {
            "@context": AS,
            "id": f"{self.base}/activities/{activity_type.lower()}-1",
            "type": activity_type,
            "actor": self.actor_id,
            "object": actor_url,
        }
        if activity_type == "Undo":
            activity["object"] = {"id": f"{self.base}/activities/follow-1", "type": "Follow", "actor": self.actor_id}
        async with aiohttp.ClientSession() as session:
            response = await signed_post(
                session, self.secret, inbox, json.dumps(activity), digest_method=legacy_digest_method_uppercase
            )
            await response.read()
            return response

    def of_type(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.activity.get("type") == kind]

    async def _actor(self, request: web.Request) -> web.Response:
        return web.json_response(self.actor(), content_type="application/activity+json")

    async def _inbox(self, request: web.Request) -> web.Response:
        if self.down:
            return web.Response(status=503)
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}

        async def read_body() -> bytes:
            return body

        validate = build_validate_http_signature_raw(_fetch_key)
        owner = await validate(request.method, str(request.url), headers, read_body)
        self.received.append(Received(request.path, json.loads(body), owner))
        return web.Response(status=202)


async def _fetch_key(key_id: str) -> CryptographicIdentifier | None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(urldefrag(key_id).url, headers={"Accept": "application/activity+json"}) as response,
    ):
        data = await response.json(content_type=None)
    return CryptographicIdentifier.from_public_key(data["publicKey"])
