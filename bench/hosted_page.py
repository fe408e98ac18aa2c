"""The hosted page and payments per second, A/B against a bare Django "hello" app.

    .venv/bin/python bench/hosted_page.py [--database-url postgres://…/paylinks_bench_ab]
        [--rounds 5] [--seconds 5] [--clients 16] [--workers 2] [--client wrk|python]

Re-creates the PostgreSQL database, makes 16 merchants with a multi-use link each, starts
the real server (`paylinks serve`: its own gunicorn configuration, with its task worker) and,
beside it, bench/hello_app.py under the very same gunicorn command line (read from the
running server's gunicorn process, only the app and the port changed). Then, for several
rounds, in alternating order:
  hello      wrk on the hello app                     (the baseline)
  hosted     wrk on GET /l/<token>                    (the customer's payment page)
  pay ×1     16 customers paying one multi-use link
  pay ×16    16 customers paying 16 links of 16 merchants (customer i on link i % 16)
and prints the medians: the hosted page's req/s as a ratio to hello's (median of the
rounds' ratios; a GET run in which one web worker did less than half its share, the
kernel having handed it few of wrk's connections, is set aside and run again, and the
count printed), complete payments per second and what each payment cost in CPU, and the
RSS of the web workers and the task worker. The last line has the figures the issue's
floors are about. `wrk` is installed from Debian if missing (as root).

Payments are driven by wrk too, with bench/pay.lua, one wrk thread per customer (-t16
-c16): ~0.5 ms of the load generator's CPU per payment where the threaded urllib client
(``--client python``, kept for comparison) takes ~2.5 ms, from the same cores as the
server. Each customer, as a new visitor each time: GET the hosted
page (its CSRF token and checkout, the csrftoken cookie), POST the card (a different
good number each time) as JSON to /sandbox/v1/tokens, POST the form with the token id,
follow the 302 to the confirmation. A step that goes wrong is counted as an error and
reported. Payments per second are the receipts the database booked during the step
(counted once the task queue has drained, so a payment posted before the end is in)
divided by the time the customers paid; the receipts are checked against what the
customers saw (paid, or posted and unanswered when wrk stopped).

CPU per payment: for each pay step, the CPU time (utime + stime in /proc/<pid>/stat,
sampled every half second so that a process that ends keeps what it used) from the
start of the step until the task queue (django_tasks_db's ready and running tasks) is
back to what it was before, divided by the receipts booked:
  web       the gunicorn web workers (the page, the token, the POST, the confirmation)
  tasks     the task worker: each payment's emails, one task (the sandbox answers with
            its fee; only Stripe's is asked by a task); the step's backlog of queued
            tasks is drained before the next step starts, so it is not another step's cost
  postgres  PostgreSQL's backends for this database and its own processes (checkpointer,
            WAL writer…), not other databases' backends: on a shared machine other
            engineers' tests use the same server; "all processes" counts those too,
            and backends that exited
  client    the load generator (wrk's, from the rusage of the bench's waited children;
            the Python client's threads' own CPU time)
The backlog is the number of tasks queued and not yet done when the customers stopped,
and the drain how long the task worker then took to finish them; "with the drain" is the
payments per second over the paying and the drain together, what the whole server keeps
up with (the tasks of a payment are done later, not spared).
Benchmarks are not tests: nothing here passes or fails.
"""

import argparse
import itertools
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BENCH,
    Client,
    Server,
    children,
    cmdline,
    django_setup,
    free_port,
    recreate_database,
    rss_mb,
    serve,
    server_url,
    stop,
    wait_up,
)

CARD_FORM = {"name": "Bench Payer", "email": "bench@example.com", "method": "card"}
_cards = iter(range(10**9))
_cards_lock = threading.Lock()


def next_card() -> str:
    """A different good card per payment, as many customers' would be (Luhn-valid)."""
    with _cards_lock:
        i = next(_cards)
    base = f"4111{i:011d}"
    for d in "0123456789":
        digits = [int(c) for c in base + d]
        total = sum(digits[-1::-2]) + sum(sum(divmod(2 * x, 10)) for x in digits[-2::-2])
        if total % 10 == 0:
            return base + d
    raise AssertionError("unreachable")


def tokenize(client: Client, base: str) -> str:
    """What the page's script does: the card goes to the sandbox's tokenising endpoint."""
    body = json.dumps({"type": "card", "number": next_card(), "exp": "12/31", "cvc": "123"})
    request = urllib.request.Request(
        base + "/sandbox/v1/tokens",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with client.opener.open(request, timeout=120) as r:
        return json.loads(r.read())["id"]


def pay_once(client: Client, url: str) -> bool:
    """One customer paying by card through the HTTP pages, as a browser does: GET the hosted
    page, POST its form, land on the confirmation. With bench/pay.lua, the places to adapt
    when paying changes (fields, a hand-off to the processor's own fields…)."""
    page = client.get(url)
    checkout = re.search(r'name="checkout" value="([^"]+)"', page)
    token = tokenize(client, url.split("/l/")[0])
    data = {**CARD_FORM, "payment_token": token, "checkout": checkout.group(1) if checkout else ""}
    status, body = client.post_form(url, data, page=page)
    return status == 200 and 'name="checkout"' not in body  # not the form again


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is needed: sudo apt-get install -y wrk")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
    )
    return shutil.which("wrk") or "wrk"


def wrk(binary: str, url: str, seconds: float, clients: int) -> float:
    out = subprocess.run(
        [binary, "-t2", f"-c{clients}", f"-d{max(1, round(seconds))}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not found or re.search(r"Non-2xx or 3xx responses", out):
        raise RuntimeError(f"wrk on {url}:\n{out}")
    return float(found.group(1))


GET_TRIES = 4


def _cpu_seconds(pid: int) -> float:
    stat = proc_stat(pid)
    return stat[2] if stat else 0.0


def balanced_wrk(
    binary: str, url: str, seconds: float, clients: int, workers: Callable[[], list[int]]
) -> tuple[float, int]:
    """wrk on ``url``, run again (up to GET_TRIES times in all) while one of the web
    ``workers`` did less than half its share of the work: wrk opens its keep-alive
    connections all at once, and the kernel sometimes hands all of them to one gunicorn
    worker, leaving a core idle (about half the rate; it happened to both apps alike and
    made their ratio a coin toss). Returns the rate and how many runs were set aside."""
    for tries in range(GET_TRIES):
        pids = workers()
        before = [_cpu_seconds(p) for p in pids]
        rate = wrk(binary, url, seconds, clients)
        used = [_cpu_seconds(p) - b for p, b in zip(pids, before, strict=True)]
        if len(used) < 2 or min(used) >= 0.5 * sum(used) / len(used):
            return rate, tries
    return rate, GET_TRIES - 1


class Hello:
    """bench/hello_app.py under the server's own gunicorn command line."""

    def __init__(self, server: Server) -> None:
        argv = cmdline(server.gunicorn_master())
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        argv = ["hello_app:application" if "paylinks.wsgi" in a else a for a in argv]
        bound = False
        for i, arg in enumerate(argv):
            if arg in ("--bind", "-b") and i + 1 < len(argv):
                argv[i + 1], bound = f"127.0.0.1:{port}", True
            elif arg.startswith("--bind="):
                argv[i], bound = f"--bind=127.0.0.1:{port}", True
        if not bound:
            argv += ["--bind", f"127.0.0.1:{port}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAYLINKS_")}
        env.update(PYTHONPATH=str(BENCH), DJANGO_SETTINGS_MODULE="hello_app")
        self.log = Path(tempfile.mkdtemp(prefix="paylinks-hello-")) / "hello.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        wait_up(self.base + "/", self.proc, self.log)
        self.argv = argv

    def rss(self) -> str:
        return "/".join(f"{rss_mb(p):.0f}" for p in children(self.proc.pid)) + " MB"


@dataclass
class Flows:
    """What the customers saw: payments the server took (a redirect to their
    confirmation), payments posted and never answered (the run ended first: the server
    may still book them), errors, and the load generator's CPU seconds."""

    paid: int
    unanswered: int
    errors: int
    client_cpu: float
    last_error: str = ""


def python_payments(urls: list[str], seconds: float, clients: int) -> Flows:
    """``clients`` threads paying with urllib for ``seconds``, client i on
    ``urls[i % len(urls)]``; a customer stops at its first exception."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    flows = Flows(paid=0, unanswered=0, errors=0, client_cpu=0.0)

    def customer(i: int) -> None:
        url = urls[i % len(urls)]
        paid = errors = 0
        error = ""
        try:
            while time.monotonic() < deadline:
                if pay_once(Client(), url):
                    paid += 1
                else:
                    errors, error = errors + 1, "not on the confirmation page"
        except Exception as e:  # noqa: BLE001 - reported by the step
            errors, error = errors + 1, repr(e)
        with lock:
            flows.paid += paid
            flows.errors += errors
            flows.unanswered += errors  # an exception may have come after the POST
            flows.client_cpu += time.thread_time()
            flows.last_error = error or flows.last_error

    threads = [threading.Thread(target=customer, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return flows


def wrk_payments(
    binary: str, base: str, paths: list[str], seconds: float, clients: int, run: int
) -> Flows:
    """wrk with bench/pay.lua: ``clients`` customers (one per wrk thread), customer i on
    ``paths[i % len(paths)]``; ``run`` makes this step's card numbers its own."""
    argv = [binary, f"-t{clients}", f"-c{clients}", f"-d{max(1, round(seconds))}s"]
    argv += ["--timeout", "60s", "-s", str(BENCH / "pay.lua"), base, "--", str(run), *paths]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = re.search(r"^pay\.lua (completed=.*)$", out, re.MULTILINE)
    if not found:
        raise RuntimeError(f"wrk with bench/pay.lua:\n{out}")
    counts = {k: int(v) for k, _sep, v in (pair.partition("=") for pair in found[1].split())}
    # Socket errors (wrk then reconnects and sends the step again); "status" (≥ 400)
    # is already counted by the script's steps.
    socket = sum(counts[f"socket_{e}"] for e in ("connect", "read", "write", "timeout"))
    error = re.search(r"^pay\.lua last_error=(.*)$", out, re.MULTILINE)
    return Flows(
        paid=counts["paid"],
        unanswered=counts["inflight"],
        errors=counts["errors"] + socket,
        client_cpu=after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
        last_error=(error[1] if error else "") + (f" ({socket} socket errors)" if socket else ""),
    )


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# A backend's title: "postgres: [cluster: ]user database host(port)|[local] activity".
PG_BACKEND = re.compile(r"postgres: (?:[^:]+: )?\S+ (\S+) (?:\S*\(\d+\)|\[local\])")
PG_AUTOVACUUM = re.compile(r"autovacuum worker (\S+)")


def proc_stat(pid: int) -> tuple[str, int, float, float] | None:
    """(comm, ppid, CPU seconds used, CPU seconds of its waited-for children)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    head, _sep, tail = text.rpartition(")")
    fields = tail.split()  # fields[0] is stat(5)'s field 3, the state
    utime, stime, cutime, cstime = (int(f) / CLOCK_TICKS for f in fields[11:15])
    return head.partition("(")[2], int(fields[1]), utime + stime, cutime + cstime


def pg_database(pid: int) -> str | None:
    """The database a PostgreSQL process works for; None for the server's own processes
    (and a backend too new to have its title yet)."""
    title = " ".join(cmdline(pid))
    found = PG_BACKEND.match(title) or PG_AUTOVACUUM.search(title)
    return found[1] if found else None


class CpuMeter:
    """CPU seconds used while entered by the server's web workers, its task workers, and
    PostgreSQL (``database``'s backends and the server's own processes), sampled every
    ``interval`` so that a process that ends (a backend whose connection was recycled)
    keeps what it used until its last sample; a process that starts counts from zero.
    Also all PostgreSQL processes, exactly, from the two ends: the live ones and what the
    postmaster reaped."""

    def __init__(self, server: Server, database: str, interval: float = 0.5) -> None:
        self.fixed = {pid: "web" for pid in server.web_workers()}
        self.fixed.update({pid: "tasks" for pid in server.task_workers()})
        self.database, self.interval = database, interval
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.group: dict[int, str | None] = {}
        self.postgres_all = [0.0, 0.0]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _scan(self) -> float:
        """Notes the CPU time of every process measured; returns all PostgreSQL's."""
        postgres: dict[int, tuple[int, float, float]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            group = self.fixed.get(pid)
            if group is None and pid not in self.group:
                try:
                    comm = Path(f"/proc/{pid}/comm").read_text()
                except OSError:
                    continue
                if not comm.startswith("postgres"):
                    continue
            stat = proc_stat(pid)
            if stat is None:
                continue
            comm, ppid, used, reaped = stat
            if group is None:
                if not comm.startswith("postgres"):
                    continue  # a pid reused by something else
                postgres[pid] = (ppid, used, reaped)
                database = pg_database(pid)
                group = "postgres" if database in (None, self.database) else None
            self.group[pid] = group
            self.last[pid] = used
        reaped = sum(r for ppid, _used, r in postgres.values() if ppid not in postgres)
        return sum(used for _ppid, used, _r in postgres.values()) + reaped

    def __enter__(self) -> "CpuMeter":
        self.postgres_all[0] = self._scan()
        self.first = dict(self.last)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._scan()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.postgres_all[1] = self._scan()

    def seconds(self) -> dict[str, float]:
        """CPU seconds per group, and "postgres all"."""
        used = {"web": 0.0, "tasks": 0.0, "postgres": 0.0}
        for pid, last in self.last.items():
            group = self.group.get(pid)
            if group is not None:
                used[group] += last - self.first.get(pid, 0.0)
        used["postgres all"] = self.postgres_all[1] - self.postgres_all[0]
        return used


GROUPS = ("web", "tasks", "postgres", "client")


@dataclass
class PayStep:
    """A pay step's outcome: payments per second, and per payment the CPU milliseconds
    of each of GROUPS, their "total" and "postgres all"."""

    rate: float
    payments: int
    elapsed: float  # seconds of paying
    flows: Flows
    cpu_ms: dict[str, float]
    backlog: int
    drain: float | None  # seconds; None: not drained within the timeout

    @property
    def sustained(self) -> float:
        """Payments per second counting the drain: what the server keeps up with."""
        return self.payments / (self.elapsed + self.drain) if self.drain is not None else 0.0

    def describe(self, name: str) -> str:
        f = self.flows
        text = (
            f"  {name}: {self.payments} payments (customers saw {f.paid} paid, "
            f"{f.unanswered} unanswered, {f.errors} errors); CPU ms per payment: "
            + ", ".join(f"{g} {self.cpu_ms[g]:.1f}" for g in (*GROUPS, "total"))
            + f" (postgres all processes {self.cpu_ms['postgres all']:.1f}); backlog "
            f"{self.backlog} tasks, "
            + (
                f"drained in {self.drain:.1f} s ({self.sustained:.1f} payments/s with it)"
                if self.drain is not None
                else "NOT drained"
            )
        )
        if not f.paid <= self.payments <= f.paid + f.unanswered:
            text += f"\n  {name}: the receipts booked do not match the payments the customers saw"
        if f.errors:
            text += f"\n  {name}: {f.errors} errors, the last: {f.last_error}"
        return text


class Queue:
    """django_tasks_db's queue, as this process sees it through its own connection."""

    def __init__(self) -> None:
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        self.model, self.status = DBTaskResult, TaskResultStatus

    def waiting(self) -> int:
        """Tasks ready (due or not) or running."""
        statuses = [self.status.READY, self.status.RUNNING]
        return self.model.objects.filter(status__in=statuses).count()

    def due(self) -> int:
        """Tasks ready and due, or running."""
        return self.model.objects.ready().count() + self.model.objects.running().count()

    @staticmethod
    def wait(done: Callable[[], bool], timeout: float = 120) -> float | None:
        """Seconds until ``done()``, polled every 0.1 s; None after ``timeout``."""
        started = time.monotonic()
        while not done():
            if time.monotonic() - started > timeout:
                return None
            time.sleep(0.1)
        return time.monotonic() - started


def pay_step(
    server: Server,
    database: str,
    pay: Callable[[], Flows],
    receipts: Callable[[], int],
    queue: Queue,
) -> PayStep:
    """``pay()``, then the task queue drained: payments per second, and CPU per payment
    from the start of paying to the end of the drain."""
    before, waiting = receipts(), queue.waiting()
    with CpuMeter(server, database) as meter:
        started = time.monotonic()
        flows = pay()
        elapsed = time.monotonic() - started
        backlog = queue.waiting() - waiting
        drain = queue.wait(lambda: queue.waiting() <= waiting)
    payments = receipts() - before
    cpu = meter.seconds()
    cpu["client"] = flows.client_cpu
    cpu["total"] = sum(cpu[g] for g in GROUPS)
    per = 1000 / payments if payments else float("nan")
    return PayStep(
        rate=payments / elapsed,
        payments=payments,
        elapsed=elapsed,
        flows=flows,
        cpu_ms={name: seconds * per for name, seconds in cpu.items()},
        backlog=backlog,
        drain=drain,
    )


def make_links(count: int) -> list[str]:
    """``count`` approved merchants with one multi-use link each; their paths."""
    from paylinks.links.services import link_create
    from paylinks.merchants.services import merchant_signup, payments_account_apply

    paths = []
    for i in range(count):
        user = merchant_signup(
            business_name=f"Bench shop {i}",
            email=f"shop{i}@bench.localhost",
            password="bench-paylinks-2026",
            locale="en",
            currency="CAD",
        )
        assert user.merchant is not None
        payments_account_apply(
            merchant=user.merchant,
            legal_name=f"Bench shop {i}",
            country="CA",
            business_type="corporation",
            institution_number="001",
            transit_number="00011",
            account_number="123456789",
        )
        link = link_create(merchant=user.merchant, kind="multi", amount=1250, description="A")
        paths.append(link.path)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/paylinks_bench_ab"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="web workers (serve's default)")
    parser.add_argument(
        "--client",
        choices=("wrk", "python"),
        default="wrk",
        help="what pays: wrk with bench/pay.lua, or the threaded Python client",
    )
    args = parser.parse_args()

    binary = ensure_wrk()
    recreate_database(args.database_url)
    django_setup(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    paths = make_links(16)
    from paylinks.receipts.models import SalesReceipt

    def receipts() -> int:
        count = SalesReceipt.objects.count()
        connection.close()
        return count

    database, queue, runs = server_url(args.database_url)[1], Queue(), itertools.count()
    print(
        f"A/B on {connection.vendor}: {args.workers} web workers, {args.clients} clients "
        f"({'wrk with bench/pay.lua' if args.client == 'wrk' else 'Python'} for payments), "
        f"{args.rounds} rounds of {args.seconds:.0f} s each"
    )
    figures: dict[str, list[float]] = {"hello": [], "hosted": [], "pay1": [], "pay16": []}
    pay_steps: dict[str, list[PayStep]] = {"pay1": [], "pay16": []}
    with serve(args.database_url, workers=args.workers, task_worker=True) as server:
        hello = Hello(server)
        # The signups' tasks and the periodic ones the worker queues as it starts.
        queue.wait(lambda: queue.due() == 0)
        connection.close()

        def paying(name: str, link_paths: list[str]) -> Callable[[], float]:
            def pay() -> Flows:
                if args.client == "python":
                    urls = [server.base + p for p in link_paths]
                    return python_payments(urls, args.seconds, args.clients)
                return wrk_payments(
                    binary, server.base, link_paths, args.seconds, args.clients, next(runs)
                )

            def step() -> float:
                pay_steps[name].append(pay_step(server, database, pay, receipts, queue))
                return pay_steps[name][-1].rate

            return step

        try:
            hosted_url = server.base + paths[0]
            set_aside = {"hello": 0, "hosted": 0}

            def getting(
                name: str, url: str, workers: Callable[[], list[int]]
            ) -> Callable[[], float]:
                def step() -> float:
                    rate, unbalanced = balanced_wrk(
                        binary, url, args.seconds, args.clients, workers
                    )
                    set_aside[name] += unbalanced
                    return rate

                return step

            steps: list[tuple[str, Callable[[], float]]] = [
                ("hello", getting("hello", hello.base + "/", lambda: children(hello.proc.pid))),
                ("hosted", getting("hosted", hosted_url, server.web_workers)),
                ("pay1", paying("pay1", paths[:1])),
                ("pay16", paying("pay16", paths)),
            ]
            for r in range(args.rounds):
                order = steps if r % 2 == 0 else list(reversed(steps))
                line = []
                for name, run in order:
                    figures[name].append(run())
                    line.append(f"{name} {figures[name][-1]:.1f}/s")
                print(f"round {r + 1}: " + ", ".join(line), flush=True)
                for name, _run in order:
                    if name in pay_steps:
                        print(pay_steps[name][-1].describe(name), flush=True)
            web_rss, hello_rss = server.rss(), hello.rss()
        finally:
            stop(hello.proc)
    ratios = [h / b for h, b in zip(figures["hosted"], figures["hello"], strict=True)]
    med = {name: statistics.median(values) for name, values in figures.items()}
    for name, done in pay_steps.items():
        cpu = {k: statistics.median(s.cpu_ms[k] for s in done) for k in done[0].cpu_ms}
        drains = [s.drain for s in done if s.drain is not None]
        print(
            f"{name}: CPU ms per payment (median of {len(done)} rounds): "
            + ", ".join(f"{g} {cpu[g]:.1f}" for g in (*GROUPS, "total"))
            + f" (postgres all processes {cpu['postgres all']:.1f}); backlog "
            f"{statistics.median(s.backlog for s in done):.0f} tasks, drained in "
            + (f"{statistics.median(drains):.1f} s" if drains else "-")
            + (f" ({len(done) - len(drains)} not drained)" if len(drains) < len(done) else "")
            + f"; {statistics.median(s.sustained for s in done):.1f} payments/s with the drain"
        )
    if any(set_aside.values()):
        print(
            "GET runs set aside and run again, one web worker having done less than half its "
            "share: " + ", ".join(f"{k} {v}" for k, v in set_aside.items())
        )
    print(f"hello app: {med['hello']:.0f} req/s, RSS {hello_rss}")
    print(f"paylinks: hosted page {med['hosted']:.0f} req/s; {web_rss}")
    print(
        f"hosted/hello {statistics.median(ratios):.2f} (floor ≥ 0.25); payments/s one link "
        f"{med['pay1']:.0f} (floor ≥ 150), 16 links {med['pay16']:.0f} (floor ≥ 200); "
        f"RSS {web_rss}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
