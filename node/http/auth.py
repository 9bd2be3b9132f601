"""Who is calling: a twin (RFC 9421 signed request) or a local user (bearer token or session).

Signature checking lives in one middleware for everything under /federation/v1; it hands the
authenticated peer's node id to the handler as request[PEER]. A stranger (no twinning) may
only POST /federation/v1/twinning a proposal naming itself, rate-limited; everything else
from a non-twin is 403.

Budgets that impostors cannot spend: a request that fails verification is charged to its
source address (and an address over its budget is refused before any work), while a twin's
own budget is charged only once its signature verified. So a flood of junk carrying a twin's
key id locks out the flooder's address, never the twin.
"""

from __future__ import annotations

import json

import structlog
from aiohttp import web

from node.clock import parse_iso
from node.core import Node
from node.federation.client import FEDERATION_PREFIX, TWINNING_PATH
from node.federation.directory import KnownKey
from node.ratelimit import address_key
from node.store.tokens import Principal
from protocol.envelope import Envelope, read_envelope
from protocol.httpsig import signature_keyid, verify_request
from protocol.keys import VerifyKey
from protocol.problems import Problem, ProblemType

from .errors import Handler
from .keys import BODY, NODE, PEER, PEER_LIMITER, PRINCIPAL, STRANGER_LIMITER, UNVERIFIED_LIMITER

# The one answer a stranger gets when the node its key id names cannot be fetched or checked:
# whatever the reason (no answer, closed port, refused address, bad document), the same words.
STRANGER_UNREACHABLE = "could not reach or verify the node named by the request's key id"

log = structlog.get_logger("node.http.auth")


@web.middleware
async def federation_auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(FEDERATION_PREFIX):
        request[PEER] = await authenticate_peer(request)
    return await handler(request)


async def authenticate_peer(request: web.Request) -> str:
    node = request.app[NODE]
    request[BODY] = await request.read()
    address = address_key(request.remote)
    unverified = request.app[UNVERIFIED_LIMITER]
    wait = await unverified.pending(address)
    if wait:
        raise Problem(ProblemType.RATE_LIMITED, "too many unverified requests from this address", retry_after=wait)
    try:
        peer_id = await _verified_peer(request)
    except Problem as problem:
        await unverified.take(address)  # only what failed is charged to the address
        raise problem
    wait = await request.app[PEER_LIMITER].take(peer_id)
    if wait:
        raise Problem(ProblemType.RATE_LIMITED, "too many requests from this node", retry_after=wait)
    if request.path != TWINNING_PATH:
        twinning = await node.store.twinnings.get_live(peer_id)
        if twinning is None or twinning.status != "active":
            raise Problem(ProblemType.NOT_TWINNED, f"{peer_id} is not an active twin of {node.id}")
    return peer_id


async def _verified_peer(request: web.Request) -> str:
    """The node id whose key signed this request; nothing is fetched for a stranger before its proposal parsed."""
    node = request.app[NODE]
    peer_id, kid = split_keyid(signature_keyid(request.headers))
    # A key looked up before names a known node: no read of its row (a twin's every request).
    known = node.directory.kept_key(peer_id, kid)
    if known is None:
        if await node.store.peers.get(peer_id) is None:
            return await _admit_stranger(request, peer_id, kid)
        try:
            known = await node.directory.key(peer_id, kid)  # may refetch a known node's document
        except Problem as exc:
            if exc.kind is ProblemType.UNKNOWN_KEY:
                raise
            # Still unverified: what that node's server answered is not the caller's business.
            log.info("peer_document_unavailable", peer=peer_id, reason=exc.detail)
            raise Problem(ProblemType.PEER_UNREACHABLE, STRANGER_UNREACHABLE) from exc
    await _check_signature(request, node, known)
    return peer_id


async def _admit_stranger(request: web.Request, peer_id: str, kid: str) -> str:
    """First contact: only a proposal naming the sender, only so often, only while few wait for
    the operator, then its document is fetched; it is kept only if the request and the proposal
    both verify with it (each stranger's document is up to `federation.max_document_bytes`)."""
    node = request.app[NODE]
    if request.path != TWINNING_PATH or request.method != "POST":
        raise Problem(ProblemType.NOT_TWINNED, f"{peer_id} is not a twin of {node.id}")
    # Per address first, so one noisy sender cannot use up the budget of real newcomers; then a
    # global cap, since each admitted proposal costs us a fetch of the stranger's document.
    limiter = request.app[STRANGER_LIMITER]
    wait = await limiter.take(f"address:{address_key(request.remote)}")
    if wait:
        raise Problem(ProblemType.RATE_LIMITED, "too many proposals from strangers", retry_after=wait)
    envelope = _require_proposal_from(request[BODY], peer_id, node.id)
    if await node.store.twinnings.count_pending() >= node.settings.limits.max_pending_proposals:
        raise Problem(ProblemType.RATE_LIMITED, "too many proposals wait for this node's operator", retry_after=3600)
    wait = await limiter.take(f"node:{peer_id}") or await limiter.take("all")
    if wait:
        raise Problem(ProblemType.RATE_LIMITED, "too many proposals from strangers", retry_after=wait)
    try:
        doc, doc_json = await node.directory.fetch_document(peer_id)
    except Problem as exc:
        log.info("stranger_document_unavailable", peer=peer_id, reason=exc.detail)
        raise Problem(ProblemType.PEER_UNREACHABLE, STRANGER_UNREACHABLE) from exc
    entry = doc.verify_keys.get(kid)
    if entry is None:
        raise Problem(ProblemType.UNKNOWN_KEY, f"{peer_id}'s document does not list key {kid!r}")
    await _check_signature(request, node, KnownKey(peer_id, VerifyKey.from_b64url(entry.key), None))
    node.directory.check_with_document(doc, envelope)  # the proposal that will be read
    await node.directory.remember(doc, doc_json)  # only a stranger whose request and proposal verified is remembered
    return peer_id


def _require_proposal_from(body: bytes, peer_id: str, node_id: str) -> Envelope:
    """The body must be a signed TwinningProposal from `peer_id` to us (its signature is checked later)."""
    try:
        envelope = read_envelope(json.loads(body))
    except (ValueError, RecursionError) as exc:
        raise Problem(ProblemType.VALIDATION_ERROR, "the body is not a signed twinning proposal", errors=[]) from exc
    obj = envelope.object
    sender = (obj.get("type"), obj.get("origin"), obj.get("proposer"), obj.get("acceptor"))
    if sender != ("TwinningProposal", peer_id, peer_id, node_id):
        raise Problem(ProblemType.NOT_TWINNED, f"a node that is not a twin may only propose itself to {node_id}")
    return envelope


async def _check_signature(request: web.Request, node: Node, known: KnownKey) -> None:
    # Behind a reverse proxy the configured public URL, not the listening address, is what was signed.
    target = node.id + request.raw_path  # exactly the bytes the client sent and signed
    params = verify_request(
        request.method,
        target,
        request.headers,
        request[BODY],
        known.key,
        nonces=node.nonces,
        now=int(node.clock.now().timestamp()),
        max_skew=node.settings.limits.signature_window_seconds,
    )
    if known.expired_at is not None and params.created > parse_iso(known.expired_at).timestamp():
        raise Problem(
            ProblemType.UNKNOWN_KEY, "the key that signed this request was replaced; sign with the current key"
        )
    # Stored before anything acts on the request, where every worker on the database sees it.
    await node.replay.accepted(params.keyid, params.nonce, params.created, int(node.clock.now().timestamp()))


def split_keyid(keyid: str) -> tuple[str, str]:
    """Request key ids are `<node id>#<kid>`."""
    node_id, sep, kid = keyid.rpartition("#")
    if not sep or not node_id or not kid or not node_id.startswith(("http://", "https://")):
        raise Problem(ProblemType.SIGNATURE_INVALID, "keyid must be '<node id>#<key id>'")
    return node_id, kid


# -- local users ------------------------------------------------------------------------------

SESSION_COOKIE = "gemella_session"


async def principal(request: web.Request) -> Principal | None:
    """The local user behind a bearer token or a session cookie, if any."""
    if PRINCIPAL in request:
        found: Principal | None = request[PRINCIPAL]
        return found
    token = _bearer(request) or request.cookies.get(SESSION_COOKIE)
    found = await request.app[NODE].store.tokens.get(token) if token else None
    if found is not None and found.role == "session":
        # A web session (node/web/pages): a member's names the member; the operator's names no one.
        found = Principal(role="member" if found.member_id else "operator", member_id=found.member_id)
    request[PRINCIPAL] = found  # type: ignore[misc]
    return found


async def require_operator(request: web.Request) -> Principal:
    who = await principal(request)
    if who is None:
        raise Problem(ProblemType.UNAUTHORIZED, "send the operator token as 'Authorization: Bearer <token>'")
    if who.role != "operator":
        raise Problem(ProblemType.FORBIDDEN, "only the operator may do this")
    return who


async def require_user(request: web.Request) -> Principal:
    """A member or the operator."""
    who = await principal(request)
    if who is None:
        raise Problem(ProblemType.UNAUTHORIZED, "send a member or operator token as 'Authorization: Bearer <token>'")
    return who


async def require_member(request: web.Request) -> Principal:
    who = await require_user(request)
    if who.member_id is None:
        raise Problem(ProblemType.FORBIDDEN, "only a member may do this (use a member token)")
    return who


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
