"""What the benchmarks share: fresh PostgreSQL databases, a real `paylinks serve`, the
resident memory of its processes, a browser-like HTTP client. Not a test."""

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SECRET_KEY = "bench-secret-key-not-for-production-0123456789abcdef"
# The bench pays many times from one address with one card: lift the card-testing limits.
VELOCITY = {
    f"PAYLINKS_VELOCITY_MAX_FAILURES_PER_{name}": "1000000"
    for name in ("LINK", "IP", "CARD", "MERCHANT")
}


def free_port() -> int:
    """A free port: the first free one of BENCH_PORTS (e.g. "8120-8139") if it is set, so that
    a shared machine's users keep to their own ranges; else any."""
    low, _sep, high = os.environ.get("BENCH_PORTS", "").partition("-")
    candidates = range(int(low), int(high or low) + 1) if low else [0]
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise SystemExit(f"no free port in BENCH_PORTS={os.environ['BENCH_PORTS']}")


def server_url(database_url: str) -> tuple[str, str]:
    """(URL of the server's `postgres` database, name of the database)."""
    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql") or not name:
        raise SystemExit(f"a PostgreSQL database URL is needed, not {database_url!r}")
    return urllib.parse.urlunsplit(parts._replace(path="/postgres")), name


def recreate_database(database_url: str) -> None:
    """Drop and create the database: every run starts from nothing."""
    admin, name = server_url(database_url)
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"unexpected database name {name!r}")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def database_exists(database_url: str) -> bool:
    admin, name = server_url(database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def django_setup(database_url: str) -> None:
    """Configure Django in this process for ``database_url`` (before importing models)."""
    os.environ["PAYLINKS_DATABASE_URL"] = database_url
    os.environ.setdefault("PAYLINKS_DATA_DIR", tempfile.mkdtemp(prefix="paylinks-bench-"))
    os.environ.setdefault("PAYLINKS_SECRET_KEY", SECRET_KEY)
    os.environ.setdefault("PAYLINKS_EMAIL_URL", "console:")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paylinks.settings")
    import django

    django.setup()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return sorted(found)


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode() for part in raw.split(b"\0") if part]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    out = []
    for child in children(pid):
        out.append(child)
        out.extend(descendants(child))
    return out


class Server:
    """A running `paylinks serve` and what it is made of."""

    def __init__(self, proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
        self.proc, self.base, self.log = proc, base, log

    def gunicorn_master(self) -> int:
        for pid in descendants(self.proc.pid):
            argv = cmdline(pid)
            if any("gunicorn" in a for a in argv) and any("wsgi" in a for a in argv):
                return pid
        raise RuntimeError("no gunicorn master under paylinks serve")

    def web_workers(self) -> list[int]:
        return children(self.gunicorn_master())

    def task_workers(self) -> list[int]:
        master = self.gunicorn_master()
        return [
            pid
            for pid in descendants(self.proc.pid)
            if pid != master
            and pid not in children(master)
            and any(a in ("worker", "db_worker") for a in cmdline(pid))
        ]

    def rss(self) -> str:
        web = [rss_mb(p) for p in self.web_workers()]
        tasks = [rss_mb(p) for p in self.task_workers()]
        text = "web " + "/".join(f"{m:.0f}" for m in web) + " MB"
        if tasks:
            text += ", task worker " + "/".join(f"{m:.0f}" for m in tasks) + " MB"
        return text


@contextmanager
def serve(database_url: str, *, workers: int = 2, task_worker: bool = False) -> Iterator[Server]:
    """`paylinks serve` (its own gunicorn configuration) on ``database_url``."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = Path(tempfile.mkdtemp(prefix="paylinks-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYLINKS_")}
    env.update(
        PAYLINKS_DATA_DIR=str(data_dir),
        PAYLINKS_DATABASE_URL=database_url,
        PAYLINKS_BASE_URL=base,
        PAYLINKS_SECRET_KEY=SECRET_KEY,
        PAYLINKS_EMAIL_URL="console:",
        **VELOCITY,
    )
    argv = [sys.executable, "-m", "paylinks.cli", "serve", "--port", str(port)]
    argv += ["--workers", str(workers)]
    if not task_worker:
        argv.append("--no-worker")
    log = data_dir / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_up(base + "/login/", proc, log)
        yield Server(proc, base, log)
    finally:
        stop(proc)
        shutil.rmtree(data_dir, ignore_errors=True)


def wait_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(log.read_text()[-4000:]) from None
            time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Client:
    """Cookies and CSRF like a browser, nothing else."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str) -> str:
        with self.opener.open(url, timeout=120) as r:
            return r.read().decode()

    def post_form(self, url: str, data: dict[str, str], page: str | None = None) -> tuple[int, str]:
        """POST a form as a browser would after showing ``page`` (fetched if not given)."""
        page = self.get(url) if page is None else page
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        token = found.group(1) if found else ""
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}).encode()
        request = urllib.request.Request(url, data=body, headers={"Referer": url}, method="POST")
        try:
            with self.opener.open(request, timeout=120) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
