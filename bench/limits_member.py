"""The member of bench/limits.py, in its own process: reads GET /api/v1/events and times each answer.

    python bench/limits_member.py BASE TOKEN COUNT

Says "ready" once started, then reads when told "go" on its standard input: COUNT times, one
after another, or until its standard input closes; prints one JSON object (answered,
failures, p50, p95, max). Run apart from the loads, so that the work of
their clients (signing thousands of envelopes, flooding) is not counted as the node's.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench._common import percentile

READ_TIMEOUT = 10.0
MAX_FAILURES = 3  # a node that failed its member this often is down: stop measuring that load


class Member:
    """A member reading the events list, timing each answer."""

    def __init__(self, base: str, token: str) -> None:
        self.url = base + "/api/v1/events"
        self.headers = {"Authorization": f"Bearer {token}"}

    async def sample(self, count: int, stop: asyncio.Event) -> dict[str, Any]:
        """`count` reads, one after another (fewer if `stop` is set first)."""
        latencies, failures = [], Counter[str]()
        async with aiohttp.ClientSession() as session:
            for _ in range(count):
                if stop.is_set() or sum(failures.values()) >= MAX_FAILURES:
                    break
                started = time.perf_counter()
                outcome = await self._read(session)
                if outcome is None:
                    latencies.append(time.perf_counter() - started)
                else:
                    failures[outcome] += 1
                await asyncio.sleep(0.005)
        return summary(latencies, failures)

    async def _read(self, session: aiohttp.ClientSession) -> str | None:
        try:
            timeout = aiohttp.ClientTimeout(total=READ_TIMEOUT)
            async with session.get(self.url, headers=self.headers, timeout=timeout) as resp:
                await resp.read()
                return None if resp.status == 200 else f"HTTP {resp.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return type(exc).__name__


def summary(latencies: list[float], failures: Counter[str]) -> dict[str, Any]:
    ms = [x * 1000 for x in latencies]
    return {
        "answered": len(ms),
        "failures": dict(failures),
        "p50_ms": round(percentile(ms, 50), 2) if ms else None,
        "p95_ms": round(percentile(ms, 95), 2) if ms else None,
        "max_ms": round(max(ms), 2) if ms else None,
    }


async def main(base: str, token: str, count: int) -> None:
    """Say "ready", wait for "go" on stdin, then read until `count` reads or stdin closes."""
    go, stop = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()

    def listen() -> None:  # the parent says go, then closes our stdin when the load is over
        sys.stdin.readline()
        loop.call_soon_threadsafe(go.set)
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=listen, daemon=True).start()  # a daemon: it never holds up our exit
    print("ready", flush=True)
    await go.wait()
    json.dump(await Member(base, token).sample(count, stop), sys.stdout)
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
