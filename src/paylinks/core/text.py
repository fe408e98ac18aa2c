"""Text typed by people, made safe for where it goes.

A single-line field (a name, an email, a business name…) never carries a line break
or another control character: in an email body, a log line or a CSV row, a CR/LF
would start a line of the writer's choosing (a forged ``Bcc:``). ``single_line`` is the
one place that decides what is removed; forms apply it through ``SingleLineField``,
services apply it again (the CLI and the API call them without a form).
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

# Every control character (Unicode category Cc, fixed by Unicode's stability policy:
# C0 including CR, LF, tab and NUL; DEL; C1 including NEL U+0085) and the line and
# paragraph separators U+2028 and U+2029 (categories Zl and Zp, one character each).
_BREAKS = re.compile(r"[ ]*[\x00-\x1f\x7f-\x9f\u2028\u2029]+[ ]*")


def single_line(value: str) -> str:
    """``value`` on one line: each run of control characters or line/paragraph
    separators (with the spaces around it) becomes one space. Nothing else changes."""
    return _BREAKS.sub(" ", value)


def is_single_line(value: str) -> bool:
    return _BREAKS.search(value) is None


def max_length(model: type[models.Model], field: str) -> int:
    """The column's length: forms and services take their limit from here, so they
    cannot drift apart from the database."""
    length = getattr(model._meta.get_field(field), "max_length", None)
    assert length is not None, f"{model.__name__}.{field} has no max_length"
    return int(length)


def length_errors(model: type[models.Model], values: dict[str, Any]) -> dict[str, str]:
    """A field error for each text value longer than its column (checked before the
    database, which would otherwise refuse it with an error page, or cut it)."""
    errors = {}
    for name, value in values.items():
        limit = max_length(model, name)
        if isinstance(value, str) and len(value) > limit:
            errors[name] = _("Too long: at most %(limit)d characters (this has %(length)d).") % {
                "limit": limit,
                "length": len(value),
            }
    return errors


def check_lengths(model: type[models.Model], values: dict[str, Any]) -> None:
    errors = length_errors(model, values)
    if errors:
        raise ValidationError(errors)
