import os
from pathlib import Path

import pytest
from hypothesis import settings

# In CI every run explores the same examples, so a red build can be reproduced as it was;
# local runs keep exploring new ones (and `make soak` explores ten times as many).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    """The standards' test vectors, copied into the repository (tests/vectors/README.md names their sources)."""
    path = Path(__file__).resolve().parent / "vectors"
    assert path.is_dir(), f"test vectors not found at {path}"
    return path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what the property and fuzzing tests tried (tests/support/counts.py)."""
    from tests.support.counts import COUNTS, format_counts

    if COUNTS:
        terminalreporter.section("property and fuzzing counts")
        for name, counts in COUNTS.items():
            terminalreporter.write_line(f"{name}: {format_counts(counts)}")
