"""The container files: they parse, point at real files and commands, and the same commands
run a node outside a container (there is no Docker engine here to build them)."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.nodes import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_compose__services_nyc_and_london_use_real_config_files_and_health_checks():
    services = compose()["services"]
    assert set(services) == {"nyc", "london"}
    for name, service in services.items():
        assert service["build"] == "."
        config = service["environment"]["GEMELLA_CONFIG"]
        assert config == f"/app/config/{name}.yaml"
        assert (ROOT / "config" / f"{name}.yaml").is_file()
        assert f"--config {config}" in service["command"][-1]
        assert "/healthz" in " ".join(service["healthcheck"]["test"])
        volume = service["volumes"][0].split(":")
        assert volume[1] == "/data" and volume[0] in compose()["volumes"]


def test_dockerfile__copies_real_paths_and_runs_gemella():
    instructions = dockerfile_instructions()
    kinds = [kind for kind, _ in instructions]
    assert kinds[0] == "FROM" and "CMD" in kinds and "HEALTHCHECK" in kinds
    for kind, args in instructions:
        if kind == "COPY":
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: no such path"
    cmd = json.loads(next(args for kind, args in instructions if kind == "CMD"))
    assert "gemella init /data --config" in cmd[-1] and "exec gemella run /data" in cmd[-1]
    health = next(args for kind, args in instructions if kind == "HEALTHCHECK")
    assert "/healthz" in health


def test_compose_command__runs_a_node_outside_a_container(tmp_path):
    """The nyc service's own command, with /data and /app moved to real folders here."""
    service = compose()["services"]["nyc"]
    script = service["command"][-1].replace("/app/config", str(ROOT / "config")).replace("/data", str(tmp_path))
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GEMELLA_LISTEN__HOST": "127.0.0.1",
        "GEMELLA_LISTEN__PORT": str(port),
        "GEMELLA_NODE__URL": f"http://127.0.0.1:{port}",
    }
    process = subprocess.Popen(
        shlex.split(f"sh -c {shlex.quote(script)}"),
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        import asyncio

        asyncio.run(wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout=30))
        health = service["healthcheck"]["test"][1:]
        probe = [sys.executable if part == "python" else part for part in health]
        probe = [p.replace("127.0.0.1:8080", f"127.0.0.1:{port}") for p in probe]
        assert subprocess.run(probe, timeout=10).returncode == 0
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=20)[0].decode()
    assert "operator token:" in output, "the first start prints the operator token once"
    assert (tmp_path / "config.yaml").read_text() == (ROOT / "config" / "nyc.yaml").read_text()


def test_compose_postgresql__each_space_has_its_own_database_on_the_postgres_service():
    document = yaml.safe_load((ROOT / "docker-compose.postgresql.yml").read_text())
    services = document["services"]
    assert set(services) == {"postgres", "nyc", "london"}
    init = services["postgres"]["volumes"][1].split(":")
    assert (ROOT / init[0]).is_file() and init[1].startswith("/docker-entrypoint-initdb.d/")
    created = (ROOT / init[0]).read_text()
    for name in ("nyc", "london"):
        service = services[name]
        url = service["environment"]["GEMELLA_STORAGE__DATABASE_URL"]
        assert url.startswith("postgresql://") and "@postgres:5432/" in url and url.endswith(f"/{name}")
        assert f"CREATE DATABASE {name} " in created
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "gemella db check /data && exec gemella run /data" in service["command"][-1]


def test_compose_postgresql_command__runs_a_node_on_postgresql_outside_a_container(tmp_path, postgres_url):
    """The nyc service's command with the test cluster's database in place of the service's."""
    document = yaml.safe_load((ROOT / "docker-compose.postgresql.yml").read_text())
    service = document["services"]["nyc"]
    script = service["command"][-1].replace("/app/config", str(ROOT / "config")).replace("/data", str(tmp_path))
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GEMELLA_LISTEN__HOST": "127.0.0.1",
        "GEMELLA_LISTEN__PORT": str(port),
        "GEMELLA_NODE__URL": f"http://127.0.0.1:{port}",
        "GEMELLA_STORAGE__DATABASE_URL": postgres_url,
    }
    process = subprocess.Popen(
        shlex.split(f"sh -c {shlex.quote(script)}"),
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        import asyncio

        asyncio.run(wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout=30))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=20)[0].decode()
    assert "The database is sound" in output, output
    assert not (tmp_path / "node.db").exists(), "the node's data is in PostgreSQL, not in a SQLite file"
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM tokens WHERE role = 'operator'").fetchone() == (1,)
