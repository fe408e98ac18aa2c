"""Keyset (seek) pagination: a page is "the N rows after (or before) this row's key", found
through an index in the same time whatever the page, with no COUNT(*) and no OFFSET.

Every list is newest first: ordered by ``keys`` descending (the last key unique, e.g.
``("created_at", "id")`` or ``("number",)``). A cursor is the key of a boundary row, opaque
to the user (base64 of JSON); a cursor that does not parse shows the first page, never a 500.

Query parameters: ``?after=<cursor>`` the next (older) page, ``?before=<cursor>`` the
previous (newer) one, ``?last=1`` the oldest page. Others (filters) are kept in the links.
"""

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Field, Model, Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import timezone

CURSOR_PARAMS = ("after", "before", "last", "page")  # "page": the old offset links


@dataclass
class Page:
    """One page of a list, with the links to its neighbours (None where there is none)."""

    object_list: list[Any]
    first_url: str | None = None
    previous_url: str | None = None
    next_url: str | None = None
    last_url: str | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.previous_url is not None or self.next_url is not None


def _encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, date | datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(model: type[Model], keys: Sequence[str], cursor: str) -> list[Any] | None:
    """The key values a cursor names, or None if it is not one of ours."""
    if not cursor or len(cursor) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        return None
    if not isinstance(values, list) or len(values) != len(keys):
        return None
    parsed = []
    for key, value in zip(keys, values, strict=True):
        model_field = model._meta.get_field(key)
        assert isinstance(model_field, Field)
        if not isinstance(value, str | int) or isinstance(value, bool):
            return None
        try:
            python = model_field.to_python(value)
        except (ValidationError, ValueError, TypeError, OverflowError):
            return None
        if python is None:
            return None
        if isinstance(python, int) and not -(2**63) < python < 2**63:
            return None
        if isinstance(python, datetime):
            # Compared in UTC: a time given with its own offset may not exist there
            # (9999-12-31T23:59-12:00 is past year 9999): not one of ours, never a 500.
            if timezone.is_naive(python):
                python = timezone.make_aware(python)
            try:
                python.astimezone(UTC)
            except (OverflowError, ValueError):
                return None
        parsed.append(python)
    return parsed


def _beyond(keys: Sequence[str], values: Sequence[Any], older: bool) -> Q:
    """Rows strictly after ``values`` in the list's order (older) or strictly before (newer).

    Written as ``k1 <= v1 AND (k1 < v1 OR (rest))`` so the first key bounds an index scan.
    """
    op, op_eq = ("lt", "lte") if older else ("gt", "gte")
    first, value = keys[0], values[0]
    if len(keys) == 1:
        return Q(**{f"{first}__{op}": value})
    rest = _beyond(keys[1:], values[1:], older)
    return Q(**{f"{first}__{op_eq}": value}) & (
        Q(**{f"{first}__{op}": value}) | (Q(**{first: value}) & rest)
    )


def _url(params: QueryDict, **changes: str) -> str:
    query = params.copy()
    for name in CURSOR_PARAMS:
        query.pop(name, None)
    for name, value in changes.items():
        query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def paginate(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    keys: Sequence[str],
    size: int = 25,
) -> Page:
    """The page of ``queryset`` that the request's cursor names, newest first by ``keys``.

    One query of at most ``size + 1`` rows (two when a "previous" page reaches the top and
    is filled up to a whole first page).
    """
    model = queryset.model
    params = request.GET
    newest_first = [f"-{k}" for k in keys]
    oldest_first = list(keys)

    def key_of(obj: Any) -> str:
        return _encode([getattr(obj, k) for k in keys])

    def fetch(qs: QuerySet[Any]) -> tuple[list[Any], bool]:
        rows = list(qs[: size + 1])
        return rows[:size], len(rows) > size

    direction, values = "first", None
    if params.get("last"):
        direction = "last"
    for name in ("after", "before"):
        if name in params:
            values = _decode(model, keys, params.get(name, ""))
            direction = name if values is not None else "first"
            break

    has_newer = has_older = False
    rows: list[Any] = []
    if direction == "after" and values is not None:
        rows, has_older = fetch(
            queryset.filter(_beyond(keys, values, True)).order_by(*newest_first)
        )
        has_newer = True
        if not rows:  # the cursor was past the end (rows removed since): show the last page
            direction = "last"
    if direction == "before" and values is not None:
        rows, has_newer = fetch(
            queryset.filter(_beyond(keys, values, False)).order_by(*oldest_first)
        )
        rows.reverse()
        has_older = True
        if not has_newer:  # reached the top: show a whole first page instead
            direction = "first"
    if direction == "last":
        rows, has_newer = fetch(queryset.order_by(*oldest_first))
        rows.reverse()
        has_older = False
    if direction == "first":
        rows, has_older = fetch(queryset.order_by(*newest_first))
        has_newer = False

    page = Page(object_list=rows)
    if rows and has_newer:
        page.first_url = _url(params)
        page.previous_url = _url(params, before=key_of(rows[0]))
    if rows and has_older:
        page.next_url = _url(params, after=key_of(rows[-1]))
        page.last_url = _url(params, last="1")
    return page
