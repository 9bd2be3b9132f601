"""How much each twin may store here: objects and bytes, counted per twin.

A twin met once could otherwise fill the disk of a small machine. Past its quota the inbox
refuses new objects, and larger versions of objects it holds, with `quota-exceeded`, item by
item; a new version that is no larger than the one held always applies, so a twin at its
quota can still cancel an event or withdraw a slot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from node.store.objects import ObjectKey
from protocol.problems import Problem, ProblemType


@dataclass(frozen=True)
class Quota:
    max_objects: int
    max_bytes: int


@dataclass
class Tally:
    """A twin's running totals through one batch, and the stored size of each object it names."""

    objects: int
    bytes: int
    sizes: dict[ObjectKey, int] = field(default_factory=dict)

    def fits(self, key: ObjectKey, size: int, quota: Quota) -> bool:
        held = self.sizes.get(key)
        if held is None:
            return self.objects < quota.max_objects and self.bytes + size <= quota.max_bytes
        return size <= held or self.bytes + size - held <= quota.max_bytes

    def take(self, key: ObjectKey, size: int) -> None:
        held = self.sizes.get(key)
        self.objects += held is None
        self.bytes += size - (held or 0)
        self.sizes[key] = size


def over_quota(peer_id: str, type_: str, id_: str, tally: Tally, quota: Quota) -> Problem:
    return Problem(
        ProblemType.QUOTA_EXCEEDED,
        f"{type_} {id_} was not stored: {peer_id} already stores {tally.objects} objects "
        f"({tally.bytes} bytes) here, and this node keeps at most {quota.max_objects} objects "
        f"and {quota.max_bytes} bytes for each twin",
        max_objects=quota.max_objects,
        max_bytes=quota.max_bytes,
    )
