"""Who is calling: a twin (RFC 9421 signed request) or a local user (bearer token or session).

Signature checking lives in one middleware for everything under /federation/v1; it hands the
authenticated peer's node id to the handler as request[PEER]. A stranger (no twinning) may
only POST /federation/v1/twinning, rate-limited; everything else from a non-twin is 403.
"""

from __future__ import annotations

from aiohttp import web

from node.clock import parse_iso
from node.store.tokens import Principal
from protocol.httpsig import signature_keyid, verify_request
from protocol.problems import Problem, ProblemType

from .errors import Handler
from .keys import BODY, NODE, PEER, PEER_LIMITER, PRINCIPAL, STRANGER_LIMITER

FEDERATION_PREFIX = "/federation/v1/"
TWINNING_PATH = FEDERATION_PREFIX + "twinning"


@web.middleware
async def federation_auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(FEDERATION_PREFIX):
        request[PEER] = await authenticate_peer(request)
    return await handler(request)


async def authenticate_peer(request: web.Request) -> str:
    node = request.app[NODE]
    body = await request.read()
    request[BODY] = body
    peer_id, kid = split_keyid(signature_keyid(request.headers))
    wait = request.app[PEER_LIMITER].take(peer_id)
    if wait:
        raise Problem(ProblemType.RATE_LIMITED, "too many requests from this node", retry_after=wait)
    stranger = await node.store.peers.get(peer_id) is None
    if stranger:
        await _admit_stranger(request, peer_id)
    known = await node.directory.key(peer_id, kid)
    # Behind a reverse proxy the configured public URL, not the listening address, is what was signed.
    target = node.id + request.raw_path  # exactly the bytes the client sent and signed
    params = verify_request(
        request.method,
        target,
        request.headers,
        body,
        known.key,
        nonces=node.nonces,
        now=int(node.clock.now().timestamp()),
        max_skew=node.settings.limits.signature_window_seconds,
    )
    if known.expired_at is not None and params.created > parse_iso(known.expired_at).timestamp():
        raise Problem(ProblemType.UNKNOWN_KEY, f"key {kid} was replaced; sign with the current key")
    if request.path != TWINNING_PATH:
        twinning = await node.store.twinnings.get_live(peer_id)
        if twinning is None or twinning.status != "active":
            raise Problem(ProblemType.NOT_TWINNED, f"{peer_id} is not an active twin of {node.id}")
    return peer_id


async def _admit_stranger(request: web.Request, peer_id: str) -> None:
    """First contact: only a proposal, only so often, and only after fetching its document."""
    node = request.app[NODE]
    if request.path != TWINNING_PATH or request.method != "POST":
        raise Problem(ProblemType.NOT_TWINNED, f"{peer_id} is not a twin of {node.id}")
    # Per address first, so one noisy sender cannot use up the budget of real newcomers; then a
    # global cap, since each admitted proposal costs us a fetch of the stranger's document.
    limiter = request.app[STRANGER_LIMITER]
    wait = limiter.take(f"address:{request.remote}") or limiter.take(f"node:{peer_id}") or limiter.take("all")
    if wait:
        raise Problem(ProblemType.RATE_LIMITED, "too many proposals from strangers", retry_after=wait)
    doc, doc_json = await node.directory.fetch_document(peer_id)
    await node.directory.remember(doc, doc_json)


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
    found = await request.app[NODE].store.tokens.resolve(token) if token else None
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
