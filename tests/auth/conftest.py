"""A real OpenID Connect provider (npm `oidc-provider`, pinned in tests/oidc) on loopback."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.node.conftest import nodes, process_nodes  # noqa: F401
from tests.support.nodes import free_port, wait_until_up
from tests.web.conftest import browser, person, pytest_runtest_makereport  # noqa: F401

OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID, SECRET, SECRET_ENV = "gemella", "test-client-secret", "GEMELLA_TEST_OIDC_SECRET"


@dataclass
class Provider:
    issuer: str
    node_port: int  # the node this provider's client redirects to

    def config(self, **extra: object) -> dict[str, object]:
        oidc = {"issuer": self.issuer, "client_id": CLIENT_ID, "client_secret_env": SECRET_ENV, **extra}
        return {"oidc": oidc}


@pytest.fixture
async def provider(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Provider]:
    """The provider, with one client whose redirect URI is a node on `provider.node_port`."""
    node_bin = shutil.which("node")
    installed = (OIDC_DIR / "node_modules" / "oidc-provider").is_dir()
    if node_bin is None or not installed:
        reason = "Node.js and tests/oidc/node_modules are needed (make test installs them)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    monkeypatch.setenv(SECRET_ENV, SECRET)
    port, node_port = free_port(), free_port()
    redirect = f"http://127.0.0.1:{node_port}/auth/oidc/callback"
    process = subprocess.Popen(
        [node_bin, "provider.mjs", str(port), CLIENT_ID, SECRET, redirect],
        cwd=OIDC_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        issuer = f"http://127.0.0.1:{port}"
        await wait_until_up(f"{issuer}/.well-known/openid-configuration", process)
        yield Provider(issuer, node_port)
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 10)
