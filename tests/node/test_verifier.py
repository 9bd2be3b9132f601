"""The inbox's verifier process (node/federation/verifier.py, verify_worker.py): the same verdicts
as in-process, whatever happens to the process, and nothing of it left once the node stops."""

from __future__ import annotations

import asyncio
import io
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from node.federation import verifier, verify_worker
from node.federation.verifier import CHUNK, BatchVerification, VerifierProcess, verify_here
from protocol.envelope import SignatureCheck, seal
from protocol.keys import SigningKey
from tests.support.nodes import twin
from tests.support.objects import make_event, versions


def sealed(obj, key: SigningKey) -> dict:
    return seal(obj, key).model_dump(mode="json")


async def post_inbox(sender, receiver, payload) -> tuple[int, dict]:
    resp = await sender.node.client.send("POST", receiver.url + "/federation/v1/inbox", payload)
    return resp.status, resp.json()


def signed_checks(count: int) -> list[SignatureCheck]:
    """`count` checks of two keys' signatures, each over a message of its own."""
    keys = [SigningKey.generate(), SigningKey.generate()]
    made = []
    for index in range(count):
        key, message = keys[index % 2], f"message {index} ".encode() * (1 + index % 7)
        made.append(SignatureCheck(None, key.verify_key, message, key.sign(message), None))  # type: ignore[arg-type]
    return made


def forged(checks: list[SignatureCheck]) -> dict[int, SignatureCheck]:
    """Checks that must fail, at the start, the middle (across a chunk's edge) and the end."""
    middle, last = len(checks) // 2, len(checks) - 1
    other = checks[1].key  # the other key: a signature checked against the wrong key
    return {
        0: checks[0]._replace(message=checks[0].message + b"!"),
        CHUNK - 1: checks[CHUNK - 1]._replace(signature=checks[CHUNK - 1].signature[:63]),
        CHUNK: checks[CHUNK]._replace(key=other),
        middle: checks[middle]._replace(signature=bytes(64)),
        last: checks[last]._replace(signature=checks[last].signature[:-1] + bytes([checks[last].signature[-1] ^ 1])),
    }


def with_forgeries(count: int) -> tuple[list[SignatureCheck], set[int]]:
    checks = signed_checks(count)
    bad = forged(checks)
    for index, check in bad.items():
        checks[index] = check
    return checks, set(bad)


async def verified(process: VerifierProcess | None, checks: list[SignatureCheck]) -> list[bool]:
    with ThreadPoolExecutor(2) as pool:
        batch = BatchVerification(process, pool, len(checks))
        for check in checks:
            await batch.add(check)
        return await batch.verdicts()


@pytest.fixture
async def process() -> VerifierProcess:
    started = VerifierProcess()
    assert await started.started()
    yield started
    await started.stop()


def test_verify_worker__answers_each_frame_in_order_and_ends_with_its_input() -> None:
    first, bad = with_forgeries(3 * CHUNK)
    second = signed_checks(5)
    answers = io.BytesIO()
    verify_worker.serve(io.BytesIO(verifier.frame(first) + verifier.frame(second)), answers)
    answer = answers.getvalue()
    header = verify_worker.HEADER.size
    assert verify_worker.HEADER.unpack(answer[:header]) == (len(first), 0)
    assert [i for i, verdict in enumerate(answer[header : header + len(first)]) if not verdict] == sorted(bad)
    rest = answer[header + len(first) :]
    assert rest == verify_worker.HEADER.pack(5, 0) + b"\x01" * 5


async def test_verifier__a_batch_verified_in_the_process_gives_the_verdicts_verified_here(
    process: VerifierProcess,
) -> None:
    checks, bad = with_forgeries(5 * CHUNK + 3)
    here = verify_here(checks)
    assert [i for i, ok in enumerate(here) if not ok] == sorted(bad)
    assert await process.verify(checks) == here  # the process alone
    assert await verified(process, checks) == here  # shared between the process and a thread here
    assert await verified(None, checks) == here  # threads here alone


async def test_verifier__a_killed_verifier_loses_no_verdict_and_is_started_again(
    process: VerifierProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verifier, "RESTART_SECONDS", 0.0)
    checks, bad = with_forgeries(8 * CHUNK)
    first = process.pid
    assert first is not None
    with ThreadPoolExecutor(2) as pool:
        batch = BatchVerification(process, pool, len(checks))
        for index, check in enumerate(checks):
            await batch.add(check)
            if index == 3 * CHUNK:  # chunks are with the process: it dies holding them
                os.kill(first, signal.SIGKILL)
        found = await batch.verdicts()
    assert [i for i, ok in enumerate(found) if not ok] == sorted(bad)
    assert await process.started()
    assert process.pid not in (None, first)
    assert await verified(process, checks) == found


async def test_verifier__a_stuck_verifier_is_ended_and_its_chunks_verified_here(
    process: VerifierProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verifier, "ANSWER_SECONDS", 0.5)
    stuck = process.pid
    assert stuck is not None
    os.kill(stuck, signal.SIGSTOP)  # alive, and answering nothing
    checks, bad = with_forgeries(3 * CHUNK)
    found = await verified(process, checks)
    assert [i for i, ok in enumerate(found) if not ok] == sorted(bad)
    await asyncio.sleep(0.1)
    assert process.pid is None
    assert not Path(f"/proc/{stuck}").exists() or "zombie" in Path(f"/proc/{stuck}/status").read_text()


async def test_inbox__a_large_batch_verified_in_the_process_and_after_it_was_killed_applies_every_signed_object(
    nodes,
) -> None:
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    key = nyc.node.keys.current
    assert await london.node.inbox.verifier.started()
    for round_, kill in enumerate((False, True)):
        batch = [sealed(make_event(nyc.url, f"r{round_}e{i}"), key) for i in range(4 * CHUNK)]
        tampered = {1, 2 * CHUNK, 4 * CHUNK - 1}
        for index in tampered:
            batch[index]["object"]["title"] = "changed after signing"
        if kill:
            os.kill(london.node.inbox.verifier.pid, signal.SIGKILL)
        status, body = await post_inbox(nyc, london, {"items": batch})
        assert status == 202
        rejected = {r["index"] for r in body["results"] if r["status"] == "rejected"}
        assert rejected == tampered
        assert all(
            r["problem"]["type"].endswith("/signature-invalid") for r in body["results"] if r["index"] in rejected
        )
    held = set(await versions(london, "Event", nyc.url))
    assert held == {f"r{r}e{i}" for r in (0, 1) for i in range(4 * CHUNK) if i not in {1, 2 * CHUNK, 4 * CHUNK - 1}}


async def test_inbox__a_stopped_node_leaves_no_verifier_process(nodes) -> None:
    london = await nodes("London")
    verifier_process = london.node.inbox.verifier
    assert await verifier_process.started()
    pid = verifier_process.pid
    await london.stop()
    assert verifier_process.pid is None
    assert not Path(f"/proc/{pid}").exists()  # ended and reaped: no orphan, no zombie


async def test_inbox__threads_alone_when_configured_so(nodes) -> None:
    nyc = await nodes("NYC")
    london = await nodes("London", config={"federation": {"verifier": "threads"}})
    await twin(nyc, london)
    assert london.node.inbox.verifier is None
    key = nyc.node.keys.current
    status, body = await post_inbox(
        nyc, london, {"items": [sealed(make_event(nyc.url, f"e{i}"), key) for i in range(64)]}
    )
    assert status == 202
    assert all(result["status"] == "applied" for result in body["results"])


async def test_verifier__one_that_cannot_start_leaves_the_verification_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verifier, "WORKER", ("/nonexistent/python", "-m", "node.federation.verify_worker"))
    absent = VerifierProcess()
    assert not await absent.started()
    checks, bad = with_forgeries(3 * CHUNK)
    found = await verified(absent, checks)
    assert [i for i, ok in enumerate(found) if not ok] == sorted(bad)
    await absent.stop()


async def test_verifier__a_small_batch_does_not_start_the_process() -> None:
    idle = VerifierProcess()
    checks, bad = with_forgeries(CHUNK + 1)
    small = checks[: verifier.PARALLEL_BATCH - 1]
    found = await verified(idle, small)
    assert [i for i, ok in enumerate(found) if not ok] == sorted(i for i in bad if i < len(small))
    await asyncio.sleep(0.05)
    assert idle.pid is None
    await idle.stop()


async def test_verifier__runs_as_a_batch_process_so_that_waking_it_never_stalls_the_loop(
    process: VerifierProcess,
) -> None:
    # A normal process woken by a chunk takes the writer's core at once: the loop stalled up to
    # milliseconds inside its write to the pipe.
    await process.verify(signed_checks(1))  # it has set its policy once it answers
    assert process.pid is not None
    assert os.sched_getscheduler(process.pid) == os.SCHED_BATCH


@pytest.mark.parametrize("mode", ["process", "threads"])
async def test_inbox__a_large_batch_of_which_nothing_reaches_verification_is_refused_item_by_item(
    nodes, mode: str
) -> None:
    nyc = await nodes("NYC")
    london = await nodes("London", config={"federation": {"verifier": mode}})
    await twin(nyc, london)
    key = nyc.node.keys.current
    # Each names another origin than its sender: refused before its signature is checked, so the
    # batch's verification gets no check at all (the first large batch: no process started yet).
    items = [sealed(make_event("https://elsewhere.example", f"e{i}"), key) for i in range(verifier.PARALLEL_BATCH + 8)]
    status, body = await post_inbox(nyc, london, {"items": items})
    assert status == 202, body
    assert {result["status"] for result in body["results"]} == {"rejected"}
    assert len(body["results"]) == len(items)
    assert await london.node.store.objects.get("Event", "https://elsewhere.example", "e0") is None
