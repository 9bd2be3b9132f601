"""The routes an application registers, and matching them to rows (OpenAPI operations, matrix rows)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from node.config import load_settings
from node.setup import init_node_async
from node.web.app import create_app

# Under these the answers are JSON (or calendars, metrics) and belong in the OpenAPI document.
API_PREFIXES = ("/api/v1/", "/federation/v1/", "/.well-known/")
API_PATHS = ("/calendar.ics", "/healthz", "/metrics")
ANY = "(any request it matches)"
_GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")
_ALTERNATION = re.compile(r"\w+(\|\w+)+")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # aiohttp's canonical form, e.g. /api/v1/twins/{id}/{action}
    resource: web.AbstractResource

    @property
    def is_api(self) -> bool:
        return self.path.startswith(API_PREFIXES) or self.path in API_PATHS

    def uncovered(self, rows: list[tuple[str, str]]) -> list[str]:
        """The requests this route serves that no row (method, path) describes.

        A route like `/twins/{id}/{action:accept|decline}` serves one request per alternative:
        each needs its own row.
        """
        concrete = {re.sub(r"\{[^}]+\}", "x1", path) for method, path in rows if self.matches(method, path)}
        if self.expansions() == [ANY]:
            return [] if concrete else [str(self)]
        return [f"{self.method} {want}" for want in self.expansions() if want not in concrete]

    def expansions(self) -> list[str]:
        """One concrete path per alternative of each `name:a|b|c` group (ANY: any match will do)."""
        info = self.resource.get_info()
        pattern = info.get("pattern")
        if pattern is None:
            return [ANY]
        paths = [info["formatter"]]
        for name, regex in _GROUP.findall(pattern.pattern):
            values = regex.split("|") if _ALTERNATION.fullmatch(regex) else None
            if values is None:
                continue
            paths = [p.replace("{" + name + "}", v) for p in paths for v in values]
        if paths == [info["formatter"]]:
            return [ANY]
        return [re.sub(r"\{[^}]+\}", "x1", p) for p in paths]

    def matches(self, method: str, path: str) -> bool:
        """Does a request `method path` (with `{name}` placeholders) reach this route?"""
        if method != self.method:
            return False
        concrete = re.sub(r"\{[^}]+\}", "x1", path)
        info = self.resource.get_info()
        if "pattern" in info:
            return info["pattern"].fullmatch(concrete) is not None
        if "prefix" in info:  # static files
            return concrete.startswith(info["prefix"])
        return bool(info.get("path") == concrete)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


async def app_routes(root: Path) -> list[Route]:
    """Every route a real node's application registers (HEAD routes go with their GET)."""
    directory = root / "routes-node"
    await init_node_async(directory, name="Routes", url="http://127.0.0.1:9", listen="127.0.0.1:9", timezone="UTC")
    app = create_app(load_settings(directory, {}))
    found = []
    for route in app.router.routes():
        if route.method == "HEAD" or route.resource is None:
            continue
        found.append(Route(route.method, route.resource.canonical, route.resource))
    return found
