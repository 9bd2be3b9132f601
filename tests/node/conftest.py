from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.nodes import BaseNode, InProcessNode, ProcessNode

NodeFactory = Callable[..., Awaitable[Any]]


@pytest.fixture
async def nodes(tmp_path: Path) -> AsyncIterator[NodeFactory]:
    """Make in-process nodes: `await nodes("NYC", "America/New_York")`; all stopped after the test."""
    made: list[BaseNode] = []

    async def make(name: str, timezone: str = "UTC", **kwargs: Any) -> InProcessNode:
        node = await InProcessNode.create(tmp_path, name, timezone, **kwargs)
        made.append(node)
        return node

    yield make
    for node in made:
        await node.stop()
        await node.close_session()


@pytest.fixture
async def process_nodes(tmp_path: Path) -> AsyncIterator[NodeFactory]:
    """Make nodes that run as `gemella run` child processes."""
    made: list[ProcessNode] = []

    async def make(name: str, timezone: str = "UTC", **kwargs: Any) -> ProcessNode:
        node = await ProcessNode.create(tmp_path, name, timezone, **kwargs)
        made.append(node)
        return node

    yield make
    for node in made:
        if node.process is not None:
            await node.kill()
        await node.close_session()
