from collections.abc import AsyncIterator

import pytest

from node.mail.sink import MailSink
from tests.node.conftest import nodes, process_nodes  # noqa: F401
from tests.web.conftest import browser, person, pytest_runtest_makereport  # noqa: F401


@pytest.fixture
async def sink() -> AsyncIterator[MailSink]:
    """A real SMTP server (aiosmtpd) on a free loopback port."""
    server = MailSink()
    await server.start()
    yield server
    await server.stop()
