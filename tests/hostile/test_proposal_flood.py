"""A stranger proposing again and again, each time as another node (another path on its own
server, each with its own signed document): what it leaves behind must stay bounded. Proposals
wait for the operator; past `limits.max_pending_proposals` waiting, a stranger is refused before
anything is fetched. And a proposal that would be refused anyway (signed with a key its
document does not list) leaves no trace: its document is not kept."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from protocol.envelope import seal
from protocol.httpsig import sign_request
from protocol.keys import SigningKey
from protocol.models import Endpoints, NodeDocument, Terms, TwinningProposal, VerifyKeyEntry
from tests.support.nodes import free_port

TWINNING = "/federation/v1/twinning"


class Crowd:
    """One server that is any number of nodes: `{base}/{name}` serves its own signed document."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.key = SigningKey.generate()
        self.reads = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> Crowd:
        app = web.Application()
        app.router.add_get("/{name}/.well-known/gemellaggio", self._document)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _document(self, request: web.Request) -> web.Response:
        self.reads += 1
        origin = f"{self.base}/{request.match_info['name']}"
        endpoints = {e: f"{origin}/federation/v1/{e}" for e in ("inbox", "feed", "twinning", "reservations")}
        doc = NodeDocument(
            origin=origin,
            version=1,
            name="Someone",
            timezone="UTC",
            verify_keys={self.key.kid: VerifyKeyEntry(key=self.key.verify_key.b64url)},
            endpoints=Endpoints(**endpoints),
        )
        return web.json_response(seal(doc, self.key).model_dump(mode="json"))

    async def propose(self, node: Any, name: str, envelope_key: SigningKey | None = None) -> tuple[int, Any]:
        await asyncio.sleep(0.4)  # under the harness's budget of proposals per address (10 a second, 3 at once)
        origin = f"{self.base}/{name}"
        proposal = TwinningProposal(
            origin=origin,
            id=str(uuid.uuid4()),
            version=1,
            proposer=origin,
            acceptor=node.url,
            offer=Terms(),
            request=Terms(),
            valid_from=datetime.now(UTC).replace(microsecond=0),
        )
        body = json.dumps(seal(proposal, envelope_key or self.key).model_dump(mode="json")).encode()
        headers = {"Content-Type": "application/json"}
        url = node.url + TWINNING
        headers |= sign_request(
            "POST", url, headers, body, self.key, f"{origin}#{self.key.kid}", created=int(time.time())
        )
        async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)


async def test_proposal_flood__strangers_wait_at_most_max_pending_proposals(nodes: Any) -> None:
    home = await nodes("Home", config={"limits": {"max_pending_proposals": 3}})
    crowd = await Crowd().start()
    try:
        answers = [await crowd.propose(home, f"n{n}") for n in range(6)]
        assert [status for status, _ in answers] == [202, 202, 202, 429, 429, 429], answers
        for _, problem in answers[3:]:
            assert problem["type"].endswith("/rate-limited") and "operator" in problem["detail"], problem
        assert crowd.reads == 3, "a stranger past the bound is refused before its document is fetched"
        twinnings = await home.api.ok("GET", "/api/v1/twins")
        assert sorted(t["status"] for t in twinnings["items"]) == ["pending"] * 3
        assert [await home.node.store.peers.get(f"{crowd.base}/n{n}") is not None for n in range(6)] == [True] * 3 + [
            False
        ] * 3
        # The operator declines one: a place is free again.
        await home.api.ok("POST", f"/api/v1/twins/{twinnings['items'][0]['id']}/decline")
        assert (await crowd.propose(home, "n6"))[0] == 202
    finally:
        await crowd.stop()


async def test_proposal_flood__a_proposal_signed_with_a_key_its_document_does_not_list_leaves_nothing(
    nodes: Any,
) -> None:
    home = await nodes("Home")
    crowd = await Crowd().start()
    try:
        status, problem = await crowd.propose(home, "liar", envelope_key=SigningKey.generate())
        assert status == 401 and problem["type"].endswith("/unknown-key"), (status, problem)
        assert await home.node.store.peers.get(f"{crowd.base}/liar") is None
        assert (await home.api.ok("GET", "/api/v1/twins"))["items"] == []
    finally:
        await crowd.stop()
