"""The store layer as docs/ARCHITECTURE.md describes it ("Repositories, one naming"): every
repository named and shaped alike, and SQL only in the store's modules.

Parsed, not imported, like tests/test_architecture.py, whose list of the node's modules it uses.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from tests.test_architecture import modules

# One naming for storage (docs/ARCHITECTURE.md, "Repositories"): the verbs a repository's public
# method may start with, and the transaction first (or keyword-only, for both uses).
REPOSITORY_VERBS = ("get", "list", "count", "is", "has", "store", "add", "delete", "forget", "claim")
# Not repositories although their names say Store: the container of the repositories, and the keys on disk.
NOT_REPOSITORIES = {"node.store.Store", "node.keystore.KeyStore"}
# Every repository is held to the convention now (the outbox joined it once its claims landed).
REPOSITORIES_LEFT: set[str] = set()


def _repository_classes() -> Iterable[tuple[str, ast.ClassDef]]:
    for module, path in modules().items():
        if not module.startswith("node."):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and re.search(r"(Repository|Queries|Store)$", node.name):
                name = f"{module}.{node.name}"
                if name not in NOT_REPOSITORIES | REPOSITORIES_LEFT:
                    yield name, node


def _naming_faults(name: str, cls: ast.ClassDef) -> list[str]:
    faults = [] if cls.name.endswith("Repository") else [f"{name}: call it ...Repository"]
    for method in cls.body:
        if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) or method.name.startswith("_"):
            continue
        where = f"{name}.{method.name}"
        if method.name.split("_")[0] not in REPOSITORY_VERBS:
            faults.append(f"{where}: start with one of {', '.join(REPOSITORY_VERBS)}")
        positional = [a.arg for a in method.args.posonlyargs + method.args.args][1:]
        if "tx" in positional[1:]:
            faults.append(f"{where}: tx first, or keyword-only with tx=None")
    return faults


def test_architecture__repositories_are_named_and_shaped_alike():
    faults = [fault for name, cls in _repository_classes() for fault in _naming_faults(name, cls)]
    assert faults == []


def test_architecture__repository_rule_sees_a_wrong_name_and_a_late_tx():
    cls = ast.parse(
        "class SlotQueries:\n"
        "    async def own_slot(self, tx, origin): ...\n"
        "    async def get(self, offer_id, tx=None): ...\n"
        "    async def get_own(self, member_id, *, tx=None): ...\n"
        "    async def list_due(self, tx, now): ...\n"
    ).body[0]
    assert isinstance(cls, ast.ClassDef)
    assert _naming_faults("m.SlotQueries", cls) == [
        "m.SlotQueries: call it ...Repository",
        f"m.SlotQueries.own_slot: start with one of {', '.join(REPOSITORY_VERBS)}",
        "m.SlotQueries.get: tx first, or keyword-only with tx=None",
    ]


SQL_CALLS = {"execute", "executemany", "execute_fetchall", "executescript", "fetch_one", "fetch_all"}
# SQL outside the store layer, each with its reason. Everything else keeps its SQL in a store module.
SQL_ELSEWHERE = {
    "node.cli.database": "`gemella db check` asks SQLite itself (PRAGMA integrity_check) about a stopped node's file",
    "node.mail.outbox": "the mail outbox is the mail package's store: its rows and the queries on them",
}


def _is_store_module(module: str) -> bool:
    last = module.rpartition(".")[2]
    return module.startswith("node.store") or last in {"store", "repository"} or last.endswith("_store")


def _sql_calls(source: str) -> list[str]:
    """Calls of a database method with a query (a string, or a name or expression holding one)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant | ast.JoinedStr | ast.Name | ast.BinOp):
                found.append(f"{node.func.attr} on line {node.lineno}")
    return found


def test_architecture__sql_runs_only_in_the_store_layer():
    found = {
        module: calls
        for module, path in modules().items()
        if module.startswith("node.") and not _is_store_module(module) and module not in SQL_ELSEWHERE
        for calls in [_sql_calls(path.read_text(encoding="utf-8"))]
        if calls
    }
    assert found == {}, "move the query into a repository (node/store/, a feature's store.py or *_store.py)"


def test_architecture__sql_exceptions_still_run_sql():
    """An exception whose queries moved to the store leaves the list, so the list stays true."""
    stale = [m for m in SQL_ELSEWHERE if m not in modules() or not _sql_calls(modules()[m].read_text(encoding="utf-8"))]
    assert stale == []


def test_architecture__sql_rule_sees_a_query_and_not_a_call_of_a_repository():
    source = (
        "async def erase(tx, repo):\n"
        "    await tx.execute('DELETE FROM tokens WHERE member_id = ?', (1,))\n"
        "    await repo.delete_for_member(tx, 1)\n"
        "    await db.fetch_all(SQL)\n"
    )
    assert _sql_calls(source) == ["execute on line 2", "fetch_all on line 4"]
    assert _is_store_module("node.booking.hosted_store") and not _is_store_module("node.people.erasure")
