"""Which twin a request names, and the agreement's terms seen from this node."""

from __future__ import annotations

import json
from functools import lru_cache

from node.core import Node
from node.store import Twinning
from node.store.twinnings import LIVE
from protocol.models import Terms
from protocol.problems import Problem, ProblemType


def terms_of(twinning: Twinning) -> tuple[Terms, Terms]:
    """(what we give the twin's members here, what the twin gives our members there)."""
    return terms_from(twinning.id, twinning.role, twinning.proposal)


@lru_cache(maxsize=256)
def terms_from(twinning_id: str, role: str, proposal_json: str) -> tuple[Terms, Terms]:
    """`terms_of` from the agreement's id, our role in it and its proposal's text."""
    # A proposal never changes once signed, so its parsed terms can be kept (keyed by its text).
    proposal = json.loads(proposal_json)["object"]
    offer, request = Terms.model_validate(proposal["offer"]), Terms.model_validate(proposal["request"])
    return (offer, request) if role == "proposer" else (request, offer)


async def find_twinning(node: Node, ref: str, field: str) -> Twinning:
    """The twinning named by its id or by the twin's node URL (the live one, else the latest)."""
    if ref.startswith(("http://", "https://")):
        peer = ref.rstrip("/")
        twinning = await node.store.twinnings.get_live(peer)
        if twinning is None:
            twinning = next((t for t in await node.store.twinnings.list() if t.peer_id == peer), None)
    else:
        twinning = await node.store.twinnings.get(ref) or await _by_name(node, ref)
    if twinning is None:
        raise Problem(
            ProblemType.NOT_TWINNED,
            f"{field}: {ref} is not a twin of {node.id}",
            errors=[{"field": field, "message": "no such twin"}],
        )
    return twinning


async def _by_name(node: Node, name: str) -> Twinning | None:
    """The live twinning with the twin called `name` (people type names, not ids), if just one."""
    wanted = name.strip().casefold()
    found = []
    for twinning in await node.store.twinnings.list():
        peer = await node.store.peers.get(twinning.peer_id)
        if peer is not None and peer.name.casefold() == wanted and twinning.status in LIVE:
            found.append(twinning)
    return found[0] if len(found) == 1 else None


async def active_twin(node: Node, ref: str, field: str) -> Twinning:
    """Like `find_twinning`, but the agreement must be active now."""
    twinning = await find_twinning(node, ref, field)
    if twinning.status != "active":
        raise Problem(ProblemType.NOT_TWINNED, f"the twinning with {twinning.peer_id} is {twinning.status}")
    return twinning


async def terms_we_give(node: Node, peer_id: str) -> Terms:
    twinning = await node.store.twinnings.get_live(peer_id)
    if twinning is None or twinning.status != "active":
        raise Problem(ProblemType.NOT_TWINNED, f"{peer_id} is not an active twin of {node.id}")
    return terms_of(twinning)[0]
