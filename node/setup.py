"""Creating a node's directory: configuration, keys, database and the operator token."""

from __future__ import annotations

import asyncio
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from protocol.keys import format_fingerprint

from .config import CONFIG_FILE, load_settings
from .federation.addresses import is_public
from .keystore import KeyStore
from .store import Store


class InitError(Exception):
    pass


@dataclass(frozen=True)
class InitResult:
    directory: Path
    node_id: str
    operator_token: str
    kid: str
    fingerprint: str
    config_path: Path
    database_path: Path


def init_node(directory: Path, **kwargs: Any) -> InitResult:
    """Create a node in an empty or new directory (refuses to overwrite an existing node)."""
    return asyncio.run(init_node_async(directory, **kwargs))


async def init_node_async(
    directory: Path,
    *,
    name: str | None = None,
    url: str | None = None,
    listen: str = "127.0.0.1:8080",
    timezone: str = "UTC",
    location: str | None = None,
    extra: dict[str, object] | None = None,
    config_file: Path | None = None,
) -> InitResult:
    """`init_node` for callers already inside an event loop.

    The configuration comes either from `config_file` (copied as it is: how containers start)
    or from the name, URL, listen address and zone given.
    """
    config_path = directory / CONFIG_FILE
    if config_path.exists():
        raise InitError(f"{config_path} exists: {directory} is already a node")
    if config_file is not None:
        text = config_file.read_text(encoding="utf-8")
    elif name and url:
        text = _config_text(name, url, listen, timezone, location, extra)
    else:
        raise InitError("give --name and --url, or --config FILE")
    directory.mkdir(parents=True, exist_ok=True)
    config_path.write_text(text, encoding="utf-8")
    # The database a node runs on may come from the environment (a container's PostgreSQL URL
    # with its password): the operator token must be made in that database.
    database = {k: v for k, v in os.environ.items() if k == "GEMELLA_STORAGE__DATABASE_URL"}
    try:
        settings = load_settings(directory, database)
    except Exception:
        config_path.unlink()
        raise
    keys = KeyStore.create(settings.keys_dir)
    token = await _create_database(settings.database_url)
    return InitResult(
        directory=directory,
        node_id=settings.node_id,
        operator_token=token,
        kid=keys.current.kid,
        fingerprint=format_fingerprint(keys.current.verify_key.fingerprint),
        config_path=config_path,
        database_path=settings.database_path,
    )


def _config_text(
    name: str, url: str, listen: str, timezone: str, location: str | None, extra: dict[str, object] | None
) -> str:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise InitError(f"--listen must be HOST:PORT, not {listen!r}")
    node: dict[str, object] = {"name": name, "url": url.rstrip("/"), "timezone": timezone}
    if location:
        node["location"] = location
    config: dict[str, object] = {"node": node, "listen": {"host": host, "port": int(port)}}
    header = "# Gemellaggio node configuration. Every key is explained in config/example.yaml.\n"
    if _is_local(url):
        # A node whose own address is local can only twin with nodes on local addresses.
        config["federation"] = {"allow_private_addresses": True}
        header += "# node.url is a local address, so this node may reach twins on local addresses too.\n"
    for section, values in (extra or {}).items():  # a section given in part keeps what init wrote in it
        written = config.get(section)
        config[section] = {**written, **values} if isinstance(written, dict) and isinstance(values, dict) else values
    return header + yaml.safe_dump(config, sort_keys=False)


def _is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not is_public(ipaddress.ip_address(host))
    except ValueError:
        return False  # a name: judged when the node connects, on the address it resolves to


async def _create_database(url: str) -> str:
    store = await Store(url).open()
    try:
        async with store.db.transaction() as tx:
            return await store.tokens.store(tx, "operator")
    finally:
        await store.close()
