from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from paylinks.checkout.models import Payment
from paylinks.processors.base import ProcessorError


@task()
def record_payment_fee(*, payment_id: int, tries: int = 0) -> None:
    """Ask the processor for a succeeded payment's fee; while it is not known (Stripe
    writes its balance transaction a moment later), ask again after 1, 2, 4… minutes."""
    from paylinks.books.services import FEE_TRIES, payment_fee_record

    payment = (
        Payment.objects.select_related("merchant__payments_account", "attempt")
        .filter(pk=payment_id)
        .first()
    )
    if payment is None:
        return
    try:
        known = payment_fee_record(payment=payment)
    except ProcessorError:
        known = False
    if not known and payment.status == Payment.Status.SUCCEEDED and tries < FEE_TRIES:
        later = timezone.now() + timedelta(minutes=2**tries)
        record_payment_fee.using(run_after=later).enqueue(payment_id=payment_id, tries=tries + 1)


@task()
def books_periodic() -> None:
    """The books' periodic pass (payouts); it schedules its own next run."""
    from paylinks.books.services import books_pass

    try:
        books_pass()
    finally:
        schedule_books(delay=settings.PAYOUT_CHECK_SECONDS)


def schedule_books(*, delay: int = 0) -> None:
    """Make sure one run of the books' pass is queued (called when a worker starts)."""
    waiting = DBTaskResult.objects.filter(
        task_path=books_periodic.module_path, status=TaskResultStatus.READY
    )
    if not waiting.exists():
        books_periodic.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue()
