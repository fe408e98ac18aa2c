"""Secrets kept out of logs: the tokens in hosted-link (``/l/<token>``) and receipt
(``/r/<token>``) URLs, wherever they appear in a log line (request line, Referer…)."""

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

SECRET_URL = re.compile(r"(/|%2[fF])([lr])(/|%2[fF])[^/?#&\s\"']+")


def redact(text: str) -> str:
    return SECRET_URL.sub(r"\1\2\3[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    """Rewrites a record whose message holds a secret URL (for any handler or logger)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 (a malformed record: let logging report it)
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class GunicornLogger(Logger):
    """Gunicorn's logger, with the access and error logs redacted."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, RedactSecretsFilter) for f in log.filters):
                log.addFilter(RedactSecretsFilter())
