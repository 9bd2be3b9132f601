"""No log line holds a request's raw path: some paths carry a secret (a sign-in or invitation
link, an unsubscribe signature), and a log line outlives the link and an erasure. Log calls name
the route's template instead (`node.http.errors.logged_path`)."""

from __future__ import annotations

import ast
from pathlib import Path

NODE = Path(__file__).resolve().parents[2] / "node"
RAW = {"path", "raw_path", "path_qs", "rel_url", "url"}


def raw_paths_logged(source: str) -> list[int]:
    """Lines of `log.<level>(...)` calls given `request.<path>` as an argument."""
    found = []
    for call in ast.walk(ast.parse(source)):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        if not (isinstance(call.func.value, ast.Name) and call.func.value.id == "log"):
            continue
        for value in [*call.args, *(k.value for k in call.keywords)]:
            for node in ast.walk(value):
                named = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                if named and node.attr in RAW and node.value.id == "request":
                    found.append(call.lineno)
    return found


def test_logs__no_log_call_is_given_the_raw_request_path() -> None:
    offenders = [
        f"{path.relative_to(NODE.parent)}:{line}"
        for path in sorted(NODE.rglob("*.py"))
        for line in raw_paths_logged(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_logs__the_check_sees_a_raw_path() -> None:
    assert raw_paths_logged('log.info("x", path=request.path)\nlog.info("y", path=logged_path(request))') == [1]
