"""An email backend that appends each message to a local mbox file (and echoes it)."""

import mailbox
import sys
import threading
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

_lock = threading.Lock()


class MailboxBackend(BaseEmailBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.path: str = getattr(settings, "PAYLINKS_MAILBOX_PATH")  # noqa: B009
        self.echo = getattr(settings, "PAYLINKS_MAILBOX_ECHO", False)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        with _lock:
            box = mailbox.mbox(self.path)
            box.lock()
            try:
                for message in email_messages:
                    mime = message.message()
                    box.add(mailbox.mboxMessage(mime))
                    if self.echo:
                        sys.stdout.write(
                            f"[paylinks mail] To: {', '.join(message.recipients())} "
                            f"Subject: {message.subject}\n"
                        )
                    sent += 1
                box.flush()
            finally:
                box.unlock()
                box.close()
        return sent
