"""Real nodes (from tests/node) and a real headless Chromium (from tests/web) for the public face."""

from __future__ import annotations

from tests.node.conftest import nodes, process_nodes  # noqa: F401
from tests.web.conftest import browser, person, pytest_runtest_makereport  # noqa: F401
