"""Slow and greedy clients, on real sockets: trickling bodies are cut off, connections per address capped."""

from __future__ import annotations

import asyncio
import json

import structlog

from tests.support.greedy import GreedyServer
from tests.support.nodes import eventually, twin


async def connect(port: int, local: str = "127.0.0.1") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(local, 0))


async def answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, object]]:
    """Read one whole answer, as its Content-Length says: its status and JSON body.

    Not up to the end of the connection: a client still sending when the node closes gets a reset,
    which would hide an answer that had already arrived."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 20)
    status = int(head.split(b" ", 2)[1])
    fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:] if b":" in line)
    length = int(next((v for k, v in fields.items() if k.strip().lower() == b"content-length"), b"0"))
    body = await asyncio.wait_for(reader.readexactly(length), 20)
    return status, json.loads(body) if body else {}


async def get(port: int, path: str, local: str = "127.0.0.1") -> int:
    reader, writer = await connect(port, local)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    status, _ = await answer(reader)
    writer.close()
    return status


async def test_server__a_trickling_body_is_cut_off_at_its_deadline(nodes):
    nyc = await nodes("NYC", config={"limits": {"body_timeout_seconds": 0.5}})
    reader, writer = await connect(nyc.port)
    writer.write(
        b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {nyc.token}\r\nContent-Length: 100000\r\n\r\n".encode()
    )

    async def trickle() -> None:
        for _ in range(600):  # one byte every 50 ms: a minute's worth, if nobody stopped it
            writer.write(b" ")
            await asyncio.sleep(0.05)

    dripping = asyncio.create_task(trickle())
    try:
        status, problem = await answer(reader)
    finally:
        dripping.cancel()
        writer.close()
    assert status == 408 and str(problem["type"]).endswith("/request-timeout")
    assert "did not arrive within 0.5 s" in str(problem["detail"])


async def test_server__a_request_not_answered_in_time_gets_request_timeout(nodes):
    nyc = await nodes("NYC", config={"limits": {"total_timeout_seconds": 0.5}})
    silent = await GreedyServer("silent").start()  # answers headers, then nothing
    try:
        status, problem = await nyc.api.call("POST", "/api/v1/twins", {"url": silent.url})
    finally:
        await silent.stop()
    assert status == 408 and problem["type"].endswith("/request-timeout")


async def test_server__connections_past_the_cap_per_address_are_refused_while_others_are_served(nodes):
    nyc = await nodes("NYC", config={"limits": {"connections_per_address": 4}})
    idle = [await connect(nyc.port) for _ in range(4)]  # open, sending nothing
    with structlog.testing.capture_logs() as logs:
        refused = [await get(nyc.port, "/healthz") for _ in range(20)]
    assert set(refused) == {429}, "the fifth and later connections from one address are refused"
    assert await get(nyc.port, "/healthz", local="127.0.0.2") == 200, "another address is still served"
    lines = [e for e in logs if e["event"] == "connections_refused"]
    assert len(lines) == 1 and lines[0]["refused"] == 1, "one log line for a burst of refusals, not twenty"
    idle.pop()[1].close()
    assert await eventually(lambda: get(nyc.port, "/healthz"), 200) == 200, "a closed connection frees its place"
    for _, writer in idle:
        writer.close()


async def test_server__a_body_read_within_its_deadline_still_reaches_the_handler(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    agreement = await twin(nyc, london)
    suspended = await nyc.api.ok("POST", f"/api/v1/twins/{agreement}/suspend", {"reason": "renovation"})
    assert suspended["reason"] == "renovation"
