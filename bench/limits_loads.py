"""The loads of bench/limits.py: what slow clients, strangers and a hostile twin can do to a node.

Each load is a coroutine taking the stop event of `limits.while_loaded`; the hostile twin and
the stranger are those of tests/hostile (a peer built on protocol/ alone, really twinned).
Slow clients speak from the stranger's address (127.0.0.3), never the member's.

- slow headers and slow bodies: connections that never finish a request (slowloris);
- a flood of signed twinning proposals from made-up strangers;

- recurrence flood: the twin stores thousands of daily series that began in 1970;
- oversize answers: members reserve at the twin, whose receipts never end, while the twin's
  inbox answers a delivery with a hundred megabytes;
- impostor flood: a stranger sends junk under the real twin's key id while the real twin
  keeps sending; how many of the real twin's requests were refused is reported;
- trickling bodies: a stranger's connections announce 1 MiB and send a byte a second;
- quota filler: the twin pushes ~20 kB events until the node says `quota-exceeded`.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from protocol.envelope import seal
from protocol.httpsig import sign_request
from protocol.keys import SigningKey
from protocol.models import Terms, TwinningProposal
from tests.hostile.stranger import SOCKET_ADDRESS, Stranger
from tests.hostile.twin import HostileTwin, huge, never_ending, problem_slugs
from tests.hostile.twin import batches as fitted
from tests.support.nodes import ProcessNode
from tests.support.objects import make_event

INBOX = "/federation/v1/inbox"


# -- slow clients# -- slow clients ---------------------------------------------------------------------------------


async def slow_headers(port: int, count: int, stop: asyncio.Event) -> dict[str, Any]:
    """`count` connections sending a never-ending header block, one short line a second."""
    streams = []
    for _ in range(count):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(SOCKET_ADDRESS, 0))
        except OSError:
            break
        writer.write(b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        streams.append((reader, writer))
    opened = len(streams)
    while not stop.is_set():
        for _, writer in streams:
            if not writer.is_closing():
                writer.write(b"X-Slow: 1\r\n")
        await asyncio.sleep(1.0)
    open_at_end = sum(1 for _, writer in streams if not writer.is_closing())  # the node closed the others
    for _, writer in streams:
        writer.close()
    return {"connections_opened": opened, "still_open_at_end": open_at_end}


async def slow_bodies(port: int, count: int, stop: asyncio.Event) -> dict[str, Any]:
    """`count` POSTs to the federation inbox announcing 1 MiB and sending a byte a second."""
    writers = []
    for _ in range(count):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(SOCKET_ADDRESS, 0))
        except OSError:
            break
        writer.write(
            b"POST /federation/v1/inbox HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1048576\r\n\r\n{"
        )
        writers.append(writer)
    while not stop.is_set():
        for writer in writers:
            if not writer.is_closing():
                writer.write(b" ")
        await asyncio.sleep(1.0)
    for writer in writers:
        writer.close()
    return {"connections_opened": len(writers)}


async def header_deadline(port: int, limit: float) -> float | None:
    """Seconds until the node closes a connection whose headers never end (None: not within `limit`)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(SOCKET_ADDRESS, 0))
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    started = time.monotonic()
    try:
        while time.monotonic() - started < limit:
            writer.write(b"X-Slow: 1\r\n")
            try:
                if await asyncio.wait_for(reader.read(1), 1.0) == b"":
                    return round(time.monotonic() - started, 1)
            except TimeoutError:
                continue
        return None
    finally:
        writer.close()


# -- a flood of proposals from strangers ------------------------------------------------------------


def stranger_proposal(target: str, n: int) -> tuple[bytes, dict[str, str]]:
    """A signed proposal from a made-up node (its URL answers nothing), as a flood would send."""
    key = SigningKey.generate()
    origin = f"http://127.0.0.1:{9 + n % 50}"  # closed ports: the document fetch fails at once
    proposal = TwinningProposal(
        origin=origin,
        id=f"00000000-0000-4000-8000-{n:012d}",
        version=1,
        proposer=origin,
        acceptor=target,
        offer=Terms(),
        request=Terms(),
        valid_from=datetime.now(UTC).replace(microsecond=0),
    )
    body = json.dumps(seal(proposal, key).model_dump(mode="json")).encode()
    headers = {"Content-Type": "application/json"}
    url = target + "/federation/v1/twinning"
    headers |= sign_request("POST", url, headers, body, key, f"{origin}#{key.kid}")
    return body, headers


async def answer_kind(resp: aiohttp.ClientResponse) -> str:
    """`429 rate-limited`: the status and, for a problem, its type."""
    if resp.content_type == "application/problem+json":
        return f"{resp.status} {(await resp.json())['type'].rsplit('/', 1)[-1]}"
    await resp.read()
    return str(resp.status)


async def flood(target: str, total: int, concurrency: int, stop: asyncio.Event) -> dict[str, Any]:
    prepared = [stranger_proposal(target, n) for n in range(total)]
    statuses: Counter[str] = Counter()
    started = time.perf_counter()
    queue = list(reversed(prepared))

    async def sender(session: aiohttp.ClientSession) -> None:
        while queue and not stop.is_set():
            body, headers = queue.pop()
            try:
                async with session.post(target + "/federation/v1/twinning", data=body, headers=headers) as resp:
                    statuses[await answer_kind(resp)] += 1
            except aiohttp.ClientError as exc:
                statuses[type(exc).__name__] += 1

    async with aiohttp.ClientSession() as session:
        while not stop.is_set():
            await asyncio.gather(*(sender(session) for _ in range(concurrency)))
            if not queue:
                queue.extend(reversed(prepared))  # keep flooding until the member is done
    elapsed = time.perf_counter() - started
    sent = sum(statuses.values())
    return {"requests": sent, "per_second": round(sent / elapsed, 1), "answers": dict(statuses)}


# -- a hostile twin ----------------------------------------------------------------------------------


def daily_series(twin: HostileTwin, count: int) -> list[dict[str, Any]]:
    start = datetime(1970, 1, 1, 18, tzinfo=UTC)
    return [
        twin.seal(
            make_event(twin.url, f"daily-{n}", title="Every day since 1970", rrule="FREQ=DAILY").model_copy(
                update={"starts_at": start, "ends_at": start + timedelta(hours=1)}
            )
        )
        for n in range(count)
    ]


async def recurrence_flood(home: ProcessNode, twin: HostileTwin, series: int, stop: asyncio.Event) -> dict[str, Any]:
    """Store the series, then keep them there while the member reads."""
    statuses = Counter(status for status, _ in await twin.push(home, daily_series(twin, series)))
    await stop.wait()
    return {"series_pushed": series, "batch_statuses": dict(statuses)}


async def oversize_answers(home: ProcessNode, twin: HostileTwin, stop: asyncio.Event) -> dict[str, Any]:
    twin.answer_with("reservations", never_ending(b'{"object":{"type":"ReservationReceipt","problem":"', 201))
    twin.answer_with("inbox", huge(b'{"results":[],"padding":"', b'"}', 100 * 1024 * 1024, status=202))
    day = (datetime.now(UTC) + timedelta(days=2)).date()
    event = {"title": "To the twin", "starts_at": f"{day}T21:00", "ends_at": f"{day}T22:00"}
    await home.api.ok("POST", "/api/v1/events", event)
    token = (await home.api.ok("POST", "/api/v1/members", {"display_name": "R", "email": "r@example.org"}))["token"]
    answers: Counter[str] = Counter()
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        while not stop.is_set():
            url = f"{home.local}/api/v1/reservations/{uuid.uuid4()}"
            async with session.put(url, json={"slot_id": "desk-1", "twin_id": twin.url}) as resp:
                answers[str(resp.status)] += 1
            await asyncio.sleep(0.1)  # a busy space's members, not a flood: the load is the answers
    twin.answer_with("reservations", None)
    twin.answer_with("inbox", None)
    return {"reservations": dict(answers), "twin_served": dict(twin.served)}


async def impostor_flood(home: ProcessNode, twin: HostileTwin, stop: asyncio.Event) -> dict[str, Any]:
    stranger = Stranger(home)
    junk = stranger.forged(INBOX, {"items": [twin.seal(make_event(twin.url, "junk"))]}, twin.keyid)
    impostor, real = Counter[str](), Counter[str]()

    async def flood() -> None:
        while not stop.is_set():
            status, slug = await stranger.post(INBOX, *junk)
            impostor[f"{status} {slug}".strip()] += 1

    async def honest() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            status, _ = await twin.send("POST", home.url + INBOX, {"items": [twin.seal(make_event(twin.url, f"r{n}"))]})
            real[str(status)] += 1
            await asyncio.sleep(0.2)

    await asyncio.gather(*(flood() for _ in range(8)), honest())
    await stranger.close()
    return {"impostor_answers": dict(impostor), "real_twin_answers": dict(real)}


async def trickling_bodies(home: ProcessNode, count: int, stop: asyncio.Event) -> dict[str, Any]:
    """`count` connections from the stranger's address, each trickling a 1 MiB body a byte a second."""
    stranger = Stranger(home)
    head = f"POST {INBOX} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "Content-Length: 1048576\r\n\r\n{"
    writers = []
    for _ in range(count):
        opened = await stranger.open_socket()
        if opened is not None:
            opened[1].write(head.encode())
            writers.append(opened[1])
    while not stop.is_set():
        for writer in writers:
            if not writer.is_closing():
                writer.write(b" ")
        await asyncio.sleep(1.0)
    still_open = sum(not writer.is_closing() for writer in writers)
    await stranger.close()
    return {"connections_opened": len(writers), "still_open_at_end": still_open}


def quota_batches(twin: HostileTwin, batches: int) -> list[list[dict[str, Any]]]:
    """Batches of 500 events of ~1.5 kB each (a year ahead, out of the member's listing), signed
    before the load starts: an attacker signs on its own machine, not on the cores whose member
    reads are measured (signing here, in the bench's loop, delayed those reads themselves)."""
    return fitted(
        [
            twin.seal(make_event(twin.url, f"fill-{b}-{i}", days=400 + i % 300, description="x" * 1000))
            for b in range(batches)
            for i in range(500)
        ]
    )  # each batch one inbox request


async def quota_filler(
    home: ProcessNode, twin: HostileTwin, batches: list[list[dict[str, Any]]], stop: asyncio.Event
) -> dict[str, Any]:
    """The batches of `quota_batches`, pushed until refused for the quota; a batch refused as
    `rate-limited` is sent again a second later, as a twin's outbox would."""
    answers: Counter[str] = Counter()
    applied = 0
    pending = list(batches)
    while pending:
        [(status, body)] = await twin.push(home, pending[0])
        results = body.get("results", []) if isinstance(body, dict) else []
        applied += sum(r.get("status") == "applied" for r in results)
        refused = problem_slugs(body)
        answers[f"{status} {' '.join(sorted(refused))}".strip()] += 1
        if status == 429:
            await asyncio.sleep(1.0)
            continue
        if "quota-exceeded" in refused or status != 202:
            break
        pending.pop(0)
    await stop.wait()
    return {"items_applied": applied, "batches": dict(answers)}
