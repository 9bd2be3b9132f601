"""The README is a tested walkthrough: its operator section's commands run as written.

Every ```sh block of the operator sections is run, in order, in one bash shell, in an empty
folder, with the virtualenv's `gemella` on the PATH (as the README's "Installing" asks). The
only change is the two example ports, replaced by free ones.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.nodes import free_port

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
OPERATOR_SECTIONS = ("Two spaces on one machine, step by step",)
EXAMPLE_PORTS = ("18101", "18102")


def sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def shell_blocks(section: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)


def walkthrough_script() -> str:
    found = sections(README.read_text(encoding="utf-8"))
    blocks = [block for name in OPERATOR_SECTIONS for block in shell_blocks(found[name])]
    assert len(blocks) >= 8, "the walkthrough lost its command blocks"
    script = "\n".join(blocks)
    for example in EXAMPLE_PORTS:
        assert example in script, f"the walkthrough no longer picks port {example}"
        script = script.replace(example, str(free_port()))
    return script


def test_readme__walkthrough_runs_word_for_word(tmp_path):
    script = walkthrough_script()
    # Only the harness's own line: nodes left running by a failing step are stopped.
    harness = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEMELLA_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-c", harness + script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    logs = "".join(p.read_text() for p in tmp_path.glob("*.log"))
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}\nlogs:\n{logs[-3000:]}"
    out = done.stdout
    assert "Traceback" not in out + done.stderr + logs
    assert "key fingerprint:" in out and "Their key fingerprint:" in out
    assert "now active" in out, "London accepted NYC by name"
    assert "Offered 4 seats of Hot desks to" in out
    assert "Published event" in out and "Founders' meetup" in out
    assert "Added member Ada Lopez" in out and "Ledger of" in out
    assert (tmp_path / "spaces" / "nyc" / "config.yaml").exists() and (tmp_path / "meetup.yaml").exists()


def test_readme__links_every_doc():
    text = README.read_text(encoding="utf-8")
    for doc in sorted((ROOT / "docs").glob("*.md")):
        assert f"](docs/{doc.name})" in text, f"README does not link docs/{doc.name}"
