import email
import email.policy
import mailbox
import socket

import pytest
from aiosmtpd.controller import Controller

from pay import pay_bank, pay_card
from paylinks.notifications.email_url import email_settings


class Collector:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield handler
    controller.stop()


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_payment_emails_arrive_over_smtp(smtp, multi_link, run_tasks):
    pay_card(multi_link, name="Jeanne Payeuse", email="jeanne@example.com", language="fr")
    run_tasks()
    by_to = {m["To"]: m for m in smtp.messages}
    assert set(by_to) == {"jeanne@example.com", "owner@bakery.test"}
    customer = by_to["jeanne@example.com"]
    assert "Bakery & Co" in customer["Subject"]
    assert "Montant\u00a0: 12,50\u00a0$" in body(customer)  # French typography
    assert "Visa •••• 4242" in body(customer)
    owner = by_to["owner@bakery.test"]
    assert "$12.50" in owner["Subject"]
    assert multi_link.path in body(owner)  # the confirmation contains the link


def test_pending_transfer_emails_then_receipt_on_settlement(smtp, single_link, run_tasks, settings):
    settings.SANDBOX_SETTLE_SECONDS = settings.SETTLEMENT_CHECK_SECONDS = 0
    pay_bank(single_link)
    run_tasks()  # pending notices, then the settlement, then the receipt emails
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert any("pending" in s.lower() for s in subjects), subjects
    assert any("receipt" in s.lower() for s in subjects), subjects
    assert any("Payment received" in s for s in subjects), subjects


def test_email_url_parsing(tmp_path):
    assert email_settings("", tmp_path)["PAYLINKS_MAILBOX_PATH"] == str(tmp_path / "mailbox.mbox")
    smtp = email_settings("smtp+tls://me%40x.org:p%2Fw@mail.example.org:587", tmp_path)
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"], smtp["EMAIL_USE_TLS"]) == (
        "mail.example.org",
        587,
        True,
    )
    assert (smtp["EMAIL_HOST_USER"], smtp["EMAIL_HOST_PASSWORD"]) == ("me@x.org", "p/w")
    assert email_settings("smtps://h", tmp_path)["EMAIL_PORT"] == 465
    with pytest.raises(ValueError, match="EMAIL_URL"):
        email_settings("carrier-pigeon://h", tmp_path)


def test_default_mailbox_backend_appends_to_mbox(settings, tmp_path, multi_link, run_tasks):
    path = tmp_path / "mailbox.mbox"
    settings.EMAIL_BACKEND = "paylinks.notifications.backends.MailboxBackend"
    settings.PAYLINKS_MAILBOX_PATH = str(path)
    settings.PAYLINKS_MAILBOX_ECHO = False
    pay_card(multi_link)
    run_tasks()
    messages = list(mailbox.mbox(path))
    assert sorted(m["To"] for m in messages) == ["jane@example.com", "owner@bakery.test"]


def test_mail_server_down_then_back_each_message_sent_once(settings, multi_link, run_tasks):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    handler = Collector()
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port  # nobody listens yet
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    pay_card(multi_link)
    run_tasks()
    retries = DBTaskResult.objects.filter(status="READY")
    assert retries.count() == 1  # the payment's task (both of its messages) tries again
    assert all(r.run_after > timezone.now() for r in retries)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        retries.update(run_after=timezone.now())  # time passes
        run_tasks()
    finally:
        controller.stop()
    assert sorted(m["To"] for m in handler.messages) == ["jane@example.com", "owner@bakery.test"]


class RefusingOnce(Collector):
    """A mail server that refuses one recipient the first time it is offered."""

    def __init__(self, refuse: str) -> None:
        super().__init__()
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address == self.refuse:
            self.refuse = ""
            return "450 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_one_message_refused_the_other_goes_out_and_only_it_is_tried_again(
    settings, multi_link, run_tasks
):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from paylinks.notifications.models import OutboundEmail

    handler = RefusingOnce("jane@example.com")
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        pay_card(multi_link)
        run_tasks()
        # The customer's receipt was refused; the merchant's confirmation went out anyway.
        assert [m["To"] for m in handler.messages] == ["owner@bakery.test"]
        statuses = dict(OutboundEmail.objects.values_list("key", "status"))
        assert sorted(statuses.values()) == ["pending", "sent"]
        retries = DBTaskResult.objects.filter(status="READY")
        assert retries.count() == 1 and retries.get().run_after > timezone.now()
        retries.update(run_after=timezone.now())  # time passes
        run_tasks()
    finally:
        controller.stop()
    assert [m["To"] for m in handler.messages] == ["owner@bakery.test", "jane@example.com"]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
