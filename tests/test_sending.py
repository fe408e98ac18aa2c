"""Sending a link by email or text message, consent, STOP, reminders (issue 10)."""

import base64
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from pay import pay_card
from paylinks.links.services import link_deactivate
from paylinks.notifications import sms
from paylinks.notifications.models import LinkMessage, SmsConsent
from paylinks.notifications.services import link_send, link_send_reminder, sms_consent_record
from test_notifications import smtp  # noqa: F401 (a fixture)

SID, TOKEN = "AC" + "1" * 32, "secret-token"
PHONE = "+15145550123"


class FakeTwilio(BaseHTTPRequestHandler):
    """Twilio's Messages endpoint as the twilio package calls it: checks path, auth, form."""

    received: list[dict] = []
    status = 201

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        expected_auth = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        ok = (
            self.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
            and self.headers.get("Authorization") == expected_auth
            and self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded")
            and set(form) >= {"To", "From", "Body"}
        )
        if not ok:
            self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return
        type(self).received.append(form)
        sid = f"SM{len(type(self).received):032d}"
        self._reply(
            type(self).status,
            {
                "sid": sid,
                "account_sid": SID,
                "to": form["To"],
                "from": form["From"],
                "body": form["Body"],
                "status": "queued",
                "code": 21211,
                "message": "Invalid 'To' Phone Number",
            },
        )

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def twilio(settings):
    FakeTwilio.received = []
    FakeTwilio.status = 201
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_URL = f"twilio+http://{SID}:{TOKEN}@127.0.0.1:{server.server_port}"
    settings.SMS_FROM = "+15145550000"
    yield FakeTwilio
    server.shutdown()
    server.server_close()


@pytest.fixture
def phone_link(single_link):
    single_link.customer_phone = "(514) 555-0123"
    single_link.save(update_fields=["customer_phone"])
    return single_link


def consent(link, phone=PHONE):
    return sms_consent_record(
        merchant=link.merchant,
        phone=phone,
        method="verbal",
        wording="May Bakery & Co text you payment links? Reply STOP to stop.",
    )


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_send_by_email_html_reply_to_and_customer_language(smtp, single_link, run_tasks):  # noqa: F811
    link_send(link=single_link, channel="email", language="fr")
    run_tasks()
    [message] = smtp.messages
    assert message["To"] == "camille@example.com"
    assert message["Reply-To"] == "owner@bakery.test"  # the merchant, not no-reply
    assert message["Subject"].strip() == "Bakery & Co vous demande de payer 300,00\u00a0$"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Catering deposit" in text and single_link.path in text
    html = html_of(message)
    assert '<html lang="fr">' in html and "Bakery &amp; Co" in html
    assert f'href="http://127.0.0.1:8000{single_link.path}"' in html
    [row] = LinkMessage.objects.filter(link=single_link)
    assert (row.status, row.kind, row.channel, row.to) == ("sent", "link", "email", message["To"])


def test_send_validates_and_names_the_field(single_link, multi_link):
    with pytest.raises(ValidationError) as e:
        link_send(link=single_link, channel="pigeon")
    assert "channel" in e.value.error_dict
    with pytest.raises(ValidationError) as e:
        link_send(link=multi_link, channel="email")  # nobody to send to
    assert "to" in e.value.error_dict
    with pytest.raises(ValidationError) as e:
        link_send(link=single_link, channel="email", to="not-an-address")
    assert "to" in e.value.error_dict
    with pytest.raises(ValidationError) as e:
        link_send(link=multi_link, channel="sms", to=PHONE)
    assert "channel" in e.value.error_dict
    with pytest.raises(ValidationError) as e:
        link_send(link=single_link, channel="sms", to="555-12")
    assert "“555-12” is not a phone number" in e.value.error_dict["to"][0].messages[0]
    link_deactivate(link=single_link)
    with pytest.raises(ValidationError) as e:
        link_send(link=single_link, channel="email")
    assert "link" in e.value.error_dict
    assert not LinkMessage.objects.exists()


def test_text_refused_without_consent_in_service_and_dashboard(logged_in, phone_link):
    with pytest.raises(ValidationError) as e:
        link_send(link=phone_link, channel="sms")
    assert "has not agreed" in e.value.error_dict["to"][0].messages[0]
    r = logged_in.post(
        reverse("links:send", args=[phone_link.public_id]),
        {"sms-channel": "sms", "sms-to": "", "sms-language": "en"},
    )
    assert r.status_code == 400
    assert "+1 514-555-0123 has not agreed to receive text messages" in r.content.decode()
    assert not LinkMessage.objects.exists()


def test_text_with_consent_goes_through_twilio(logged_in, phone_link, twilio, run_tasks):
    r = logged_in.post(
        reverse("links:sms_consent", args=[phone_link.public_id]),
        {
            "consent-phone": "514 555 0123",
            "consent-method": "verbal",
            "consent-wording": "May we text you? Reply STOP to stop.",
            "consent-confirm": "on",
        },
    )
    assert r.status_code == 302
    recorded = SmsConsent.objects.get()
    assert (recorded.phone, recorded.method, recorded.recorded_by) == (
        PHONE,
        "verbal",
        "owner@bakery.test",
    )
    assert recorded.wording == "May we text you? Reply STOP to stop."
    r = logged_in.post(
        reverse("links:send", args=[phone_link.public_id]),
        {"sms-channel": "sms", "sms-to": "", "sms-language": "fr", "sms-auto_remind": ""},
    )
    assert r.status_code == 302
    run_tasks()
    [form] = twilio.received
    assert (form["To"], form["From"]) == (PHONE, "+15145550000")
    assert "Bakery & Co" in form["Body"] and "300,00\u00a0$" in form["Body"]
    assert phone_link.path in form["Body"] and "STOP" in form["Body"]
    message = LinkMessage.objects.get()
    assert (message.status, message.provider_id) == ("sent", f"SM{1:032d}")
    page = logged_in.get(reverse("links:detail", args=[phone_link.public_id])).content.decode()
    assert "Consent recorded on" in page and "Text message" in page


def test_twilio_refusal_is_recorded_not_retried(phone_link, twilio, run_tasks):
    twilio.status = 400
    consent(phone_link)
    link_send(link=phone_link, channel="sms")
    run_tasks()
    message = LinkMessage.objects.get()
    assert message.status == "failed" and "21211" in message.detail


def test_stop_reply_revokes_consent_and_cancels_what_is_queued(
    client, phone_link, twilio, settings
):
    consent(phone_link)
    link_send(link=phone_link, channel="sms")  # queued, not yet sent
    url = settings.BASE_URL + reverse("notifications:sms_inbound")
    params = {"From": PHONE, "To": "+15145550000", "Body": "Arrêt", "MessageSid": "SM1"}
    forged = client.post("/sms/inbound/", params, HTTP_X_TWILIO_SIGNATURE="nope")
    assert forged.status_code == 403
    assert SmsConsent.objects.get().revoked_at is None
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    r = client.post("/sms/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert r.status_code == 200 and b"<Response>" in r.content
    revoked = SmsConsent.objects.get()
    assert revoked.revoked_at is not None and revoked.revoked_via == "STOP"
    from paylinks.notifications.services import link_message_deliver

    link_message_deliver(message_id=LinkMessage.objects.get().pk)
    message = LinkMessage.objects.get()
    assert (message.status, message.detail) == ("cancelled", "no_consent")
    assert twilio.received == []
    with pytest.raises(ValidationError):
        link_send(link=phone_link, channel="sms")


def test_inbound_webhook_is_off_without_twilio(client, db, settings):
    settings.SMS_URL = "outbox:"
    assert client.post("/sms/inbound/", {"From": PHONE, "Body": "STOP"}).status_code == 404


def test_outbox_is_a_file_a_newcomer_can_read(phone_link, settings, tmp_path, run_tasks):
    settings.SMS_URL = f"outbox://{tmp_path / 'texts.txt'}"
    consent(phone_link)
    link_send(link=phone_link, channel="sms")
    run_tasks()
    text = (tmp_path / "texts.txt").read_text()
    assert f"To: {PHONE}" in text and phone_link.path in text
    settings.SMS_URL = "outbox:"
    assert sms.current_sender().path == str(settings.DATA_DIR / "sms-outbox.txt")


def test_sms_url_parsing(tmp_path):
    sender = sms.sms_sender("twilio://AC1:tok%2Fen@api.twilio.com", tmp_path)
    assert (sender.account_sid, sender.auth_token, sender.base_url) == (
        "AC1",
        "tok/en",
        "https://api.twilio.com",
    )
    assert sms.sms_sender("twilio+http://a:b@127.0.0.1:9", tmp_path).base_url == (
        "http://127.0.0.1:9"
    )
    assert sms.sms_sender("console:", tmp_path).scheme == "console"
    with pytest.raises(ValueError, match="SMS_URL"):
        sms.sms_sender("twilio://api.twilio.com", tmp_path)
    with pytest.raises(ValueError, match="SMS_URL"):
        sms.sms_sender("pager://x", tmp_path)


def test_reminder_cool_down(single_link, run_tasks):
    link_send_reminder(link=single_link)
    with pytest.raises(ValidationError) as e:
        link_send_reminder(link=single_link)  # queued, not yet sent
    assert "less than 60 minutes ago" in e.value.error_dict["to"][0].messages[0]
    run_tasks()
    with pytest.raises(ValidationError):
        link_send_reminder(link=single_link)  # sent a moment ago
    LinkMessage.objects.update(sent_at=timezone.now() - timedelta(hours=2))
    link_send_reminder(link=single_link)
    assert LinkMessage.objects.filter(kind="reminder").count() == 2


def test_reminder_history_on_the_link_page(logged_in, single_link, run_tasks):
    logged_in.post(reverse("links:remind", args=[single_link.public_id]))
    run_tasks()
    page = logged_in.get(reverse("links:detail", args=[single_link.public_id])).content.decode()
    assert "Messages to the customer" in page
    assert "Reminder · Email" in page and "camille@example.com" in page


def due_now():
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def test_automatic_reminders_run_while_unpaid(smtp, single_link, run_tasks, settings):  # noqa: F811
    settings.AUTO_REMINDER_DAYS = [3, 7]
    link_send(link=single_link, channel="email", auto_remind=True)
    run_tasks()
    scheduled = LinkMessage.objects.filter(kind="auto_reminder")
    assert sorted((m.send_after - timezone.now()).days for m in scheduled) == [2, 6]
    assert {m.status for m in scheduled} == {"queued"}
    assert len(smtp.messages) == 1  # only the link, the reminders wait
    due_now()  # days pass
    run_tasks()
    assert [m.status for m in scheduled.order_by("send_after")] == ["sent", "sent"]
    assert [m["Subject"].strip().startswith("Reminder") for m in smtp.messages] == [
        False,
        True,
        True,
    ]


def test_automatic_reminders_stop_when_paid(
    smtp,  # noqa: F811
    logged_in,
    single_link,
    run_tasks,
    settings,
):
    settings.AUTO_REMINDER_DAYS = [3, 7]
    link_send(link=single_link, channel="email", auto_remind=True)
    run_tasks()
    pay_card(single_link, email="camille@example.com")
    page = logged_in.get(reverse("links:detail", args=[single_link.public_id])).content.decode()
    assert page.count("Automatic reminder · Email") == 2
    assert "Scheduled" not in page  # shown as cancelled the moment the link is paid
    due_now()
    run_tasks()
    reminders = LinkMessage.objects.filter(kind="auto_reminder")
    assert {(m.status, m.detail) for m in reminders} == {("cancelled", "link_closed")}
    assert not any(m["Subject"].strip().startswith("Reminder") for m in smtp.messages)
