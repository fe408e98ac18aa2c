"""API keys and idempotency keys: every change of state the API layer itself makes."""

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from paylinks.api.models import ApiKey, IdempotencyKey
from paylinks.merchants.models import Merchant, User

KEY_PATTERN = re.compile(r"^plk_(test|live)_[A-Za-z0-9_-]{32,64}$")
# How long an Idempotency-Key's response is replayed (documented in the README and OpenAPI).
IDEMPOTENCY_TTL = timedelta(hours=24)
# A key whose first request has held it this long without finishing died with its process:
# its transaction rolled back, so the request may run again.
IDEMPOTENCY_LOCK_TIMEOUT = timedelta(minutes=5)
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def livemode() -> bool:
    return settings.PROCESSOR != "sandbox"


def apikey_create(*, merchant: Merchant, name: str = "") -> tuple[ApiKey, str]:
    """A new secret key for the merchant: returns the row and the key, shown only now."""
    name = name.strip()
    if len(name) > 100:
        raise ValidationError({"name": _("The name is too long (100 characters at most).")})
    live = livemode()
    secret = f"plk_{'live' if live else 'test'}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        merchant=merchant,
        name=name,
        livemode=live,
        prefix=secret[:13],
        digest=_digest(secret),
    )
    return key, secret


def apikey_create_for_email(*, email: str, name: str = "") -> tuple[ApiKey, str]:
    user = User.objects.filter(email__iexact=email.strip(), merchant__isnull=False).first()
    if user is None or user.merchant is None:
        raise ValidationError({"email": _("No merchant user has this email.")})
    return apikey_create(merchant=user.merchant, name=name)


def apikey_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def apikey_authenticate(*, secret: str) -> ApiKey | None:
    """The live key with this secret (and note its use), or None."""
    if not KEY_PATTERN.match(secret):
        return None
    key = (
        ApiKey.objects.select_related("merchant__payments_account")
        .filter(digest=_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or key.last_used_at < now - LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    """What "the same parameters" means: the method, path and JSON body (key order aside)."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True).encode()
    except (ValueError, RecursionError):  # not JSON (or nested too deep): the bytes
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


@dataclass
class IdempotencyOutcome:
    """``run``: go on and call ``idempotency_finish``; else ``replay`` or an error code."""

    record: IdempotencyKey
    action: str  # "run", "replay", "in_use", "reused"


def idempotency_begin(
    *, merchant: Merchant, key: str, method: str, path: str, fingerprint: str
) -> IdempotencyOutcome:
    """Claim the key in its own committed transaction, so a second request sees it."""
    now = timezone.now()
    IdempotencyKey.objects.filter(created_at__lt=now - IDEMPOTENCY_TTL).delete()
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                merchant=merchant,
                key=key,
                method=method,
                path=path,
                fingerprint=fingerprint,
                locked_at=now,
            )
        return IdempotencyOutcome(record, "run")
    except IntegrityError:
        pass
    record = IdempotencyKey.objects.get(merchant=merchant, key=key)
    if record.fingerprint != fingerprint:
        return IdempotencyOutcome(record, "reused")
    if record.response_status is not None:
        return IdempotencyOutcome(record, "replay")
    # Still running, unless its process died holding it (then it rolled back: run again).
    stale = now - IDEMPOTENCY_LOCK_TIMEOUT
    taken = IdempotencyKey.objects.filter(
        pk=record.pk, response_status__isnull=True, locked_at__lt=stale
    ).update(locked_at=now)
    return IdempotencyOutcome(record, "run" if taken else "in_use")


def idempotency_finish(*, record: IdempotencyKey, status: int, body: bytes) -> None:
    """Store the response (call inside the request's own transaction: both commit or neither)."""
    IdempotencyKey.objects.filter(pk=record.pk).update(
        response_status=status, response_body=body, locked_at=None
    )


def idempotency_release(*, record: IdempotencyKey) -> None:
    """The request failed on our side (5xx) and changed nothing: let the key run again."""
    IdempotencyKey.objects.filter(pk=record.pk, response_status__isnull=True).delete()
