"""Helpers shared by the benchmarks: timing loops, percentiles, progress and JSON output.

A benchmark prints ONE JSON object to stdout and its progress to stderr, so that
``python -m bench.x > result.json`` keeps a clean record. Every figure is the median of
several repeats, and each benchmark measures the machine's own limit in the same run.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

REPEATS = 5


def progress(message: str) -> None:
    """One line of progress on stderr (stdout is for the result)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation between closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def loops_for(fn: Callable[[], object], seconds: float, clock: Callable[[], float] = time.perf_counter) -> int:
    """How many calls of `fn` take about `seconds` of `clock` (at least one)."""
    calls, started = 0, clock()
    while (elapsed := clock() - started) < min(0.05, seconds) or calls < 3:
        fn()
        calls += 1
    return max(1, round(calls * seconds / elapsed))


def seconds_per_call(fn: Callable[[], object], loops: int, clock: Callable[[], float] = time.perf_counter) -> float:
    """Mean time of one call over `loops` back-to-back calls (wall time unless `clock` says otherwise)."""
    started = clock()
    for _ in range(loops):
        fn()
    return (clock() - started) / loops


def measure(
    cases: dict[str, Callable[[], object]],
    *,
    seconds: float = 0.25,
    repeats: int = REPEATS,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Seconds per call of each case, `repeats` times, interleaving cases so drift hits all alike.
    `clock=time.thread_time` counts the CPU of this thread only: on a shared machine, the time a
    neighbour's process holds the core does not count (wall time does, at random)."""
    loops = {name: loops_for(fn, seconds, clock) for name, fn in cases.items()}
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(1, repeats + 1):
        progress(f"round {round_}/{repeats}")
        for name, fn in cases.items():
            samples[name].append(seconds_per_call(fn, loops[name], clock))
    return samples


def raw_ed25519_verifiers(public_raw: bytes, signature: bytes, message: bytes) -> dict[str, Callable[[], object]]:
    """A bare Ed25519 verification of `signature` over `message`, as each library makes it: the
    machine's limit. The node verifies with libsodium (see protocol/keys.py), so that is the limit
    its figures are compared with; `cryptography`'s (which the node used before) is shown beside."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from nacl.bindings import crypto_sign_open

    public = Ed25519PublicKey.from_public_bytes(public_raw)
    signed = signature + message
    return {
        "libsodium": lambda: crypto_sign_open(signed, public_raw),
        "cryptography": lambda: public.verify(signature, message),
    }


def per_second(seconds: float) -> float:
    return round(1 / seconds, 1)


def microseconds(seconds: float) -> float:
    return round(seconds * 1e6, 2)


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def emit(result: dict[str, Any]) -> None:
    """The benchmark's one JSON object, on stdout."""
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
