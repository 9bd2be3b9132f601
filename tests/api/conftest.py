"""Fixtures for the API tests: a running federation of real nodes (tests/api/world.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.node.conftest import nodes, process_nodes  # noqa: F401

from .world import World, build_world, close_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Home and its twins, running on loopback in a background thread (one federation per module)."""
    built = build_world(Path(tmp_path_factory.mktemp("world")))
    try:
        yield built
    finally:
        close_world(built)
