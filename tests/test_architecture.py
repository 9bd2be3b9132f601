"""The house as docs/ARCHITECTURE.md draws it: layers that import only downwards, features that
reach each other only through a package's public surface, and no import cycles at all.

The code is parsed, not imported: every import counts, including those under `TYPE_CHECKING`
and those inside functions, since each is a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "ARCHITECTURE.md"

# From the ground up; a module may import its own layer and those below. Top-level modules of
# `node/` are named one by one, so a new one has to be given a place (here and in the doc).
FOUNDATION = {
    "node.calendar",
    "node.clock",
    "node.config",
    "node.i18n",
    "node.keystore",
    "node.logs",
    "node.metrics",
    "node.plain",
    "node.ratelimit",
    "node.retry",
    "node.times",
    "node.words",
    "node.worker",
}
LAYERS: list[set[str]] = [
    {"protocol"},
    FOUNDATION,
    {"node.store"},
    {"node.federation", "node.mail"},
    {"node.core"},
    {"node.http"},
    {
        "node.twinning",
        "node.keyrotation",
        "node.events",
        "node.booking",
        "node.people",
        "node.profiles",
        "node.retraction",
        "node.introductions",
        "node.trip",
        "node.public",
        "node.auth",
        "node.activitypub",
    },
    {"node.assembly"},
    {"node.web", "node.cli", "node.demo", "node.demo_seed", "node.setup"},
]
FEATURE_LAYER = 6
FEATURES = {name for name in LAYERS[FEATURE_LAYER] if (ROOT / name.replace(".", "/")).is_dir()}


@cache
def modules() -> dict[str, Path]:
    found = {}
    for top in ("protocol", "node"):
        for path in (ROOT / top).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _resolve(name: str) -> str | None:
    """The module of this tree an imported name lives in (the longest known prefix)."""
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name or None


@cache
def imports(module: str) -> frozenset[str]:
    path = modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(filter(None, (_resolve(alias.name) for alias in node.names)))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                target = _resolve(f"{base}.{alias.name}") if f"{base}.{alias.name}" in modules() else _resolve(base)
                if target is not None:
                    found.add(target)
    found.discard(module)
    return frozenset(found)


def layer_of(module: str) -> int | None:
    for index, layer in enumerate(LAYERS):
        if any(module == name or module.startswith(name + ".") for name in layer):
            return index
    return None


def feature_of(module: str) -> str | None:
    return next((f for f in FEATURES if module == f or module.startswith(f + ".")), None)


def cycles(graph: dict[str, frozenset[str]] | None = None) -> list[list[str]]:
    """Strongly connected components of more than one node of the graph (Tarjan, iterative): by
    default the modules and their imports."""
    edges = graph if graph is not None else {m: imports(m) for m in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(edges[target]))))
                    break
                if target in on_stack:
                    low[module] = min(low[module], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def closure(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(imports(module))
    return seen


def _broken(pairs: Iterable[tuple[str, str]]) -> list[str]:
    return sorted(f"{a} imports {b}" for a, b in pairs)


def test_architecture__every_module_has_a_layer():
    unplaced = sorted(m for m in modules() if layer_of(m) is None)
    assert unplaced == [], "give each a layer in LAYERS here and a place in docs/ARCHITECTURE.md"


def test_architecture__no_import_cycles_at_all():
    assert cycles() == []


def test_architecture__cycle_finder_sees_a_cycle(monkeypatch):
    # The finder itself: two modules importing each other are one cycle.
    fake = {"a": frozenset({"b"}), "b": frozenset({"a"}), "c": frozenset({"a"})}
    monkeypatch.setitem(globals(), "imports", lambda m: fake[m])
    monkeypatch.setitem(globals(), "modules", lambda: dict.fromkeys(fake, ROOT))
    assert cycles() == [["a", "b"]]


def test_architecture__protocol_imports_nothing_from_node():
    pairs = ((m, t) for m in modules() if m.startswith("protocol") for t in imports(m))
    assert _broken((m, t) for m, t in pairs if t.startswith("node")) == []


def test_architecture__no_package_imports_a_higher_layer():
    """Every package imports only its own layer and those below: `node/store` nothing above it, a
    feature nothing of the assembly or of the web application that assembles the HTTP faces
    (what its handlers need, keys, problems, guards, page rendering, is in `node/http`, below)."""
    wrong = []
    for module in modules():
        own = layer_of(module)
        if own is not None:
            wrong += [(module, t) for t in imports(module) if (layer_of(t) or 0) > own]
    assert _broken(wrong) == []


def package_of(module: str) -> str:
    """The folder a module belongs to, by its first two names: `node.booking.routes` is in
    `node.booking`, `node.web.pages.member` in `node.web`; a top-level module is its own."""
    return ".".join(module.split(".")[:2])


def package_imports() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for module in modules():
        own = package_of(module)
        found.setdefault(own, set()).update(package_of(t) for t in imports(module))
    return {package: frozenset(targets - {package}) for package, targets in found.items()}


def test_architecture__no_import_cycles_between_packages():
    """No back arrows between folders either: `node.web` imports the features, so none of them
    may import `node.web`, even from a module the web application's own modules never import."""
    assert cycles(package_imports()) == []


def test_architecture__package_cycle_finder_sees_a_back_arrow(monkeypatch):
    # Two modules that import no module of each other still make a cycle of their folders.
    fake = {"node.a.x": frozenset({"node.b.y"}), "node.b.y": frozenset(), "node.b.z": frozenset({"node.a.w"})}
    fake["node.a.w"] = frozenset()
    monkeypatch.setitem(globals(), "imports", lambda m: fake[m])
    monkeypatch.setitem(globals(), "modules", lambda: dict.fromkeys(fake, ROOT))
    assert cycles() == []
    assert cycles(package_imports()) == [["node.a", "node.b"]]


def test_architecture__a_node_without_the_web_app_loads_no_web_module():
    """The assembly (and so every feature's services) never reaches HTTP handlers, pages or the CLI."""
    assert sorted(m for m in closure("node.assembly") if layer_of(m) == len(LAYERS) - 1) == []


def test_architecture__features_reach_each_other_only_through_the_package():
    """A feature's public surface is its package `__init__`: another feature imports `node.booking`,
    never `node.booking.store`. The web application and the assembly, above them, may import any module."""
    wrong = []
    for module in modules():
        own = feature_of(module)
        if own is None:
            continue
        for target in imports(module):
            other = feature_of(target)
            if other is not None and other != own and target != other:
                wrong.append((module, target))
    assert _broken(wrong) == []


def _packages_in_code() -> set[str]:
    return {
        str(path.parent.relative_to(ROOT)) + "/"
        for top in ("protocol", "node")
        for path in (ROOT / top).rglob("*.py")
        if path.parent != ROOT / top and "__pycache__" not in path.parts
    }


def _packages_in_doc() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    return set(re.findall(r"`((?:node|protocol)/[a-z_/]+/)`", text))


def test_architecture__doc_names_every_package_and_only_packages_that_exist():
    assert sorted(_packages_in_code() - _packages_in_doc()) == [], "say in docs/ARCHITECTURE.md what each owns"
    assert sorted(_packages_in_doc() - _packages_in_code()) == [], "docs/ARCHITECTURE.md names a package that is gone"


def test_architecture__doc_names_every_top_level_module():
    text = DOC.read_text(encoding="utf-8")
    top = {m for m in modules() if m.count(".") == 1 and modules()[m].name != "__init__.py" and m.startswith("node.")}
    missing = sorted(m for m in top if f"`{m.replace('.', '/')}.py`" not in text)
    assert missing == [], "say in docs/ARCHITECTURE.md what each owns"


def _strings(path: Path) -> Iterable[str]:
    """The string constants of a module, its docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.value


def test_architecture__federation_urls_are_built_in_the_client_alone():
    """Every /federation/v1 path is written once, in node/federation/client.py (the API reference
    in node/web/openapi.py documents the routes by their paths)."""
    allowed = {"node.federation.client", "node.web.openapi"}
    found = sorted(
        m for m, path in modules().items() if m not in allowed and any("/federation/v1" in s for s in _strings(path))
    )
    assert found == []


OPENING = {"open_envelope", "open_checked", "prepare_check", "signer_of"}
# Not receiving from a peer: the move to PostgreSQL re-verifies the envelopes the node already
# stored (with the keys stored beside them) to prove nothing was altered on the way.
OPENING_STORED = {"node.store.signed"}


def test_architecture__signed_objects_are_opened_by_the_peer_directory_alone():
    """One way to receive a signed object from a peer: `PeerDirectory.receive` (or `prepare`, for
    the inbox's threads). No other module of the node opens an envelope itself."""
    found = []
    for module, path in modules().items():
        if not module.startswith("node.") or module in {"node.federation.directory", *OPENING_STORED}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "protocol.envelope":
                found += [f"{module}: {a.name}" for a in node.names if a.name in OPENING]
    assert sorted(found) == []
