"""A task worker killed mid-task: its tasks run again (leases on running tasks), and the
email that task was sending is sent exactly once, never lost, never twice."""

import asyncio
import os
import signal
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django_tasks_db.models import DBTaskResult

from livehttp import free_port, serve_process, wait_for
from pay import pay_card

pytestmark = pytest.mark.django_db(transaction=True)

FAST_LEASES = {"PAYLINKS_WORKER_HEARTBEAT_SECONDS": "1", "PAYLINKS_WORKER_LEASE_SECONDS": "3"}


class Collector:
    """An SMTP server's mailbox; with ``hold`` set, it keeps each message's DATA
    (the message is delivered) and waits for ``release`` before answering."""

    def __init__(self, hold: bool = False) -> None:
        self.messages: list[bytes] = []
        self.hold = hold
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope.content)
        if self.hold:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
        return "250 OK"


def smtp_server(handler: Collector) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def email_tasks():
    return DBTaskResult.objects.filter(task_path__endswith="send_payment_emails")


def all_done() -> bool:
    return list(email_tasks().values_list("status", flat=True)) == ["SUCCESSFUL"]


def recipients(messages: list[bytes]) -> list[str]:
    import email

    return sorted(email.message_from_bytes(m)["To"] for m in messages)


def run_worker(tmp_path, name: str, smtp_port: int):
    return serve_process(
        tmp_path,
        command="worker",
        name=name,
        PAYLINKS_EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        **FAST_LEASES,
    )


def test_worker_killed_after_the_mail_server_took_the_message(tmp_path, multi_link):
    """The worst moment: the mail server has the message, the worker dies before it can
    write that down. The task runs again on another worker; the message is not re-sent."""
    handler = Collector(hold=True)
    controller = smtp_server(handler)
    try:
        pay_card(multi_link)  # a receipt to the customer, a confirmation to the merchant
        with run_worker(tmp_path, "worker1", controller.port) as first:
            wait_for(handler.holding.is_set, "the first message reaches the mail server")
            os.kill(first.proc.pid, signal.SIGKILL)
            first.proc.wait()
        assert email_tasks().filter(status="RUNNING").count() == 1
        handler.hold = False
        handler.release.set()
        with run_worker(tmp_path, "worker2", controller.port) as second:
            wait_for(all_done, "the payment's email task done", served=second)
    finally:
        controller.stop()
    assert recipients(handler.messages) == ["jane@example.com", "owner@bakery.test"]


def test_worker_killed_before_sending_the_message_is_sent_by_the_next(tmp_path, multi_link):
    """The worker dies while the mail server has not even greeted it: the message was not
    sent, so the task that runs again sends it (once)."""
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(8)  # accepts connections (the kernel does) and never says a word
    accepted = []
    threading.Thread(target=lambda: accepted.append(mute.accept()), daemon=True).start()
    handler = Collector()
    controller = smtp_server(handler)
    try:
        pay_card(multi_link)
        with run_worker(tmp_path, "worker1", mute.getsockname()[1]) as first:
            wait_for(lambda: accepted, "the worker connects to the mail server")
            os.kill(first.proc.pid, signal.SIGKILL)
            first.proc.wait()
        assert email_tasks().filter(status="RUNNING").count() == 1
        with run_worker(tmp_path, "worker2", controller.port) as second:
            wait_for(all_done, "the payment's email task done", served=second)
    finally:
        controller.stop()
        mute.close()
    assert recipients(handler.messages) == ["jane@example.com", "owner@bakery.test"]


def test_an_email_task_run_twice_sends_once(multi_link):
    from paylinks.notifications.tasks import send_payment_email, send_payment_emails

    attempt = pay_card(multi_link)
    payment_id = attempt.payment.pk
    for _ in range(2):  # the same task, handed out again after its worker died
        send_payment_emails.call(payment_id=payment_id, event="succeeded")
    assert [m.to for m in mail.outbox] == [["jane@example.com"], ["owner@bakery.test"]]
    # A task of the earlier kind (one message each), still queued at an upgrade, neither.
    send_payment_email.call(payment_id=payment_id, event="succeeded", audience="customer")
    assert len(mail.outbox) == 2
