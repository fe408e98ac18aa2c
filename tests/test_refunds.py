"""Refunds through the sandbox: full and partial, numbered refund receipts, the limits,
idempotency, pending and failed refunds, the crash after the processor refunded, the
emails, the events, and the dashboard's pages."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from pay import pay_bank, pay_card
from paylinks.checkout.models import Payment
from paylinks.checkout.services import payments_settle_due
from paylinks.checkout.tasks import reconcile_payments
from paylinks.links.models import PaymentLink
from paylinks.links.services import link_create
from paylinks.merchants.models import Merchant
from paylinks.processors.models import SandboxCharge, SandboxRefund
from paylinks.processors.sandbox import REFUND_FAILING_CARD
from paylinks.receipts import refunds as refunds_module
from paylinks.receipts.models import Refund, RefundReceipt, SalesReceipt
from paylinks.receipts.refunds import refund_create, refunds_recheck_due
from paylinks.webhooks.models import Event
from test_notifications import body, smtp  # noqa: F401 (the SMTP server fixture)
from test_receipt_pdf import pdf_text

NBSP = "\u00a0"


def paid(link: PaymentLink, number: str = "4242424242424242", **kw) -> Payment:
    attempt = pay_card(link, number, **kw)
    assert attempt.outcome == "succeeded", attempt.failure_code
    return Payment.objects.get(attempt=attempt)


def refund(payment: Payment, amount: int, key: str = "", **kw) -> Refund:
    return refund_create(
        payment=payment,
        amount=amount,
        reason=kw.pop("reason", "requested_by_customer"),
        note=kw.pop("note", ""),
        idempotency_key=key or f"test-{Refund.objects.count()}-{amount}",
        source=kw.pop("source", "dashboard"),
        requested_by=None,
        **kw,
    )


def due_now() -> None:
    """Time passes: pending sandbox refunds complete and their checks come due."""
    past = timezone.now() - timedelta(seconds=1)
    SandboxRefund.objects.filter(status="pending").update(settles_at=past)
    Refund.objects.filter(status="pending").update(next_check_at=past)


def errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_partial_then_full_refund_numbers_refund_receipts_in_their_own_sequence(multi_link):
    payment = paid(multi_link)  # 12.50 $
    first = refund(payment, 500, note="One croissant was missing")
    assert first.status == "succeeded" and first.processor_ref.startswith("re_sbx")
    second = refund(payment, 750)
    assert second.status == "succeeded"
    receipts = list(RefundReceipt.objects.order_by("number"))
    assert [(r.number, r.amount) for r in receipts] == [(1, 500), (2, 750)]
    sales = SalesReceipt.objects.get(payment=payment)
    assert {r.sales_receipt_id for r in receipts} == {sales.pk}
    assert receipts[0].customer_name == sales.customer_name
    assert "no. 1" in receipts[0].description  # "Refund on sales receipt no. 1 (…)"
    payment.refresh_from_db()
    assert payment.amount_refunded == 1250 and payment.refundable == 0
    merchant = Merchant.objects.get(pk=payment.merchant_id)
    # The sales receipts' sequence is untouched: refunds have their own.
    assert (merchant.last_receipt_number, merchant.last_refund_receipt_number) == (1, 2)
    assert sum(SandboxRefund.objects.values_list("amount", flat=True)) == 1250
    with pytest.raises(ValidationError) as exc:
        refund(payment, 1)
    assert "nothing is left to refund" in errors(exc)["amount"][0]
    # Another payment's refund continues the same refund sequence.
    other = refund(paid(multi_link, name="Other"), 100)
    assert other.receipt.number == 3


def test_refunds_never_reopen_a_link(merchant, single_link):
    capped = link_create(
        merchant=merchant, kind="multi", amount=1000, description="Class", max_payments=1
    )
    payment = paid(capped)
    refund(payment, 1000)
    capped.refresh_from_db()
    assert capped.status == "limit_reached" and capped.payments_count == 1
    assert capped.amount_collected == 1000  # gross: refunds are their own column
    single_payment = paid(single_link)
    refund(single_payment, 30000)
    single_link.refresh_from_db()
    assert single_link.status == "paid" and not single_link.accepts_payments


def test_errors_name_the_field_in_the_merchants_language(multi_link):
    payment = paid(multi_link)
    refund(payment, 500)
    with translation.override("fr"), pytest.raises(ValidationError) as exc:
        refund(payment, 800)
    assert errors(exc)["amount"] == [f"Vous pouvez rembourser au plus 7,50{NBSP}$."]
    with pytest.raises(ValidationError) as exc:
        refund(payment, 800)
    assert errors(exc)["amount"] == ["You can refund at most $7.50."]
    with pytest.raises(ValidationError) as exc:
        refund(payment, 0)
    assert "greater than zero" in errors(exc)["amount"][0]
    with pytest.raises(ValidationError) as exc:
        refund(payment, 100, currency="USD")
    assert "CAD" in errors(exc)["currency"][0]
    with pytest.raises(ValidationError) as exc:
        refund(payment, 100, reason="bored")
    assert "reason" in errors(exc)
    assert Refund.objects.count() == 1


def test_a_payment_that_has_not_succeeded_cannot_be_refunded(multi_link):
    attempt = pay_bank(multi_link)  # a bank transfer on its way: pending
    payment = Payment.objects.get(attempt=attempt)
    with pytest.raises(ValidationError) as exc:
        refund(payment, 100)
    assert "not settled yet" in errors(exc)["payment"][0]
    assert not Refund.objects.exists() and not SandboxRefund.objects.exists()


def test_the_same_idempotency_key_gives_the_same_refund_once(multi_link):
    payment = paid(multi_link)
    first = refund(payment, 400, key="form-abc")
    again = refund(payment, 400, key="form-abc")
    assert again.pk == first.pk
    assert Refund.objects.count() == SandboxRefund.objects.count() == 1
    assert RefundReceipt.objects.count() == 1
    payment.refresh_from_db()
    assert payment.amount_refunded == 400
    with pytest.raises(ValidationError) as exc:
        refund(payment, 300, key="form-abc")
    assert "idempotency_key" in errors(exc)


def test_a_failed_refund_releases_the_amount_and_tells_the_merchant(
    multi_link,
    run_tasks,
    smtp,  # noqa: F811
):
    payment = paid(multi_link, REFUND_FAILING_CARD)
    pending = refund(payment, 1250)
    assert pending.status == "pending" and not RefundReceipt.objects.exists()
    payment.refresh_from_db()
    assert payment.amount_refunded == 1250  # held while the processor decides
    assert refunds_recheck_due() == 0  # not due yet
    due_now()
    assert refunds_recheck_due() == 1
    pending.refresh_from_db()
    assert pending.status == "failed" and pending.failure_code == "expired_or_canceled_card"
    assert "expired or cancelled" in pending.failure_message
    payment.refresh_from_db()
    assert payment.amount_refunded == 0 and payment.refundable == 1250
    assert not RefundReceipt.objects.exists()
    run_tasks()
    [notice] = [m for m in smtp.messages if "Refund failed" in m["Subject"]]
    assert notice["To"] == "owner@bakery.test"
    assert "nothing was refunded" in body(notice)
    assert not [m for m in smtp.messages if m["To"] == "jane@example.com" and "refund" in body(m)]
    types = list(Event.objects.filter(type__startswith="refund").values_list("type", flat=True))
    assert sorted(types) == ["refund.created", "refund.failed"]


def test_a_pending_refund_is_booked_when_it_settles(multi_link, run_tasks, smtp, settings):  # noqa: F811
    settings.SANDBOX_SETTLE_SECONDS = 0
    attempt = pay_bank(multi_link)
    SandboxCharge.objects.update(settles_at=timezone.now() - timedelta(seconds=1))
    Payment.objects.update(next_check_at=timezone.now() - timedelta(seconds=1))
    payments_settle_due()
    payment = Payment.objects.get(attempt=attempt, status="succeeded")
    settings.SANDBOX_SETTLE_SECONDS = 3600
    pending = refund(payment, 1250)
    assert pending.status == "pending" and pending.processor_ref
    run_tasks()
    assert not [m for m in smtp.messages if "efund" in m["Subject"]]  # nothing yet
    due_now()
    reconcile_payments.call()  # the worker's periodic pass
    pending.refresh_from_db()
    assert pending.status == "succeeded" and pending.receipt.number == 1
    run_tasks()
    by_to = {m["To"]: m for m in smtp.messages if "efund" in m["Subject"]}
    assert set(by_to) == {"bob@example.com", "owner@bakery.test"}
    assert "Refund receipt no. 1" in body(by_to["bob@example.com"])


def test_a_crash_after_the_processor_refunded_is_repaired_by_the_recheck(
    multi_link, monkeypatch, settings
):
    payment = paid(multi_link)

    class Crash(BaseException):
        pass

    def crash(name: str) -> None:
        if name == "after_refund":
            raise Crash  # the process dies here: the processor refunded, nothing recorded

    monkeypatch.setattr(refunds_module, "crash_point", crash)
    with pytest.raises(Crash):
        refund(payment, 600, key="crashing")
    monkeypatch.undo()
    stuck = Refund.objects.get()
    assert stuck.status == "pending" and stuck.processor_ref == ""
    assert SandboxRefund.objects.get().status == "succeeded"  # the money went back
    payment.refresh_from_db()
    assert payment.amount_refunded == 600  # still held: nothing can refund it twice
    assert refunds_recheck_due() == 0  # not before the request could have finished
    Refund.objects.update(next_check_at=timezone.now() - timedelta(seconds=1))
    assert refunds_recheck_due() == 1
    stuck.refresh_from_db()
    assert stuck.status == "succeeded" and stuck.receipt.number == 1
    # Asked again under the same key: the same refund at the processor, not a second one.
    assert SandboxRefund.objects.count() == 1
    assert stuck.processor_ref == SandboxRefund.objects.get().reference


def test_customer_gets_the_refund_receipt_in_their_language_and_merchant_a_notice(
    multi_link,
    run_tasks,
    smtp,  # noqa: F811
):
    payment = paid(multi_link, name="Jeanne Payeuse", email="jeanne@example.com", language="fr")
    refund(payment, 500)
    run_tasks()
    refunds = [m for m in smtp.messages if "embours" in m["Subject"] or "efund" in m["Subject"]]
    by_to = {m["To"]: m for m in refunds}
    assert set(by_to) == {"jeanne@example.com", "owner@bakery.test"}
    customer = by_to["jeanne@example.com"]
    assert customer["Reply-To"] == "owner@bakery.test"
    assert f"Reçu de remboursement nº{NBSP}1" in body(customer)
    assert f"Montant remboursé{NBSP}: 5,00{NBSP}$" in body(customer)
    [pdf] = [p for p in customer.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == "recu-de-remboursement-1.pdf"
    drawn = pdf_text(pdf.get_content())
    assert f"Reçu de remboursement nº{NBSP}1" in drawn and f"5,00{NBSP}$" in drawn
    assert re.search(r"Reçu de vente nº\s1\n", drawn)  # the sale it refunds
    owner = by_to["owner@bakery.test"]
    assert owner["Reply-To"] == "jeanne@example.com"
    assert "$5.00" in owner["Subject"] and "Refund receipt no. 1" in body(owner)


def test_events_for_webhooks(multi_link):
    payment = paid(multi_link)
    done = refund(payment, 500)
    events = {e.type: e.data["object"] for e in Event.objects.filter(type__startswith="refund")}
    assert set(events) == {"refund.created", "refund.succeeded", "refund_receipt.created"}
    assert events["refund.succeeded"]["id"] == done.public_id
    assert events["refund.succeeded"]["status"] == "succeeded"
    assert events["refund.created"]["status"] == "pending"
    receipt = events["refund_receipt.created"]
    assert receipt["number"] == 1 and receipt["refund"] == done.public_id
    assert receipt["sales_receipt"] == payment.receipt.public_id


def race(payment: Payment, n: int, key_of) -> list[str]:
    """n threads refund 5 $ of one payment at once, each with its own connection."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        try:
            barrier.wait()
            got = refund(Payment.objects.get(pk=payment.pk), 500, key=key_of(i))
            outcome = got.status
        except ValidationError as e:
            outcome = next(iter(e.error_dict))
        except Exception as e:  # any other error is a bug: count it
            outcome = f"error: {e!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_never_exceed_the_payment():
    """On PostgreSQL the payment's row lock serialises them; on SQLite the writers do."""
    from conftest import make_merchant

    merchant = make_merchant(email="race@bakery.test").merchant
    link = link_create(merchant=merchant, kind="multi", amount=1250, description="Box")
    payment = paid(link)
    n = 8
    outcomes = race(payment, n, lambda i: f"race-{i}")
    assert outcomes == ["amount"] * (n - 2) + ["succeeded"] * 2, outcomes
    payment.refresh_from_db()
    assert payment.amount_refunded == 1000
    assert sum(SandboxRefund.objects.values_list("amount", flat=True)) == 1000
    assert sorted(RefundReceipt.objects.values_list("number", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_make_one_refund():
    from conftest import make_merchant

    merchant = make_merchant(email="twice@bakery.test").merchant
    link = link_create(merchant=merchant, kind="multi", amount=1250, description="Box")
    payment = paid(link)
    outcomes = race(payment, 6, lambda i: "double-click")
    assert set(outcomes) <= {"succeeded", "pending"}, outcomes
    assert Refund.objects.count() == SandboxRefund.objects.count() == 1
    payment.refresh_from_db()
    assert payment.amount_refunded == 500
    assert RefundReceipt.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_server_killed_after_the_processor_refunded_then_the_recheck(tmp_path):
    """A real server process dies (as kill -9 would) between the processor's refund and
    paylinks' commit; the periodic pass books the refund once, from the same key."""
    import json
    import urllib.request

    from conftest import make_merchant
    from livehttp import serve
    from paylinks.api.services import apikey_create

    merchant = make_merchant(email="crash@bakery.test").merchant
    link = link_create(merchant=merchant, kind="multi", amount=4000, description="Cake")
    payment = paid(link)
    _key, secret = apikey_create(merchant=merchant, name="crash")
    with serve(tmp_path, workers=1, PAYLINKS_FAULTS="after_refund") as base:
        request = urllib.request.Request(
            f"{base}/api/v1/payments/{payment.public_id}/refunds",
            json.dumps({"amount": 1500}).encode(),
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                status = r.status
        except OSError as e:  # the connection died with the worker (or a 5xx)
            status = getattr(e, "code", None)
        assert status is None or status >= 500, status  # never a success
    assert SandboxRefund.objects.get().status == "succeeded"  # the money went back
    stuck = Refund.objects.get()
    assert (stuck.status, stuck.processor_ref, stuck.source) == ("pending", "", "api")
    payment.refresh_from_db()
    assert payment.amount_refunded == 1500  # held meanwhile: never refunded twice
    Refund.objects.update(next_check_at=timezone.now() - timedelta(seconds=1))
    assert refunds_recheck_due() == 1
    stuck.refresh_from_db()
    assert stuck.status == "succeeded" and stuck.receipt.number == 1
    assert SandboxRefund.objects.count() == 1
    assert refunds_recheck_due() == 0  # and nothing more to do


def test_a_refund_webhook_met_with_the_processor_unreachable_is_retried_with_backoff(
    multi_link, monkeypatch
):
    """A refund made in the processor's own dashboard, told by webhook while the processor
    cannot be asked about it: the event is not dropped but tried again later, later each
    time, by the periodic pass, and booked once when the processor answers."""
    from paylinks.processors import sandbox as sandbox_module
    from paylinks.processors.base import ProcessorError
    from paylinks.processors.models import InboundEvent
    from paylinks.processors.services import inbound_event_process, inbound_events_retry_due

    payment = paid(multi_link)
    charge = SandboxCharge.objects.get(reference=payment.processor_ref)
    SandboxRefund.objects.create(  # made in the processor's dashboard, not through paylinks
        reference="re_sbx_dashboard",
        idempotency_key="dashboard",
        charge=charge,
        amount=700,
        status="succeeded",
    )
    event = InboundEvent.objects.create(
        processor="sandbox",
        event_id="evt_unreachable",
        type="charge.refunded",
        reference=payment.processor_ref,
        merchant=payment.merchant,
        payload={},
    )
    real = sandbox_module.SandboxProcessor.list_refunds

    def unreachable(self, *, reference):
        raise ProcessorError("connection refused")

    monkeypatch.setattr(sandbox_module.SandboxProcessor, "list_refunds", unreachable)
    before = timezone.now()
    event = inbound_event_process(event=event)
    assert event.processed_at is None and event.result == "processor_unavailable"
    assert event.failures == 1
    assert timedelta(seconds=59) < event.retry_at - before < timedelta(seconds=61)
    assert inbound_events_retry_due() == 0  # not due yet
    assert not Refund.objects.exists()

    # Due, still unreachable: tried once more, the next try twice as far.
    InboundEvent.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
    assert inbound_events_retry_due() == 1
    event.refresh_from_db()
    assert event.processed_at is None and event.failures == 2
    assert timedelta(seconds=119) < event.retry_at - timezone.now() < timedelta(seconds=121)

    # The processor answers again: booked, once, and the event done.
    monkeypatch.setattr(sandbox_module.SandboxProcessor, "list_refunds", real)
    InboundEvent.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
    reconcile_payments.call()  # the worker's periodic pass
    event.refresh_from_db()
    assert event.processed_at is not None and event.result == "refunds_1"
    assert event.retry_at is None
    [booked] = Refund.objects.all()
    assert (booked.amount, booked.source, booked.processor_ref) == (
        700,
        "processor",
        "re_sbx_dashboard",
    )
    assert inbound_events_retry_due() == 0
    inbound_event_process(event=event)  # a late duplicate run changes nothing
    assert Refund.objects.count() == 1 and RefundReceipt.objects.count() == 1
    payment.refresh_from_db()
    assert payment.amount_refunded == 700


def test_the_customers_confirmation_page_shows_the_refunds(multi_link, client, settings):
    """Its refunds (date, amount, status) on the customer's page, in their language; a
    failed one left out; a page with none asks nothing more (tests/test_performance.py)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    payment = paid(multi_link)
    url = f"/r/{payment.token}"
    with CaptureQueriesContext(connection) as none:
        html = client.get(url).content.decode()
    assert "data-refunds" not in html
    refund(payment, 300)
    refund(payment, 200)
    with CaptureQueriesContext(connection) as some:
        html = client.get(url).content.decode()
    assert len(some.captured_queries) == len(none.captured_queries) + 1
    table = html.split("data-refunds", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 3  # the header and the two refunds
    assert "$3.00" in table and "$2.00" in table and "Refunded" in table
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Remboursements" in html and f"3,00{NBSP}$" in html
