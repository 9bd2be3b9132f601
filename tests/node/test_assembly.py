"""A node opened without the web application is complete: every feature built, its inbox rules
in place and its workers running; `close` stops them all."""

from __future__ import annotations

from pathlib import Path

from node.assembly import AssembledNode
from node.config import load_settings
from tests.support.nodes import make_node_dir


async def test_assembly__open_without_web_app_builds_and_starts_every_feature(tmp_path: Path) -> None:
    directory, *_ = await make_node_dir(tmp_path, "Lisbon")
    node = await AssembledNode(load_settings(directory, {})).open()
    try:
        assert {"Event", "Slot", "ReservationReceipt", "MemberErasure", "KeyRotation"} <= node.inbox.accepted()
        assert node.activitypub is not None  # on by default
        workers = [
            node.booking.retrier.worker,
            node.booking.refresher.worker,
            node.people.chores.worker,
            node.activitypub.worker,
        ]
        assert [w.running for w in workers] == [True] * len(workers)
    finally:
        await node.close()
    assert [w.running for w in workers] == [False] * len(workers)
