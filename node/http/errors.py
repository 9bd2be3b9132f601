"""Every error leaves as application/problem+json (RFC 9457) with a stable type.

Bad input never gives a 500; an unexpected exception does, as a problem document, logged
with its traceback (never with request secrets).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
import structlog
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from pydantic import BaseModel, ValidationError

from node.plain import validation_problem
from node.retry import retry_after_header
from protocol.json_text import loads
from protocol.problems import PROBLEM_CONTENT_TYPE, Problem, ProblemType

log = structlog.get_logger("node.web")

M = TypeVar("M", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_PROBLEMS = {
    404: ProblemType.NOT_FOUND,
    405: ProblemType.METHOD_NOT_ALLOWED,
    413: ProblemType.PAYLOAD_TOO_LARGE,
    415: ProblemType.UNSUPPORTED_MEDIA_TYPE,
    401: ProblemType.UNAUTHORIZED,
    403: ProblemType.FORBIDDEN,
}


def logged_path(request: web.Request) -> str:
    """The request's path as a log may hold it: the route's template when a route matched
    (`/signin/link/{secret}`), since some paths carry a secret (a sign-in or invitation link,
    an unsubscribe signature) and a log line outlives both the link and an erasure."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else request.path


def problem_response(problem: Problem, instance: str | None = None) -> web.Response:
    headers = {}
    retry_after = problem.extensions.get("retry_after")
    if retry_after is not None:
        headers["Retry-After"] = retry_after_header(float(retry_after))
    return web.Response(
        status=problem.status,
        body=json.dumps(problem.to_document(instance)).encode(),
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if "%00" in request.raw_path:
        request = _without_nul(request)
    try:
        return await handler(request)
    except Problem as problem:
        return problem_response(problem, request.path)
    except ValidationError as exc:
        return problem_response(validation_problem(exc), request.path)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        kind = _HTTP_PROBLEMS.get(exc.status, ProblemType.VALIDATION_ERROR)
        response = problem_response(Problem(kind, exc.reason), request.path)
        if "Allow" in exc.headers:  # a 405 must say which methods the resource takes (RFC 9110)
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except (HttpProcessingError, RequestPayloadError) as exc:
        # A body that cannot be read as it was sent (not the gzip its Content-Encoding names, a
        # broken chunk): the sender's mistake, not ours.
        log.info("request_unreadable", method=request.method, path=logged_path(request), error=type(exc).__name__)
        unreadable = Problem(ProblemType.VALIDATION_ERROR, "the request body cannot be read as it was sent", errors=[])
        return problem_response(unreadable, request.path)
    except Exception:
        log.exception("unhandled_error", method=request.method, path=logged_path(request))
        return web.Response(
            status=500,
            body=json.dumps(
                {"type": "about:blank", "title": "Internal error", "status": 500, "instance": request.path}
            ).encode(),
            content_type=PROBLEM_CONTENT_TYPE,
        )


def _without_nul(request: web.Request) -> web.Request:
    """The request with each NUL of its address's values as U+FFFD. PostgreSQL's text cannot hold
    a NUL (a 500 there); SQLite's can, and finds nothing by it. No id or value holds U+FFFD either,
    so both databases answer alike, as SQLite always did."""
    for key, value in request.match_info.items():
        request.match_info[key] = value.replace("\x00", "\ufffd")
    query = [(k.replace("\x00", "\ufffd"), v.replace("\x00", "\ufffd")) for k, v in request.query.items()]
    return request.clone(rel_url=request.rel_url.with_query(query))


async def read_json(request: web.Request, body: bytes | None = None) -> Any:
    """The request's JSON body; problem if it is not JSON."""
    if body is None:
        if request.content_type != "application/json":
            raise Problem(ProblemType.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json")
        body = await request.read()
    try:
        return loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(ProblemType.VALIDATION_ERROR, f"the body is not valid JSON: {exc}", errors=[]) from exc
    except RecursionError as exc:  # [[[[...]]]]: a few hundred kilobytes can nest past the parser's limit
        raise Problem(ProblemType.VALIDATION_ERROR, "the body's JSON nests too deeply", errors=[]) from exc


async def parse_body(request: web.Request, model: type[M], body: bytes | None = None) -> M:
    data = await read_json(request, body)
    raw = body if body is not None else await request.read()
    if b"\\u0000" in raw and _holds_nul(data):  # JSON writes the character escaped; the walk is only then
        # PostgreSQL's text cannot hold it (SQLite's can): refused alike on both, not a 500 on one.
        raise Problem(ProblemType.VALIDATION_ERROR, "text may not hold the NUL character (U+0000)", errors=[])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_problem(exc) from exc


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    return isinstance(value, list) and any(_holds_nul(v) for v in value)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """`data` as JSON; an answer's model (node/http/answers.py) as its JSON form, every field in
    the model's order (None as null)."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    return web.Response(status=status, body=answer_json(data), content_type="application/json", headers=headers)


# What orjson would write otherwise than the standard library (a datetime in its own form, a
# dataclass as an object, a subclass of str or int as its base): handed to `_not_plain`, so the
# standard library writes the whole answer as it always has.
_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def answer_json(data: Any) -> bytes:
    """An answer as UTF-8 JSON: orjson for plain values (strings, integers within 64 bits, lists,
    objects with string keys: every answer of a reservation, several times faster), else the
    standard library with `default=str`, which also takes what orjson refuses."""
    try:
        return orjson.dumps(data, default=_not_plain, option=_PASSTHROUGH)
    except (orjson.JSONEncodeError, TypeError):
        text = json.dumps(data, ensure_ascii=False, default=str)
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate, which UTF-8 cannot write: JSON's escapes can
        return json.dumps(data, default=str).encode()


def _not_plain(value: Any) -> Any:
    raise TypeError(type(value).__name__)
