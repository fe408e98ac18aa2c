"""The hosted page's HTML, rendered once and kept: what a customer loads most.

Every customer opening a link in a language gets the same payment form, but for two
values: the CSRF token and the signed checkout (one per page load). So the page is
rendered with a marker in place of each, kept in this process's memory, and each load
fills in its own two values. The key is everything the render reads: the template, the
language, the address (host and path: the language switch posts back to it), the
context, and the value of every column of the link, its merchant and its payments
account as read for this request (but the counters each payment moves, which the page
does not show); so a change to any of them (an edit, a new business name, a reactivated
account…) is a new page at once, never a stale one.
A render that reads the database for something else (a field the key would not cover)
is not kept, nor a page for a visitor with a session (a merchant looking at their own
link: their messages and banners are their own).

The key is that tuple itself, in a dictionary of this process (the last ``KEPT`` pages
used), not a digest of its text in Django's local-memory cache: building the text,
hashing it and unpickling the kept page there cost ~15 % of a hosted GET's CPU. Only the
encrypted columns (a payments account's Stripe keys) are digested, so that no secret is
kept in clear in the keys.
"""

import hashlib
import operator
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import Model
from django.dispatch import receiver
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import get_language

from paylinks.core.crypto import EncryptedTextField
from paylinks.core.csrf import get_token

# Random per process: no text a merchant or a customer types can be taken for them.
CSRF_MARK = "csrf" + secrets.token_hex(16)
CHECKOUT_MARK = "checkout" + secrets.token_hex(16)


KEPT = 300  # pages per process, a few kB each


class _Kept:
    """The pages last used, at most ``KEPT``, shared by the process's threads."""

    def __init__(self) -> None:
        self._pages: OrderedDict[Any, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> str | None:
        with self._lock:
            html = self._pages.get(key)
            if html is not None:
                self._pages.move_to_end(key)
            return html

    def set(self, key: Any, html: str) -> None:
        with self._lock:
            self._pages[key] = html
            self._pages.move_to_end(key)
            while len(self._pages) > KEPT:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


_kept = _Kept()


# Counters every payment moves, which the page does not show: were they in the key, a link
# being paid by many customers at once would be rendered again for each of them.
MOVED_BY_PAYMENTS = {
    "links.PaymentLink": {"payments_count", "amount_collected"},
    "merchants.Merchant": {"last_receipt_number", "last_refund_receipt_number"},
}


_COLUMNS: dict[type[Model], Callable[[Model], tuple[Any, ...]]] = {}
# Secrets (a Stripe key…) stand in the key as a keyed digest: a change still makes a new
# page, and the kept keys hold no secret in clear.
_SEAL = secrets.token_bytes(32)


def _sealed(value: Any) -> bytes:
    return hashlib.blake2b(str(value).encode(), key=_SEAL, digest_size=16).digest()


def _columns(model: type[Model]) -> Callable[[Model], tuple[Any, ...]]:
    """Reads a row's columns (but the counters payments move) in one call."""
    if model not in _COLUMNS:
        moved = MOVED_BY_PAYMENTS.get(model._meta.label, set())
        fields = [f for f in model._meta.concrete_fields if f.attname not in moved]
        get = operator.attrgetter(*(f.attname for f in fields))
        read = get if len(fields) > 1 else lambda obj: (get(obj),)
        hidden = [i for i, f in enumerate(fields) if isinstance(f, EncryptedTextField)]
        if hidden:

            def read_sealed(obj: Model, read: Callable[[Model], Any] = read) -> tuple[Any, ...]:
                values = list(read(obj))
                for i in hidden:
                    values[i] = _sealed(values[i])
                return tuple(values)

            _COLUMNS[model] = read_sealed
        else:
            _COLUMNS[model] = read
    return _COLUMNS[model]


def row_state(obj: Model, seen: frozenset[int] = frozenset()) -> tuple[Any, ...]:
    """The values of a row's columns, and of the rows read with it (``select_related``)."""
    seen = seen | {id(obj)}
    values = _columns(type(obj))(obj)
    related = tuple(
        (name, row_state(other, seen) if isinstance(other, Model) else None)
        for name, other in sorted(obj._state.fields_cache.items())
        if id(other) not in seen  # a one-to-one's way back
    )
    return (type(obj).__name__, values, related)


def cacheable(request: HttpRequest) -> bool:
    """A visitor with nothing of their own on the page: no session (so no messages, no
    dashboard banner), no query string."""
    return (
        request.method == "GET"
        and not request.GET
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


class _ReadsDatabase:
    """Notes whether a render ran any SQL."""

    def __init__(self) -> None:
        self.ran = False

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204
        self.ran = True
        return execute(sql, params, many, context)


def _key(request: HttpRequest, template: str, context: dict[str, Any], rows: Model) -> Any:
    """Everything the render reads (see the module's text), as one hashable value."""
    key: Any = (
        template,
        get_language(),
        request.scheme,
        request.get_host(),
        request.path,
        row_state(rows),
        tuple(
            sorted(
                (k, repr(v))
                for k, v in context.items()
                if not isinstance(v, Model)  # rows: already in the key
            )
        ),
    )
    try:
        hash(key)
    except TypeError:  # a column whose value is not hashable: its text stands for it
        key = repr(key)
    return key


def render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    rows: Model,
    form: Callable[[], Any],
    checkout: str,
) -> str:
    """``template`` rendered for this request, from the kept copy when there is one.

    ``rows`` is the row (with the rows read with it) the page shows; ``context`` holds
    nothing else that changes; ``form`` makes the page's form (only when the page is
    rendered), with ``CHECKOUT_MARK`` as its checkout; ``checkout`` is this load's signed
    checkout."""
    key = _key(request, template, context, rows)
    html = _kept.get(key)
    if html is None:
        reads = _ReadsDatabase()
        with connection.execute_wrapper(reads):
            html = render_to_string(
                template, {**context, "form": form(), "csrf_token": CSRF_MARK}, request
            )
        if not reads.ran:
            _kept.set(key, html)
    return html.replace(CSRF_MARK, get_token(request)).replace(CHECKOUT_MARK, checkout)


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    """A setting changed (in tests): pages rendered under the old ones are forgotten."""
    _kept.clear()
