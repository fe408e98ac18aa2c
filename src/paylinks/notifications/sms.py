"""Sending text messages. PAYLINKS_SMS_URL chooses the sender:

- ``outbox:`` (default): append each message to ``<data dir>/sms-outbox.txt``, a file to read
  (``outbox:///path/to/file`` for another file);
- ``console:``: print each message;
- ``twilio://<account sid>:<auth token>@api.twilio.com``: Twilio's REST API through the
  ``twilio`` package (``twilio+http://…`` talks plain HTTP, for a local test server).

The sending number (E.164) is PAYLINKS_SMS_FROM.
"""

import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import phonenumbers
from django.conf import settings
from django.utils import timezone

_lock = threading.Lock()

# Replies that withdraw consent (Twilio's and the CTIA's opt-out words, plus French).
STOP_WORDS = {
    "stop",
    "stopall",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "arret",
    "arrêt",
    "arreter",
    "arrêter",
}


class SmsError(OSError):
    """The message could not be handed to the carrier (retried later, like mail errors)."""


@dataclass(frozen=True)
class SmsSender:
    scheme: str  # outbox, console, twilio
    path: str = ""  # outbox file
    account_sid: str = ""
    auth_token: str = ""
    base_url: str = ""  # twilio API base, e.g. https://api.twilio.com


def sms_sender(url: str, data_dir: Path) -> SmsSender:
    """Parse PAYLINKS_SMS_URL (raises ValueError for an unknown or incomplete one)."""
    parts = urlsplit(url or "outbox:")
    scheme = parts.scheme.lower()
    if scheme == "outbox":
        return SmsSender("outbox", path=unquote(parts.path) or str(data_dir / "sms-outbox.txt"))
    if scheme == "console":
        return SmsSender("console")
    if scheme in {"twilio", "twilio+http"}:
        if not (parts.username and parts.password and parts.hostname):
            raise ValueError("PAYLINKS_SMS_URL: twilio://<account sid>:<auth token>@<host>")
        http = "http" if scheme == "twilio+http" else "https"
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        return SmsSender(
            "twilio",
            account_sid=unquote(parts.username),
            auth_token=unquote(parts.password),
            base_url=f"{http}://{host}",
        )
    raise ValueError(f"PAYLINKS_SMS_URL: unsupported scheme {scheme!r}")


def current_sender() -> SmsSender:
    return sms_sender(settings.SMS_URL, settings.DATA_DIR)


def phone_normalise(text: str, region: str = "CA") -> str:
    """``(514) 555-0123`` -> ``+15145550123``; raises ValueError for what is not a number."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as e:
        raise ValueError(str(e)) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def sms_send(*, to: str, body: str) -> str:
    """Hand one message to the configured sender; returns the sender's message id."""
    sender = current_sender()
    if sender.scheme == "twilio":
        return _twilio_send(sender, to, body)
    message_id = f"local_{uuid.uuid4().hex[:16]}"
    text = (
        f"--- {timezone.now().isoformat(timespec='seconds')} {message_id}\n"
        f"From: {settings.SMS_FROM or '-'}\nTo: {to}\n\n{body}\n\n"
    )
    if sender.scheme == "console":
        sys.stdout.write(text)
        return message_id
    try:
        with _lock, open(sender.path, "a", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise SmsError(f"cannot write the SMS outbox: {e}") from e
    return message_id


def _twilio_send(sender: SmsSender, to: str, body: str) -> str:
    from twilio.base.exceptions import TwilioException, TwilioRestException
    from twilio.rest import Client

    client = Client(sender.account_sid, sender.auth_token)
    client.api.base_url = sender.base_url
    try:
        message = client.messages.create(to=to, from_=settings.SMS_FROM, body=body)
    except TwilioRestException as e:
        if e.status and 400 <= e.status < 500 and e.status != 429:
            raise SmsRefused(f"Twilio refused the message ({e.code}): {e.msg}") from e
        raise SmsError(f"Twilio: {e}") from e
    except TwilioException as e:
        raise SmsError(f"Twilio: {e}") from e
    except OSError as e:  # the connection failed
        raise SmsError(f"Twilio: {e}") from e
    return str(message.sid)


class SmsRefused(Exception):
    """The carrier refused this message for good (bad number, opted out): not retried."""


def is_stop(body: str) -> bool:
    return body.strip().strip(".!").lower() in STOP_WORDS
