from django.http import HttpRequest
from ninja.security import HttpBearer

from paylinks.api.models import ApiKey
from paylinks.api.services import apikey_authenticate
from paylinks.merchants.models import Merchant


class BearerKey(HttpBearer):
    """``Authorization: Bearer plk_test_…``: the request acts as the key's merchant."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        found: ApiKey | None = getattr(request, "api_key", None)  # ApiMiddleware's
        return found or apikey_authenticate(secret=token.strip())


def merchant_of(request: HttpRequest) -> Merchant:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    return key.merchant
