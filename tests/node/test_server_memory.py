"""A served node freezes what it holds once started, so that the collector no longer walks it."""

from __future__ import annotations

import gc
import weakref

from node.web.server import settle_memory


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
