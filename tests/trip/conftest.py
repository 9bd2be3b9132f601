from tests.introductions.conftest import browser, nodes, person, process_nodes, pytest_runtest_makereport, sink  # noqa: F401
