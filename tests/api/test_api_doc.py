"""docs/API.md: an example per operation, captured from real nodes; every JSON answer matches the
OpenAPI document and every signed request verifies with the key printed beside it."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from node.web.openapi import OPERATIONS, document
from protocol.httpsig import verify_request
from protocol.keys import VerifyKey

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "API.md"
TRUNCATED = {"metrics", "openapi"}


@pytest.fixture(scope="module")
def api_doc() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_doc", REPO / "docs" / "examples" / "api_doc.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def examples(api_doc: ModuleType) -> dict[tuple[str, str], tuple[str, str]]:
    found: dict[tuple[str, str], tuple[str, str]] = api_doc.sections(DOC.read_text("utf-8"))
    return found


def parse(block: str) -> tuple[str, dict[str, str], str]:
    head, _, body = block.partition("\n\n")
    first, *lines = head.splitlines()
    headers = dict(line.split(": ", 1) for line in lines)
    return first, headers, body


def test_api_doc__every_operation_has_an_example(examples: dict[Any, Any]) -> None:
    assert set(examples) == {(op.method, op.path) for op in OPERATIONS}
    for op in OPERATIONS:
        request, response = examples[(op.method, op.path)]
        line, _, _ = parse(request)
        method, target, _ = line.split(" ")
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^?]+", re.escape(op.path))
        assert method == op.method and re.fullmatch(pattern + r"(\?.*)?", target), (op.operation_id, line)
        assert parse(response)[0].startswith("HTTP/1.1 2"), (op.operation_id, "examples show the answer that works")


def test_api_doc__every_json_answer_matches_the_openapi_document(examples: dict[Any, Any]) -> None:
    doc = document()
    checked = 0
    for op in OPERATIONS:
        if op.operation_id in TRUNCATED:
            continue
        status_line, headers, body = parse(examples[(op.method, op.path)][1])
        status = status_line.split(" ")[1]
        answer = doc["paths"][op.path][op.method.lower()]["responses"][status]
        media = headers.get("Content-Type", "").split(";")[0]
        assert media in answer.get("content", {}), (op.operation_id, media)
        if media.endswith("json"):
            schema = {**answer["content"][media]["schema"], "components": doc["components"]}
            errors = list(Draft202012Validator(schema).iter_errors(json.loads(body)))
            assert not errors, (op.operation_id, [e.message for e in errors[:3]])
            checked += 1
    assert checked >= 35


def test_api_doc__signed_examples_verify_with_the_key_shown(examples: dict[Any, Any]) -> None:
    text = DOC.read_text("utf-8")
    verified = 0
    for op in OPERATIONS:
        if not op.path.startswith("/federation/"):
            continue
        line, headers, body = parse(examples[(op.method, op.path)][0])
        method, target, _ = line.split(" ")
        keyid = re.search(r'keyid="([^"]+)"', headers["Signature-Input"])
        assert keyid, op.operation_id
        kid = keyid.group(1).rsplit("#", 1)[1]
        key = re.search(rf"`{re.escape(kid)}`, from its node document: `([A-Za-z0-9_-]+)`", text)
        assert key, f"{op.operation_id}: no verify key shown for {kid}"
        created = int(re.search(r"created=(\d+)", headers["Signature-Input"]).group(1))  # type: ignore[union-attr]
        raw = body.encode() if body else b""
        url = "http://" + headers.pop("Host") + target
        params = verify_request(
            method, url, headers, raw, VerifyKey.from_b64url(key.group(1)), nonces=None, now=created
        )
        assert params.created == created
        verified += 1
    assert verified == 6
