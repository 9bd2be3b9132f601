"""The arena: a real node (`gemella run`, its own process, so its memory is its own), a member
reading its week, a hostile twin really twinned with it, and a stranger on another address."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.node.conftest import nodes, process_nodes  # noqa: F401
from tests.support.nodes import ProcessNode

from .stranger import Stranger
from .twin import HostileTwin
from .watch import Member, Watch, watching

OWN_EVENTS = 3
# The larger size of an attack runs only in the soak run (`make soak`: GEMELLA_SOAK=1, -m slow).
SOAK_ONLY = [pytest.mark.slow, pytest.mark.skipif(not os.environ.get("GEMELLA_SOAK"), reason="soak run: `make soak`")]


def sizes(usual: int, soak: int, soak_fails: str | None = None) -> Any:
    """Parametrize an attack's size: `usual` in every run, `soak` in the soak run (expected to
    fail, for the reason `soak_fails`, where the node is known to fall short at that size)."""
    marks = [*SOAK_ONLY, pytest.mark.xfail(reason=soak_fails)] if soak_fails else SOAK_ONLY
    return pytest.mark.parametrize("size", [usual, pytest.param(soak, marks=marks)])


@dataclass
class Arena:
    home: ProcessNode
    twin: HostileTwin
    twinning_id: str
    member: Member
    stranger: Stranger

    @property
    def pid(self) -> int:
        assert self.home.process is not None
        return self.home.process.pid

    def watch(self) -> Any:
        """`async with arena.watch() as watch:` attack inside; then `watch.assert_unharmed()`."""
        return watching(self.member, self.pid)

    async def unharmed_after(self, watch: Watch) -> None:
        watch.assert_unharmed()
        assert self.home.process is not None and self.home.process.poll() is None, "the node died"


ArenaFactory = Callable[..., Awaitable[Arena]]


@pytest.fixture
async def arena(tmp_path: Path) -> AsyncIterator[ArenaFactory]:
    """`await arena(config={...})`: a node with its member and own events, twinned with a hostile twin."""
    made: list[tuple[ProcessNode, HostileTwin, Stranger]] = []

    async def make(config: dict[str, Any] | None = None, twinned: bool = True) -> Arena:
        home = await ProcessNode.create(tmp_path, "Home", config=config or {})
        twin, stranger = HostileTwin(), Stranger(home)
        made.append((home, twin, stranger))
        await twin.start()
        member = Member(home.local, await member_token(home), await own_events(home))
        twinning_id = await twin.twin_with(home) if twinned else ""
        return Arena(home, twin, twinning_id, member, stranger)

    yield make
    for home, twin, stranger in made:
        await stranger.close()
        await twin.stop()
        if home.process is not None:
            await home.kill()
        await home.close_session()


async def member_token(home: ProcessNode) -> str:
    added = await home.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@example.org"})
    return str(added["token"])


async def own_events(home: ProcessNode) -> set[str]:
    """The space's own events in the coming week (tomorrow and the two days after, 18:00)."""
    ids = set()
    for n in range(1, OWN_EVENTS + 1):
        day = datetime.now(UTC).date() + timedelta(days=n)
        body = {"title": f"Our evening {n}", "starts_at": f"{day}T18:00", "ends_at": f"{day}T20:00"}
        ids.add((await home.api.ok("POST", "/api/v1/events", body))["id"])
    return ids
