"""A hostile twin: a real peer built on `protocol/` alone, that follows the protocol until told not to.

It has its own Ed25519 key, serves its own signed node document and feed with aiohttp on a
loopback port, signs real envelopes and RFC 9421 requests, and twins with a real node through
the real handshake (its signed proposal, the node operator's acceptance through the API). Each
of its routes can be swapped for a hostile answer (`answer_with`): a document that never ends,
a feed whose cursor never moves, a receipt of a hundred megabytes, a problem document built to
break its reader. It runs none of the node's code: what it knows of the node is the wire (and,
for the handshake, the node operator's API, through the test's handle on the node).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from protocol.envelope import seal, seal_raw
from protocol.httpsig import sign_request
from protocol.keys import SigningKey
from protocol.models import (
    Endpoints,
    FederatedObject,
    NodeDocument,
    Terms,
    TwinningProposal,
    VerifyKeyEntry,
)
from tests.support.nodes import BaseNode, eventually, free_port

from .watch import LIVENESS_SECONDS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BATCH = 500  # items per inbox request, the protocol's limit
BATCH_BYTES = 900 * 1024  # under the 1 MiB body limit
CHUNK = b" " * 65536


class HostileTwin:
    """A peer on 127.0.0.1:<port>; `answer_with(route, handler)` makes one of its routes hostile."""

    def __init__(self, name: str = "Mallory") -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = SigningKey.generate()
        self.feed: list[dict[str, Any]] = []  # envelopes, in seq order
        self.served: Counter[str] = Counter()  # requests per route name
        self.received: list[Any] = []  # inbox items the node pushed to us
        self._hostile: dict[str, Handler] = {}
        self._runner: web.AppRunner | None = None
        self.session: aiohttp.ClientSession | None = None

    # -- serving ------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_get("/.well-known/gemellaggio", self._route("document", self._document))
        app.router.add_get("/federation/v1/feed", self._route("feed", self._feed))
        app.router.add_post("/federation/v1/inbox", self._route("inbox", self._inbox))
        app.router.add_post("/federation/v1/twinning", self._route("twinning", self._twinning))
        app.router.add_route("*", "/federation/v1/reservations/{id}", self._route("reservations", self._refuse))
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=LIVENESS_SECONDS))

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def answer_with(self, route: str, handler: Handler | None) -> None:
        """Serve `route` (document, feed, inbox, twinning, reservations) with `handler`; None: honestly."""
        if handler is None:
            self._hostile.pop(route, None)
        else:
            self._hostile[route] = handler

    def _route(self, name: str, honest: Handler) -> Handler:
        async def serve(request: web.Request) -> web.StreamResponse:
            self.served[name] += 1
            return await self._hostile.get(name, honest)(request)

        return serve

    async def _document(self, request: web.Request) -> web.Response:
        return web.json_response(self.document())

    async def _feed(self, request: web.Request) -> web.Response:
        after, limit = int(request.query.get("after", 0)), int(request.query.get("limit", 500))
        page = [{"seq": n + 1, "envelope": e} for n, e in enumerate(self.feed)][after : after + limit]
        return web.json_response({"items": page, "next": None})

    async def _inbox(self, request: web.Request) -> web.Response:
        items = (await request.json())["items"]
        self.received.extend(items)
        results = [{"index": i, "status": "applied"} for i in range(len(items))]
        return web.json_response({"results": results}, status=202)

    async def _twinning(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        return web.json_response({"id": body["object"].get("agreement_id"), "status": "active"}, status=202)

    async def _refuse(self, request: web.Request) -> web.Response:
        problem = {"type": "https://gemellaggio.org/problems/slot-full", "title": "Full", "status": 409}
        return web.json_response(problem, status=409, content_type="application/problem+json")

    def document(self) -> dict[str, Any]:
        doc = NodeDocument(
            origin=self.url,
            version=1,
            name=self.name,
            timezone="UTC",
            verify_keys={self.key.kid: VerifyKeyEntry(key=self.key.verify_key.b64url)},
            endpoints=Endpoints(
                inbox=f"{self.url}/federation/v1/inbox",
                feed=f"{self.url}/federation/v1/feed",
                twinning=f"{self.url}/federation/v1/twinning",
                reservations=f"{self.url}/federation/v1/reservations",
            ),
        )
        return seal(doc, self.key).model_dump(mode="json")

    # -- speaking -----------------------------------------------------------------------------

    @property
    def keyid(self) -> str:
        return f"{self.url}#{self.key.kid}"

    def seal(self, obj: FederatedObject | dict[str, Any]) -> dict[str, Any]:
        """An envelope signed with our key; a dict is signed as it is (it need not be a valid object)."""
        envelope = seal_raw(obj, self.key) if isinstance(obj, dict) else seal(obj, self.key)
        return envelope.model_dump(mode="json")

    def signed(
        self, method: str, url: str, payload: Any = None, *, keyid: str | None = None, created: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a request signed with our key (under `keyid`, at `created`, if given)."""
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"} if body else {}
        headers |= sign_request(method, url, headers, body, self.key, keyid or self.keyid, created=created)
        return body, headers

    async def send(self, method: str, url: str, payload: Any = None, *, keyid: str | None = None) -> tuple[int, Any]:
        """A request signed with our key (under `keyid` if given); returns (status, JSON or text)."""
        return await self.send_signed(method, url, *self.signed(method, url, payload, keyid=keyid))

    async def send_signed(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        """Send a request exactly as signed (again, for a replay)."""
        assert self.session is not None
        try:
            async with self.session.request(method, url, data=body or None, headers=headers) as resp:
                return resp.status, await answer(resp)
        except (aiohttp.ClientError, TimeoutError) as exc:  # the node did not answer: the watch tells the harm
            return 0, type(exc).__name__

    async def push(self, node: BaseNode, envelopes: list[dict[str, Any]]) -> list[tuple[int, Any]]:
        """Push envelopes to the node's inbox in batches that fit its limits, as a twin's outbox would."""
        answers = []
        for batch in batches(envelopes):
            answers.append(await self.send("POST", node.url + "/federation/v1/inbox", {"items": batch}))
        return answers

    def proposal(self, node: BaseNode, offer: Terms | None = None) -> TwinningProposal:
        return TwinningProposal(
            origin=self.url,
            id=str(uuid.uuid4()),
            version=1,
            proposer=self.url,
            acceptor=node.url,
            offer=offer or Terms(),
            request=Terms(),
            valid_from=datetime.now(UTC).replace(microsecond=0),
        )

    async def propose(self, node: BaseNode, offer: Terms | None = None) -> str:
        """Our signed proposal, as a stranger's first contact; returns the agreement id."""
        proposal = self.proposal(node, offer)
        status, body = await self.send("POST", node.url + "/federation/v1/twinning", self.seal(proposal))
        assert status == 202, (status, body)
        return proposal.id

    async def twin_with(self, node: BaseNode, offer: Terms | None = None) -> str:
        """The real handshake: our signed proposal, then the node's operator accepts it through the API."""
        agreement = await self.propose(node, offer)
        await node.api.ok("POST", f"/api/v1/twins/{agreement}/accept")
        await eventually(lambda: _status(node, agreement), "active")
        return agreement


def batches(envelopes: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """At most `BATCH` items and `BATCH_BYTES` of JSON each."""
    found: list[list[dict[str, Any]]] = [[]]
    size = 0
    for envelope in envelopes:
        length = len(json.dumps(envelope)) + 1
        if len(found[-1]) == BATCH or (found[-1] and size + length > BATCH_BYTES):
            found.append([])
            size = 0
        found[-1].append(envelope)
        size += length
    return [batch for batch in found if batch]


def problem_slugs(body: Any) -> set[str]:
    """The problem types of an inbox answer: of the whole batch, or of each item."""
    if not isinstance(body, dict):
        return set()
    problems = [r.get("problem") for r in body.get("results", [])] if "results" in body else [body]
    return {str(p.get("type", "")).rsplit("/", 1)[-1] for p in problems if isinstance(p, dict)}


async def _status(node: BaseNode, twinning_id: str) -> str:
    return str((await node.api.ok("GET", f"/api/v1/twins/{twinning_id}"))["status"])


async def answer(resp: aiohttp.ClientResponse) -> Any:
    text = await resp.read()
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text.decode(errors="replace")


# -- hostile answers ------------------------------------------------------------------------------


def never_ending(prefix: bytes, status: int = 200, cap: int = 256 * 1024 * 1024) -> Handler:
    """An answer that starts like JSON and never ends (up to `cap` bytes, so a failing run stays bounded)."""

    async def serve(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=status, headers={"Content-Type": "application/json"})
        await response.prepare(request)
        await response.write(prefix)
        sent = len(prefix)
        try:
            while sent < cap:
                await response.write(CHUNK)
                sent += len(CHUNK)
        except (ConnectionError, asyncio.CancelledError):
            pass  # the reader hung up: what a bounded reader does
        return response

    return serve


def huge(prefix: bytes, suffix: bytes, size: int, status: int = 200) -> Handler:
    """A complete answer of `size` bytes, announced by its Content-Length: `prefix`, blanks, `suffix`."""

    async def serve(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=status, headers={"Content-Type": "application/json"})
        response.content_length = size
        await response.prepare(request)
        left = size - len(prefix) - len(suffix)
        try:
            await response.write(prefix)
            while left > 0:
                await response.write(CHUNK[:left])
                left -= len(CHUNK)
            await response.write(suffix)
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    return serve


def json_answer(document: Any, status: int = 200) -> Handler:
    """Always the same JSON answer."""
    body = json.dumps(document).encode()

    async def serve(request: web.Request) -> web.Response:
        return web.Response(status=status, body=body, content_type="application/json")

    return serve


def problem_answer(document: Any, status: int = 409) -> Handler:
    """A problem document written to hurt: whatever `document` is, as application/problem+json."""

    async def serve(request: web.Request) -> web.Response:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        return web.Response(status=status, body=body, headers={"Content-Type": "application/problem+json"})

    return serve
