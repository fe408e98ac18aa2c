"""An API client for tests: the Django test client with a Bearer key and JSON bodies."""

import json
from typing import Any

from paylinks.api.services import apikey_create


class Api:
    def __init__(self, client, merchant=None, secret: str | None = None) -> None:
        self.client = client
        if secret is None and merchant is not None:
            _key, secret = apikey_create(merchant=merchant, name="tests")
        self.secret = secret

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        found = dict(headers or {})
        if self.secret is not None:
            found.setdefault("Authorization", f"Bearer {self.secret}")
        return found

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str):
        return self.client.get("/api/v1" + path, params or {}, headers=self._headers(headers))

    def post(self, path: str, body: Any = None, raw: bytes | None = None, **headers: str):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(
            "/api/v1" + path,
            data=data,
            content_type="application/json",
            headers=self._headers(headers),
        )

    def delete(self, path: str, **headers: str):
        return self.client.delete("/api/v1" + path, headers=self._headers(headers))
