"""`paylinks serve` keeps the service running: it restarts what dies (kill -9 of the task
worker, of the web server), its worker rides out dropped database connections, and
/healthz says what is down."""

import json
import os
import signal
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conftest import is_postgres
from livehttp import TcpProxy, free_port, serve_process, wait_for
from livehttp import test_database_url as database_url
from pay import pay_card

pytestmark = pytest.mark.django_db(transaction=True)


def health(base: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def started(served) -> int:
    """How many task workers have started (django-tasks-db logs each)."""
    return served.log().count("Starting worker")


def role(cmdline: str) -> str:
    return "web" if "gunicorn" in cmdline else "worker"


def pid_of(served, which: str) -> int | None:
    pids = [pid for pid, cmd in served.children().items() if role(cmd) == which]
    return pids[0] if pids else None


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] == "Z"  # a zombie: exited
    except OSError:
        return True


def test_healthz_says_the_worker_is_down_until_one_beats(client, db):
    from paylinks.core.models import WorkerHeartbeat

    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "down", "database": "ok", "worker": "down"}
    assert "no-store" in r["Cache-Control"]
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="h", pid=1, last_seen=timezone.now())
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok", "worker": "ok"}


def test_serve_restarts_what_dies_and_stops_only_when_told(tmp_path):
    port = str(free_port())
    with serve_process(tmp_path, "--port", port, "--workers", "1") as served:
        wait_for(lambda: started(served) == 1, "the worker starts", served=served)
        worker, web = pid_of(served, "worker"), pid_of(served, "web")
        assert worker and web

        os.kill(worker, signal.SIGKILL)  # the task worker dies: serve starts another
        wait_for(
            lambda: pid_of(served, "worker") not in (None, worker), "a new worker", served=served
        )
        wait_for(lambda: started(served) == 2, "the new worker runs", served=served)
        assert health(served.base)[0] == 200

        os.kill(web, signal.SIGKILL)  # the web server dies: serve starts another
        wait_for(lambda: pid_of(served, "web") not in (None, web), "a new web server")
        assert health(served.base)[0] == 200  # the socket stayed open: no refused connection
        assert served.proc.poll() is None

        children = served.children()
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(timeout=40) == 0
        for pid in children:  # every child stopped with it
            wait_for(lambda pid=pid: gone(pid), f"{pid} stopped")
    assert "restarting in" in served.log()


@pytest.mark.postgres
def test_worker_rides_out_dropped_database_connections(tmp_path, multi_link):
    if not is_postgres():
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    port = str(free_port())
    with serve_process(
        tmp_path,
        "--port",
        port,
        "--workers",
        "1",
        PAYLINKS_EMAIL_URL=f"mbox://{tmp_path}/mail.mbox",
    ) as served:
        wait_for(lambda: started(served) == 1, "the worker starts", served=served)
        worker = pid_of(served, "worker")

        def drop_every_connection() -> int:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                return cursor.fetchone()[0]

        assert drop_every_connection() >= 1
        time.sleep(2)  # the worker polls (and finds its connection dead) meanwhile
        drop_every_connection()
        time.sleep(2)
        assert served.proc.poll() is None, served.log()
        assert pid_of(served, "worker") == worker, served.log()  # alive, not restarted
        pay_card(multi_link)  # two emails to send, after the drops
        wait_for(
            lambda: (
                DBTaskResult.objects.filter(
                    task_path__endswith="send_payment_emails", status="SUCCESSFUL"
                ).count()
                == 1
            ),
            "the emails sent",
            served=served,
        )
        # The same worker process did it: it waited out the drop, it did not die.
        assert pid_of(served, "worker") == worker
        # The web server's connections were dropped too: the next request still works.
        assert health(served.base) == (200, {"status": "ok", "database": "ok", "worker": "ok"})
        assert served.proc.poll() is None


@pytest.mark.postgres
def test_worker_waits_out_a_database_restart(tmp_path, multi_link):
    """The database goes away (connections cut, new ones refused), then comes back: the
    worker retries with backoff, and runs the tasks enqueued meanwhile."""
    if not is_postgres():
        pytest.skip("a PostgreSQL server to put a proxy in front of")
    db = connection.settings_dict
    proxy = TcpProxy((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)))
    url = database_url().replace(f":{db.get('PORT') or 5432}/", f":{proxy.port}/")
    with serve_process(
        tmp_path,
        command="worker",
        name="worker",
        PAYLINKS_DATABASE_URL=url,
        PAYLINKS_EMAIL_URL=f"mbox://{tmp_path}/mail.mbox",
    ) as worker:
        wait_for(lambda: started(worker) == 1, "the worker starts", served=worker)
        proxy.cut()
        pay_card(multi_link)  # two emails to send, while the worker cannot reach them
        time.sleep(4)  # it keeps trying meanwhile
        assert worker.proc.poll() is None, worker.log()
        assert "database unavailable" in worker.log()
        proxy.restore()
        wait_for(
            lambda: (
                DBTaskResult.objects.filter(
                    task_path__endswith="send_payment_emails", status="SUCCESSFUL"
                ).count()
                == 1
            ),
            "the emails sent",
            served=worker,
        )
        assert worker.proc.poll() is None
    proxy.cut()
