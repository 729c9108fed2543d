"""A local PostgreSQL + PostGIS cluster under a folder of the project, for ``make db`` and tests.

``initdb`` refuses to run as root, so when started by root the cluster belongs to the
``postgres`` system user (created by Debian's ``postgresql`` package) and its programs run
through ``runuser``. The cluster listens on 127.0.0.1 only, on a free port, and every account,
the administrator's included, signs in with a scram-sha-256 password.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from layers.errors import PlannerError

ADMIN = "geoapp_admin"
DATABASE = "geoapp"


class ClusterError(PlannerError, RuntimeError):
    """The local database cluster cannot be created or started."""


def postgres_bin() -> Path:
    """Folder of the PostgreSQL server programs (the newest installed major version)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if versions:
        return versions[-1]
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise ClusterError(
        "未安装 PostgreSQL,请运行 make db / PostgreSQL is not installed; run `make db` "
        "(Debian packages postgresql and postgresql-15-postgis-3)"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return command if owner is None else ["runuser", "-u", owner, "--", *command]


@dataclass
class LocalCluster:
    """A PostgreSQL cluster in ``folder`` with an administrator account and one database.

    Parameters
    ----------
    folder : Path
        Where the data, socket and log live (created).
    port : int
        TCP port on 127.0.0.1.
    admin_password : str
        The administrator's password (kept in memory only).
    """

    folder: Path
    port: int
    admin_password: str

    @property
    def _owner(self) -> str | None:
        return "postgres" if os.geteuid() == 0 else None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, user: str = ADMIN, project: str | None = None) -> str:
        """Connection URL (without password) for ``user``, optionally naming a project."""
        query = f"?project={project}" if project else ""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{DATABASE}{query}"

    def _run(self, *command: str, input_text: str | None = None) -> None:
        result = subprocess.run(
            _as_owner(list(command), self._owner),
            input=input_text,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ClusterError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")

    def init(self) -> None:
        """Create the cluster (scram-sha-256 for every connection) and the database."""
        self.folder.mkdir(parents=True, exist_ok=True)
        pwfile = self.folder / ".pw"
        pwfile.write_text(self.admin_password)
        if self._owner:
            shutil.chown(self.folder, self._owner)
            shutil.chown(pwfile, self._owner)
        pwfile.chmod(0o600)
        try:
            self._run(
                str(postgres_bin() / "initdb"),
                "-D",
                str(self.data),
                "-U",
                ADMIN,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            )
        finally:
            pwfile.unlink()

    def start(self, timeout: float = 30.0, *, create_database: bool = True) -> None:
        """Start the server on 127.0.0.1:``port`` and create the database if missing."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(
            str(postgres_bin() / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            str(int(timeout)),
            "start",
        )
        if create_database:
            self._create_database()

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=ADMIN,
            password=self.admin_password,
            dbname="postgres",
            autocommit=True,
        ) as con:
            exists = con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            if exists.fetchone() is None:
                con.execute(f'CREATE DATABASE "{DATABASE}"')

    def stop(self) -> None:
        """Stop the server (fast shutdown)."""
        with contextlib.suppress(ClusterError):
            self._run(str(postgres_bin() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")


def start_local_cluster(folder: Path, port: int | None = None) -> LocalCluster:
    """Create and start a local cluster with a new random administrator password.

    A folder that already holds a cluster is started again on its saved port; its
    administrator password is then not known here (``admin_password`` is empty).
    """
    folder = Path(folder).absolute()
    port_file = folder / "port"
    if (folder / "data").exists():
        saved = int(port_file.read_text()) if port_file.exists() else None
        cluster = LocalCluster(folder, port or saved or free_port(), "")
        cluster.start(create_database=False)
        return cluster
    cluster = LocalCluster(folder, port or free_port(), secrets.token_urlsafe(18))
    cluster.init()
    port_file.write_text(str(cluster.port))
    cluster.start()
    return cluster
