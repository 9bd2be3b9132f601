import os
from pathlib import Path

import pytest
from hypothesis import settings

# In CI every run explores the same examples, so a red build can be reproduced as it was;
# local runs keep exploring new ones (and `make soak` explores ten times as many). No deadline
# for an example: hypothesis's default (200 ms) made property tests of signatures timed tests,
# which failed on a loaded machine; how long things take is measured in bench/.
settings.register_profile("local", deadline=None)
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "local")


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    """The standards' test vectors, copied into the repository (tests/vectors/README.md names their sources)."""
    path = Path(__file__).resolve().parent / "vectors"
    assert path.is_dir(), f"test vectors not found at {path}"
    return path


@pytest.fixture
def postgres_url() -> str:
    """A new, empty database on the tests' own PostgreSQL cluster (tests/support/postgres.py).
    Without PostgreSQL installed the test is skipped locally; CI installs it, so there it fails."""
    from tests.support.postgres import new_database_url, require

    require()
    return new_database_url()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what the property and fuzzing tests tried (tests/support/counts.py)."""
    from tests.support.counts import COUNTS, format_counts

    if COUNTS:
        terminalreporter.section("property and fuzzing counts")
        for name, counts in COUNTS.items():
            terminalreporter.write_line(f"{name}: {format_counts(counts)}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests.support.postgres import stop_cluster

    stop_cluster()


_running_test = ["(no test: collection or a session fixture)"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> object:
    """Remember which test runs, so that a database connection left open can be named by it."""
    _running_test[0] = item.nodeid
    try:
        return (yield)
    finally:
        _running_test[0] = "(between tests: a session or module fixture)"


def _name_connections_by_test() -> None:
    import aiosqlite

    opened = aiosqlite.Connection.__init__

    def init(self: aiosqlite.Connection, *args: object, **kwargs: object) -> None:
        opened(self, *args, **kwargs)  # type: ignore[arg-type]
        self._opened_by = _running_test[0]  # type: ignore[attr-defined]

    aiosqlite.Connection.__init__ = init  # type: ignore[method-assign]


_name_connections_by_test()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the worker thread of any database connection a test left open.

    aiosqlite runs each connection on a non-daemon thread: one left open (a test that failed before
    its teardown, a node not stopped) would keep the interpreter from exiting after the summary,
    and CI would wait for ever. Stopping them here lets the run end; the leak itself is named on
    stderr so it can be found and mended where it happens."""
    import gc
    import sys

    import aiosqlite

    leaked = [obj for obj in gc.get_objects() if isinstance(obj, aiosqlite.Connection) and obj._connection is not None]
    for connection in leaked:
        connection.stop()
    if leaked:
        print(
            f"\n{len(leaked)} database connection(s) were left open by the tests and stopped at exit", file=sys.stderr
        )
        for connection in leaked:
            print(f"  opened by {getattr(connection, '_opened_by', 'an unknown test')}", file=sys.stderr)
