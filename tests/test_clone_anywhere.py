"""A user clones the repository alone: nothing it runs may read files from beside it.

The test copies what a clone holds (tracked files, plus new files not yet committed) into an empty
folder, with no `shared/` next to it, and runs the protocol tests there with this interpreter.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"\.\./shared|parents\[\d\]\.parent\s*/|REPO\.parent\s*/")


def repository_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (REPO / name).is_file()]


def test_repository__names_no_file_outside_itself() -> None:
    readers = [name for name in repository_files() if name.endswith((".py", ".md", ".yaml", ".yml", ".toml"))]
    readers += ["Makefile", ".ci/run", "Dockerfile"]
    offenders = [
        f"{name}:{number}"
        for name in readers
        if name != "tests/test_clone_anywhere.py"
        for number, line in enumerate((REPO / name).read_text("utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_protocol_tests__pass_in_a_clone_with_nothing_beside_it(tmp_path: Path) -> None:
    clone = tmp_path / "alone" / "gemellaggio"
    for name in repository_files():
        target = clone / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    modules = REPO / "tests" / "interop" / "node_modules"
    if modules.is_dir():  # installed by `npm ci`, not part of a clone: lend it rather than install again
        (clone / "tests" / "interop" / "node_modules").symlink_to(modules)
    assert sorted(path.name for path in clone.parent.iterdir()) == ["gemellaggio"]

    env = {**os.environ, "PYTHONPATH": str(clone)}
    which = [sys.executable, "-c", "import protocol; print(protocol.__file__)"]
    where = subprocess.run(which, cwd=clone, env=env, capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(clone)), "the clone's own code must be the one tested"

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/protocol", "tests/docs"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and " error" not in run.stdout
