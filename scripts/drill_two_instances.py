#!/usr/bin/env python
"""Two-instance drill (``make drill``, run by CI): the web tier keeps no state of its own.

1. Creates a fresh database ``shortscience_drill_two`` on the site's PostgreSQL (the embedded one by default),
   migrates it and adds a member with a verified address.
2. Starts TWO gunicorn instances (production settings, DEBUG off) on two loopback ports, sharing only what the
   site shares between machines: that database, the cache (Redis when ``REDIS_URL`` is set, else the cache table
   in PostgreSQL) and the media directory (one ``MEDIA_ROOT``, as a shared volume or bucket would be).
3. Checks, with one client that sends the same cookies to both:
   - signed in on A (allauth's form) is signed in on B; signed out on B is signed out on A;
   - the image-upload rate limit counted on A holds on B (a new member's 7 uploads an hour, then 429 on both);
   - an image uploaded on A is served by B, byte for byte, with the media headers.
4. Prints each check with its time and exits 1 when one fails. Traffic goes to 127.0.0.1 only.

Usage: ``scripts/drill_two_instances.py [--keep]``.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "shortscience_drill_two"
WORKERS = 2  # per instance
SECRET_KEY = "drill-only-" + secrets.token_urlsafe(40)
UPLOAD_WINDOW = 3600  # accounts.ratelimit.RATES["upload"].window
USERNAME, PASSWORD = "drill-member", "drill-" + secrets.token_urlsafe(12)


def prepare() -> str:
    """Create, migrate and fill the drill database; return its URL for gunicorn."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
    os.environ["DEBUG"] = "1"  # set-up only; gunicorn runs with DEBUG off
    os.environ["SECRET_KEY"] = SECRET_KEY
    import django
    from django.conf import settings

    from shortscience.management.commands.generate_bench_data import ensure_database

    params = dict(settings.DATABASES["default"])
    ensure_database(DATABASE, reset=True)
    settings.DATABASES["default"]["NAME"] = DATABASE
    django.setup()

    from allauth.account.models import EmailAddress
    from django.core.management import call_command

    from accounts.models import User

    call_command("migrate", verbosity=0, interactive=False)
    # A new member (joined today): a quarter of the member limits, so the upload limit is reached in 7 requests.
    member = User.objects.create_user(USERNAME, "drill-member@example.org", PASSWORD)
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)

    host = params.get("HOST") or ""
    user = quote(params.get("USER") or "postgres")
    password = f":{quote(params['PASSWORD'])}" if params.get("PASSWORD") else ""
    port = params.get("PORT") or "5432"
    if host.startswith("/"):
        return f"postgresql://{user}{password}@:{port}/{DATABASE}?host={quote(host)}"
    return f"postgresql://{user}{password}@{host or '127.0.0.1'}:{port}/{DATABASE}"


# --- two gunicorn instances ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_instance(name: str, port: int, shared: dict, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        **shared,
        "DJANGO_SETTINGS_MODULE": "shortscience.settings",
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_MANIFEST": "0",
        "LOG_LEVEL": "ERROR",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "WEB_CONCURRENCY": str(WORKERS),
    }
    command = [
        sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "shortscience.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), "--access-logfile", "/dev/null",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"))


def wait_until_serving(name: str, port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if http_request(port, "GET", "/robots.txt")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn {name} did not start; see {log}")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def http_request(port, method, path, body=b"", headers=None) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


class Browser:
    """One visitor: the same cookies go to whichever instance it talks to, as behind a round-robin proxy."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port, method, path, body=b"", headers=None):
        cookie = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        status, response_headers, content = http_request(
            port, method, path, body, {**({"Cookie": cookie} if cookie else {}), **(headers or {})}
        )
        for header in response_headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[key] = morsel.value
                else:
                    self.cookies.pop(key, None)
        return status, response_headers, content

    def post_form(self, port, path, fields: dict):
        data = {**fields, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}{path}"}
        return self.request(port, "POST", path, urlencode(data).encode(), headers)

    def upload(self, port, name: str, content: bytes):
        boundary = "drill" + secrets.token_hex(8)
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{name}"\r\n'
                "Content-Type: image/png\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-CSRFToken": self.cookies.get("csrftoken", ""),
            "X-Requested-With": "XMLHttpRequest",
        }
        return self.request(port, "POST", "/markdownx/upload/", body, headers)


def png(seed: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (seed * 37 % 256, 90, 160)).save(out, format="PNG")
    return out.getvalue()


# --- the checks -------------------------------------------------------------------------------------------------


def signed_in(browser: Browser, port: int) -> bool:
    """The settings page (members only) answers 200 with the member's name; anyone else is sent to sign in."""
    status, _, content = browser.request(port, "GET", "/settings/")
    return status == 200 and USERNAME.encode() in content


def run_checks(a: int, b: int) -> list[tuple[str, bool, str, float]]:
    results = []

    def check(name, passed, detail, started):
        results.append((name, bool(passed), detail, (time.perf_counter() - started) * 1000))

    browser = Browser()
    started = time.perf_counter()
    browser.request(a, "GET", "/accounts/login/")
    status, headers, _ = browser.post_form(a, "/accounts/login/", {"login": USERNAME, "password": PASSWORD})
    on_a, on_b = signed_in(browser, a), signed_in(browser, b)
    anonymous_b = signed_in(Browser(), b)
    check(
        "signed in on A → signed in on B (same session cookie)",
        status == 302 and "sessionid" in browser.cookies and on_a and on_b and not anonymous_b,
        f"login {status} → {headers.get('Location')}; /settings/ on A: {on_a}, on B: {on_b}, "
        f"on B without the cookie: {anonymous_b}",
        started,
    )

    # The limit counts in fixed one-hour windows: never let one end between A's refusal and B's.
    left = UPLOAD_WINDOW - time.time() % UPLOAD_WINDOW
    if left < 60:
        time.sleep(left + 1)
    started = time.perf_counter()
    answers_a = []
    uploaded = []
    for attempt in range(20):
        status, _, content = browser.upload(a, f"figure-{attempt}.png", png(attempt))
        answers_a.append(status)
        if status == 200:
            uploaded.append(json.loads(content)["url"])
        else:
            break
    status_b, _, content_b = browser.upload(b, "figure-b.png", png(99))
    message = json.loads(content_b).get("error", "") if status_b == 429 else content_b.decode(errors="replace")
    check(
        "upload rate limit hit on A holds on B",
        answers_a[-1] == 429 and answers_a.count(200) == len(answers_a) - 1 and status_b == 429,
        f"A answered {', '.join(map(str, answers_a))}; then B answered {status_b}: {message[:70]}",
        started,
    )

    started = time.perf_counter()
    url = uploaded[0] if uploaded else "/media/missing.png"
    status_a, _, from_a = browser.request(a, "GET", url)
    status_b, headers, from_b = http_request(b, "GET", url)  # no cookie: media are public
    served = (
        status_a == status_b == 200
        and from_a == from_b
        and from_b.startswith(b"\x89PNG")
        and headers.get("Content-Type") == "image/png"
        and headers.get("Content-Disposition", "").startswith("inline;")
        and headers.get("X-Content-Type-Options") == "nosniff"
    )
    check(
        "image uploaded on A served by B",
        served,
        f"{url}: A {status_a}, B {status_b}, {len(from_b)} bytes, same bytes: {from_a == from_b}; "
        f"{headers.get('Content-Type')}; {headers.get('Content-Disposition')}; {headers.get('Cache-Control')}",
        started,
    )

    started = time.perf_counter()
    status, _, _ = browser.post_form(b, "/accounts/logout/", {})
    check(
        "signed out on B → signed out on A (the session is gone for both)",
        status == 302 and not signed_in(browser, a) and not signed_in(browser, b),
        f"logout on B {status}; /settings/ on A now redirects to sign in",
        started,
    )
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the shared media directory and the logs")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    cache = "Redis at " + os.environ["REDIS_URL"] if os.environ.get("REDIS_URL") else "the cache table in PostgreSQL"
    print(f"--- two-instance drill: preparing {DATABASE} (migrate, one member); cache: {cache}", flush=True)
    database_url = prepare()
    prepared = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="shortscience-drill-two-"))
    (work / "static").mkdir()
    shared = {
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
        "SERVE_MEDIA": "1",
        "MEDIA_STORAGE": "local",
        # A key prefix of this run's own: a shared Redis is never cleared, and other runs' counters never count.
        "CACHE_KEY_PREFIX": "drill-two-" + secrets.token_hex(4),
        # Tasks in-process: no worker is part of this drill.
        "CELERY_BROKER_URL": "",
    }
    ports = {"A": free_port(), "B": free_port()}
    servers = {}
    try:
        for name, port in ports.items():  # both start at once, as replicas do
            servers[name] = start_instance(name, port, shared, work / f"gunicorn-{name}.log")
        for name, port in ports.items():
            wait_until_serving(name, port, servers[name], work / f"gunicorn-{name}.log")
        started = time.perf_counter()
        print(f"--- instances up: A on :{ports['A']}, B on :{ports['B']}, {WORKERS} workers each", flush=True)
        results = run_checks(ports["A"], ports["B"])
        checked = time.perf_counter()
    finally:
        for server in servers.values():
            stop(server)

    print("\n| check | result | ms | what was seen |\n|---|---|---:|---|")
    for name, passed, detail, ms in results:
        print(f"| {name} | {'passed' if passed else 'FAILED'} | {ms:.0f} | {detail} |")
    print(
        f"\nset-up (database, migrate) {prepared - began:.1f} s; both instances started in "
        f"{started - prepared:.1f} s; checks {checked - started:.1f} s"
    )
    failures = [name for name, passed, _, _ in results if not passed]
    if args.keep or failures:
        print(f"logs and media kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print(f"drill: FAILED: {failure}", file=sys.stderr)
    if not failures:
        print("drill: two instances passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
