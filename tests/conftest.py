from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    """The standards' test vectors, in `shared/vectors` beside the repository."""
    path = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
    assert path.is_dir(), f"test vectors not found at {path}"
    return path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what the property and fuzzing tests tried (tests/support/counts.py)."""
    from tests.support.counts import COUNTS, format_counts

    if COUNTS:
        terminalreporter.section("property and fuzzing counts")
        for name, counts in COUNTS.items():
            terminalreporter.write_line(f"{name}: {format_counts(counts)}")
