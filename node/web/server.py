"""Serving the application on a socket, so that slow or greedy clients cannot hold the node.

Per connection: at most `limits.connections_per_address` open connections from one source
address (an IPv6 /64 counts as one); a connection past that is answered `429` and closed at
once, and the log says so at most once per LOG_EVERY seconds, with how many were refused, so a
flood cannot fill the disk. Per request: the body must arrive within
`limits.body_timeout_seconds` and the whole request be answered within
`limits.total_timeout_seconds`, else `408 request-timeout` and the connection is closed.
Headers have the keep-alive timeout (KEEPALIVE_SECONDS) to arrive, as aiohttp enforces.
"""

from __future__ import annotations

import asyncio
import gc
import json
import signal
import time
from collections import Counter
from typing import Any

import structlog
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from node.config import Settings
from node.http.errors import Handler, logged_path, problem_response
from node.ratelimit import address_key
from node.web.keys import ASSEMBLED
from protocol.problems import PROBLEM_CONTENT_TYPE, Problem, ProblemType

log = structlog.get_logger("node.web.server")

# aiohttp closes a connection that has not sent a whole request within its keep-alive timeout
# (by default an hour, for slow clients to hold a socket).
KEEPALIVE_SECONDS = 75.0
LINGER_SECONDS = 2.0  # how long an unread body is drained after an answer before the connection closes
LOG_EVERY = 10.0
# glibc's mallopt(M_MMAP_THRESHOLD): blocks this large are mapped on their own and unmapped when
# freed. Left to itself glibc raises the threshold to the largest block freed so far, so after the
# first 1 MiB inbox body such bodies, their parsed batches and the week's 1 MB answers come from
# the heap, where what they leave behind stays resident: a twin's 1,500 fat events grew the node
# by 36 MB, 22 MB with the threshold fixed at glibc's default (tests/hostile/test_floods.py).
M_MMAP_THRESHOLD = -3
BIG_BLOCK = 128 * 1024


class ConnectionGuard:
    """Open connections per source address, and a log of refusals that cannot flood."""

    def __init__(self, per_address: int) -> None:
        self.per_address = per_address
        self._open: Counter[str] = Counter()
        self._refused = 0
        self._last_log = 0.0

    def admit(self, address: str) -> bool:
        if self._open[address] >= self.per_address:
            self._note_refusal(address)
            return False
        self._open[address] += 1
        return True

    def release(self, address: str) -> None:
        self._open[address] -= 1
        if self._open[address] <= 0:
            del self._open[address]

    def _note_refusal(self, address: str) -> None:
        self._refused += 1
        now = time.monotonic()
        if now - self._last_log >= LOG_EVERY:
            log.warning("connections_refused", address=address, refused=self._refused, limit=self.per_address)
            self._refused, self._last_log = 0, now


def _refusal() -> bytes:
    problem = Problem(ProblemType.RATE_LIMITED, "too many open connections from this address")
    body = json.dumps(problem.to_document()).encode()
    head = (
        "HTTP/1.1 429 Too Many Requests\r\n"
        f"Content-Type: {PROBLEM_CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n"
        "Retry-After: 1\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class QuietHandler(web.RequestHandler):
    """aiohttp's connection handler, but a request no HTTP client sends (headers it cannot parse,
    a broken chunk, a body that is not the gzip its Content-Encoding names) is logged in one line,
    not with a traceback: anyone can send thousands, and the log is the operator's."""

    def log_exception(self, *args: Any, **kw: Any) -> None:
        error = kw.get("exc_info")
        if isinstance(error, HttpProcessingError | RequestPayloadError):
            log.info("request_unreadable", error=type(error).__name__)
            return
        super().log_exception(*args, **kw)


class GuardedServer(web.Server):
    """aiohttp's server, admitting each new connection through a ConnectionGuard."""

    def __init__(self, *args: Any, guard: ConnectionGuard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard
        self._addresses: dict[web.RequestHandler, str] = {}

    def __call__(self) -> web.RequestHandler:
        return QuietHandler(self, loop=self._loop, **self._kwargs)

    def connection_made(self, handler: web.RequestHandler, transport: asyncio.Transport) -> None:
        peer = transport.get_extra_info("peername")
        address = address_key(peer[0] if peer else None)
        if not self.guard.admit(address):
            transport.write(_refusal())
            transport.close()
            return
        self._addresses[handler] = address
        super().connection_made(handler, transport)

    def connection_lost(self, handler: web.RequestHandler, exc: BaseException | None = None) -> None:
        address = self._addresses.pop(handler, None)
        if address is not None:
            self.guard.release(address)
        super().connection_lost(handler, exc)


class NodeRunner(web.AppRunner):
    """An AppRunner whose server is a GuardedServer, with the node's timeouts."""

    def __init__(self, app: web.Application, settings: Settings, **kwargs: Any) -> None:
        kwargs.setdefault("access_log", None)
        kwargs.setdefault("keepalive_timeout", KEEPALIVE_SECONDS)
        kwargs.setdefault("lingering_time", LINGER_SECONDS)
        super().__init__(app, **kwargs)
        self.guard = ConnectionGuard(settings.limits.connections_per_address)

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()  # starts the application, as AppRunner does
        return GuardedServer(
            plain.request_handler,
            request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation,
            guard=self.guard,
            **plain._kwargs,  # the handler options AppRunner gathered (access log, timeouts)
        )


@web.middleware
async def deadline_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The body within its deadline, the whole answer within the total one."""
    limits = request.app[ASSEMBLED].settings.limits
    started = asyncio.get_running_loop().time()
    # A multipart form is parsed from the stream itself (aiohttp's post() does not read the kept
    # bytes), so it is not read ahead: the total deadline still bounds it, and client_max_size.
    if request.body_exists and request.content_type != "multipart/form-data":
        try:
            async with asyncio.timeout(min(limits.body_timeout_seconds, limits.total_timeout_seconds)):
                # Kept by aiohttp: handlers read these bytes again at no cost. (So `can_read_body` is
                # False from here on; handlers ask `body_exists`.)
                await request.read()
        except TimeoutError:
            return _timed_out(request, f"the request body did not arrive within {limits.body_timeout_seconds:g} s")
    try:
        async with asyncio.timeout_at(started + limits.total_timeout_seconds) as deadline:
            return await handler(request)
    except TimeoutError:
        if not deadline.expired():
            raise
        log.warning("request_timed_out", method=request.method, path=logged_path(request))
        return _timed_out(request, f"the request was not answered within {limits.total_timeout_seconds:g} s")


def _timed_out(request: web.Request, detail: str) -> web.Response:
    response = problem_response(Problem(ProblemType.REQUEST_TIMEOUT, detail), request.path)
    response.force_close()  # what is left of the request is not read
    return response


def settle_memory() -> None:
    """Once started, the ~90,000 objects of the loaded modules and the assembled node live as long
    as the process: frozen, the collector no longer walks them. Each full collection walked them
    all, a few times a second while an inbox applies large batches (about a tenth of its CPU)."""
    gc.collect()
    gc.freeze()
    big_blocks_to_the_system()


def big_blocks_to_the_system() -> bool:
    """Large blocks go back to the system when freed (see M_MMAP_THRESHOLD); False where the C
    library has no mallopt (not glibc), which keeps its own ways."""
    import ctypes  # here: 0.4 MB that a command other than `run` need not load

    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    return mallopt is not None and bool(mallopt(M_MMAP_THRESHOLD, BIG_BLOCK))


async def serve(app: web.Application, settings: Settings, *, reuse_port: bool = False) -> None:
    """Serve until SIGTERM or SIGINT, then drain in-flight requests (up to 10 s) and stop.
    `reuse_port`: one of several workers on the same address (node/cli/supervise.py)."""
    runner = NodeRunner(app, settings, shutdown_timeout=10.0)
    await runner.setup()  # starts the application: its store is open from here on
    try:
        # Inside the try: a port already taken must close what the start opened, too.
        await web.TCPSite(runner, settings.listen.host, settings.listen.port, reuse_port=reuse_port or None).start()
        settle_memory()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
