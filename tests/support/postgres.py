"""A throwaway PostgreSQL cluster for the tests, started by the tests themselves.

`initdb` into a temporary folder, `postgres` on a free loopback port (its socket in the same
folder), a fresh database for every node a test creates, and the cluster stopped when the run
ends. PostgreSQL refuses to run as root, so as root (CI, this machine) the cluster runs as the
`postgres` user Debian's package creates, or as `nobody`.

The suite runs on PostgreSQL when `GEMELLA_TEST_BACKEND=postgresql` (`make test-postgresql`);
`GEMELLA_TEST_POSTGRES_URL` points it at a server of your own instead (a superuser's URL: each
node gets a database created beside the one named).
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

BACKEND = os.environ.get("GEMELLA_TEST_BACKEND", "sqlite")
PORT_ATTEMPTS = 5


def on_postgresql() -> bool:
    return BACKEND == "postgresql"


def binaries() -> Path:
    """The folder of initdb and pg_ctl: Debian's /usr/lib/postgresql/N/bin (newest), or PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    return Path(initdb).parent


def require() -> None:
    """Skip the test when PostgreSQL's binaries are missing here (CI installs them, so there
    the test fails instead of skipping). `missing` reports any other part the same way."""
    try:
        binaries()
    except RuntimeError as exc:
        missing(exc)


def missing(exc: RuntimeError) -> None:
    """A part the test needs is not installed: skipped locally, an error under CI."""
    import pytest

    if os.environ.get("CI"):
        raise exc
    pytest.skip(str(exc))


class Cluster:
    """One running test cluster; `database()` gives a new, empty database's URL."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="gemella-pg-"))
        self.port = _free_port()
        self.user = _unprivileged_user()
        self._names = itertools.count(1)
        self._started = False
        self._template: str | None = None

    def start(self) -> Cluster:
        if self.user is not None:
            self._hand_over_folder()
        bin_dir, data = binaries(), self.root / "data"
        self._run(bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "gemella", "-E", "UTF8", "--no-locale")
        for attempt in range(PORT_ATTEMPTS):
            options = (
                f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            try:
                self._run(bin_dir / "pg_ctl", "-D", data, "-o", options, "-l", self.root / "log", "-w", "start")
                break
            except subprocess.CalledProcessError:
                # The port was free when picked; something (an outgoing connection's ephemeral
                # port) may have taken it before the server bound it. Another port, then.
                if attempt + 1 == PORT_ATTEMPTS or "could not bind" not in self._log():
                    raise RuntimeError(f"the test cluster did not start:\n{self._log()[-2000:]}") from None
                self.port = _free_port()
        self._started = True
        self._watch(bin_dir / "pg_ctl", data)
        return self

    def _hand_over_folder(self) -> None:
        """As root the cluster runs as `self.user`: its folder becomes theirs, and every folder
        above it must let them through (a TMPDIR under /root would not: then /tmp is used)."""
        assert self.user is not None
        shutil.chown(self.root, self.user, self.user)
        if subprocess.run(["runuser", "-u", self.user, "--", "test", "-w", str(self.root)]).returncode != 0:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = Path(tempfile.mkdtemp(prefix="gemella-pg-", dir="/tmp"))
            shutil.chown(self.root, self.user, self.user)

    def _log(self) -> str:
        try:
            return (self.root / "log").read_text(errors="replace")
        except OSError:
            return ""

    def _watch(self, pg_ctl: Path, data: Path) -> None:
        """A small process that stops the cluster if this one dies without stopping it (a
        killed test run must not leave a server behind)."""
        stop = ["runuser", "-u", self.user, "--"] if self.user else []
        stop += [str(pg_ctl), "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(self.root), *stop],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self._started:
            self._run(binaries() / "pg_ctl", "-D", self.root / "data", "-m", "immediate", "-w", "stop")
            self._started = False
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def admin_url(self) -> str:
        return f"postgresql://gemella@127.0.0.1:{self.port}/postgres"

    def database(self, migrated: bool = False) -> str:
        """A new database; `migrated`: a copy of one the node's migrations already ran on (a
        node's start then only reads the schema version: about 0.5 s less per node)."""
        name = f"node_{os.getpid()}_{next(self._names)}"
        if not migrated:
            return create_database(self.admin_url, name)
        if self._template is None:
            self._template = create_database(self.admin_url, f"template_{os.getpid()}")
            import psycopg

            from node.store.schema import migrate_postgres

            with psycopg.connect(self._template, autocommit=True) as conn:
                migrate_postgres(conn)
        return create_database(self.admin_url, name, template=self._template.rsplit("/", 1)[1])

    def _run(self, *args: object) -> None:
        command = [str(a) for a in args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root)


def create_database(admin_url: str, name: str, template: str | None = None) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return admin_url.rsplit("/", 1)[0] + "/" + name


_WATCHDOG = """
import os, shutil, subprocess, sys, time
parent, root, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
while os.path.isdir(root):
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        subprocess.run(stop, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
        break
    time.sleep(1)
"""

_cluster: Cluster | None = None


def new_database_url(migrated: bool = False) -> str:
    """A new database on the test cluster (started on first use, stopped at exit): empty, or
    `migrated` (with the node's schema, for a node to start on; on a server of your own, empty)."""
    global _cluster
    own = os.environ.get("GEMELLA_TEST_POSTGRES_URL")
    if own:
        return create_database(own, f"node_{os.getpid()}_{next(_own_names)}")
    if _cluster is None:
        _cluster = Cluster().start()
        atexit.register(stop_cluster)
    return _cluster.database(migrated)


_own_names = itertools.count(1)


def running_cluster() -> Cluster:
    """The tests' own cluster, started if it is not yet (for tests that put something in front
    of it, such as tests/support/pgbouncer.py)."""
    global _cluster
    if _cluster is None:
        _cluster = Cluster().start()
        atexit.register(stop_cluster)
    return _cluster


def stop_cluster() -> None:
    global _cluster
    if _cluster is not None:
        _cluster.stop()
        _cluster = None


def _unprivileged_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def table_files(url: str, table: str) -> list[Path]:
    """The files that hold `table` on the server's disk: its heap, its TOAST table and every
    index of both (each with its segments and forks), after a CHECKPOINT has written the dirty
    pages out. Only for a server on this machine whose folder we may read (the test cluster)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        row = conn.execute("SHOW data_directory").fetchone()
        rows = conn.execute(_TABLE_FILES, (table,)).fetchall()
    root = Path(row[0]) if row else Path()
    return [path for (relative,) in rows for path in sorted(root.glob(f"{relative}*")) if path.is_file()]


_TABLE_FILES = """
WITH t AS (SELECT oid, reltoastrelid FROM pg_class WHERE oid = %s::regclass),
tables AS (SELECT oid FROM t UNION ALL SELECT reltoastrelid FROM t WHERE reltoastrelid <> 0)
SELECT pg_relation_filepath(oid) FROM (
    SELECT oid FROM tables UNION ALL SELECT indexrelid FROM pg_index WHERE indrelid IN (SELECT oid FROM tables)
) AS relations (oid)
"""
