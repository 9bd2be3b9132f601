"""Real nodes on loopback ports for integration tests.

`InProcessNode` runs the aiohttp application in the test's event loop on a real port (fast to
start; its clock can be set). `ProcessNode` runs `gemella run DIR` as a child process (for
SIGTERM and SIGKILL). Both are created with `gemella init`'s code and speak real HTTP with
real signatures to each other; nothing of ours is mocked.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web

from node.clock import Clock
from node.config import load_settings
from node.core import Node
from node.http.keys import NODE
from node.setup import init_node_async
from node.web.app import create_app
from node.web.server import NodeRunner

from .postgres import new_database_url, on_postgresql

# Fast retries and pulls so that tests converge in seconds.
FAST = {
    "delivery": {
        "backoff_base_seconds": 0.05,
        "backoff_cap_seconds": 0.5,
        "pull_interval_seconds": 1.0,
        "request_timeout_seconds": 5.0,
        "document_refetch_seconds": 0.0,
    },
    "limits": {
        "peer_requests_per_second": 10000,
        "peer_burst": 10000,
        "peer_items_per_second": 1_000_000,
        "peer_item_burst": 1_000_000,
        "stranger_proposals_per_minute": 600,
        "unverified_requests_per_minute": 60000,
        "sign_ins_per_minute": 60000,
        "connections_per_address": 1000,
    },
    "federation": {"allow_private_addresses": True},
    "log": {"level": "warning"},
}


# A port is picked below the kernel's ephemeral range, where every outgoing connection takes its
# local port: a port picked by `bind(0)` is in that range and free only at the moment it is
# picked, so a connection could take it before the node binds it. And each port is handed out
# once per run, so two picks made before either binds cannot agree on one.
_PORTS_GIVEN: set[int] = set()
_PORTS_BELOW_EPHEMERAL = (12000, 32000)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on, and no other caller in this run was given."""
    low, high = _ports_to_pick_from()
    rng = random.Random()
    for _ in range(2000):
        port = rng.randint(low, high) if high > low else _any_free_port()
        if port in _PORTS_GIVEN:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _PORTS_GIVEN.add(port)
        return port
    raise RuntimeError("no free port found on 127.0.0.1")


def _ports_to_pick_from() -> tuple[int, int]:
    """Our range, ending below the first ephemeral port (Linux: ip_local_port_range); where
    that cannot be read, (0, 0): then the kernel picks (`bind(0)`)."""
    try:
        first_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0, 0
    low, high = _PORTS_BELOW_EPHEMERAL
    return low, min(high, first_ephemeral - 1)


def _any_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Api:
    """Calls a node's local API with a token; returns (status, json)."""

    def __init__(self, session: aiohttp.ClientSession, base: str, token: str | None) -> None:
        self.session, self.base, self.token = session, base, token

    async def call(self, method: str, path: str, body: Any = None, *, token: str | None = None) -> tuple[int, Any]:
        headers = {}
        bearer = token if token is not None else self.token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        async with self.session.request(method, self.base + path, json=body, headers=headers) as resp:
            text = await resp.read()
            try:
                data = await resp.json(content_type=None) if text else None
            except ValueError:
                data = text.decode(errors="replace")
            return resp.status, data

    async def ok(self, method: str, path: str, body: Any = None, *, token: str | None = None) -> Any:
        status, data = await self.call(method, path, body, token=token)
        assert status < 300, f"{method} {path} -> {status}: {data}"
        return data


class BaseNode:
    def __init__(self, directory: Path, name: str, port: int, token: str, url: str) -> None:
        self.directory, self.name, self.port, self.token, self.url = directory, name, port, token, url
        self.session: aiohttp.ClientSession | None = None

    @property
    def local(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> Api:
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession()
        return Api(self.session, self.local, self.token)

    async def close_session(self) -> None:
        if self.session is not None:
            await self.session.close()


async def make_node_dir(
    root: Path,
    name: str,
    timezone: str = "UTC",
    *,
    port: int | None = None,
    url: str | None = None,
    config: dict[str, Any] | None = None,
) -> tuple[Path, int, str, str]:
    port = port or free_port()
    directory = root / name.lower().replace(" ", "-")
    extra = _merge(FAST, config or {})
    if on_postgresql() and "database_url" not in extra.get("storage", {}):
        extra = _merge(extra, {"storage": {"database_url": new_database_url(migrated=True)}})
    result = await init_node_async(
        directory,
        name=name,
        url=url or f"http://127.0.0.1:{port}",
        listen=f"127.0.0.1:{port}",
        timezone=timezone,
        extra=extra,
    )
    return directory, port, result.operator_token, result.node_id


class InProcessNode(BaseNode):
    def __init__(self, directory: Path, name: str, port: int, token: str, url: str, clock: Clock | None = None) -> None:
        super().__init__(directory, name, port, token, url)
        self.clock = clock or Clock()
        self.runner: web.AppRunner | None = None

    @classmethod
    async def create(cls, root: Path, name: str, timezone: str = "UTC", **kwargs: Any) -> InProcessNode:
        clock = kwargs.pop("clock", None)
        directory, port, token, url = await make_node_dir(root, name, timezone, **kwargs)
        node = cls(directory, name, port, token, url, clock)
        await node.start()
        return node

    @property
    def node(self) -> Node:
        assert self.runner is not None
        return self.runner.app[NODE]

    async def start(self) -> None:
        settings = load_settings(self.directory, {})
        app = create_app(settings, clock=self.clock)
        self.runner = NodeRunner(app, settings)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


class ProcessNode(BaseNode):
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    async def create(cls, root: Path, name: str, timezone: str = "UTC", **kwargs: Any) -> ProcessNode:
        directory, port, token, url = await make_node_dir(root, name, timezone, **kwargs)
        node = cls(directory, name, port, token, url)
        await node.start()
        return node

    async def start(self) -> None:
        log = open(self.directory / "node.log", "ab")  # noqa: SIM115 (the child keeps it)
        # GEMELLA_SOAK is the test harness's, not a setting: the node would read it as a config override.
        env = {**{k: v for k, v in os.environ.items() if k != "GEMELLA_SOAK"}, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "node.cli.main", "run", str(self.directory)],
            stdout=log,
            stderr=log,
            env=env,
        )
        await wait_until_up(self.local + "/healthz", self.process)

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        code = await asyncio.to_thread(self.process.wait, 20)
        self.process = None
        return code

    async def kill(self) -> None:
        await self.stop(signal.SIGKILL)

    def log_text(self) -> str:
        return (self.directory / "node.log").read_text(errors="replace")


async def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"node exited with {process.returncode} before answering {url}")
            try:
                async with session.get(url) as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise TimeoutError(f"{url} did not come up in {timeout} s")


async def twin(a: BaseNode, b: BaseNode, offer: Any = None, request: Any = None) -> str:
    """Twin a with b through both local APIs; returns the agreement id once both are active."""
    body: dict[str, Any] = {"url": b.url}
    if offer is not None:
        body["offer"] = offer
    if request is not None:
        body["request"] = request
    proposed = await a.api.ok("POST", "/api/v1/twins", body)
    await b.api.ok("POST", f"/api/v1/twins/{proposed['id']}/accept")
    await eventually(lambda: _status(a, proposed["id"]), "active")
    return str(proposed["id"])


async def _status(node: BaseNode, twinning_id: str) -> str:
    return str((await node.api.ok("GET", f"/api/v1/twins/{twinning_id}"))["status"])


async def eventually(probe: Any, expected: Any, timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Await `probe()` until it returns `expected` (or a predicate of it is true); fail after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if expected(last) if callable(expected) else last == expected:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"still {last!r} after {timeout} s, expected {expected!r}")


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_config(directory: Path) -> dict[str, Any]:
    return yaml.safe_load((directory / "config.yaml").read_text())
