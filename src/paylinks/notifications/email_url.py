"""PAYLINKS_EMAIL_URL -> Django email settings.

- empty (default): print to the console and append to ``<data dir>/mailbox.mbox``
- ``console:``: print only
- ``mbox:///path/to/file``: append to that mailbox file
- ``memory:``: keep in memory (tests)
- ``smtp://user:password@host:port``, ``smtp+tls://…`` (STARTTLS), ``smtps://…`` (TLS)
"""

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit


def email_settings(url: str, data_dir: Path) -> dict[str, Any]:
    if not url:
        return {
            "EMAIL_BACKEND": "paylinks.notifications.backends.MailboxBackend",
            "PAYLINKS_MAILBOX_PATH": str(data_dir / "mailbox.mbox"),
            "PAYLINKS_MAILBOX_ECHO": True,
        }
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "mbox":
        return {
            "EMAIL_BACKEND": "paylinks.notifications.backends.MailboxBackend",
            "PAYLINKS_MAILBOX_PATH": unquote(parts.path),
            "PAYLINKS_MAILBOX_ECHO": False,
        }
    if scheme in {"smtp", "smtp+tls", "smtps"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": scheme == "smtp+tls",
            "EMAIL_USE_SSL": scheme == "smtps",
            "EMAIL_TIMEOUT": 10,
        }
    raise ValueError(f"PAYLINKS_EMAIL_URL: unsupported scheme {scheme!r}")
