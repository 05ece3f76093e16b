#!/usr/bin/env python
"""Take-down drill (``make drill``, run by CI): the three known ways to stall the site, against real gunicorn.

1. Creates a fresh database ``shortscience_drill`` on the site's PostgreSQL (the embedded one by default),
   migrates it, loads the demo data and adds an established attacker account with a summary whose two
   revisions are the hostile diff pair (a 60 KB body of distinct lines, saved again in another order).
2. Starts gunicorn as production runs it (gunicorn.conf.py: sync workers, two per core; production settings,
   DEBUG off) on a free loopback port.
3. Baseline: ``wrk`` loads the home page with 8 connections and reports its p99.
4. Attack: the same load again while three attackers (three requests at once, back to back) send
   - pathological Markdown to the preview endpoint (the renderer's quadratic inputs, up to the form's limit),
   - an animated-GIF memory bomb to the image upload (6000×6000 canvas, 300 frames, ~7 KB),
   - requests for the revisions page that diffs the hostile pair.
5. Prints both p99s, their ratio and what the attacks got back, and exits 1 when the home page's p99 under
   attack is more than ``--max-ratio`` (3) times the baseline's, when any request answered 5xx, or when a worker
   was killed. Traffic goes to 127.0.0.1 only; every loop is bounded in time.

Usage: ``scripts/drill.py [--duration 10] [--max-ratio 3] [--keep]``. Needs ``wrk`` (Debian package).
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import re
import runpy
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "shortscience_drill"
# gunicorn.conf.py's default, given explicitly so that WEB_CONCURRENCY in the caller's environment cannot change it.
WORKERS = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["DEFAULT_WORKERS"]
CONNECTIONS = 8
ATTACKERS = 3
FORM_LIMIT = 60_000
SECRET_KEY = "drill-only-" + secrets.token_urlsafe(40)
# What the attacks may get back: done (200), refused as too big or invalid (400, 413), rate-limited (429).
# A redirect to sign in or a 403 means the attacker's session did not work: the drill proved nothing.
ANSWERS_THAT_COUNT = {200, 400, 413, 429}

# Inputs that made the Markdown renderer quadratic (issue 10), each near the form's 60,000-character limit.
HOSTILE_MARKDOWN = {
    "unclosed links": "[a](" * 15_000,
    "unclosed images": "![a](" * 12_000,
    "empty link texts": "[](" * 20_000,
    "unclosed angle links": "[a](<" * 12_000,
    "setext underlines": "a\n-\n" * 15_000,
    "emphasis rules": "***\n" * 15_000,
    "horizontal rules": "---\n" * 15_000,
    "abbreviations": "".join(f"*[ABBR{n}]: expansion {n}\n" for n in range(2_400)) + "ABBR1 " * 100,
}


def gif_bomb(width: int = 6000, height: int = 6000, frames: int = 300) -> bytes:
    """A tiny animated GIF whose frames each expand to the whole canvas when decoded: ~7 KB on the wire."""
    out = io.BytesIO()
    out.write(b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF0, 0, 0))  # global colour table of 2 colours
    out.write(b"\x00\x00\x00\xff\xff\xff")
    out.write(b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop forever
    for _ in range(frames):
        out.write(b"\x21\xf9\x04\x00\x01\x00\x00\x00")  # graphic control: 1/100 s
        out.write(b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0))  # a 1×1 image at the top left
        out.write(b"\x02\x02\x44\x01\x00")  # LZW minimum code size 2, one data block, terminator
    out.write(b"\x3b")
    return out.getvalue()


def hostile_diff_pair() -> tuple[str, str]:
    lines = [f"Line {n}: " + secrets.token_hex(180) for n in range(150)]  # ~60 KB of distinct lines
    reordered = lines[1::2] + lines[0::2]
    return "\n".join(lines), "\n".join(reversed(reordered))


# --- the drill database --------------------------------------------------------------------------------------


def prepare() -> dict:
    """Create and fill the drill database; return the gunicorn environment and the attacker's credentials."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
    os.environ["DEBUG"] = "1"  # set-up only (console e-mail); gunicorn runs with DEBUG off
    os.environ["SECRET_KEY"] = SECRET_KEY  # the attacker's session must be valid for gunicorn
    import django
    from django.conf import settings

    from shortscience.management.commands.generate_bench_data import ensure_database

    params = dict(settings.DATABASES["default"])
    ensure_database(DATABASE, reset=True)
    settings.DATABASES["default"]["NAME"] = DATABASE
    django.setup()

    from allauth.account.models import EmailAddress
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from papers.models import Paper
    from summaries.editing import save_summary

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", verbosity=0)
    attacker = User.objects.create_user("drill-attacker", "attacker@example.org", secrets.token_urlsafe(16))
    attacker.date_joined = timezone.now() - timezone.timedelta(days=60)
    attacker.save(update_fields=["date_joined"])
    EmailAddress.objects.create(user=attacker, email=attacker.email, verified=True, primary=True)
    first, second = hostile_diff_pair()
    paper = Paper.objects.order_by("pk").first()
    data = {"visibility": "public", "is_anonymous": False, "audience": "practitioner"}
    summary = save_summary(paper=paper, writer=attacker, expected_revision=0, data={**data, "body": first})
    save_summary(paper=paper, writer=attacker, expected_revision=1, data={**data, "body": second})
    session = SessionStore()
    session["_auth_user_id"] = str(attacker.pk)
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    session["_auth_user_hash"] = attacker.get_session_auth_hash()
    session.create()

    host = params.get("HOST") or ""
    user = quote(params.get("USER") or "postgres")
    password = f":{quote(params['PASSWORD'])}" if params.get("PASSWORD") else ""
    port = params.get("PORT") or "5432"
    if host.startswith("/"):
        url = f"postgresql://{user}{password}@:{port}/{DATABASE}?host={quote(host)}"
    else:
        url = f"postgresql://{user}{password}@{host or '127.0.0.1'}:{port}/{DATABASE}"
    return {
        "database_url": url,
        "session": session.session_key,
        "revisions_path": f"/summary/{summary.pk}/revisions/",
    }


# --- gunicorn ---------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url: str, port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shortscience.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_MANIFEST": "0",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    command = [
        sys.executable, "-m", "gunicorn", "shortscience.wsgi",
        "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "--timeout", "30",
        "--graceful-timeout", "5", "--error-logfile", str(log),
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _ = request(port, "GET", "/robots.txt")
            if status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError(f"gunicorn did not start; see {log}")


def request(port, method, path, body=b"", headers=None, timeout=60) -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


# --- load and attacks --------------------------------------------------------------------------------------------


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(port: int, duration: int) -> dict:
    """Home page under ``CONNECTIONS`` connections for ``duration`` seconds: requests/s and p50/p99 in ms."""
    command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{duration}s", "--latency", "--timeout", "30s"]
    result = subprocess.run(
        [*command, f"http://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=duration + 60, check=True
    )
    out = result.stdout

    def latency(label):
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        return float(match.group(1)) * _UNITS[match.group(2)]

    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def multipart(field: str, filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = "drill" + secrets.token_hex(8)
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def attacks(session: str, revisions_path: str):
    """Endless (name, method, path, body, headers) of the three attacks, as an established member."""
    csrf = secrets.token_hex(16)  # a 32-character secret, sent as both the cookie and the header
    cookies = {"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf}
    gif, gif_type = multipart("image", "bomb.gif", gif_bomb(), "image/gif")
    while True:
        for name, text in HOSTILE_MARKDOWN.items():
            body = urlencode({"content": text[:FORM_LIMIT]}).encode()
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            yield f"preview: {name}", "POST", "/markdownx/markdownify/", body, {**cookies, **form}
            yield "upload: GIF bomb", "POST", "/markdownx/upload/", gif, {**cookies, "Content-Type": gif_type}
            yield "revisions: hostile diff", "GET", revisions_path, b"", cookies


def attack(port: int, plan, stop: threading.Event, results: list, lock: threading.Lock) -> None:
    while not stop.is_set():
        with lock:
            name, method, path, body, headers = next(plan)
        try:
            status, seconds = request(port, method, path, body, headers)
        except OSError as error:
            status, seconds = f"error: {error.__class__.__name__}", 0.0
        with lock:
            results.append((name, status, seconds))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per phase")
    parser.add_argument("--max-ratio", type=float, default=3.0, help="allowed p99 under attack / p99 without")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("drill: wrk is missing (apt-get install wrk)", file=sys.stderr)
        return 2

    print("--- preparing the drill database (migrate, demo data, attacker)", flush=True)
    setup = prepare()
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="shortscience-drill-")) / "gunicorn.log"
    server = start_gunicorn(setup["database_url"], port, log)
    try:
        for _ in range(WORKERS * 4):  # every worker has served the home page once
            request(port, "GET", "/")
        print(f"--- baseline: home page, {CONNECTIONS} connections, {args.duration} s", flush=True)
        baseline = wrk(port, args.duration)

        print(f"--- under attack: the same load with {ATTACKERS} attack requests at once", flush=True)
        stop, lock, results = threading.Event(), threading.Lock(), []
        plan = attacks(setup["session"], setup["revisions_path"])
        threads = [threading.Thread(target=attack, args=(port, plan, stop, results, lock)) for _ in range(ATTACKERS)]
        for thread in threads:
            thread.start()
        time.sleep(1)  # the attacks are running when the measurement starts
        try:
            attacked = wrk(port, args.duration)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=90)
        alive = server.poll() is None
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    log_text = log.read_text(errors="replace") if log.exists() else ""
    killed = len(re.findall(r"WORKER TIMEOUT|Worker .* was sent SIGKILL|out of memory", log_text))
    by_attack: dict[str, dict] = {}
    for name, status, seconds in results:
        entry = by_attack.setdefault(name, {"requests": 0, "statuses": {}, "max_ms": 0.0})
        entry["requests"] += 1
        entry["statuses"][str(status)] = entry["statuses"].get(str(status), 0) + 1
        entry["max_ms"] = max(entry["max_ms"], seconds * 1000)
    server_errors = sum(
        count
        for entry in by_attack.values()
        for status, count in entry["statuses"].items()
        if not status.isdigit() or int(status) >= 500
    )
    ratio = attacked["p99_ms"] / baseline["p99_ms"] if baseline["p99_ms"] else float("inf")

    print(f"\nHome page, gunicorn {WORKERS} sync workers, {CONNECTIONS} connections, {args.duration} s per phase")
    print("| phase | req/s | p50 ms | p99 ms |\n|---|---:|---:|---:|")
    for label, figures in (("baseline", baseline), ("under attack", attacked)):
        print(f"| {label} | {figures['requests_per_second']:.0f} | {figures['p50_ms']:.1f} | {figures['p99_ms']:.1f} |")
    print(f"\np99 under attack / baseline: {ratio:.2f} (allowed: {args.max_ratio:g})")
    print("\n| attack | requests | answers | slowest ms |\n|---|---:|---|---:|")
    for name, entry in sorted(by_attack.items()):
        answers = ", ".join(f"{status}×{count}" for status, count in sorted(entry["statuses"].items()))
        print(f"| {name} | {entry['requests']} | {answers} | {entry['max_ms']:.0f} |")
    if args.json:
        figures = {"baseline": baseline, "attack": attacked, "ratio": ratio, "attacks": by_attack, "killed": killed}
        Path(args.json).write_text(json.dumps(figures, indent=2))

    failures = []
    for name, entry in sorted(by_attack.items()):
        if not any(status.isdigit() and int(status) in ANSWERS_THAT_COUNT for status in entry["statuses"]):
            failures.append(f"'{name}' never reached the site's code (answers: {entry['statuses']})")
    if len(by_attack) < 3:
        failures.append("not every attack ran during the measurement")
    if ratio > args.max_ratio:
        failures.append(f"the home page's p99 grew {ratio:.2f}× under attack (allowed {args.max_ratio:g}×)")
    if server_errors or attacked["non_2xx"] or baseline["non_2xx"]:
        failures.append(f"{server_errors} attack requests failed with 5xx or errors; home page non-2xx: "
                        f"{baseline['non_2xx']} + {attacked['non_2xx']}")  # fmt: skip
    if killed or not alive:
        failures.append(f"gunicorn lost workers ({killed} timeouts or kills; see {log})")
    for failure in failures:
        print(f"drill: FAILED: {failure}", file=sys.stderr)
    if not failures:
        print("drill: passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
