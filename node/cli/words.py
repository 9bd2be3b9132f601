"""Catching an operator's mistakes before they reach the node: YAML errors with their place,
pasted tokens and URLs checked before they are sent (node/plain.py words the node's answers).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import click
import yaml

from node.config import yaml_error_text
from protocol.models.common import check_node_id, check_zone

# -- what people paste ---------------------------------------------------------------------------


def clean_token(token: str | None) -> str | None:
    """A pasted token loses surrounding spaces and line breaks; one broken in the middle is refused."""
    if token is None:
        return None
    trimmed = token.strip()
    if not trimmed:
        return None
    if any(ch.isspace() for ch in trimmed):
        raise click.UsageError(
            "the token has a space or a line break in the middle; copy it again as one line (tokens have no spaces)"
        )
    return trimmed


def check_url(url: str, what: str = "a node's address") -> str:
    """A URL people type: it must say http:// or https://, and we say so with an example."""
    url = url.strip()
    if not re.match(r"^https?://", url, re.IGNORECASE):
        if "://" in url:
            raise click.UsageError(f"{url}: {what} starts with http:// or https://")
        raise click.UsageError(
            f"{url}: {what} starts with http:// or https://, for example https://{url} "
            f"(or http://{url} for a node on this machine or a local network)"
        )
    if not _whole(url):
        raise click.UsageError(
            f"{url}: {what} is not a whole address: write a host name or IP address and, if needed, "
            "a port from 1 to 65535, without spaces, like https://nyc.example or http://127.0.0.1:8080"
        )
    return url


def _whole(url: str) -> bool:
    """A host, a port that is a number in range (if any), and nothing that cannot be in a URL."""
    try:
        parts = urlsplit(url)
        port = parts.port  # reading it checks it
    except ValueError:  # a port that is no number or out of range, a broken [IPv6] address
        return False
    printable = all(ch.isprintable() and not ch.isspace() for ch in url)
    return bool(parts.hostname) and port != 0 and printable


def without_password(url: str) -> str:
    """A database URL fit to print: its password, if any, left out."""
    head, at, tail = url.rpartition("@")
    if not at or ":" not in head.removeprefix("postgresql://").removeprefix("postgres://"):
        return url
    scheme, _, user_pass = head.partition("://")
    return f"{scheme}://{user_pass.split(':', 1)[0]}:...@{tail}"


def check_init_options(name: str | None, url: str | None, timezone: str, listen: str | None) -> None:
    """The options that become config.yaml, checked as its keys are, and named when wrong (not
    as a line of a file the operator never wrote)."""
    wrong = None
    port = (listen or "").rpartition(":")[2]
    if name is not None and len(name.strip().splitlines()) > 1:
        wrong = "--name: write it on one line, without line breaks"
    elif name is not None and not 1 <= len(name.strip()) <= 200:
        wrong = "--name: the space's name has 1 to 200 characters"
    elif listen is not None and (not port.isdigit() or int(port) > 65535):
        wrong = f"{listen}: --listen is HOST:PORT, with a port from 1 to 65535, like 127.0.0.1:8080"
    elif url is not None and not _passes(check_node_id, url.rstrip("/")):
        wrong = (
            f"{url}: --url (the node's public address) is a base URL: http:// or https://, a host, perhaps a port "
            "and a path, and no query (?) or fragment (#)"
        )
    elif not _passes(check_zone, timezone):
        wrong = f"{timezone}: --timezone is not a time zone's name like Europe/Rome or America/New_York"
    if wrong:
        raise click.UsageError(wrong)


def _passes(check: Callable[[str], str], value: str) -> bool:
    try:
        check(value)
    except ValueError:
        return False
    return True


# -- YAML files --------------------------------------------------------------------------------------


def load_yaml_mapping(file: TextIO, what: str, example_command: str) -> dict[str, Any]:
    """A YAML file holding a mapping; a mistake names the file, line and column."""
    name = getattr(file, "name", "<stdin>")
    try:
        data = yaml.safe_load(file)
    except yaml.YAMLError as exc:
        raise click.ClickException(yaml_error_text(Path(name), exc)) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise click.ClickException(
            f"{name}: the file should hold {what} as 'key: value' lines; `{example_command}` prints an example"
        )
    return data
