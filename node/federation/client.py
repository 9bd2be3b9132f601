"""The one HTTP client for talking to other nodes; every request it sends is signed (RFC 9421)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from node.clock import Clock
from protocol.httpsig import sign_request
from protocol.keys import SigningKey
from protocol.problems import Problem, ProblemType

USER_AGENT = "gemellaggio/0.1"


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
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


class PeerUnreachable(Exception):
    """The peer could not be reached, or did not answer in time."""


class FederationClient:
    """Signs with the node's current key; tests point it at nodes on loopback ports."""

    def __init__(
        self, session: aiohttp.ClientSession, node_id: str, key: SigningKey, timeout: float, clock: Clock
    ) -> None:
        self._clock = clock
        self._session = session
        self._node_id = node_id
        self.key = key
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    @property
    def keyid(self) -> str:
        return f"{self._node_id}#{self.key.kid}"

    async def get(self, url: str, *, signed: bool = True) -> Response:
        return await self.send("GET", url, None, signed=signed)

    async def send(self, method: str, url: str, payload: Any | None, *, signed: bool = True) -> Response:
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if body:
            headers["Content-Type"] = "application/json"
        if signed:
            # `created` comes from the node's clock, the same clock its twins' checks are judged by.
            created = int(self._clock.now().timestamp())
            headers.update(sign_request(method, url, headers, body, self.key, self.keyid, created=created))
        try:
            async with self._session.request(
                method, url, data=body or None, headers=headers, timeout=self._timeout, allow_redirects=False
            ) as resp:
                data = await resp.read()
                return Response(resp.status, dict(resp.headers), data)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise PeerUnreachable(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
