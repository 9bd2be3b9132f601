"""A reverse proxy in front of a node, at the node's public URL, that injects faults into the
answers to reservation requests (`PUT /federation/v1/reservations/...`; late answers to a
cancellation or a confirmation too, with `late_methods`).

The node's id is the proxy's URL (as behind any reverse proxy), so requests signed for that
URL verify at the node. Everything else passes through untouched.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.nodes import free_port

HOP_BY_HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}


class FaultProxy:
    def __init__(self) -> None:
        self.port = free_port()
        self.target_port: int | None = None
        self.puts = 0  # reservation PUTs forwarded to the node
        self.late_answers = 0  # answer this many PUTs only after `late_seconds` (the node has committed)
        self.late_seconds = 1.0
        self.late_methods = {"PUT"}  # which reservation requests `late_answers` delays (POST: a confirmation)
        self.released = asyncio.Event()  # PUTs are held, never forwarded, while this is clear: a silent host
        self.released.set()
        self.rewrite: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # tamper with PUT answers
        self.blocked: set[tuple[str, str]] = set()  # (method, path prefix) answered 503: a lost push or pull
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        self.released.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None and self.target_port is not None
        if any(request.method == method and request.path.startswith(prefix) for method, prefix in self.blocked):
            return web.Response(status=503, text="blocked by the test proxy")
        is_reservation = request.path.startswith("/federation/v1/reservations/")
        is_put = request.method == "PUT" and is_reservation
        if is_put and not self.released.is_set():
            await self.released.wait()  # once released, answered as a gateway timeout (never forwarded)
            return web.Response(status=504, text="held by the test proxy")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        body = await request.read()
        url = f"http://127.0.0.1:{self.target_port}{request.raw_path}"
        async with self._session.request(request.method, url, data=body or None, headers=headers) as resp:
            answer = await resp.read()
            status, content_type = resp.status, resp.headers.get("Content-Type", "application/json")
        if is_put:
            self.puts += 1
            if self.rewrite is not None and status < 300:
                answer = json.dumps(self.rewrite(json.loads(answer))).encode()
        if is_reservation and request.method in self.late_methods and self.late_answers > 0:
            self.late_answers -= 1
            await asyncio.sleep(self.late_seconds)
        return web.Response(status=status, body=answer, headers={"Content-Type": content_type})
