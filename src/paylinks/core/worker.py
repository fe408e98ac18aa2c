"""`paylinks worker`: django-tasks-db's worker, made to keep running.

- A dropped database connection or a database restart is waited out (reconnect with a
  growing delay) instead of killing the process.
- A heartbeat thread records that this worker is alive every
  ``WORKER_HEARTBEAT_SECONDS``; the tasks it runs are leased to it while it does. The
  same thread hands the tasks of workers not heard from for ``WORKER_LEASE_SECONDS``
  (killed, machine lost) back to the queue, so they run again. Every task is therefore
  written to be idempotent.
- A task that fails because the database went away is queued again, not failed.
"""

import contextlib
import logging
import os
import random
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.utils import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from paylinks.core import services

log = logging.getLogger("paylinks.worker")

TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)
MAX_TASK_DB_RETRIES = 10


def _close_connections() -> None:
    """Drop this thread's database connections, broken or not (reconnect on next use)."""
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(Exception):  # already broken: nothing to close
            conn.close()


class ResilientWorker(Worker):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._stop_heartbeat = threading.Event()

    # --- heartbeat and leases -------------------------------------------------------

    def _heartbeat_once(self) -> None:
        services.worker_heartbeat_record(
            worker_id=self.worker_id, hostname=socket.gethostname(), pid=os.getpid()
        )
        services.tasks_requeue_abandoned(lease=timedelta(seconds=settings.WORKER_LEASE_SECONDS))

    def _heartbeat_loop(self) -> None:
        while not self._stop_heartbeat.wait(settings.WORKER_HEARTBEAT_SECONDS):
            try:
                self._heartbeat_once()
            except TRANSIENT_DB_ERRORS as error:
                log.warning("heartbeat: database unavailable (%s)", error)
                _close_connections()
            except Exception:
                log.exception("heartbeat failed")
        _close_connections()

    # --- running ----------------------------------------------------------------------

    def run(self) -> None:
        delay = 1.0
        started = False
        while self.running:
            try:
                close_old_connections()
                # Our own tasks left RUNNING by a database failure run again.
                services.tasks_requeue_abandoned(worker_id=self.worker_id)
                self._heartbeat_once()
                if not started:
                    from paylinks.books.tasks import schedule_books
                    from paylinks.checkout.tasks import schedule_reconciliation

                    schedule_reconciliation()
                    schedule_books()
                    threading.Thread(
                        target=self._heartbeat_loop, name="heartbeat", daemon=True
                    ).start()
                    started = True
                    log.info("worker %s started", self.worker_id)
                delay = 1.0
                super().run()
                return
            except TRANSIENT_DB_ERRORS as error:
                log.warning("database unavailable (%s); trying again in %g s", error, delay)
                _close_connections()
                self.startup_delay = False
                time.sleep(delay)
                delay = min(30.0, delay * 2)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """As django-tasks-db's, except that a database failure queues the task again."""
        task_result = None
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except TRANSIENT_DB_ERRORS as error:
            tries = len(db_task_result.worker_ids)
            if tries >= MAX_TASK_DB_RETRIES:
                self._fail(db_task_result, error)
                return
            delay = min(300, 2**tries) * (0.5 + random.random() / 2)  # noqa: S311
            log.warning(
                "task %s: database unavailable (%s); again in %.0f s",
                db_task_result.id,
                error,
                delay,
            )
            _close_connections()
            # If the database is still down this raises: run() waits, then requeues it.
            services.task_requeue(
                task_id=db_task_result.pk, run_after=timezone.now() + timedelta(seconds=delay)
            )
        except (SystemExit, KeyboardInterrupt):
            raise  # stopped mid-task (Ctrl-C twice): the task stays ours, and is requeued
        except BaseException as error:
            self._fail(db_task_result, error)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _fail(self, db_task_result: DBTaskResult, error: BaseException) -> None:
        db_task_result.set_failed(error)
        try:
            task_finished.send(
                sender=type(db_task_result.task.get_backend()),
                task_result=db_task_result.task_result,
            )
        except Exception:
            log.exception("Task id=%s failed unexpectedly", db_task_result.id)


def worker_run(*, interval: float = 1.0, batch: bool = False) -> int:
    """Run a worker until SIGTERM/SIGINT (or, with ``batch``, until the queue is empty)."""
    worker = ResilientWorker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    worker.configure_signals()
    try:
        worker.run()
    finally:
        worker._stop_heartbeat.set()
        try:
            services.worker_heartbeat_remove(worker_id=worker.worker_id)
            services.tasks_requeue_abandoned(worker_id=worker.worker_id)
        except TRANSIENT_DB_ERRORS:
            pass  # the others requeue its tasks once its lease runs out
    return 0
