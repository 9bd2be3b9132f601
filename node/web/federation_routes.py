"""The federation API under /federation/v1: signed requests from twins only."""

from __future__ import annotations

import json

from aiohttp import web
from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

from node.federation.client import FEED_PATH, INBOX_PATH, TWINNING_PATH, feed_url
from node.http.errors import answer_json, json_response, read_json
from node.http.keys import BODY, PEER, PEER_ITEMS_LIMITER
from node.plain import validation_problem
from node.web.keys import ASSEMBLED
from protocol.models import MAX_BATCH_ITEMS, InboxBatch, ItemResult
from protocol.problems import Problem, ProblemType

routes = web.RouteTableDef()
FEED_MAX_LIMIT = 1000
# Written by pydantic-core in one call: a third of the cost of a dict per result through `json`.
_RESULTS = TypeAdapter(list[ItemResult])


@routes.post(INBOX_PATH)
async def inbox(request: web.Request) -> web.Response:
    """A batch of signed objects; 202 with a result per item."""
    node = request.app[ASSEMBLED]
    data = await read_json(request, request[BODY])
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items or len(items) > MAX_BATCH_ITEMS or set(data) != {"items"}:
        try:
            InboxBatch.model_validate(data)
        except ValidationError as exc:
            raise validation_problem(exc) from exc
        raise Problem(ProblemType.VALIDATION_ERROR, f"items: 1 to {MAX_BATCH_ITEMS} envelopes")
    # Each item costs a signature check: a twin's budget is counted in items, not only in requests,
    # so that no twin can spend the CPU our members' own requests need.
    wait = await request.app[PEER_ITEMS_LIMITER].take(request[PEER], cost=len(items))
    if wait:
        raise Problem(
            ProblemType.RATE_LIMITED, "too many objects from this node: send the rest later", retry_after=wait
        )
    results = await node.inbox.apply(request[PEER], items, via="push")
    return web.Response(status=202, body=_results_json(results), content_type="application/json")


def _results_json(results: list[ItemResult]) -> bytes:
    try:
        return b'{"results":' + _RESULTS.dump_json(results, exclude_none=True) + b"}"
    except PydanticSerializationError:
        # A refusal that names what the twin sent (an origin, a field's name) may hold a lone
        # surrogate, which UTF-8 cannot write: `answer_json` writes it as JSON's escape.
        return answer_json({"results": _RESULTS.dump_python(results, mode="json", exclude_none=True)})


@routes.get(FEED_PATH)
async def feed(request: web.Request) -> web.Response:
    """The caller's own change feed: our objects it may see, latest versions, in seq order."""
    node = request.app[ASSEMBLED]
    after = _int_param(request, "after", 0, 0, 2**62)
    limit = _int_param(request, "limit", 500, 1, FEED_MAX_LIMIT)
    objects = await node.store.objects.list_feed_texts(node.id, request[PEER], after, limit)
    last = objects[-1][0] if objects else after
    next_url = feed_url(node.id, last, limit) if len(objects) == limit else None
    # The stored envelopes are JSON texts we wrote: spliced into the page as they are, not parsed
    # and written again (a catching-up twin reads thousands of them).
    items = ",".join(f'{{"seq":{seq},"envelope":{envelope}}}' for seq, envelope in objects)
    body = f'{{"items":[{items}],"next":{json.dumps(next_url)}}}'
    return web.Response(body=body.encode(), content_type="application/json")


@routes.post(TWINNING_PATH)
async def twinning(request: web.Request) -> web.Response:
    """A proposal (the only call a stranger may make), an acceptance, or a change."""
    data = await read_json(request, request[BODY])
    result = await request.app[ASSEMBLED].twinning.receive(request[PEER], data)
    return json_response(result, status=202)


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise Problem(
            ProblemType.VALIDATION_ERROR,
            f"{name} must be an integer from {low} to {high}",
            errors=[{"field": name, "message": "out of range"}],
        )
    return value
