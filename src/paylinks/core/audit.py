"""Who is acting, for the audit log: set per request (the logged-in user and the client's
address) or per command (the CLI), read by the services that record audit events."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from paylinks.core.http import client_ip


@dataclass(frozen=True)
class Actor:
    who: str  # an email, "cli" or "system"
    ip: str | None = None


_current: ContextVar[Actor | None] = ContextVar("paylinks_actor", default=None)


def current_actor() -> Actor:
    return _current.get() or Actor("system")


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    token = _current.set(actor)
    try:
        yield
    finally:
        _current.reset(token)


class AuditActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        who = user.email if user is not None and user.is_authenticated else "anonymous"
        with acting_as(Actor(who, client_ip(request))):
            return self.get_response(request)
