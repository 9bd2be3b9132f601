"""A served node freezes what it holds once started, so that the collector no longer walks it."""

from __future__ import annotations

import gc
import platform
import weakref

import pytest

from node.web.server import big_blocks_to_the_system, settle_memory


class _Node:
    def __init__(self) -> None:
        self.self = self  # a cycle: only the collector frees it


def test_settle_memory__garbage_is_collected_and_what_lives_is_frozen():
    garbage = _Node()
    gone = weakref.ref(garbage)
    del garbage
    try:
        settle_memory()
        assert gone() is None, "garbage is collected before the freeze, not kept for ever"
        assert gc.get_freeze_count() > 10_000, "the loaded modules' objects are frozen"
    finally:
        gc.unfreeze()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_big_blocks_to_the_system__glibc_takes_the_fixed_threshold():
    # What it changes shows in a node's growth under a twin's fat events (tests/hostile/test_floods.py,
    # 36 MB before, 22 after); a small process does not fragment its heap the same way.
    assert big_blocks_to_the_system()
