"""Default inbox rules: a twin may send us only what it may show us.

Feature modules replace these acceptors with richer ones (same checks, more effects).
"""

from __future__ import annotations

from protocol.models import Event, FederatedObject, Slot
from protocol.problems import Problem, ProblemType

from .inbox import Acceptor, InboxService


def install_default_acceptors(inbox: InboxService, node_id: str) -> None:
    async def event_for_us(peer_id: str, obj: FederatedObject) -> None:
        if isinstance(obj, Event) and not obj.visible_to(node_id):
            raise Problem(ProblemType.FORBIDDEN, f"event {obj.id} is not shared with {node_id}")

    async def slot_for_us(peer_id: str, obj: FederatedObject) -> None:
        if isinstance(obj, Slot) and obj.twin != node_id:
            raise Problem(ProblemType.FORBIDDEN, f"slot {obj.id} is offered to {obj.twin}, not {node_id}")

    inbox.accept("Event", Acceptor(check=event_for_us))
    inbox.accept("Slot", Acceptor(check=slot_for_us))
