"""Log-ins and log-outs go to the merchant's audit log (Django sends these signals)."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from paylinks.core.audit import Actor, acting_as
from paylinks.core.http import client_ip
from paylinks.merchants.models import AuditEvent, User
from paylinks.merchants.services import audit_record


def _record(request: Any, email: str, action: str) -> None:
    user = User.objects.filter(email__iexact=email).select_related("merchant").first()
    if user is None or user.merchant is None:
        return
    with acting_as(Actor(user.email, client_ip(request) if request else None)):
        audit_record(merchant=user.merchant, action=action)


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    _record(request, user.email, AuditEvent.Action.LOGIN)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        _record(request, user.email, AuditEvent.Action.LOGOUT)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    _record(request, credentials.get("username", ""), AuditEvent.Action.LOGIN_FAILED)
