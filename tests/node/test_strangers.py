"""Strangers: no fetch on their say-so, one answer whatever went wrong, no private addresses, no spent budgets."""

from __future__ import annotations

import ipaddress
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from node.federation.addresses import is_public
from protocol.envelope import seal
from protocol.httpsig import sign_request
from protocol.keys import SigningKey
from protocol.models import Terms, TwinningProposal
from tests.support.greedy import GreedyServer
from tests.support.nodes import free_port, twin
from tests.web.support import Browserless


async def signed(
    url: str, body: Any, key: SigningKey, keyid: str, method: str = "POST", local: str = "127.0.0.1"
) -> tuple[int, dict[str, Any]]:
    """Send a request signed by `key` under `keyid`, from the loopback address `local`."""
    raw = b"" if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if raw else {}
    headers.update(sign_request(method, url, headers, raw, key, keyid, created=int(time.time())))
    connector = aiohttp.TCPConnector(local_addr=(local, 0))
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.request(method, url, data=raw or None, headers=headers) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


def proposal(proposer: str, acceptor: str, key: SigningKey) -> dict[str, Any]:
    obj = TwinningProposal(
        origin=proposer,
        id=str(uuid.uuid4()),
        version=1,
        proposer=proposer,
        acceptor=acceptor,
        offer=Terms(),
        request=Terms(),
        valid_from=datetime.now(UTC).replace(microsecond=0),
    )
    return seal(obj, key).model_dump(mode="json")


async def test_stranger__a_key_id_naming_a_url_fetches_nothing_before_a_proposal_from_it_parsed(nodes):
    nyc = await nodes("NYC")
    target = await GreedyServer("redirect").start()  # counts what reaches it
    key = SigningKey.generate()
    keyid = f"{target.url}#{key.kid}"
    try:
        attempts = [
            ("POST", "/federation/v1/inbox", {"items": []}),
            ("GET", "/federation/v1/feed?after=0", None),
            ("POST", "/federation/v1/twinning", {"junk": True}),
            ("POST", "/federation/v1/twinning", proposal("https://someone.example", nyc.url, key)),
            ("POST", "/federation/v1/twinning", proposal(target.url, "https://other.example", key)),
        ]
        for method, path, body in attempts:
            status, problem = await signed(nyc.local + path, body, key, keyid, method)
            assert 400 <= status < 500, (path, status, problem)
        assert target.hits == 0, "no request of a stranger made the node fetch the URL its key id names"
    finally:
        await target.stop()


async def test_stranger__every_node_that_cannot_be_reached_or_verified_gets_the_same_answer(nodes):
    nyc = await nodes("NYC", config={"limits": {"stranger_proposals_per_minute": 60000}})
    servers = [await GreedyServer(mode).start() for mode in ("redirect", "endless")]
    garbage = await GreedyServer("endless", status=404).start()
    servers.append(garbage)
    key = SigningKey.generate()
    try:
        urls = [f"http://127.0.0.1:{free_port()}", *(s.url for s in servers)]
        answers = set()
        for url in urls:
            status, problem = await signed(
                nyc.local + "/federation/v1/twinning", proposal(url, nyc.url, key), key, f"{url}#{key.kid}"
            )
            answers.add((status, problem["type"], problem["detail"]))
        assert len(answers) == 1, answers
        status, kind, detail = answers.pop()
        assert status == 502 and kind.endswith("/peer-unreachable") and "could not reach or verify" in detail
    finally:
        for server in servers:
            await server.stop()


async def test_propose__private_addresses_are_refused_unless_the_operator_allows_them(nodes):
    nyc = await nodes("NYC", config={"federation": {"allow_private_addresses": False}})
    target = await GreedyServer("redirect").start()
    try:
        for url in (target.url, f"http://localhost:{target.port}"):
            status, problem = await nyc.api.call("POST", "/api/v1/twins", {"url": url})
            assert status == 502 and "private or special address" in problem["detail"], problem
        assert target.hits == 0, "the gate refused before connecting"
    finally:
        await target.stop()


@pytest.mark.parametrize(
    "url",
    ["https://", "ftp://x.example", "https://user:pw@x.example", "https://x.example/#top", "https://x.example?a=1"],
)
async def test_propose__a_url_that_is_not_a_node_address_is_a_validation_error(nodes, url):
    nyc = await nodes("NYC")
    status, problem = await nyc.api.call("POST", "/api/v1/twins", {"url": url})
    assert status == 422 and problem["type"].endswith("/validation-error")
    assert "https://nyc.example" in problem["detail"]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
        "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "ff02::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::1", "2001:0:4136:e378:8000:63bf:f5ff:fffe",
        "64:ff9b:1::1", "64:ff9b::a00:1", "2001:db8::1",
    ],
)  # fmt: skip
def test_addresses__special_ranges_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_addresses__public_unicast_is_public(address):
    assert is_public(ipaddress.ip_address(address))


async def test_auth__junk_carrying_a_twins_key_id_does_not_lock_the_twin_out(nodes):
    limits = {"limits": {"peer_requests_per_second": 1, "peer_burst": 5, "unverified_requests_per_minute": 6}}
    nyc = await nodes("NYC", config=limits)
    london = await nodes("London")
    await twin(nyc, london)
    impostor = SigningKey.generate()
    feed = nyc.url + "/federation/v1/feed?after=0"
    statuses = [
        (await signed(feed, None, impostor, london.node.client.keyid, "GET", local="127.0.0.2"))[0] for _ in range(40)
    ]
    assert statuses[0] == 401 and statuses[-1] == 429, "the impostor's address ran out of budget"
    resp = await london.node.client.get(feed)
    assert resp.status == 200, "the real twin's budget was never charged for the junk"


async def test_sign_in__failed_attempts_are_limited_per_address(nodes):
    nyc = await nodes("NYC", config={"limits": {"sign_ins_per_minute": 1}})
    client = Browserless(nyc.local)
    try:
        statuses = []
        for _ in range(12):
            resp = await client.post("/signin", {"csrf_token": await client.csrf("/"), "token": "wrong"})
            statuses.append(resp.status)
        assert statuses[0] == 200 and statuses[-1] == 429, statuses
        resp = await client.post("/signin", {"csrf_token": await client.csrf("/"), "token": nyc.token})
        assert resp.status == 429, "even a right token waits: the address is out of attempts"
    finally:
        await client.close()


async def test_auth__an_unverified_request_learns_nothing_of_a_known_nodes_server(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    await london.stop()  # its address now refuses connections
    impostor = SigningKey.generate()
    keyid = f"{london.url}#{impostor.kid}"  # a key id nyc does not know: it refetches london's document
    status, problem = await signed(nyc.url + "/federation/v1/feed?after=0", None, impostor, keyid, "GET")
    assert status == 502 and "could not reach or verify" in problem["detail"]
    assert "refused" not in problem["detail"].lower() and "Connect" not in problem["detail"]
