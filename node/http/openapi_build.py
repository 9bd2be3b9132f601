"""Turns the table of operations (node/web/openapi.py) into an OpenAPI 3.1 document.

JSON Schemas come from the pydantic models themselves (request bodies in validation mode,
answers in serialization mode), so the document cannot drift from the code; the only hand
kept part is the table, and tests/api checks it against the routes and a running node.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from protocol.problems import PROBLEM_CONTENT_TYPE, ProblemType

REF = "#/components/schemas/{model}"
P = ProblemType


class Caller(Enum):
    """Who may call an operation; decides its security requirement and its auth problems."""

    ANYONE = "anyone"
    USER = "member or operator"
    MEMBER = "member"
    OPERATOR = "operator"
    TWIN = "active twin"
    ANY_NODE = "any node (a stranger may propose)"


_SECURITY: dict[Caller, list[dict[str, list[str]]]] = {
    Caller.ANYONE: [],
    Caller.USER: [{"memberToken": []}, {"operatorToken": []}],
    Caller.MEMBER: [{"memberToken": []}],
    Caller.OPERATOR: [{"operatorToken": []}],
    Caller.TWIN: [{"httpSignature": []}],
    Caller.ANY_NODE: [{"httpSignature": []}],
}
_SIGNED = (P.SIGNATURE_INVALID, P.SIGNATURE_EXPIRED, P.REPLAY, P.UNKNOWN_KEY, P.NOT_TWINNED, P.RATE_LIMITED)
_AUTH_PROBLEMS: dict[Caller, tuple[ProblemType, ...]] = {
    Caller.ANYONE: (),
    Caller.USER: (P.UNAUTHORIZED,),
    Caller.MEMBER: (P.UNAUTHORIZED, P.FORBIDDEN),
    Caller.OPERATOR: (P.UNAUTHORIZED, P.FORBIDDEN),
    # The middleware reads every federation body (413 when too large) and may refetch a
    # known peer's document for a key id it has not seen (502 when the peer is down).
    Caller.TWIN: (*_SIGNED, P.PAYLOAD_TOO_LARGE, P.PEER_UNREACHABLE),
    Caller.ANY_NODE: (*_SIGNED, P.PAYLOAD_TOO_LARGE, P.PEER_UNREACHABLE, P.VALIDATION_ERROR),
}
# A JSON body on the local API: parse_body checks the media type, the size and the fields.
_LOCAL_BODY = (P.VALIDATION_ERROR, P.UNSUPPORTED_MEDIA_TYPE, P.PAYLOAD_TOO_LARGE)


@dataclass(frozen=True)
class Media:
    """A non-JSON answer (a calendar, metrics), or no body at all (media None)."""

    media: str | None
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True)
class Query:
    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    location: Literal["query", "header"] = "query"


@dataclass(frozen=True)
class Op:
    """One operation: the declarative row the document is built from."""

    method: str
    path: str
    operation_id: str
    summary: str
    caller: Caller
    answers: dict[int, type[BaseModel] | Media]
    problems: tuple[ProblemType, ...] = ()
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: tuple[Query, ...] = ()
    description: str = ""
    tag: str = ""
    raw_body: Media | None = None  # a body that is not JSON (a CSV file)

    def all_problems(self) -> list[ProblemType]:
        """Every problem type this operation can answer, by status then name."""
        found = set(self.problems) | set(_AUTH_PROBLEMS[self.caller])
        if "{" in self.path:  # a path segment no route matches (an empty or multi-line id) is a 404
            found.add(P.NOT_FOUND)
        if self.body is not None and self.caller not in (Caller.TWIN, Caller.ANY_NODE):
            found |= set(_LOCAL_BODY)
        return sorted(found, key=lambda kind: (kind.status, kind.value))


def build_document(operations: Iterable[Op], *, info: dict[str, Any], tags: list[dict[str, str]]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `operations`."""
    operations = list(operations)
    refs, schemas = _schemas(operations)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        path_item = paths.setdefault(op.path, {})
        if op.method.lower() in path_item:
            raise ValueError(f"{op.method} {op.path} is in the table twice")
        path_item[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": info,
        "servers": [{"url": "/", "description": "The node itself (its id is its public base URL)."}],
        "tags": tags,
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
    }


Refs = dict[tuple[type[BaseModel], JsonSchemaMode], dict[str, Any]]


def _schemas(operations: list[Op]) -> tuple[Refs, dict[str, Any]]:
    """Each model's `$ref` and the component schemas (pydantic names each model once)."""
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
    for op in operations:
        if op.body is not None:
            wanted[(op.body, "validation")] = None
        for answer in op.answers.values():
            if isinstance(answer, type):
                wanted[(answer, "serialization")] = None
    refs, top = models_json_schema(list(wanted), ref_template=REF)
    schemas: dict[str, Any] = dict(sorted(top.get("$defs", {}).items()))
    schemas["Problem"] = problem_schema()
    return {(model, mode): refs[(model, mode)] for model, mode in wanted}, schemas


def problem_schema() -> dict[str, Any]:
    """RFC 9457 problem document; `type` is one of the protocol's problem types."""
    return {
        "title": "Problem",
        "description": "An error (RFC 9457), sent as application/problem+json. Switch on `type`.",
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "enum": [kind.uri for kind in ProblemType]},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": {
                "description": "For validation-error: each field in error, with its path.",
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                },
            },
            "retry_after": {"description": "For rate-limited: seconds to wait.", "type": "number"},
        },
        "additionalProperties": True,
        "x-problem-types": {
            kind.value: {"status": kind.status, "title": kind.default_title, "uri": kind.uri} for kind in ProblemType
        },
    }


def _operation(op: Op, refs: Refs) -> dict[str, Any]:
    result: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag] if op.tag else [],
        "description": _description(op),
        "security": _SECURITY[op.caller],
        "x-caller": op.caller.value,
    }
    parameters = [_path_parameter(name) for name in _path_names(op.path)] + [_parameter(q) for q in op.query]
    if parameters:
        result["parameters"] = parameters
    if op.body is not None:
        result["requestBody"] = {
            "required": op.body_required,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    if op.raw_body is not None and op.raw_body.media is not None:
        media = {op.raw_body.media: {"schema": op.raw_body.schema}}
        result["requestBody"] = {"required": True, "description": op.raw_body.description, "content": media}
    result["responses"] = _responses(op, refs)
    return result


def _description(op: Op) -> str:
    problems = ", ".join(f"`{kind.value}` ({kind.status})" for kind in op.all_problems())
    who = f"Who: {op.caller.value}."
    text = f"{op.description}\n\n{who}" if op.description else who
    return f"{text}\n\nProblems: {problems or 'none'}."


def _responses(op: Op, refs: Refs) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, answer in sorted(op.answers.items()):
        if isinstance(answer, Media):
            content = {} if answer.media is None else {answer.media: {"schema": answer.schema}}
            responses[str(status)] = {"description": answer.description, **({"content": content} if content else {})}
        else:
            responses[str(status)] = {
                "description": (answer.__doc__ or answer.__name__).strip().splitlines()[0],
                "content": {"application/json": {"schema": refs[(answer, "serialization")]}},
            }
    by_status: dict[int, list[ProblemType]] = {}
    for kind in op.all_problems():
        by_status.setdefault(kind.status, []).append(kind)
    for status, kinds in sorted(by_status.items()):
        responses[str(status)] = {
            "description": "; ".join(kind.default_title for kind in kinds),
            "headers": {"Retry-After": {"schema": {"type": "string"}}} if P.RATE_LIMITED in kinds else {},
            "content": {
                PROBLEM_CONTENT_TYPE: {
                    "schema": {
                        "allOf": [
                            {"$ref": REF.format(model="Problem")},
                            {"properties": {"type": {"enum": [kind.uri for kind in kinds]}}},
                        ]
                    }
                }
            },
        }
        if not responses[str(status)]["headers"]:
            del responses[str(status)]["headers"]
    return responses


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def _path_parameter(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}


def _parameter(query: Query) -> dict[str, Any]:
    return {
        "name": query.name,
        "in": query.location,
        "required": False,
        "description": query.description,
        "schema": query.schema,
    }


SECURITY_SCHEMES: dict[str, Any] = {
    "operatorToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The operator's token (from `gemella init` or `gemella operator-token`).",
    },
    "memberToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A member's token (from POST /api/v1/members, shown once).",
    },
    "httpSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "Signature",
        "description": (
            "An RFC 9421 request signature by a node, with Signature-Input: components "
            '"@method" "@target-uri" "content-digest" "content-type" (GET and bodiless: "@method" '
            '"@target-uri"), parameters created, nonce, keyid="<node id>#<key id>" and '
            'tag="gemellaggio-v1"; Content-Digest (RFC 9530, sha-256) for a body. At most 300 s old, '
            "a (keyid, nonce) only once. See docs/PROTOCOL.md."
        ),
    },
}
