"""``/healthz``: is the service whole? For load balancers, monitors and `paylinks serve`'s
operators. JSON, no login, two small queries, nothing secret; 200 when everything is up,
503 (with what is down) otherwise."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from paylinks.core.models import WorkerHeartbeat


def health_checks() -> dict[str, str]:
    """``{"database": "ok"|"down", "worker": "ok"|"down"|"unknown"}``."""
    checks = {"database": "ok", "worker": "unknown"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        lease = timedelta(seconds=settings.WORKER_LEASE_SECONDS)
        recent = WorkerHeartbeat.objects.filter(last_seen__gte=timezone.now() - lease)
        checks["worker"] = "ok" if recent.exists() else "down"
    except DatabaseError:
        checks["database"] = "down"
        connection.close_if_unusable_or_obsolete()
    return checks


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = health_checks()
    ok = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ok else "down", **checks}, status=200 if ok else 503)
