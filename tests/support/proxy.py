"""Reverse proxies on loopback standing at a node's public URL (its id).

`ForwardingProxy` forwards every request to the node's listening address, so it also shows that
signatures are checked against the public URL; a test's proxy answers some requests itself
(`intercept`), e.g. `LossyProxy`, which loses every push to the node's inbox.
"""

from __future__ import annotations

import json

import aiohttp
from aiohttp import web

from .nodes import free_port


class ForwardingProxy:
    """At a twin's public URL: forwards every request to the twin's listening address (`target`),
    except those `intercept` answers itself."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.target = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def intercept(self, request: web.Request, body: bytes) -> web.StreamResponse | None:
        """The answer to give instead of the twin's, or None to forward the request."""
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        answer = await self.intercept(request, body)
        if answer is not None:
            return answer
        assert self.target and self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with self._session.request(
            request.method, self.target + request.path_qs, data=body or None, headers=headers
        ) as resp:
            payload = await resp.read()
            return web.Response(status=resp.status, body=payload, headers={"Content-Type": resp.content_type})


class LossyProxy(ForwardingProxy):
    def __init__(self) -> None:
        super().__init__()
        self.swallowed = 0

    async def intercept(self, request: web.Request, body: bytes) -> web.StreamResponse | None:
        if request.method == "POST" and request.path == "/federation/v1/inbox":
            self.swallowed += 1
            items = json.loads(body).get("items", [])
            results = [{"index": i, "status": "applied"} for i in range(len(items))]
            return web.json_response({"results": results}, status=202)
        return None
