"""Counts that property and fuzzing tests report, printed at the end of the run (tests/conftest.py).

CI logs then show how much was tried: operations, examples, failures.
"""

from __future__ import annotations

from typing import Any

COUNTS: dict[str, dict[str, Any]] = {}


def record(name: str, **counts: Any) -> None:
    """Keep `counts` for the end-of-run summary (and print them now, for `-s` runs)."""
    COUNTS[name] = counts
    print(f"\n{name}: {format_counts(counts)}")


def format_counts(counts: dict[str, Any]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in counts.items())
