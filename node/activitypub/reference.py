"""The bridge's rows in the API reference (node/web/openapi.py): the shapes of its operator
answers and its two /.well-known/ documents, for readers and for the schema fuzzing."""

from __future__ import annotations

from pydantic import Field

from node.http.answers import Answer
from node.http.openapi_build import Caller, Media, Op, Query
from protocol.problems import ProblemType as P

from .routes import BlockBody


class FollowerView(Answer):
    actor: str = Field(description="The follower's actor id.")
    inbox: str = Field(description="Where the space's activities go (the follower server's shared inbox).")
    host: str
    since: str


class FollowerList(Answer):
    """GET /api/v1/activitypub/followers."""

    followers: list[FollowerView]
    pending_deliveries: int = Field(description="Activities waiting for a follower's server to take them.")


class BlockList(Answer):
    """GET /api/v1/activitypub/blocks."""

    blocked: list[str] = Field(description="Hosts that get nothing and may not follow.")


class Blocked(Answer):
    blocked: str


class Removed(Answer):
    removed: str = Field(description="The actor id of the follower removed.")


class Unblocked(Answer):
    unblocked: str


class NodeInfoLink(Answer):
    rel: str
    href: str


class NodeInfoLinks(Answer):
    """GET /.well-known/nodeinfo."""

    links: list[NodeInfoLink]


JRD = Media("application/jrd+json", "A WebFinger JRD (RFC 7033) with a `self` link to the actor.", {"type": "object"})
GONE = (P.NOT_FOUND,)  # every bridge route answers 404 when `activitypub.enabled` is false

# fmt: off
OPERATIONS = [
    Op("GET", "/.well-known/webfinger", "webfinger", "Find the space's fediverse actor", Caller.ANYONE,
       {200: JRD}, GONE, query=(Query("resource", "`acct:<username>@<host>` or the actor's URL."),), tag="fediverse"),
    Op("GET", "/.well-known/nodeinfo", "nodeinfoLinks", "Where the NodeInfo 2.1 document is", Caller.ANYONE,
       {200: NodeInfoLinks}, GONE, tag="fediverse"),
    Op("GET", "/api/v1/activitypub/followers", "listFollowers", "The space's followers on the fediverse",
       Caller.OPERATOR, {200: FollowerList}, GONE, tag="fediverse"),
    Op("DELETE", "/api/v1/activitypub/followers", "removeFollower", "Remove a follower: it gets nothing more",
       Caller.OPERATOR, {200: Removed}, GONE, query=(Query("actor", "The follower's actor id."),),
       tag="fediverse"),
    Op("GET", "/api/v1/activitypub/blocks", "listBlocks", "Blocked instances", Caller.OPERATOR,
       {200: BlockList}, GONE, tag="fediverse"),
    Op("POST", "/api/v1/activitypub/blocks", "blockInstance", "Block an instance: its followers are removed",
       Caller.OPERATOR, {201: Blocked}, GONE, body=BlockBody, tag="fediverse",
       description="Nothing more is sent to the host, and its Follows are refused with `403 forbidden`."),
    Op("DELETE", "/api/v1/activitypub/blocks/{host}", "unblockInstance", "Unblock an instance", Caller.OPERATOR,
       {200: Unblocked}, GONE, tag="fediverse"),
]
# fmt: on
TAG = {"name": "fediverse", "description": "The ActivityPub bridge (docs/OPERATING.md, docs/ACTIVITYPUB.md)."}
