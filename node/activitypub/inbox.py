"""Incoming activities: Follow and Undo(Follow), each verified before anything is stored.

The signature is draft-cavage-12 (RSA-SHA256) over at least `(request-target) host date digest`;
the follower's key is fetched with the node's one bounded, SSRF-safe client (the same address
rules and size limits as a twin's document), and must be owned by the activity's actor. Every
document fetched must name itself on the server it came from, and a key document's owner is
followed once: a server speaks only for its own actors, and one request costs two fetches at most.
A blocked instance, a stale Date or a body that does not match its Digest is refused with a
problem document and changes nothing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urlsplit

from node.clock import iso
from node.federation.client import Answer, PeerUnreachable
from protocol.problems import Problem, ProblemType

from . import documents, signatures
from .store import Follower

if TYPE_CHECKING:
    from aiohttp import web

    from .bridge import Bridge

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_ID = 2048  # characters of an actor's id, a Follow's id, an inbox


async def receive(bridge: Bridge, request: web.Request, body: bytes) -> bool:
    """Verify and apply one POST to the inbox; raises Problem when refused. True when it was a
    Follow taken (it costs the node an Accept, signed and sent)."""
    try:
        activity = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise Problem(ProblemType.VALIDATION_ERROR, "the body is not JSON") from exc
    if not isinstance(activity, dict) or _origin(activity.get("actor")) is None or len(activity["actor"]) > MAX_ID:
        raise Problem(ProblemType.VALIDATION_ERROR, "the body is not an activity with an actor")
    actor_id = activity["actor"]
    if await bridge.blocked(actor_id):
        raise Problem(ProblemType.FORBIDDEN, "this instance is blocked")
    actor = await verified_actor(bridge, request, body)
    if actor.get("id") != actor_id:
        raise Problem(ProblemType.SIGNATURE_INVALID, "the request is not signed by the activity's actor")
    kind = activity.get("type")
    if kind == "Follow" and activity.get("object") == bridge.urls.actor:
        await _follow(bridge, activity, actor)
        return True
    if kind == "Undo" and isinstance(activity.get("object"), dict) and activity["object"].get("type") == "Follow":
        await bridge.store.delete_follower(actor_id)
    # Anything else (Like, Announce, replies) is taken and dropped: the space only publishes.
    return False


async def verified_actor(bridge: Bridge, request: web.Request, body: bytes) -> dict[str, Any]:
    """The signing actor's document, once its signature over this request verified."""
    header = request.headers.get("Signature")
    if not header:
        raise Problem(ProblemType.SIGNATURE_INVALID, "the request is not signed (no Signature header)")
    now = bridge.node.clock.now()
    try:
        parsed = signatures.parse(header)
        target = request.path_qs
        signatures.check_request(
            parsed, request.method, target, request.headers, body, now, bridge.settings.max_signature_age_seconds
        )
        actor = await _fetch_actor(bridge, parsed.key_id)
        key = actor.get("publicKey")
        if isinstance(key, list):
            key = next((k for k in key if isinstance(k, dict) and k.get("id") == parsed.key_id), None)
        if not isinstance(key, dict) or key.get("id") != parsed.key_id or key.get("owner") != actor.get("id"):
            raise signatures.SignatureRefused("the actor does not own the signing key")
        signatures.verify(parsed, request.method, target, request.headers, str(key.get("publicKeyPem", "")))
    except signatures.SignatureRefused as exc:
        raise Problem(ProblemType.SIGNATURE_INVALID, str(exc)) from exc
    return actor


async def _fetch_actor(bridge: Bridge, key_id: str) -> dict[str, Any]:
    """The actor owning `key_id`. A keyId that names a key document leads to its owner, once:
    the next document must be the actor, so one request costs the node two fetches at most."""
    if _origin(key_id) is None:
        raise signatures.SignatureRefused("the keyId is not an http(s) URL")
    url = urldefrag(key_id).url
    document = await _fetch_document(bridge, url)
    if _is_key(document) and document["owner"] != url:  # the keyId named the key itself
        url = str(document["owner"])
        document = await _fetch_document(bridge, url)
        if _is_key(document) and document["owner"] != url:
            raise signatures.SignatureRefused("the signing key's owner is not an actor")
    return document


async def _fetch_document(bridge: Bridge, url: str) -> dict[str, Any]:
    """The document at `url`, which must name itself on that server: a server speaks for its own
    actors and keys only, never for another server's (whose follows it could then undo)."""
    if _origin(url) is None:
        raise signatures.SignatureRefused("the keyId is not an http(s) URL")
    if await bridge.blocked(url):
        raise Problem(ProblemType.FORBIDDEN, "this instance is blocked")
    # Signed, as servers in Mastodon's "authorized fetch" mode want even for an actor's key.
    headers = signatures.sign("GET", url, b"", bridge.key, bridge.urls.key_id, bridge.node.clock.now())
    headers["Accept"] = documents.CONTENT_TYPE
    try:
        answer = await bridge.node.client.send(
            "GET", url, None, kind=Answer.DOCUMENT, signed=False, extra_headers=headers
        )
        document = answer.json() if answer.status == 200 else None
    except (PeerUnreachable, ValueError) as exc:
        raise signatures.SignatureRefused(f"the signing key could not be fetched: {exc}") from exc
    if not isinstance(document, dict):
        raise signatures.SignatureRefused("the signing key could not be fetched")
    if _origin(document.get("id")) != _origin(url):
        raise signatures.SignatureRefused("the actor or key document names itself on another server")
    return document


def _is_key(document: dict[str, Any]) -> bool:
    return "publicKeyPem" in document and "owner" in document


def _origin(url: Any) -> tuple[str, str, int] | None:
    """Scheme, host and port of an http(s) URL (None for anything else): what "the same server" means."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parts.hostname:
            return None
        return scheme, parts.hostname.lower(), parts.port or DEFAULT_PORTS[scheme]
    except ValueError:  # a port out of range, a bracket left open
        return None


async def _follow(bridge: Bridge, follow: dict[str, Any], actor: dict[str, Any]) -> None:
    endpoints = actor.get("endpoints") if isinstance(actor.get("endpoints"), dict) else {}
    inbox = str((endpoints or {}).get("sharedInbox") or actor.get("inbox") or "")
    # The Accept goes to the actor's own inbox: on its own server too, or the shared one.
    accept_inbox = str(actor.get("inbox") or inbox)
    if not _on_host_of(inbox, actor["id"]) or not _on_host_of(accept_inbox, actor["id"]):
        raise Problem(ProblemType.VALIDATION_ERROR, "the follower's inbox is not on its own server")
    follow_id = follow.get("id")
    if not isinstance(follow_id, str) or len(follow_id) > MAX_ID or max(len(inbox), len(accept_inbox)) > MAX_ID:
        # Kept with the follower and sent back in the Accept: a megabyte each time, else.
        raise Problem(
            ProblemType.VALIDATION_ERROR, f"the Follow's id and the inboxes are URLs of at most {MAX_ID} characters"
        )
    now = iso(bridge.node.clock.now())
    host = (urlsplit(actor["id"]).hostname or "").lower()
    follower = Follower(actor["id"], inbox, host, follow_id, now)
    # Each follower's inbox costs a signed delivery of every change: a stranger with a server of
    # its own could otherwise add followers without end.
    if not await bridge.store.store_follower(follower, at_most=bridge.settings.max_followers):
        raise Problem(ProblemType.FORBIDDEN, "this space has as many followers as it serves")
    await bridge.store.store_deliveries([(accept_inbox, documents.accept(bridge.urls, follow))], now)
    bridge.wake.set()


def _on_host_of(url: str, actor_id: str) -> bool:
    """An http(s) URL on the actor's host (a URL that cannot be read is on no host)."""
    ours, theirs = _origin(url), _origin(actor_id)
    return ours is not None and theirs is not None and ours[1] == theirs[1]
