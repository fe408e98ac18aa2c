"""Fault injection for crash tests: ``PAYLINKS_FAULTS=after_charge`` makes the process die
at that point, as a power cut or an OOM kill would. Empty (the default) in production."""

import os

from django.conf import settings


def crash_point(name: str) -> None:
    if name in settings.FAULTS:
        os._exit(86)  # no cleanup, no rollback handlers: exactly like a kill -9
