from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from paylinks.checkout.models import Payment
from paylinks.core import counters


@task()
def settle_payment(*, payment_id: int) -> None:
    """Ask the processor once whether a pending payment settled. Kept for tasks queued
    before settlement moved to the periodic pass (``payments_settle_due``)."""
    from paylinks.checkout.services import payment_settle

    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is not None:
        payment_settle(payment=payment)


@task()
def reconcile_payments() -> None:
    """The periodic recovery pass; it schedules its own next run. Besides payments it
    asks about pending refunds and queues again the webhook deliveries a dead worker
    left behind, and the processor's webhooks it could not process while unreachable."""
    from paylinks.checkout.services import payments_reconcile
    from paylinks.processors.services import inbound_events_retry_due
    from paylinks.receipts.refunds import refunds_recheck_due
    from paylinks.webhooks.services import deliveries_resume

    try:
        payments_reconcile()
        refunds_recheck_due()
        deliveries_resume()
        inbound_events_retry_due()
        counters.prune()
    finally:
        schedule_reconciliation(delay=settings.RECOVERY_INTERVAL_SECONDS)


def schedule_reconciliation(*, delay: int = 0) -> None:
    """Make sure one reconciliation run is queued (called when a worker starts)."""
    waiting = DBTaskResult.objects.filter(
        task_path=reconcile_payments.module_path, status=TaskResultStatus.READY
    )
    if not waiting.exists():
        reconcile_payments.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue()
