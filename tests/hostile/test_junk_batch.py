"""A twin's batch large enough to be verified in parallel, in which no item is even an envelope:
nothing is left to verify, and each item is refused on its own (it was a 500: the batch's
checks were split into parts of zero)."""

from __future__ import annotations

from typing import Any

import pytest

from node.federation.verifier import PARALLEL_BATCH

from .twin import HostileTwin

INBOX = "/federation/v1/inbox"


@pytest.mark.parametrize("verifier", ["process", "threads"])
async def test_junk_batch__a_large_batch_with_nothing_to_verify_is_refused_item_by_item(
    nodes: Any, verifier: str
) -> None:
    home = await nodes("Home", config={"federation": {"verifier": verifier}})
    twin = HostileTwin()
    await twin.start()
    try:
        await twin.twin_with(home)
        junk: list[Any] = [1, "x", None, [], {"object": 5}, {"signature": {}}] * PARALLEL_BATCH
        status, body = await twin.send("POST", home.url + INBOX, {"items": junk[:500]})
        assert status == 202, body
        assert {r["status"] for r in body["results"]} == {"rejected"}
        assert len(body["results"]) == min(len(junk), 500)
    finally:
        await twin.stop()
