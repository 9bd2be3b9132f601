"""How the fediverse finds a space: WebFinger, NodeInfo, the actor and its collections (the contract)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from node.public.profile import SpaceProfile, save_profile
from tests.activitypub.support import event_body, expand

Nodes = Any
AP = "application/activity+json"


async def _get(url: str, accept: str = AP) -> tuple[int, str, Any]:
    async with aiohttp.ClientSession() as session, session.get(url, headers={"Accept": accept}) as response:
        return response.status, response.content_type, await response.json(content_type=None)


async def test_webfinger__answers_the_space_account_with_a_self_link(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    host = urlsplit(milan.url).netloc
    status, kind, jrd = await _get(f"{milan.url}/.well-known/webfinger?resource=acct:space@{host}")
    assert (status, kind) == (200, "application/jrd+json")
    assert jrd["subject"] == f"acct:space@{host}"
    [self_link] = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_link == {"rel": "self", "type": AP, "href": f"{milan.url}/ap/actor"}
    status, kind, problem = await _get(f"{milan.url}/.well-known/webfinger?resource=acct:someone@{host}")
    assert status == 404 and problem["type"].endswith("not-found")


async def test_actor__is_an_organization_with_its_rsa_key_and_public_page(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    save_profile(milan.directory, SpaceProfile(description="A coworking in a tram depot.", locality="Milano"))
    status, kind, actor = await _get(f"{milan.url}/ap/actor")
    assert (status, kind) == (200, AP)
    assert actor["type"] == "Organization" and actor["name"] == "Spazio Milano"
    assert actor["url"] == f"{milan.url}/space" and "tram depot" in actor["summary"]
    assert actor["icon"]["type"] == "Image"
    key = load_pem_public_key(actor["publicKey"]["publicKeyPem"].encode())
    assert isinstance(key, rsa.RSAPublicKey)
    assert actor["publicKey"]["owner"] == actor["id"]
    assert (milan.directory / "keys" / "activitypub-rsa.pem").stat().st_mode & 0o077 == 0
    expanded = expand(actor)
    assert "https://w3id.org/security#publicKeyPem" in repr(expanded)


async def test_collections__outbox_and_followers_answer_activity_json(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    await milan.api.ok("POST", "/api/v1/events", event_body("Open day"))
    status, kind, outbox = await _get(f"{milan.url}/ap/outbox")
    assert (status, kind) == (200, AP)
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 1
    assert outbox["orderedItems"][0]["object"]["name"] == "Open day"
    expand(outbox)
    status, kind, followers = await _get(f"{milan.url}/ap/followers")
    assert (status, kind, followers["totalItems"]) == (200, AP, 0)
    event_id = outbox["orderedItems"][0]["object"]["id"]
    status, kind, event = await _get(event_id)
    assert (status, kind, event["type"]) == (200, AP, "Event")


async def test_nodeinfo__links_to_a_2_1_document(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    status, _, links = await _get(f"{milan.url}/.well-known/nodeinfo", "application/json")
    assert status == 200
    status, _, info = await _get(links["links"][0]["href"], "application/json")
    assert status == 200 and info["version"] == "2.1" and info["protocols"] == ["activitypub"]
    assert info["software"]["name"] == "gemellaggio" and info["openRegistrations"] is False


async def test_bridge__turned_off_answers_nothing(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome", config={"activitypub": {"enabled": False}})
    host = urlsplit(milan.url).netloc
    for path in (f"/.well-known/webfinger?resource=acct:space@{host}", "/ap/actor", "/ap/outbox", "/nodeinfo/2.1"):
        status, _, _ = await _get(milan.url + path)
        assert status == 404, path
    assert milan.node.activitypub is None


async def test_webfinger__other_username_from_settings(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome", config={"activitypub": {"username": "milano"}})
    host = urlsplit(milan.url).netloc
    status, _, jrd = await _get(f"{milan.url}/.well-known/webfinger?resource=acct:milano@{host}")
    assert status == 200 and jrd["subject"] == f"acct:milano@{host}"
    _, _, actor = await _get(f"{milan.url}/ap/actor")
    assert actor["preferredUsername"] == "milano"
