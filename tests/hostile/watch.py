"""What an attack must not take from a space: its member's reads, its memory, its own events.

A `Watch` reads the member's week over and over while an attack runs, both as the member
sees it (the web page, GET /) and as an app does (GET /api/v1/events for the week): every
read must be answered, none with a 5xx, and every listing must still hold the space's own
events. Beside it, the node process's resident memory is sampled from /proc.

No figure here is a time: a read is "answered" if it comes back at all within a generous
liveness bound (a node busy for that long is down to its member). Latency goals are for
`bench/limits.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

LIVENESS_SECONDS = 15.0  # a member waiting longer than this has no node
RSS_LIMIT_MB = 50.0
MAX_FAILURES = 1  # one shows the harm: stop reading then, so a failing test ends soon


def rss_mb(pid: int) -> float:
    """The resident memory of process `pid`, in MB (VmRSS of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@dataclass
class Member:
    """A member of the node with a token, and the ids of the space's own events this week."""

    base: str
    token: str
    own_events: set[str]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def week_query(self) -> str:
        today = datetime.now(UTC).date()
        return f"from={today}&to={today + timedelta(days=7)}"


@dataclass
class Watch:
    member: Member
    pid: int
    reads: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    missing_own: int = 0  # listings or week pages without all the space's own events
    missing_example: str = ""
    rss_start: float = 0.0
    rss_peak: float = 0.0

    @property
    def rss_growth(self) -> float:
        return self.rss_peak - self.rss_start

    def sample_rss(self) -> None:
        with contextlib.suppress(FileNotFoundError, RuntimeError):
            self.rss_peak = max(self.rss_peak, rss_mb(self.pid))

    def assert_unharmed(self) -> None:
        """The member was answered every time, without a 5xx, saw the space's own events, and
        the node's memory grew by less than `RSS_LIMIT_MB`."""
        assert self.reads >= 4, f"only {self.reads} reads were made"
        assert not self.failures, f"the member's reads failed: {dict(self.failures)} of {self.reads}"
        assert self.missing_own == 0, f"{self.missing_own} reads lacked the space's own events: {self.missing_example}"
        assert self.rss_growth < RSS_LIMIT_MB, f"the node grew by {self.rss_growth:.0f} MB"

    async def read_once(self, session: aiohttp.ClientSession) -> None:
        timeout = aiohttp.ClientTimeout(total=LIVENESS_SECONDS)
        listing = f"{self.member.base}/api/v1/events?{self.member.week_query()}"
        for url in (self.member.base + "/", listing):
            try:
                async with session.get(url, headers=self.member.headers, timeout=timeout) as resp:
                    body = await resp.read()
                    if resp.status >= 300:
                        self.failures[f"{url.split('?')[0]} HTTP {resp.status}"] += 1
                    elif not (self._lists_own(body) if url == listing else self._shows_own(body)):
                        self.missing_own += 1
                        self.missing_example = self.missing_example or self._what_is_missing(url, body)
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.failures[f"{url.split('?')[0]} {type(exc).__name__}"] += 1
            self.reads += 1
            self.sample_rss()

    def _lists_own(self, body: bytes) -> bool:
        listed = {item["id"] for item in json.loads(body)["items"] if item.get("local")}
        return self.member.own_events <= listed

    def _what_is_missing(self, url: str, body: bytes) -> str:
        shown = set(re.findall(rb'id="event-([^"]+)"', body)) | set(re.findall(rb'"id": ?"([^"]+)"', body))
        missing = sorted(self.member.own_events - {s.decode() for s in shown})
        return f"{url} lacked {missing} of {sorted(self.member.own_events)}; it showed {sorted(shown)}"

    def _shows_own(self, page: bytes) -> bool:
        return all(f'id="event-{id_}"'.encode() in page for id_ in self.member.own_events)


@contextlib.asynccontextmanager
async def watching(member: Member, pid: int) -> AsyncIterator[Watch]:
    """Read the member's week in a loop while the body of the `async with` attacks; a few more
    reads once it is done, since harm (a node stuck on what it was sent) often shows after."""
    watch = Watch(member, pid)
    async with aiohttp.ClientSession() as session:
        await watch.read_once(session)  # warm: the first page render allocates its caches
        watch.rss_start = watch.rss_peak = rss_mb(pid)
        stop = asyncio.Event()

        async def loop() -> None:
            while not stop.is_set() and sum(watch.failures.values()) < MAX_FAILURES:
                await watch.read_once(session)
                await asyncio.sleep(0.05)

        task = asyncio.create_task(loop())
        try:
            yield watch
        finally:
            stop.set()
            await task
        for _ in range(2):
            if sum(watch.failures.values()) < MAX_FAILURES:
                await watch.read_once(session)


def stats(watch: Watch) -> dict[str, Any]:
    return {"reads": watch.reads, "failures": dict(watch.failures), "rss_growth_mb": round(watch.rss_growth, 1)}
