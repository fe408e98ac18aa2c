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


# An Actor, or (for a web request) how to tell it: most requests record nothing, so the
# logged-in user is looked up only when something is recorded.
_current: ContextVar["Actor | Callable[[], Actor] | None"] = ContextVar(
    "paylinks_actor", default=None
)


def current_actor() -> Actor:
    actor = _current.get()
    if callable(actor):
        return actor()
    return actor or Actor("system")


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
        def actor() -> Actor:
            user = getattr(request, "user", None)
            who = user.email if user is not None and user.is_authenticated else "anonymous"
            return Actor(who, client_ip(request))

        token = _current.set(actor)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
