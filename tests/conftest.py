from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    """The standards' test vectors, in `shared/vectors` beside the repository."""
    path = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
    assert path.is_dir(), f"test vectors not found at {path}"
    return path
