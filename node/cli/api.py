"""The CLI's client for the local API (operator commands call the running node).

A refusal from the node becomes a `NodeRefused` error: a sentence for people (every validation
error, each with its field in words) and, under --json, the node's problem document.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from node.config import ConfigError, load_settings
from node.plain import validation_lines

from .words import check_url, clean_token


class NodeRefused(click.ClickException):
    """The node answered with a problem document (kept for --json)."""

    def __init__(self, message: str, problem: dict[str, Any]) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass
class ApiClient:
    base: str
    token: str | None
    # What to do instead when the node finds nothing: {"resource": "gemella resource add ..."}.
    hints: dict[str, str] | None = None

    def call(self, method: str, path: str, body: Any | None = None) -> Any:
        try:
            return self._request(method, path, body)
        except urllib.error.HTTPError as exc:
            raise self._refused(exc) from exc
        except urllib.error.URLError as exc:
            reason = str(getattr(exc.reason, "strerror", None) or exc.reason).lower()
            raise click.ClickException(
                f"cannot reach the node at {self.base} ({reason}); is it running? Start it with `gemella run DIR`"
            ) from exc
        except (TimeoutError, ConnectionError) as exc:
            raise click.ClickException(f"the node at {self.base} did not answer ({exc})") from exc

    def _request(self, method: str, path: str, body: Any | None, token: bool = True) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base.rstrip("/") + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token and token:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=30) as resp:
            text = resp.read()
        return json.loads(text) if text else None

    def node_name(self) -> str:
        """'WeCreate NYC (http://127.0.0.1:8081)', or the address alone if the node does not say."""
        try:
            about = self._request("GET", "/api/v1/node", None, token=False)
            return f"{about['name']} ({self.base})"
        except (OSError, ValueError, KeyError, TypeError):
            return self.base

    def _refused(self, exc: urllib.error.HTTPError) -> NodeRefused:
        try:
            problem = json.loads(exc.read())
            if not isinstance(problem, dict):
                raise ValueError("not a problem document")
        except ValueError:
            problem = {"status": exc.code, "title": str(exc.reason)}
        return NodeRefused(self._sentence(exc.code, problem), problem)

    def _sentence(self, status: int, problem: dict[str, Any]) -> str:
        slug = str(problem.get("type", "")).rsplit("/", 1)[-1]
        detail = str(problem.get("detail") or problem.get("title") or f"HTTP {status}")
        if status == 401:
            if self.token:
                return (
                    f"this token is not valid for {self.node_name()}. Check that it is this node's token; "
                    "a lost operator token is replaced with `gemella operator-token DIR`"
                )
            return f"{self.base} needs a token: give --token TOKEN or set GEMELLA_TOKEN"
        if slug == "validation-error" and problem.get("errors"):
            lines = validation_lines(problem["errors"])
            if len(lines) == 1:
                return f"the node refused it: {lines[0]}"
            return "the node refused it:\n" + "\n".join(f"  - {line}" for line in lines)
        if status == 404:
            return detail + self._pointer(detail)
        return detail

    def _pointer(self, detail: str) -> str:
        for word, command in (self.hints or {}).items():
            if re.search(rf"\b{word}", detail, re.IGNORECASE):
                return f". {command}"
        return ""


def client_from(ctx: click.Context, hints: dict[str, str] | None = None) -> ApiClient:
    """Where the node is: --node, else GEMELLA_NODE, else the listen address of --dir's config."""
    opts = ctx.find_root().params
    base = opts.get("node") or os.environ.get("GEMELLA_NODE")
    directory = opts.get("dir") or os.environ.get("GEMELLA_DIR")
    if base:
        base = check_url(base, "--node (the node's local address)").rstrip("/")
    elif directory:
        try:
            settings = load_settings(Path(directory), {})
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc
        base = f"http://{_connect_host(settings.listen.host)}:{settings.listen.port}"
    else:
        raise click.UsageError(
            "say which node: --dir DIR (the folder `gemella init` made), --node URL, or set GEMELLA_DIR or GEMELLA_NODE"
        )
    token = clean_token(opts.get("token") or os.environ.get("GEMELLA_TOKEN"))
    return ApiClient(base, token, hints)


def _connect_host(host: str) -> str:
    """A node listening on every address is reached on loopback."""
    if host in ("0.0.0.0", "", "*"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def emit(ctx: click.Context, data: Any, text: str) -> None:
    """Print JSON with --json, else the human sentence."""
    if ctx.find_root().params.get("as_json"):
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(text)


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def twin_ref(client: ApiClient, value: str) -> str:
    """A twin as the node knows it (twinning id or node URL), from an id, a URL or the twin's name."""
    value = value.strip()
    if "://" in value or _UUID.match(value):
        return check_url(value, "a twin's address") if "://" in value else value
    try:
        twins = client.call("GET", "/api/v1/twins")["items"]
    except NodeRefused:  # a member may not list twinnings: let the node judge the value
        return value
    wanted = value.casefold()
    found = [t for t in twins if (t.get("peer_name") or "").casefold() == wanted]
    found = found or [t for t in twins if wanted in (t.get("peer_name") or "").casefold()]
    live = [t for t in found if t["status"] in ("active", "suspended", "pending", "proposed")]
    found = live or found
    if len(found) == 1:
        return str(found[0]["id"])
    if not twins:
        raise click.ClickException(
            f"no twin called {value!r}: there are no twins yet; propose one with `gemella twin propose URL`"
        )
    names = ", ".join(sorted({f"{t.get('peer_name') or t['peer']} ({t['peer']})" for t in (found or twins)}))
    if found:
        raise click.ClickException(f"{value!r} could be several twins: {names}; give the twin's URL or twinning id")
    if "." in value and " " not in value:
        check_url(value, "a twin's address")
    raise click.ClickException(f"no twin called {value!r}; the twins are {names}")
