"""The OpenAPI document: current, valid, served, and complete (a row for every API route)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from node.web.openapi import OPERATIONS, document, document_json
from protocol.problems import ProblemType

from .routes import app_routes

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    ]


def test_openapi__committed_document_is_current() -> None:
    assert COMMITTED.read_text("utf-8") == document_json(), (
        "docs/openapi.json is stale: run `python -m node.web.openapi docs/openapi.json`"
    )


def test_openapi__document_is_valid_openapi_3_1() -> None:
    doc = json.loads(COMMITTED.read_text("utf-8"))
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises on any violation of the OpenAPI 3.1 schema, or an unresolvable $ref


def test_openapi__every_problem_type_is_in_the_problem_schema() -> None:
    problem = document()["components"]["schemas"]["Problem"]
    assert problem["properties"]["type"]["enum"] == [kind.uri for kind in ProblemType]
    assert set(problem["x-problem-types"]) == {kind.value for kind in ProblemType}


def test_openapi__errors_are_problem_documents_with_their_types() -> None:
    for method, path, op in operations(document()):
        for status, answer in op["responses"].items():
            if int(status) < 400:
                continue
            (media,) = answer["content"]
            assert media == "application/problem+json", (method, path, status)
            types = answer["content"][media]["schema"]["allOf"][1]["properties"]["type"]["enum"]
            assert {ProblemType.from_uri(t).status for t in types} == {int(status)}, (method, path, status)


def test_openapi__every_operation_says_who_may_call_it() -> None:
    schemes = set(document()["components"]["securitySchemes"])
    for method, path, op in operations(document()):
        assert op["x-caller"], (method, path)
        assert all(set(requirement) <= schemes for requirement in op["security"]), (method, path)
        if path.startswith("/federation/"):
            assert op["security"] == [{"httpSignature": []}], (method, path)
        elif op["x-caller"] == "anyone":
            assert op["security"] == [], (method, path)


async def test_openapi__every_api_route_has_an_operation_and_every_operation_a_route(tmp_path: Path) -> None:
    routes = await app_routes(tmp_path)
    api_routes = [r for r in routes if r.is_api]
    rows = [(op.method, op.path) for op in OPERATIONS]
    missing = [want for route in api_routes for want in route.uncovered(rows)]
    assert not missing, f"routes with no operation in node/web/openapi.py: {missing}"
    stale = [f"{m} {p}" for m, p in rows if not any(r.matches(m, p) for r in api_routes)]
    assert not stale, f"operations with no route: {stale}"
    assert len(api_routes) >= 40  # the test would pass vacuously if the router were not read


async def test_openapi__served_by_a_running_node(nodes: Any) -> None:
    node = await nodes("Home")
    async with node.api.session.get(node.local + "/api/v1/openapi.json") as resp:
        assert resp.status == 200 and resp.content_type == "application/json"
        assert await resp.text() == COMMITTED.read_text("utf-8")
