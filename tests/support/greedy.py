"""Servers on loopback that answer the way a hostile or broken peer would: too much, or too slowly.

`GreedyServer` answers every request with an endless stream (or a lying Content-Length, or
headers and then nothing), and counts what it managed to send. `GreedyProxy` stands at a real
node's public URL, forwards everything to it, and answers the routes it is told to take over
with such a stream: a real twin whose inbox answers, say, never end.
"""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from .nodes import free_port

CHUNK = b"x" * 65536


class GreedyServer:
    def __init__(self, mode: str = "endless", status: int = 200) -> None:
        self.mode, self.status = mode, status
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sent = 0
        self.hits = 0
        self.location = ""  # where mode "redirect" sends the client
        self.takeover: set[tuple[str, str]] = set()  # (method, path) answered greedily; empty: all
        self.target: str | None = None  # where a proxy forwards everything else
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> GreedyServer:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._session = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.hits += 1
        if self.mode == "redirect":
            return web.Response(status=302, headers={"Location": self.location})
        if self.target is not None and (request.method, request.path) not in self.takeover:
            return await self._forward(request, body)
        return await self._greedy(request)

    async def _greedy(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=self.status, headers={"Content-Type": "application/json"})
        if self.mode == "lying-length":
            response.content_length = 100 * 1024 * 1024
        await response.prepare(request)
        try:
            if self.mode == "silent":  # headers, then nothing until the client gives up
                await self._until_closed(request)
            for _ in range(16 * 1024):  # up to 1 GiB, far more than any limit
                await response.write(CHUNK)
                self.sent += len(CHUNK)
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    @staticmethod
    async def _until_closed(request: web.Request) -> None:
        for _ in range(1200):  # at most a minute
            if request.transport is None or request.transport.is_closing():
                return
            await asyncio.sleep(0.05)

    async def _forward(self, request: web.Request, body: bytes) -> web.Response:
        assert self.target is not None and self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with self._session.request(
            request.method, self.target + request.path_qs, data=body or None, headers=headers
        ) as resp:
            payload = await resp.read()
            return web.Response(status=resp.status, body=payload, headers={"Content-Type": resp.content_type})
