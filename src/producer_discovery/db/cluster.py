"""Start and stop a local PostgreSQL cluster from the machine's own binaries.

One piece of code serves two users: the test harness (a throwaway cluster per test session)
and the CLI's embedded default (a cluster kept in the user's data directory when no
DATABASE_URL is set). PostgreSQL refuses to run as root, so when we are root the server
programs (initdb, pg_ctl) run as the `postgres` OS user through `runuser`; the data
directory is handed to that user. pg_cron is preloaded whenever the binaries have it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from producer_discovery.errors import ConfigurationError

SERVER_USER = "postgres"


def find_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/N/bin, or $PG_BIN_DIR."""
    override = os.environ.get("PG_BIN_DIR")
    if override:
        return Path(override)
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if not candidates:
        raise ConfigurationError(
            "no PostgreSQL server binaries found in /usr/lib/postgresql/*/bin "
            "(apt-get install postgresql-15 postgresql-15-cron), or set DATABASE_URL"
        )
    return candidates[-1].parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class LocalCluster:
    """A PostgreSQL cluster in `data_dir`, listening on 127.0.0.1:`port`."""

    data_dir: Path
    port: int
    cron_database: str = "postgres"
    bin_dir: Path | None = None

    def __post_init__(self) -> None:
        self.bin_dir = self.bin_dir or find_bin_dir()

    # Facts ------------------------------------------------------------------------------
    @property
    def has_pg_cron(self) -> bool:
        assert self.bin_dir is not None
        return (self.bin_dir.parent / "lib" / "pg_cron.so").exists()

    @property
    def socket_dir(self) -> Path:
        return self.data_dir

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "postgresql.log"

    def url(
        self, database: str = "postgres", user: str = "postgres", passfile: Path | None = None
    ) -> str:
        url = f"postgresql://{user}@127.0.0.1:{self.port}/{database}"
        return f"{url}?passfile={passfile}" if passfile else url

    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        if not self.is_initialised():
            return False
        result = self._run("pg_ctl", "-D", str(self.data_dir), "status", check=False)
        return result.returncode == 0

    # Actions ----------------------------------------------------------------------------
    def initialise(self, fsync: bool = True, superuser_password: str | None = None) -> None:
        """initdb and write our settings.

        With `superuser_password`, every connection (TCP on the loopback and the unix socket)
        needs a password (scram-sha-256): the embedded database. Without it, trust on the
        loopback: the tests' throwaway clusters only.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._hand_over(self.data_dir)
        arguments = [
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ]
        password_file = self.data_dir.parent / ".initdb-password"
        if superuser_password is None:
            arguments.append("--auth=trust")
        else:
            password_file.touch(mode=0o600, exist_ok=True)
            password_file.write_text(superuser_password + "\n")
            self._hand_over(password_file)
            arguments += ["--auth=scram-sha-256", f"--pwfile={password_file}"]
        if not fsync:
            arguments.append("-N")
        try:
            self._run("initdb", *arguments)
        finally:
            password_file.unlink(missing_ok=True)
        settings = self.settings()
        if not fsync:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# producer-discovery\n" + "\n".join(settings) + "\n")

    def settings(self) -> list[str]:
        """Our postgresql.conf lines.

        pg_cron runs its jobs in background workers (`cron.use_background_workers`), not
        through a libpq connection to localhost: such a connection would need a password the
        scheduler does not have (every connection to the embedded database needs one), so
        every job would fail with "connection failed". A background worker needs no
        authentication; each running job takes one of `max_worker_processes` (parallel query
        takes at most 8, pg_cron's launcher and scheduler one each, and at most
        `cron.max_running_jobs` jobs run at once).
        """
        settings = [
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.socket_dir}'",
            "max_connections = 200",
            "max_worker_processes = 24",
        ]
        if self.has_pg_cron:
            settings += [
                "shared_preload_libraries = 'pg_cron'",
                f"cron.database_name = '{self.cron_database}'",
                "cron.use_background_workers = on",
                "cron.max_running_jobs = 8",
            ]
        return settings

    def update_settings(self) -> bool:
        """Append to postgresql.conf those of our settings a cluster made by an earlier version
        lacks or has otherwise; True when it changed (they take effect on a restart)."""
        conf = self.data_dir / "postgresql.conf"
        current: dict[str, str] = {}
        for line in conf.read_text().splitlines():
            text = line.split("#", 1)[0].strip()
            if "=" in text:
                key, value = text.split("=", 1)
                current[key.strip()] = value.strip()
        missing = [
            line
            for line in self.settings()
            if current.get(line.split("=", 1)[0].strip()) != line.split("=", 1)[1].strip()
        ]
        if not missing:
            return False
        with conf.open("a") as file:
            file.write("\n# producer-discovery (updated)\n" + "\n".join(missing) + "\n")
        return True

    def start(self) -> None:
        """Start the server on `port` and wait until it accepts connections."""
        # The server's log names users and statements: readable by its owner only.
        self.log_file.touch(mode=0o600, exist_ok=True)
        self.log_file.chmod(0o600)
        self._hand_over(self.log_file)
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port}",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        if self.is_running():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def require_passwords(self) -> None:
        """Replace trust in pg_hba.conf by scram-sha-256 and reload (clusters made before)."""
        hba = self.data_dir / "pg_hba.conf"
        lines = []
        for line in hba.read_text().splitlines():
            fields = line.split()
            if fields and not line.lstrip().startswith("#") and fields[-1] == "trust":
                line = line[: line.rstrip().rfind("trust")] + "scram-sha-256"
            lines.append(line)
        hba.write_text("\n".join(lines) + "\n")
        if self.is_running():
            self._run("pg_ctl", "-D", str(self.data_dir), "reload")

    def restart(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-m",
            "fast",
            "-w",
            "-o",
            f"-p {self.port}",
            "-l",
            str(self.log_file),
            "restart",
        )

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # Internals --------------------------------------------------------------------------
    def _run(
        self, program: str, *arguments: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        assert self.bin_dir is not None
        command = [str(self.bin_dir / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd="/")
        if check and result.returncode != 0:
            raise ConfigurationError(
                f"{program} failed ({result.returncode}): {(result.stderr or result.stdout).strip()[-500:]}"
            )
        return result

    def _hand_over(self, path: Path) -> None:
        """When root, give `path` to the server user and let it traverse the ancestors."""
        if os.geteuid() != 0:
            return
        account = pwd.getpwnam(SERVER_USER)
        os.chown(path, account.pw_uid, account.pw_gid)
        if path.is_dir():
            path.chmod(0o700)
        for parent in path.parents:
            if parent == Path("/"):
                break
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)
