"""A stranger with no credentials, on its own address: junk under the real twin's key id, bodies
sent a byte at a time, more connections than anyone needs, token guesses, calendar floods. The
member and the real twin, on another address, must get through as if nothing happened."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import aiohttp

from protocol.envelope import seal_raw
from tests.support.nodes import free_port
from tests.web.support import Browserless

from .conftest import ArenaFactory, sizes
from .stranger import REQUEST_ADDRESS
from .test_floods import in_our_week
from .twin import problem_answer

# Production-like limits (the test harness raises them): a twin's budget small, so that junk
# charged to it would lock the twin out at once; failed verifications per address as shipped.
PEER_LIMITS = {"limits": {"peer_requests_per_second": 2.0, "peer_burst": 20, "unverified_requests_per_minute": 60.0}}
INBOX = "/federation/v1/inbox"
TWINNING = "/federation/v1/twinning"


@sizes(300, 2000)
async def test_impostor_flood__junk_under_the_twins_key_id_cannot_lock_the_twin_out(
    arena: ArenaFactory, size: int
) -> None:
    a = await arena(config=PEER_LIMITS)
    junk = a.stranger.forged(INBOX, {"items": [a.twin.seal(in_our_week(a.twin.url, "junk", 0))]}, a.twin.keyid)
    async with a.watch() as watch:
        answers = await asyncio.gather(*(a.stranger.post(INBOX, *junk) for _ in range(size)))
        real = in_our_week(a.twin.url, "the-real-one", 2)
        status, body = await a.twin.send("POST", a.home.url + INBOX, {"items": [a.twin.seal(real)]})
    await a.unharmed_after(watch)
    slugs = [slug for _, slug in answers]
    assert set(slugs) <= {"signature-invalid", "rate-limited", "replay"}, set(answers)
    assert slugs.count("rate-limited") > size // 2, "the flooder's own address should run out of budget"
    assert status == 202 and body["results"][0]["status"] == "applied", (status, body)


@sizes(100, 400)
async def test_trickling_bodies__a_stranger_sending_bytes_slowly_holds_no_one_up(
    arena: ArenaFactory, size: int
) -> None:
    a = await arena(config={"limits": {"body_timeout_seconds": 1.0}})
    head = (
        f"POST {INBOX} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 1048576\r\n\r\n{"
    ).encode()
    async with a.watch() as watch:
        tricklers = [s for s in [await a.stranger.open_socket() for _ in range(size)] if s is not None]
        for _, writer in tricklers:
            writer.write(head)
        ended = asyncio.gather(*(trickle_until_closed(reader, writer) for reader, writer in tricklers))
        status, body = (await a.twin.push(a.home, [a.twin.seal(in_our_week(a.twin.url, "through", 3))]))[0]
        closed = await ended
    await a.unharmed_after(watch)
    assert status == 202, (status, body)
    assert all(closed), f"{closed.count(False)} of {len(closed)} trickling connections were held past the deadline"


async def trickle_until_closed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    """Send a byte every 0.2 s until the node closes the connection (True), or for 15 s at most (False)."""
    for _ in range(75):
        if writer.is_closing():
            return True
        writer.write(b" ")
        try:
            if await asyncio.wait_for(reader.read(65536), 0.2) == b"":
                return True
        except TimeoutError:
            continue
        except ConnectionError:
            return True
    return False


@sizes(400, 2000)
async def test_connection_flood__one_address_gets_its_cap_and_not_the_node(arena: ArenaFactory, size: int) -> None:
    a = await arena(config={"limits": {"connections_per_address": 32}})  # as shipped (the harness raises it)
    async with a.watch() as watch:
        sockets = [s for s in [await a.stranger.open_socket() for _ in range(size)] if s is not None]
        for _, writer in sockets:
            writer.write(b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
        closed = await asyncio.gather(*(closed_soon(reader) for reader, _ in sockets))
        status, _ = (await a.twin.push(a.home, [a.twin.seal(in_our_week(a.twin.url, "through", 3))]))[0]
    await a.unharmed_after(watch)
    assert status == 202
    assert sum(closed) + (size - len(sockets)) > 0, "the node held every connection the stranger opened"


async def closed_soon(reader: asyncio.StreamReader) -> bool:
    """Whether the node closed this connection, after whatever it said (it is given two seconds)."""
    try:
        await asyncio.wait_for(reader.read(), 2.0)  # to the end: the node closed it
        return True
    except TimeoutError:
        return False
    except ConnectionError:
        return True


async def stranger_proposal(a: Any, claimed: str) -> tuple[int, dict[str, Any]]:
    """A stranger's signed proposal that claims to come from `claimed` (signed with the stranger's key)."""
    proposal = a.twin.proposal(a.home).model_copy(update={"origin": claimed, "proposer": claimed})
    envelope = seal_raw(proposal.to_wire(), a.stranger.key).model_dump(mode="json")
    body, headers = a.stranger.forged(TWINNING, envelope, f"{claimed}#{a.stranger.key.kid}")
    async with a.stranger.session.post(a.home.local + TWINNING, data=body, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_ssrf__a_stranger_cannot_make_the_node_dial_a_private_address(arena: ArenaFactory) -> None:
    a = await arena(config={"federation": {"allow_private_addresses": False}}, twinned=False)
    canary = a.twin  # a server on loopback that counts what reaches it
    async with a.watch() as watch:
        status, problem = await stranger_proposal(a, canary.url)
        for path in (INBOX, "/federation/v1/feed"):
            body, headers = a.stranger.forged(path, {"items": []}, f"{canary.url}#{a.stranger.key.kid}")
            await a.stranger.post(path, body, headers)
    await a.unharmed_after(watch)
    assert sum(canary.served.values()) == 0, dict(canary.served)
    assert status == 502 and problem["type"].endswith("/peer-unreachable"), problem


async def test_oracle__a_stranger_learns_nothing_of_what_answered_or_whether_a_port_is_open(
    arena: ArenaFactory,
) -> None:
    a = await arena(twinned=False)
    a.twin.answer_with("document", problem_answer(b"secret: internal admin panel", status=500))
    closed = f"http://127.0.0.1:{free_port()}"
    answers = {}
    async with a.watch() as watch:
        for url in (closed, a.twin.url):
            status, problem = await stranger_proposal(a, url)
            answers[url] = (status, problem["type"], problem.get("detail", "").replace(url, "URL"))
    await a.unharmed_after(watch)
    assert answers[closed] == answers[a.twin.url], answers
    assert "secret" not in json.dumps(answers) and "500" not in json.dumps(answers)


async def browser_at(base: str, address: str) -> Browserless:
    """A cookie-keeping client that posts forms, speaking from `address`."""
    client = Browserless(base)
    await client.session.close()
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    client.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), connector=connector)
    return client


async def test_token_guessing__a_stranger_is_stopped_and_the_member_still_signs_in(arena: ArenaFactory) -> None:
    a = await arena(config={"limits": {"sign_ins_per_minute": 10.0}})  # as shipped (the harness raises it)
    guesser, member = await browser_at(a.home.local, REQUEST_ADDRESS), Browserless(a.home.local)
    try:
        async with a.watch() as watch:
            answers = Counter[int]()
            for n in range(30):
                csrf = await guesser.csrf("/")
                answers[(await guesser.post("/signin", {"csrf_token": csrf, "token": f"guess-{n}"})).status] += 1
            await member.sign_in(a.member.token)  # from another address: not the guesser's budget
        await a.unharmed_after(watch)
    finally:
        await guesser.close()
        await member.close()
    assert answers[429] >= 15 and not set(answers) - {200, 429}, answers


async def test_calendar_flood__anonymous_calendar_reads_cost_the_member_nothing(arena: ArenaFactory) -> None:
    a = await arena()
    async with a.watch() as watch:
        statuses = Counter[int]()
        for _ in range(10):
            answers = await asyncio.gather(*(calendar(a) for _ in range(30)))
            statuses.update(answers)
    await a.unharmed_after(watch)
    assert not set(statuses) - {200, 304, 429}, statuses


async def calendar(a: Any) -> int:
    async with a.stranger.session.get(a.home.local + "/calendar.ics") as resp:
        await resp.read()
        return resp.status
