from django_tasks import task

from paylinks.checkout.models import Payment


@task()
def settle_payment(*, payment_id: int) -> None:
    """Ask the processor whether a pending bank transfer settled (re-enqueues while pending)."""
    from paylinks.checkout.services import payment_settle

    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is not None:
        payment_settle(payment=payment)
