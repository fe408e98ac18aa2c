from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.http import HttpRequest

from paylinks.api import schemas

M = TypeVar("M")


def list_body(
    request: HttpRequest,
    rows: Iterable[M],
    has_more: bool,
    to_object: Callable[[M], dict[str, Any]],
) -> dict[str, Any]:
    return {
        "object": "list",
        "url": request.path,
        "has_more": has_more,
        "data": [to_object(row) for row in rows],
    }


def page_args(filters: schemas.Page) -> dict[str, Any]:
    return {
        "limit": filters.limit,
        "starting_after": filters.starting_after,
        "ending_before": filters.ending_before,
    }
