"""A real PgBouncer in transaction mode in front of the tests' PostgreSQL cluster.

Debian's `pgbouncer` (apt-get install pgbouncer), on a free loopback port, run as the cluster's
unprivileged user (PgBouncer refuses root) in the foreground of a child process, stopped by
`stop()`. In transaction mode each transaction may run on another server connection (here it
does: the idle server connections take turns, and four stay open), so a node
that kept any session state between transactions (a prepared statement, a `SET`, a session
lock, a `LISTEN`) fails behind it: that is what the tests behind it check.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .nodes import free_port
from .postgres import _WATCHDOG, Cluster

CONFIG = """\
[databases]
* = host=127.0.0.1 port={server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {root}/users.txt
pool_mode = transaction
default_pool_size = 20
min_pool_size = 4
server_round_robin = 1
max_client_conn = 500
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = {root}/pgbouncer.log
pidfile = {root}/pgbouncer.pid
"""


def installed() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).exists()), None
    )


class Bouncer:
    """PgBouncer in transaction mode before `cluster`; `database()` gives a URL through it."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.root = Path(tempfile.mkdtemp(prefix="gemella-pgbouncer-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Bouncer:
        binary = installed()
        if binary is None:
            raise RuntimeError("PgBouncer is not installed (Debian: apt-get install pgbouncer)")
        (self.root / "users.txt").write_text('"gemella" ""\n')
        ini = self.root / "pgbouncer.ini"
        ini.write_text(CONFIG.format(server_port=self.cluster.port, port=self.port, root=self.root))
        command = [binary, str(ini)]
        if self.cluster.user is not None:
            for path in (self.root, *self.root.iterdir()):
                shutil.chown(path, self.cluster.user, self.cluster.user)
            command = ["runuser", "-u", self.cluster.user, "--", *command]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_until_listening()
        self._watch()
        return self

    def _watch(self) -> None:
        """If this test run dies without stopping it, the same watchdog as the cluster's stops it."""
        stop = ["sh", "-c", f'kill "$(cat {self.root}/pgbouncer.pid)"']
        subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(self.root), *stop],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _wait_until_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {self.log()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"pgbouncer did not listen on {self.port}: {self.log()[-2000:]}")

    def database(self) -> str:
        """A new empty database, created on the cluster itself and reached through the bouncer."""
        direct = self.cluster.database()
        return f"postgresql://gemella@127.0.0.1:{self.port}/{direct.rsplit('/', 1)[1]}"

    def log(self) -> str:
        path = self.root / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # runuser passes the signal on to pgbouncer
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)


__all__ = ["Bouncer", "installed"]
