"""The task queue's own bookkeeping: worker heartbeats and leases on running tasks."""

import logging
from datetime import datetime, timedelta
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from paylinks.core.models import WorkerHeartbeat

log = logging.getLogger(__name__)

# A worker silent this long is forgotten (its row deleted); its tasks were requeued long before.
HEARTBEAT_FORGET = timedelta(days=1)


def worker_heartbeat_record(*, worker_id: str, hostname: str, pid: int) -> None:
    """The worker ``worker_id`` is alive now."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen=now)
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id, hostname=hostname[:255], pid=pid, started_at=now, last_seen=now
        )
        WorkerHeartbeat.objects.filter(last_seen__lt=now - HEARTBEAT_FORGET).delete()


def worker_heartbeat_remove(*, worker_id: str) -> None:
    """The worker stopped cleanly."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def task_requeue(*, task_id: UUID | str, run_after: datetime | None = None) -> None:
    """Put one running task back in the queue (to run at ``run_after``, or now)."""
    changes: dict[str, object] = {"status": TaskResultStatus.READY}
    if run_after is not None:
        changes["run_after"] = run_after
    DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(**changes)


def tasks_requeue_abandoned(*, lease: timedelta | None = None, worker_id: str | None = None) -> int:
    """Requeue RUNNING tasks whose worker is gone: not heard from within ``lease``, or
    ``worker_id`` itself (which knows it is running none of them). Returns how many."""
    with transaction.atomic():
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        if worker_id is not None:
            abandoned = [
                task.pk
                for task in running.select_for_update(skip_locked=True).only("worker_ids")
                if task.worker_ids and task.worker_ids[-1] == worker_id
            ]
        else:
            assert lease is not None
            alive = set(
                WorkerHeartbeat.objects.filter(last_seen__gte=timezone.now() - lease).values_list(
                    "worker_id", flat=True
                )
            )
            abandoned = [
                task.pk
                for task in running.select_for_update(skip_locked=True).only("worker_ids")
                if not task.worker_ids or task.worker_ids[-1] not in alive
            ]
        if abandoned:
            DBTaskResult.objects.filter(pk__in=abandoned, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY
            )
            for pk in abandoned:
                log.warning("task %s: its worker is gone; queued to run again", pk)
    return len(abandoned)
