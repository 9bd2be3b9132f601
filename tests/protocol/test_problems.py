import json
import re
from typing import Any

import pytest

from protocol.problems import PROBLEM_BASE, Problem, ProblemDocument, ProblemType

# The problem types DESIGN.md names; the protocol may add more, never drop one.
DESIGN_TYPES = {
    "validation-error",
    "signature-invalid",
    "signature-expired",
    "replay",
    "unknown-key",
    "not-twinned",
    "forbidden",
    "not-found",
    "conflict",
    "slot-full",
    "allowance-exhausted",
    "outside-booking-window",
    "cancellation-window-closed",
    "payload-too-large",
    "rate-limited",
}


@pytest.mark.parametrize("kind", list(ProblemType))
def test_problems__every_type_has_status_and_title(kind: ProblemType) -> None:
    assert 400 <= kind.status <= 599
    assert kind.default_title and kind.default_title[0].isupper() and not kind.default_title.endswith(".")
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", kind.value)
    assert kind.uri == PROBLEM_BASE + kind.value


def test_problems__design_types_all_exist() -> None:
    assert {kind.value for kind in ProblemType} >= DESIGN_TYPES


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (ProblemType.VALIDATION_ERROR, 422),
        (ProblemType.SIGNATURE_INVALID, 401),
        (ProblemType.NOT_TWINNED, 403),
        (ProblemType.NOT_FOUND, 404),
        (ProblemType.CONFLICT, 409),
        (ProblemType.PAYLOAD_TOO_LARGE, 413),
        (ProblemType.RATE_LIMITED, 429),
    ],
)
def test_problems__status_follows_http_meaning(kind: ProblemType, status: int) -> None:
    assert kind.status == status
    assert Problem(kind).status == status


@pytest.mark.parametrize("kind", list(ProblemType))
def test_problems__document_round_trip(kind: ProblemType) -> None:
    errors = [{"field": "object.title", "message": "Field required"}]
    problem = Problem(kind, "something specific", errors=errors, retry_after=3)
    document = json.loads(json.dumps(problem.to_document(instance="/federation/v1/inbox")))
    assert document == {
        "type": kind.uri,
        "title": kind.default_title,
        "status": kind.status,
        "detail": "something specific",
        "instance": "/federation/v1/inbox",
        "errors": errors,
        "retry_after": 3,
    }
    ProblemDocument.model_validate(document)
    again = Problem.from_document(document)
    assert (again.kind, again.detail, again.extensions) == (kind, "something specific", problem.extensions)
    assert again.to_document(instance="/federation/v1/inbox") == document


def test_problems__document_leaves_out_empty_members() -> None:
    assert Problem(ProblemType.NOT_FOUND).to_document() == {
        "type": PROBLEM_BASE + "not-found",
        "title": "No such resource",
        "status": 404,
    }


def test_problems__bare_slug_is_understood() -> None:
    assert Problem.from_document({"type": "slot-full"}).kind is ProblemType.SLOT_FULL
    assert ProblemType.from_uri("replay") is ProblemType.REPLAY


@pytest.mark.parametrize(
    "document",
    [
        {"type": PROBLEM_BASE + "teapot", "status": 418},
        {"type": "https://elsewhere.example/problems/conflict", "status": 409},
        {"type": "about:blank", "status": 500},
        {"status": 500},
        {"type": None},
    ],
    ids=["unknown-slug", "other-base", "about-blank", "no-type", "null-type"],
)
def test_problems__unknown_type_becomes_validation_error(document: dict[str, Any]) -> None:
    problem = Problem.from_document(document)
    assert problem.kind is ProblemType.VALIDATION_ERROR
    assert problem.status == 422


def test_problems__message_names_type_and_detail() -> None:
    assert str(Problem(ProblemType.REPLAY, "nonce seen")) == "replay: nonce seen"
    assert str(Problem(ProblemType.REPLAY)) == "replay"
