"""Ten twinned spaces: every event and slot reaches exactly its audience, no more, no less.

The correctness half of `bench/network.py` on a smaller network, in this process: a random
twinning graph (one node twinned with all, the others with three to nine), events for all
twins or for a few, slots for one twin, an update of some events; then each node's database
holds exactly the others' objects meant for it, at their latest versions.
"""

from __future__ import annotations

import random

from tests.support.network import (
    NETWORK_CONFIG,
    Published,
    differences,
    offer_slot,
    publish_event,
    twin_all,
    twinning_graph,
    twins_of,
    update_event,
)
from tests.support.nodes import eventually

from .conftest import NodeFactory

COUNT = 10


async def test_network__every_object_reaches_exactly_its_audience(nodes: NodeFactory) -> None:
    rng = random.Random(20)
    network = [await nodes(f"Space {i}", config=NETWORK_CONFIG) for i in range(COUNT)]
    edges = twinning_graph(rng, COUNT, 3, COUNT - 1)
    await twin_all(network, edges)
    published = Published([n.url for n in network], twins_of(edges, COUNT))
    for index, node in enumerate(network):
        resource = await node.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Desks", "capacity": 10000})
        for _ in range(2):
            event_id = await publish_event(node, published, index, rng)
            if rng.random() < 0.5:
                await update_event(node, published, index, event_id)
        await offer_slot(node, published, index, rng, resource["id"])
    assert published.deliveries() > 3 * COUNT  # audiences of every size were drawn: all twins, a few, one
    assert any(
        len(audience) < len(published.twins[origin]) for (_, origin, _), (_, audience) in published.objects.items()
    )
    await eventually(lambda: _differences(network, published), {}, timeout=30, interval=0.2)


async def _differences(network: list, published: Published) -> dict:
    return differences(network, published)
