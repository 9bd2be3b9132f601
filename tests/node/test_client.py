"""The federation client reads every answer with a size limit per kind, timeouts and no redirects."""

from __future__ import annotations

import json

import pytest

from node.federation.client import Answer, AnswerTooLarge, PeerUnreachable, Response
from protocol.problems import PROBLEM_BASE, ProblemType
from tests.support.greedy import GreedyServer
from tests.support.nodes import eventually, twin
from tests.support.objects import make_event, publish


async def test_client__endless_answer_is_cut_at_its_kinds_limit(nodes):
    nyc = await nodes("NYC")
    peer = await GreedyServer("endless").start()
    try:
        with pytest.raises(AnswerTooLarge, match=r"node document from .* was larger than 262144 bytes"):
            await nyc.node.client.get(peer.url + "/.well-known/gemellaggio", kind=Answer.DOCUMENT, signed=False)
        assert peer.sent < 16 * 1024 * 1024, "the read stopped near the limit, not at the end of the stream"
    finally:
        await peer.stop()


async def test_client__a_lying_content_length_is_refused_before_reading(nodes):
    nyc = await nodes("NYC")
    peer = await GreedyServer("lying-length").start()
    try:
        with pytest.raises(AnswerTooLarge, match="reservation receipt"):
            await nyc.node.client.send("PUT", peer.url + "/federation/v1/reservations/x", {}, kind=Answer.RECEIPT)
    finally:
        await peer.stop()


async def test_client__an_error_answer_is_held_to_the_problem_limit(nodes):
    nyc = await nodes("NYC", config={"federation": {"max_problem_bytes": 4096}})
    peer = await GreedyServer("endless", status=500).start()
    try:
        with pytest.raises(AnswerTooLarge, match=r"error answer \(HTTP 500\) from .* was larger than 4096 bytes"):
            await nyc.node.client.get(peer.url + "/federation/v1/feed", kind=Answer.FEED_PAGE)
    finally:
        await peer.stop()


async def test_client__an_answer_that_never_finishes_times_out(nodes):
    nyc = await nodes("NYC", config={"delivery": {"request_timeout_seconds": 0.5}})
    peer = await GreedyServer("silent").start()
    try:
        with pytest.raises(PeerUnreachable, match="no complete answer in time"):
            await nyc.node.client.get(peer.url + "/.well-known/gemellaggio", kind=Answer.DOCUMENT)
    finally:
        await peer.stop()


async def test_client__redirects_are_not_followed(nodes):
    nyc = await nodes("NYC")
    inside = await GreedyServer("endless").start()
    peer = await GreedyServer("redirect").start()
    peer.location = inside.url + "/secret"
    try:
        resp = await nyc.node.client.get(peer.url + "/.well-known/gemellaggio", kind=Answer.DOCUMENT)
        assert resp.status == 302 and inside.hits == 0
    finally:
        await peer.stop()
        await inside.stop()


async def test_delivery__a_twin_whose_inbox_answers_never_end_shows_the_error(nodes):
    proxy = await GreedyServer("endless", status=202).start()
    try:
        london = await nodes("London", url=proxy.url)
        proxy.target = london.local
        nyc = await nodes("NYC")
        await twin(nyc, london)
        proxy.takeover = {("POST", "/federation/v1/inbox")}
        await publish(nyc, make_event(nyc.url, "launch"))

        async def last_error() -> str:
            peers = (await nyc.api.ok("GET", "/api/v1/status"))["peers"]
            return str(next(p for p in peers if p["peer"] == london.url)["last_error"])

        error = await eventually(last_error, lambda e: "larger than" in e)
        assert "inbox answer from" in error and "was larger than 524288 bytes" in error
        assert (await nyc.node.store.outbox.list_depths())[london.url][0] >= 1, "nothing is dropped: it stays queued"
    finally:
        await proxy.stop()


async def test_pull__a_feed_page_over_the_limit_is_asked_for_with_fewer_items(nodes):
    nyc = await nodes("NYC")
    london = await nodes("London", config={"federation": {"max_feed_page_bytes": 65536}})
    await twin(nyc, london)
    for index in range(40):
        await publish(nyc, make_event(nyc.url, f"talk{index}", description="x" * 4000))
    # 40 objects of 4 kB do not fit one 64 kB page: the pull asks for fewer per page and reads all.
    assert await london.node.federation.link(nyc.url).pull_feed() == 40


def _answer(status: int, slug: str | None, body: bytes | None = None) -> Response:
    if body is None:
        body = json.dumps({"type": PROBLEM_BASE + slug, "title": "said by the twin", "status": status}).encode()
    return Response(status, {"Content-Type": "application/problem+json"}, body)


@pytest.mark.parametrize(
    ("status", "slug"),
    [(401, "unknown-key"), (401, "replay"), (429, "rate-limited"), (400, "rate-limited"), (408, "request-timeout")],
)
def test_response__a_problem_about_the_moment_is_worth_retrying(status: int, slug: str) -> None:
    # Decided by the type: even a status that says "bad request" is asked again when the type is rate-limited.
    assert _answer(status, slug).worth_retrying()


@pytest.mark.parametrize(
    ("status", "slug"),
    [
        (401, "signature-invalid"),
        (403, "not-twinned"),
        (409, "conflict"),
        (422, "validation-error"),
        (404, "not-found"),
    ],
)
def test_response__a_problem_about_the_request_is_final(status: int, slug: str) -> None:
    assert not _answer(status, slug).worth_retrying()


def test_response__an_unknown_problem_type_from_a_peer_is_final_like_a_validation_error() -> None:
    assert not _answer(401, "please-retry-forever").worth_retrying()
    assert _answer(401, "please-retry-forever").problem().kind is ProblemType.VALIDATION_ERROR


def test_response__a_server_error_is_retried_whatever_its_type() -> None:
    assert _answer(503, "please-retry-forever").worth_retrying()
    assert _answer(507, "quota-exceeded").worth_retrying()


@pytest.mark.parametrize("body", [b"<html>Not Found</html>", b"", b'{"detail": "no type"}', b"[" * 5000])
def test_response__an_answer_that_is_no_problem_document_is_retried(body: bytes) -> None:
    # A proxy's page in front of the twin says nothing about our request: asked again later, with backoff.
    assert _answer(404, None, body).worth_retrying()
