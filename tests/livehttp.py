"""A real `paylinks serve` process on the test database, and a minimal form-posting client."""

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager, suppress

from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_database_url() -> str:
    """The database the test is using (pytest-django's test database), as a URL."""
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@contextmanager
def serve(tmp_path, workers: int = 2, **env_extra: str):
    """Run `paylinks serve --no-worker` against the test database; yield its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYLINKS_")}
    env.update(
        PAYLINKS_DATA_DIR=str(tmp_path),
        PAYLINKS_DATABASE_URL=test_database_url(),
        PAYLINKS_BASE_URL=base,
        PAYLINKS_SECRET_KEY=settings.SECRET_KEY,
        **env_extra,
    )
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "paylinks.cli",
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/login/", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


class Client:
    """Cookies and CSRF like a browser, nothing else."""

    def __init__(self, ip: str | None = None) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.headers = {"X-Forwarded-For": ip} if ip else {}

    def get(self, url: str) -> str:
        request = urllib.request.Request(url, headers=self.headers)
        with self.opener.open(request, timeout=60) as r:
            return r.read().decode()

    def tokenize(self, base: str, details: dict[str, str]) -> str:
        """What the page's script does: the details go to the sandbox's endpoint only."""
        request = urllib.request.Request(
            base + "/sandbox/v1/tokens",
            data=json.dumps(details).encode(),
            headers={"Content-Type": "application/json", **self.headers},
            method="POST",
        )
        try:
            with self.opener.open(request, timeout=60) as r:
                return json.loads(r.read())["id"]
        except urllib.error.HTTPError:
            return ""

    def pay(
        self, url: str, data: dict[str, str], card: str = "4242424242424242"
    ) -> tuple[int, str]:
        """Load the hosted page, hand the card to the sandbox, post the token."""
        base = url.split("/l/")[0]
        token = self.tokenize(base, {"type": "card", "number": card, "exp": "12/31", "cvc": "123"})
        return self.post_form(url, {"method": "card", **data, "payment_token": token})

    def post_form(self, url: str, data: dict[str, str], page: str | None = None) -> tuple[int, str]:
        page = page or self.get(url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        checkout = re.search(r'name="checkout" value="([^"]+)"', page)
        if checkout:
            data = {"checkout": checkout.group(1), **data}
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}).encode()
        request = urllib.request.Request(
            url, data=body, headers={"Referer": url, **self.headers}, method="POST"
        )
        try:
            with self.opener.open(request, timeout=60) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


class Served:
    """A running `paylinks serve` (or `paylinks worker`): its process, base URL and log."""

    def __init__(self, proc: subprocess.Popen, base: str, log_path) -> None:
        self.proc, self.base, self.log_path = proc, base, log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def children(self) -> dict[int, str]:
        """The supervisor's child processes: pid -> command line."""
        return children_of(self.proc.pid)


def children_of(pid: int) -> dict[int, str]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids = [int(p) for p in f.read().split()]
    except OSError:
        return {}
    found = {}
    for child in pids:
        try:
            with open(f"/proc/{child}/cmdline", "rb") as f:
                found[child] = f.read().replace(b"\0", b" ").decode()
        except OSError:
            pass
    return found


def wait_for(predicate, what: str, timeout: float = 60.0, served: Served | None = None):
    """Poll ``predicate`` until it returns something true (a hang guard, not a timing)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never: {what}\n{served.log() if served else ''}")
        time.sleep(0.2)


def base_env(tmp_path, **env_extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYLINKS_")}
    env.update(
        PAYLINKS_DATA_DIR=str(tmp_path),
        PAYLINKS_DATABASE_URL=test_database_url(),
        PAYLINKS_SECRET_KEY=settings.SECRET_KEY,
    )
    env.update(env_extra)
    return env


@contextmanager
def serve_process(tmp_path, *args: str, command: str = "serve", name: str = "server", **env):
    """`paylinks <command> <args>` on the test database, logging to ``<name>.log``; for a
    server (``--port`` among ``args``) wait until it answers. Stops it (SIGTERM) at the end."""
    port = args[args.index("--port") + 1] if "--port" in args else None
    base = f"http://127.0.0.1:{port}" if port else ""
    if base:
        env.setdefault("PAYLINKS_BASE_URL", base)
    log_path = tmp_path / f"{name}.log"
    log = open(log_path, "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "paylinks.cli", command, *args],
        env=base_env(tmp_path, **env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    served = Served(proc, base, log_path)
    try:
        if base:

            def up() -> bool:
                try:
                    urllib.request.urlopen(base + "/login/", timeout=2).close()
                    return True
                except OSError:
                    assert proc.poll() is None, served.log()
                    return False

            wait_for(up, f"{base} answers", served=served)
        yield served
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target``; ``cut()`` drops every connection and
    refuses new ones (a database restarting), ``restore()`` listens again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                return
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self.listener is not None:
            # shutdown() first: close() alone leaves a blocked accept() listening.
            with suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for s in self.sockets:
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self.sockets = []
