"""A twin replaying its own requests across a restart of the node: the nonce cache is in memory,
so what protects a restarted node is the floor below which requests are refused as too old."""

from __future__ import annotations

import time

from .conftest import ArenaFactory
from .test_floods import in_our_week

INBOX = "/federation/v1/inbox"
AHEAD = 240  # seconds into the future: inside the 300-second signature window


async def test_replay__a_request_signed_ahead_of_time_is_not_accepted_again_after_a_restart(
    arena: ArenaFactory,
) -> None:
    a = await arena()
    url = a.home.url + INBOX
    envelope = a.twin.seal(in_our_week(a.twin.url, "once", 1))
    body, headers = a.twin.signed("POST", url, {"items": [envelope]}, created=int(time.time()) + AHEAD)
    first, _ = await a.twin.send_signed("POST", url, body, headers)
    again, _ = await a.twin.send_signed("POST", url, body, headers)
    assert (first, again) == (202, 401)  # the nonce cache refuses it while the node runs
    await a.home.stop()
    await a.home.start()
    status, problem = await a.twin.send_signed("POST", url, body, headers)
    assert status == 401 and problem["type"].rsplit("/", 1)[-1] in {"replay", "signature-expired"}, problem
