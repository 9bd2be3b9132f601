"""The replay cache of signed requests (protocol/replay.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from protocol.problems import Problem, ProblemType
from protocol.replay import NonceCache

EXPIRED = ProblemType.SIGNATURE_EXPIRED
NOW = 1_700_000_000


@contextmanager
def refused(kind: ProblemType) -> Iterator[None]:
    with pytest.raises(Problem) as caught:
        yield
    assert caught.value.kind is kind, caught.value


def test_nonce_cache__refuses_a_seen_nonce_per_key() -> None:
    nonces = NonceCache()
    nonces.check_and_add("k1", "n", NOW, NOW)
    nonces.check_and_add("k2", "n", NOW, NOW)

    with refused(ProblemType.REPLAY):
        nonces.check_and_add("k1", "n", NOW, NOW + 1)


def test_nonce_cache__forgets_what_left_the_window() -> None:
    nonces = NonceCache(window=300)
    nonces.check_and_add("k", "old", NOW, NOW)

    nonces.check_and_add("k", "new", NOW + 301, NOW + 301)

    assert len(nonces) == 1
    with refused(EXPIRED):  # forgotten, yet still not accepted
        nonces.check_and_add("k", "old", NOW, NOW + 301)


def test_nonce_cache__eviction_raises_the_floor() -> None:
    nonces = NonceCache(max_entries=2)
    nonces.check_and_add("k", "a", NOW, NOW)
    nonces.check_and_add("k", "b", NOW + 1, NOW + 1)

    nonces.check_and_add("k", "c", NOW + 2, NOW + 2)

    assert len(nonces) == 2
    assert nonces.floor == NOW + 1
    with refused(EXPIRED):
        nonces.check_and_add("k", "a", NOW, NOW + 2)  # the evicted nonce
    with refused(EXPIRED):
        nonces.check_and_add("k", "d", NOW, NOW + 2)  # as old as the evicted one
    with refused(ProblemType.REPLAY):
        nonces.check_and_add("k", "b", NOW + 1, NOW + 2)


def test_nonce_cache__evicts_the_oldest_created_not_the_first_added() -> None:
    nonces = NonceCache(max_entries=2)
    nonces.check_and_add("k", "later", NOW + 5, NOW)
    nonces.check_and_add("k", "earlier", NOW, NOW)

    nonces.check_and_add("k", "third", NOW + 6, NOW)

    assert nonces.floor == NOW + 1
    with refused(ProblemType.REPLAY):
        nonces.check_and_add("k", "later", NOW + 5, NOW)


@pytest.mark.parametrize("created", [NOW + 4, NOW + 5])
def test_nonce_cache__when_full_refuses_what_is_no_newer_than_all_it_holds(created: int) -> None:
    nonces = NonceCache(max_entries=1)
    nonces.check_and_add("k", "held", NOW + 5, NOW)

    with refused(EXPIRED):
        nonces.check_and_add("k", "older", created, NOW)

    assert nonces.floor == 0
    with refused(ProblemType.REPLAY):
        nonces.check_and_add("k", "held", NOW + 5, NOW)


def test_nonce_cache__refuses_before_the_starting_floor() -> None:
    nonces = NonceCache(floor=NOW)

    with refused(EXPIRED):
        nonces.check_and_add("k", "n", NOW - 1, NOW)
    nonces.check_and_add("k", "n", NOW, NOW)


@pytest.mark.parametrize(("window", "max_entries"), [(-1, 10), (300, 0)])
def test_nonce_cache__refuses_nonsense_bounds(window: int, max_entries: int) -> None:
    with pytest.raises(ValueError):
        NonceCache(window=window, max_entries=max_entries)
