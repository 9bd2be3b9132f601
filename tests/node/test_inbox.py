"""The signed inbox: idempotent apply, and hostile or broken requests refused without a trace."""

from __future__ import annotations

import json

import pytest

from node.federation.verifier import PARALLEL_BATCH
from node.ratelimit import RateLimiter
from protocol.envelope import seal
from protocol.httpsig import sign_request
from protocol.keys import SigningKey
from tests.support.nodes import twin
from tests.support.objects import make_event, versions


def envelopes(origin: str, key: SigningKey, spec: list[tuple[str, int]]) -> list[dict]:
    return [seal(make_event(origin, id_, v, title=f"{id_} v{v}"), key).model_dump(mode="json") for id_, v in spec]


async def post_inbox(sender, receiver, payload) -> tuple[int, dict]:
    resp = await sender.node.client.send("POST", receiver.url + "/federation/v1/inbox", payload)
    return resp.status, resp.json()


@pytest.fixture
async def pair(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    return nyc, london


async def test_inbox__same_batch_many_times_reordered_and_stale_gives_latest_versions(pair):
    nyc, london = pair
    key = nyc.node.keys.current
    batch = envelopes(nyc.url, key, [("a", 1), ("b", 1), ("a", 2), ("c", 3)])
    first = await post_inbox(nyc, london, {"items": batch})
    assert first[0] == 202
    assert [r["status"] for r in first[1]["results"]] == ["applied", "applied", "applied", "applied"]
    for _ in range(3):
        status, body = await post_inbox(nyc, london, {"items": batch})
        assert status == 202 and {r["status"] for r in body["results"]} == {"stale"}
    status, body = await post_inbox(nyc, london, {"items": list(reversed(batch))})
    assert {r["status"] for r in body["results"]} == {"stale"}
    older = envelopes(nyc.url, key, [("c", 1), ("c", 2), ("b", 1)])
    status, body = await post_inbox(nyc, london, {"items": older})
    assert [r["status"] for r in body["results"]] == ["stale", "stale", "stale"]
    assert await versions(london, "Event", nyc.url) == {"a": 2, "b": 1, "c": 3}
    stored = await london.node.store.objects.get("Event", nyc.url, "a")
    assert stored.object["title"] == "a v2"


async def test_inbox__mixed_batch_applies_valid_items_and_refuses_the_rest(pair, nodes):
    nyc, london = pair
    key = nyc.node.keys.current
    good = envelopes(nyc.url, key, [("good", 1)])[0]
    tampered = envelopes(nyc.url, key, [("bad", 1)])[0]
    tampered["object"]["title"] = "changed after signing"
    someone_else = envelopes("https://milan.example", SigningKey.generate(), [("x", 1)])[0]
    not_an_envelope = {"hello": "world"}
    status, body = await post_inbox(nyc, london, {"items": [good, tampered, someone_else, not_an_envelope]})
    assert status == 202
    results = body["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "rejected"]
    assert results[1]["problem"]["type"].endswith("/signature-invalid")
    assert results[2]["problem"]["type"].endswith("/forbidden")
    assert results[3]["problem"]["type"].endswith("/validation-error")
    assert await versions(london, "Event", nyc.url) == {"good": 1}


async def test_inbox__large_batch_verified_on_threads_refuses_exactly_the_bad_items(pair):
    # Large batches are verified on threads, in parts: each answer must still be its own item's,
    # in order, across the parts.
    nyc, london = pair
    key = nyc.node.keys.current
    count = 4 * PARALLEL_BATCH + 2
    batch = envelopes(nyc.url, key, [(f"e{i}", 1) for i in range(count)])
    half = count // 2
    tampered = {3, half - 1, half, count - 1}
    for index in tampered:
        batch[index]["object"]["title"] = "changed after signing"
    misshapen = {half - 5, half + 7}
    for index in misshapen:
        batch[index] = {"object": batch[index]["object"]}
    status, body = await post_inbox(nyc, london, {"items": batch})
    assert status == 202
    results = body["results"]
    assert [r["index"] for r in results] == list(range(count))
    for index, result in enumerate(results):
        if index in tampered:
            assert result["problem"]["type"].endswith("/signature-invalid"), index
        elif index in misshapen:
            assert result["problem"]["type"].endswith("/validation-error"), index
        else:
            assert (result["status"], result["id"]) == ("applied", f"e{index}")
    assert set(await versions(london, "Event", nyc.url)) == {f"e{i}" for i in range(count)} - {
        f"e{i}" for i in tampered | misshapen
    }


async def test_inbox__event_not_shared_with_receiver_is_refused(pair):
    nyc, london = pair
    event = make_event(nyc.url, "private", audience=["https://milan.example"])
    _, body = await post_inbox(nyc, london, {"items": [seal(event, nyc.node.keys.current).model_dump(mode="json")]})
    assert body["results"][0]["status"] == "rejected"
    assert await versions(london, "Event", nyc.url) == {}


async def test_inbox__non_twin_is_refused_at_inbox_and_feed(pair, nodes):
    _, london = pair
    milan = await nodes("Milan")
    batch = envelopes(milan.url, milan.node.keys.current, [("m", 1)])
    status, body = await post_inbox(milan, london, {"items": batch})
    assert status == 403 and body["type"].endswith("/not-twinned")
    resp = await milan.node.client.get(london.url + "/federation/v1/feed?after=0")
    assert resp.status == 403 and resp.json()["type"].endswith("/not-twinned")
    assert await versions(london, "Event", milan.url) == {}


async def raw_post(session, url, body: bytes, headers: dict) -> tuple[int, dict, str]:
    async with session.post(url, data=body, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers.get("Content-Type", "")


def signed(nyc, url: str, body: bytes, **kwargs) -> dict:
    headers = {"Content-Type": "application/json"}
    headers.update(sign_request("POST", url, headers, body, nyc.node.keys.current, nyc.node.client.keyid, **kwargs))
    return headers


async def test_inbox__hostile_requests_get_the_right_problem_and_change_nothing(pair):
    nyc, london = pair
    url = london.url + "/federation/v1/inbox"
    session = nyc.api.session
    valid = json.dumps({"items": envelopes(nyc.url, nyc.node.keys.current, [("e", 1)])}).encode()

    cases = []
    cases.append(("malformed JSON", b"{not json", None, "validation-error", 422))
    cases.append(("wrong types", json.dumps({"items": "nope"}).encode(), None, "validation-error", 422))
    cases.append(("empty batch", json.dumps({"items": []}).encode(), None, "validation-error", 422))
    too_many = json.dumps({"items": [{}] * 501}).encode()
    cases.append(("501 items", too_many, None, "validation-error", 422))
    for name, body, _, kind, code in cases:
        status, problem, ctype = await raw_post(session, url, body, signed(nyc, url, body))
        assert (status, problem["type"].rsplit("/", 1)[-1]) == (code, kind), name
        assert ctype == "application/problem+json", name

    oversize = b'{"items": ["' + b"x" * (1024 * 1024 + 10) + b'"]}'
    status, problem, _ = await raw_post(session, url, oversize, signed(nyc, url, oversize))
    assert status == 413 and problem["type"].endswith("/payload-too-large")

    status, problem, _ = await raw_post(session, url, valid, {"Content-Type": "application/json"})
    assert status == 401 and problem["type"].endswith("/signature-invalid"), "unsigned"

    forger = SigningKey.generate()
    headers = {"Content-Type": "application/json"}
    headers.update(sign_request("POST", url, headers, valid, forger, nyc.node.client.keyid))
    status, problem, _ = await raw_post(session, url, valid, headers)
    assert status == 401 and problem["type"].endswith("/signature-invalid"), "forged"

    headers = {"Content-Type": "application/json"}
    headers.update(sign_request("POST", url, headers, valid, forger, nyc.url + "#ed25519:unknownkeyid0000"))
    status, problem, _ = await raw_post(session, url, valid, headers)
    assert status == 401 and problem["type"].endswith("/unknown-key"), "unknown key"

    headers = signed(nyc, url, valid, created=1_600_000_000)
    status, problem, _ = await raw_post(session, url, valid, headers)
    assert status == 401 and problem["type"].endswith("/signature-expired"), "expired"

    tampered = valid.replace(b'"e v1"', b'"E v1"')
    status, problem, _ = await raw_post(session, url, tampered, signed(nyc, url, valid))
    assert status == 401 and problem["type"].endswith("/signature-invalid"), "body changed after signing"

    assert await versions(london, "Event", nyc.url) == {}, "no refused request changed anything"

    headers = signed(nyc, url, valid)
    status, _, _ = await raw_post(session, url, valid, headers)
    assert status == 202
    status, problem, _ = await raw_post(session, url, valid, headers)
    assert status == 401 and problem["type"].endswith("/replay"), "replayed"
    assert await versions(london, "Event", nyc.url) == {"e": 1}


async def test_inbox__flooding_twin_is_rate_limited_with_retry_after(nodes):
    strict = {"limits": {"peer_requests_per_second": 1, "peer_burst": 3}}
    nyc, london = await nodes("NYC"), await nodes("London", config=strict)
    await twin(nyc, london)
    statuses, retry_after = [], None
    for _ in range(8):
        resp = await nyc.node.client.get(london.url + "/federation/v1/feed?after=0")
        statuses.append(resp.status)
        if resp.status == 429:
            retry_after = resp.headers.get("Retry-After")
            assert resp.json()["type"].endswith("/rate-limited")
    assert 429 in statuses and retry_after is not None and int(retry_after) >= 1


async def test_inbox__a_twin_is_charged_per_object_and_a_refused_batch_applies_nothing(nodes):
    # 500 objects at once, then one a second: the next batch must wait and applies nothing until then.
    strict = {"limits": {"peer_items_per_second": 1, "peer_item_burst": 500}}
    nyc, london = await nodes("NYC"), await nodes("London", config=strict)
    await twin(nyc, london)
    key = nyc.node.keys.current
    first = {"items": envelopes(nyc.url, key, [(f"a{i}", 1) for i in range(500)])}
    assert (await post_inbox(nyc, london, first))[0] == 202
    resp = await nyc.node.client.send(
        "POST", london.url + "/federation/v1/inbox", {"items": envelopes(nyc.url, key, [("b", 1), ("c", 1)])}
    )
    assert resp.status == 429 and resp.json()["type"].endswith("/rate-limited")
    assert int(resp.headers["Retry-After"]) >= 1
    held = await versions(london, "Event", nyc.url)
    assert len(held) == 500 and "b" not in held, "a refused batch applies nothing"


def test_rate_limiter__a_cost_is_taken_whole_or_not_at_all():
    limiter = RateLimiter(rate_per_second=100, burst=500)
    assert limiter.take("twin", now=0.0, cost=400) == 0.0
    assert limiter.take("twin", now=0.0, cost=200) == 1.0, "100 more tokens come in a second"
    assert limiter.take("twin", now=0.0, cost=100) == 0.0, "the refused cost took nothing"
