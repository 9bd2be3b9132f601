"""A stranger: no key the node knows, no token, its own loopback address.

Linux routes all of 127.0.0.0/8 to loopback, so the stranger speaks from 127.0.0.2 (requests)
and 127.0.0.3 (raw sockets) while the member and the real twin speak from 127.0.0.1: limits
per address must fall on the stranger, never on them.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from protocol.httpsig import sign_request
from protocol.keys import SigningKey
from tests.support.nodes import BaseNode

REQUEST_ADDRESS = "127.0.0.2"
SOCKET_ADDRESS = "127.0.0.3"


class Stranger:
    def __init__(self, node: BaseNode) -> None:
        self.node = node
        self.key = SigningKey.generate()  # a key nobody trusts
        self._session: aiohttp.ClientSession | None = None
        self._writers: list[asyncio.StreamWriter] = []

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(local_addr=(REQUEST_ADDRESS, 0), limit=16)  # under a per-address cap
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def close(self) -> None:
        for writer in self._writers:
            writer.close()
        self._writers.clear()
        if self._session is not None:
            await self._session.close()

    def forged(self, path: str, payload: Any, keyid: str) -> tuple[bytes, dict[str, str]]:
        """A request under someone else's `keyid`, signed with our own key: the signature cannot verify."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        headers |= sign_request("POST", self.node.url + path, headers, body, self.key, keyid)
        return body, headers

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """(status, problem slug or '') of one request; connection errors count as status 0."""
        try:
            async with self.session.post(self.node.local + path, data=body, headers=headers) as resp:
                data = await resp.read()
                slug = ""
                if resp.content_type == "application/problem+json":
                    slug = str(json.loads(data).get("type", "")).rsplit("/", 1)[-1]
                return resp.status, slug
        except aiohttp.ClientError:
            return 0, "connection"

    async def open_socket(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """A raw connection from the stranger's socket address (None if the node would not take it)."""
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.node.port, local_addr=(SOCKET_ADDRESS, 0))
        except OSError:
            return None
        self._writers.append(writer)
        return reader, writer
