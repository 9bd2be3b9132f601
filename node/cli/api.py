"""The CLI's client for the local API (operator commands call the running node)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from node.config import ConfigError, load_settings


@dataclass
class ApiClient:
    base: str
    token: str | None

    def call(self, method: str, path: str, body: Any | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base.rstrip("/") + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                text = resp.read()
        except urllib.error.HTTPError as exc:
            raise click.ClickException(_describe_problem(exc)) from exc
        except urllib.error.URLError as exc:
            raise click.ClickException(f"cannot reach the node at {self.base}: {exc.reason}") from exc
        return json.loads(text) if text else None


def _describe_problem(exc: urllib.error.HTTPError) -> str:
    try:
        doc = json.loads(exc.read())
        slug = str(doc.get("type", "")).rsplit("/", 1)[-1]
        return f"{doc.get('title', exc.reason)} ({slug}, HTTP {exc.code}): {doc.get('detail', '')}".rstrip(": ")
    except ValueError:
        return f"HTTP {exc.code} {exc.reason}"


def client_from(ctx: click.Context) -> ApiClient:
    """Where the node is: --node, else GEMELLA_NODE, else the listen address of --dir's config."""
    opts = ctx.find_root().params
    base = opts.get("node") or os.environ.get("GEMELLA_NODE")
    directory = opts.get("dir") or os.environ.get("GEMELLA_DIR")
    if not base and directory:
        try:
            settings = load_settings(Path(directory), {})
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc
        base = f"http://{settings.listen.host}:{settings.listen.port}"
    if not base:
        raise click.UsageError("say which node: --node URL, --dir DIR, or GEMELLA_NODE")
    token = opts.get("token") or os.environ.get("GEMELLA_TOKEN")
    return ApiClient(base, token)


def emit(ctx: click.Context, data: Any, text: str) -> None:
    """Print JSON with --json, else the human sentence."""
    if ctx.find_root().params.get("as_json"):
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(text)
