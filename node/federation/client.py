"""The one HTTP client for talking to other nodes; every request it sends is signed (RFC 9421).

Whatever a peer sends back is read with bounds: a connect and a total timeout, no redirects,
no decompression, and a size limit for each kind of answer (a node document, a feed page,
an inbox answer, a receipt, a twinning answer; any error answer is held to the smaller limit
for problem documents). The body is read in chunks and the read stops at the limit, whatever
Content-Length said, so a peer that sends too much or never stops costs a bounded buffer and
a clear error, never the node's memory. Connections go only to the addresses allowed by
`addresses.socket_factory`.

Every URL of the federation API (docs/PROTOCOL.md) is built here: the typed calls
(`get_document`, `post_inbox`, `get_feed`, `post_twinning`, `put_reservation`,
`confirm_reservation`, `delete_reservation`) name what they send, and the server's routes use the same paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiohttp
import orjson
import structlog

from node.clock import Clock
from node.config import FederationSection
from node.retry import worth_retrying
from protocol.httpsig import sign_request
from protocol.json_text import loads
from protocol.keys import SigningKey
from protocol.problems import Problem, ProblemType

from .addresses import AddressRefused, socket_factory

USER_AGENT = "gemellaggio/0.1"
DOCUMENT_PATH = "/.well-known/gemellaggio"
FEDERATION_PREFIX = "/federation/v1/"
INBOX_PATH = FEDERATION_PREFIX + "inbox"
FEED_PATH = FEDERATION_PREFIX + "feed"
TWINNING_PATH = FEDERATION_PREFIX + "twinning"
RESERVATIONS_PATH = FEDERATION_PREFIX + "reservations"
CHUNK_BYTES = 64 * 1024

log = structlog.get_logger("node.client")


class Answer(StrEnum):
    """What kind of answer a request expects: each has its own size limit."""

    DOCUMENT = "node document"
    FEED_PAGE = "feed page"
    INBOX_ANSWER = "inbox answer"
    RECEIPT = "reservation receipt"
    TWINNING_ANSWER = "twinning answer"


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return loads(self.body)
        except RecursionError as exc:  # a peer's answer nested past the parser's limit: not JSON we can use
            raise ValueError("the answer's JSON nests too deeply") from exc

    def problem(self) -> Problem:
        """The peer's answer as a Problem (whatever it sent)."""
        try:
            doc = self.json()
            if isinstance(doc, dict) and "type" in doc:
                return Problem.from_document(doc)
        except ValueError:
            pass
        return Problem(ProblemType.PEER_UNREACHABLE, f"the twin answered HTTP {self.status}")

    def worth_retrying(self) -> bool:
        """Whether the same request, sent again later, may pass (node/retry.py): decided by the
        problem's type, not its status. A type we do not know is read as `validation-error`
        (final, PROTOCOL.md section 11); an answer that is no problem document at all (a proxy's
        page) as `peer-unreachable`, asked again like a server error."""
        return worth_retrying(self.status, self.problem().kind)


class PeerUnreachable(Exception):
    """The peer could not be reached, did not answer in time, or answered more than we read."""


class AnswerTooLarge(PeerUnreachable):
    """The peer's answer was larger than the limit for its kind; it was not read."""


def feed_url(node_id: str, after: int, limit: int) -> str:
    """A page of `node_id`'s feed: the objects after sequence number `after`, at most `limit`."""
    return f"{node_id}{FEED_PATH}?after={after}&limit={limit}"


def reservation_url(host: str, reservation_id: str) -> str:
    return f"{host}{RESERVATIONS_PATH}/{reservation_id}"


def open_session(settings: FederationSection) -> aiohttp.ClientSession:
    """The node's client session: guarded addresses, no decompression (no zip bombs)."""
    connector = aiohttp.TCPConnector(socket_factory=socket_factory(settings.allow_private_addresses))
    return aiohttp.ClientSession(connector=connector, auto_decompress=False)


class FederationClient:
    """Signs with the node's current key; tests point it at nodes on loopback ports."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        node_id: str,
        key: SigningKey,
        settings: FederationSection,
        timeout: float,
        clock: Clock,
    ) -> None:
        self._clock = clock
        self._session = session
        self._node_id = node_id
        self.key = key
        self._settings = settings
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, settings.connect_timeout_seconds))

    @property
    def keyid(self) -> str:
        return f"{self._node_id}#{self.key.kid}"

    # -- the federation API, one call per operation -------------------------------------------

    async def get_document(self, node_id: str) -> Response:
        """The node's self-signed document (unsigned request: a stranger may ask)."""
        return await self.get(node_id + DOCUMENT_PATH, kind=Answer.DOCUMENT, signed=False)

    async def post_inbox(self, peer: str, batch: Any) -> Response:
        return await self.send("POST", peer + INBOX_PATH, batch, kind=Answer.INBOX_ANSWER)

    async def get_feed(self, peer: str, after: int, limit: int) -> Response:
        return await self.get(feed_url(peer, after, limit), kind=Answer.FEED_PAGE)

    async def post_twinning(self, peer: str, envelope: Any) -> Response:
        """A signed proposal, acceptance or change of a twinning."""
        return await self.send("POST", peer + TWINNING_PATH, envelope, kind=Answer.TWINNING_ANSWER)

    async def put_reservation(self, host: str, reservation_id: str, request: Any) -> Response:
        return await self.send("PUT", reservation_url(host, reservation_id), request, kind=Answer.RECEIPT)

    async def confirm_reservation(self, host: str, reservation_id: str, request: Any) -> Response:
        """Take the seats a host's waitlist offered to our member."""
        return await self.send("POST", reservation_url(host, reservation_id) + "/confirm", request, kind=Answer.RECEIPT)

    async def delete_reservation(self, host: str, reservation_id: str) -> Response:
        return await self.send("DELETE", reservation_url(host, reservation_id), None, kind=Answer.RECEIPT)

    # -- any request ---------------------------------------------------------------------------

    async def get(self, url: str, *, kind: Answer = Answer.FEED_PAGE, signed: bool = True) -> Response:
        return await self.send("GET", url, None, kind=kind, signed=signed)

    async def send(
        self,
        method: str,
        url: str,
        payload: Any | None,
        *,
        kind: Answer = Answer.INBOX_ANSWER,
        signed: bool = True,
        extra_headers: dict[str, str] | None = None,
    ) -> Response:
        """`payload` is JSON to encode, or bytes sent as they are; `extra_headers` (e.g. another
        signature scheme's, with `signed=False`) are added last."""
        body = _body(payload)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "identity"}
        if body:
            headers["Content-Type"] = "application/json"
        headers.update(extra_headers or {})
        if signed:
            # `created` comes from the node's clock, the same clock its twins' checks are judged by.
            created = int(self._clock.now().timestamp())
            headers.update(sign_request(method, url, headers, body, self.key, self.keyid, created=created))
        try:
            async with self._session.request(
                method, url, data=body or None, headers=headers, timeout=self._timeout, allow_redirects=False
            ) as resp:
                data = await self._read(resp, url, kind)
                return Response(resp.status, dict(resp.headers), data)
        except PeerUnreachable:
            raise
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise PeerUnreachable(f"{method} {url}: {_describe(exc)}") from exc

    def limit(self, kind: Answer, status: int) -> int:
        """The most bytes read of an answer of this kind with this status."""
        s = self._settings
        limit = {
            Answer.DOCUMENT: s.max_document_bytes,
            Answer.FEED_PAGE: s.max_feed_page_bytes,
            Answer.INBOX_ANSWER: s.max_inbox_answer_bytes,
            Answer.RECEIPT: s.max_receipt_bytes,
            Answer.TWINNING_ANSWER: s.max_twinning_answer_bytes,
        }[kind]
        return limit if status < 300 else min(limit, s.max_problem_bytes)

    async def _read(self, resp: aiohttp.ClientResponse, url: str, kind: Answer) -> bytes:
        limit = self.limit(kind, resp.status)
        what = kind.value if resp.status < 300 else f"error answer (HTTP {resp.status})"
        if resp.content_length is not None and resp.content_length > limit:
            raise self._too_large(resp, url, what, limit)
        chunks, size = [], 0
        async for chunk in resp.content.iter_chunked(CHUNK_BYTES):
            size += len(chunk)
            if size > limit:  # Content-Length may lie, or be absent: count what actually arrives
                raise self._too_large(resp, url, what, limit)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, resp: aiohttp.ClientResponse, url: str, what: str, limit: int) -> AnswerTooLarge:
        resp.close()  # drop the connection rather than drain what is left
        log.warning("peer_answer_too_large", url=url, answer=what, limit_bytes=limit)
        return AnswerTooLarge(f"the {what} from {url} was larger than {limit} bytes; it was not read")


def _describe(exc: BaseException) -> str:
    """A sentence for the log and the delivery page: what went wrong, without a traceback."""
    refused = _find(exc, AddressRefused)
    if refused is not None:
        return f"{refused} (see federation.allow_private_addresses)"
    if isinstance(exc, TimeoutError):
        return "no complete answer in time"
    return f"{type(exc).__name__}: {exc}"


def _find(exc: BaseException | None, kind: type[BaseException]) -> BaseException | None:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, kind):
            return exc
        exc = exc.__cause__ or exc.__context__ or getattr(exc, "os_error", None)
        seen += 1
    return None


def _body(payload: Any | None) -> bytes:
    """Bytes as they are, nothing for None, else compact UTF-8 JSON: orjson (a batch of 500
    envelopes in a fifth of the time), or the standard library for what orjson refuses (keys
    that are not strings, integers past 64 bits)."""
    if isinstance(payload, bytes):
        return payload
    if payload is None:
        return b""
    try:
        return orjson.dumps(payload)
    except orjson.JSONEncodeError:
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
