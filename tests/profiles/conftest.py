from tests.node.conftest import nodes, process_nodes  # noqa: F401
from tests.web.conftest import browser, person, pytest_runtest_makereport  # noqa: F401
