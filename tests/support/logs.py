"""Capturing a node's log events in a test, at the level a node logs by default.

`structlog.testing.capture_logs` swaps the processors only: a node started earlier in the same
run may have configured a filtering logger at its own level (the benches' and many tests'
`warning`), which drops an `info` event before any processor sees it, so a test asserting one
passed alone and failed in the whole suite.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import structlog


@contextmanager
def captured_logs(level: int = logging.INFO) -> Iterator[list[MutableMapping[str, Any]]]:
    """`capture_logs`, with every event at `level` and above let through, whatever came before."""
    wrapper_class = structlog.get_config()["wrapper_class"]
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(level))
    try:
        with structlog.testing.capture_logs() as logs:
            yield logs
    finally:
        structlog.configure(wrapper_class=wrapper_class)
