"""The books beyond receipts: what the processor kept of each payment (its fee) and the
payouts that sent the rest to the merchant's bank account.

- A succeeded payment's fee is asked of its processor by a task queued in the payment's
  own transaction (``payment_fee_schedule``, called when its sales receipt is booked), so
  the customer's request never waits for it; a fee not known yet is asked again later.
- The sandbox simulates a daily payout: the periodic pass gathers, per merchant and
  currency, the succeeded payments settled before today whose fee is known and the
  succeeded refunds completed before today, none paid out yet, into one payout arriving
  today (amount = payments - fees - refunds). One payout per merchant, currency and day
  (the processor reference says so and is unique), and a payment or refund joins one
  payout at most (it is taken with ``payout IS NULL`` in the payout's transaction).
- With Stripe, payouts are Stripe's: listed, stored once by their id, and tied to the
  payments (and refunds) their balance transactions name.
"""

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from paylinks.checkout.models import Payment
from paylinks.merchants.models import Merchant, PaymentsAccount
from paylinks.processors.base import PayoutItem, ProcessorError, get_processor
from paylinks.receipts.models import Payout, Refund

log = logging.getLogger(__name__)

SANDBOX = "sandbox"
# A payment whose fee is still unknown is asked about again after 1, 2, 4… minutes.
FEE_TRIES = 10
# Payouts whose contents are asked again while none of our payments is found in them.
PAYOUT_ITEMS_DAYS = 30


def payment_fee_schedule(*, payment: Payment) -> None:
    """Queue the task that asks the processor for a succeeded payment's fee (in the
    caller's transaction: no fee task for a payment that rolled back)."""
    from paylinks.books.tasks import record_payment_fee

    record_payment_fee.enqueue(payment_id=payment.pk)


def payment_fee_record(*, payment: Payment) -> bool:
    """Store the processor's fee of a succeeded payment, once. True when it is known.
    Raises ProcessorError when the processor cannot be asked."""
    if payment.fee is not None:
        return True
    if payment.status != Payment.Status.SUCCEEDED or not payment.processor_ref:
        return False
    processor = get_processor(payment.merchant)
    if processor.name != payment.attempt.processor:
        return False  # the merchant changed processors since: that one is not asked
    fee = processor.fee(reference=payment.processor_ref)
    if fee is None:
        return False
    Payment.objects.filter(pk=payment.pk, fee__isnull=True).update(fee=fee)
    return True


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _sandbox_due(cutoff: datetime) -> tuple["Q", "Q"]:
    payments = Q(
        status=Payment.Status.SUCCEEDED,
        payout__isnull=True,
        fee__isnull=False,
        settled_at__lt=cutoff,
        attempt__processor=SANDBOX,
    )
    refunds = Q(
        status=Refund.Status.SUCCEEDED,
        payout__isnull=True,
        completed_at__lt=cutoff,
        processor=SANDBOX,
    )
    return payments, refunds


def payouts_sandbox_make(*, today: date | None = None, limit: int = 500) -> int:
    """The sandbox's simulated daily payout (see the module's docstring). Safe to run any
    number of times, concurrently: returns how many payouts it made."""
    today = today or timezone.localdate()
    cutoff = _start_of(today)
    due_payments, due_refunds = _sandbox_due(cutoff)
    groups = set(
        Payment.objects.filter(due_payments)
        .values_list("merchant_id", "currency")
        .distinct()[:limit]
    ) | set(
        Refund.objects.filter(due_refunds).values_list("merchant_id", "currency").distinct()[:limit]
    )
    names = dict(
        Merchant.objects.filter(pk__in={m for m, _c in groups}).values_list("pk", "public_id")
    )
    made = 0
    for merchant_id, currency in sorted(groups):
        ref = f"po_sbx_{names[merchant_id]}_{currency}_{today:%Y%m%d}"
        made += _sandbox_payout(merchant_id, currency, ref, today, cutoff)
    if made:
        log.info("sandbox payouts made: %s", made)
    return made


def _sandbox_payout(
    merchant_id: int, currency: str, ref: str, today: date, cutoff: datetime
) -> int:
    due_payments, due_refunds = _sandbox_due(cutoff)
    mine = Q(merchant_id=merchant_id, currency=currency)
    try:
        with transaction.atomic():
            payout = Payout.objects.create(
                merchant_id=merchant_id,
                processor=SANDBOX,
                processor_ref=ref,
                amount=0,
                currency=currency,
                status=Payout.Status.PAID,
                arrival_date=today,
            )
            # Each row is taken on its own ``payout IS NULL`` (PostgreSQL re-checks it on
            # a row another pass just took; a condition through a join would not be).
            due = Payment.objects.filter(due_payments & mine).values_list("pk", flat=True)
            ids = list(due.order_by("pk"))
            taken = 0
            for i in range(0, len(ids), 1000):
                batch = Payment.objects.filter(pk__in=ids[i : i + 1000], payout__isnull=True)
                taken += batch.update(payout=payout)
            taken += Refund.objects.filter(due_refunds & mine).update(payout=payout)
            if not taken:  # another pass took them first
                payout.delete()
                return 0
            payout.amount = payout_totals(payout=payout)["net"]
            payout.save(update_fields=["amount"])
    except IntegrityError:
        return 0  # today's payout was made already: the rest waits for tomorrow's
    return 1


def payout_totals(*, payout: Payout) -> dict[str, int]:
    """Gross, fees and refunds of what a payout contains, its net, and how many payments it
    holds (two aggregate queries)."""
    sums = Payment.objects.filter(payout=payout).aggregate(
        gross=Sum("amount"), fees=Sum("fee"), count=Count("pk")
    )
    refunds = Refund.objects.filter(payout=payout).aggregate(total=Sum("amount"))["total"] or 0
    gross, fees = sums["gross"] or 0, sums["fees"] or 0
    return {
        "gross": gross,
        "fees": fees,
        "refunds": refunds,
        "net": gross - fees - refunds,
        "payments": sums["count"],
    }


def payouts_sync(*, merchant: Merchant) -> int:
    """Read a merchant's latest payouts from its processor (Stripe), store each once and
    tie it to the payments and refunds it contains. Returns how many payouts were new.
    Raises ProcessorError when the processor cannot be reached."""
    processor = get_processor(merchant)
    if processor.name == SANDBOX:
        return 0
    new = 0
    recent = timezone.localdate() - timedelta(days=PAYOUT_ITEMS_DAYS)
    for info in processor.payouts(limit=100):
        fields = {
            "amount": info.amount,
            "currency": info.currency,
            "status": info.status if info.status in Payout.Status.values else "pending",
            "arrival_date": info.arrival_date,
        }
        payout, created = Payout.objects.get_or_create(
            processor=processor.name,
            processor_ref=info.reference,
            defaults={"merchant": merchant, **fields},
        )
        new += created
        if payout.merchant_id != merchant.pk:
            continue  # an account shared by several merchants: the first one keeps it
        if not created:
            Payout.objects.filter(pk=payout.pk).update(**fields)
        unfilled = not payout.payments.exists() and info.arrival_date >= recent
        if info.status in ("paid", "in_transit") and (created or unfilled):
            try:
                items = processor.payout_items(reference=info.reference)
            except ProcessorError as exc:  # asked again at the next pass
                log.warning("contents of payout %s not read: %s", info.reference, exc)
                continue
            _payout_fill(processor.name, payout, merchant, items)
    return new


def _payout_fill(
    processor: str, payout: Payout, merchant: Merchant, items: list[PayoutItem]
) -> None:
    payments = {i.reference: i for i in items if i.kind == "payment"}
    refunds = [i.reference for i in items if i.kind == "refund"]
    with transaction.atomic():
        found = Payment.objects.filter(merchant=merchant, processor_ref__in=list(payments))
        for payment in found.only("pk", "processor_ref", "fee"):
            item = payments[payment.processor_ref]
            Payment.objects.filter(pk=payment.pk).update(
                payout=payout, fee=item.fee if payment.fee is None else payment.fee
            )
        Refund.objects.filter(
            merchant=merchant, processor=processor, processor_ref__in=refunds
        ).update(payout=payout)


def _processor_merchants() -> list[Merchant]:
    """Merchants whose approved account takes payments through a processor with payouts
    of its own (not the sandbox). The instance-wide Stripe account's payouts are read
    only when one merchant alone uses it (a one-business install): shared by several, a
    payout would mix their money, and none of them may see the others' payouts."""
    accounts = PaymentsAccount.objects.filter(status=PaymentsAccount.Status.APPROVED)
    if settings.PROCESSOR == SANDBOX:
        accounts = accounts.exclude(processor__in=["", SANDBOX])
    else:
        accounts = accounts.exclude(processor=SANDBOX)
    own: list[Merchant] = []
    shared: list[Merchant] = []
    for account in accounts.select_related("merchant")[:1000]:
        (own if account.stripe_secret_key else shared).append(account.merchant)
    return own + (shared if len(shared) == 1 else [])


def books_pass(*, today: date | None = None) -> dict[str, int]:
    """The books' periodic pass: the sandbox's daily payouts (as of ``today``), then every
    processor merchant's payouts read (one failing processor does not stop the others)."""
    counts = {"sandbox_payouts": payouts_sandbox_make(today=today), "payouts_read": 0}
    for merchant in _processor_merchants():
        try:
            counts["payouts_read"] += payouts_sync(merchant=merchant)
        except ProcessorError as exc:
            log.warning("payouts of %s not read: %s", merchant.public_id, exc)
    return counts
