"""Django's ``get_token``, with its randomness drawn in one go.

A new visitor's CSRF token takes Django two random strings of 32 characters (the secret
kept in the cookie, and the mask that makes every page's token different: the BREACH
defence), drawn by ``get_random_string`` one ``secrets.choice`` (one ``urandom``) per
character: 64 system calls, ~15 % of the hosted page's CPU. Here the same strings, of
the same alphabet and uniform in it, come from one ``os.urandom`` each (a byte is kept
below 248 = 4 × 62 and taken modulo 62: no bias), and the token is masked as Django's
``_mask_cipher_secret`` does, so ``CsrfViewMiddleware`` checks it like its own; the
cookie is set by the middleware from ``request.META`` as for Django's ``get_token``.
"""

import os

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

_CHARS = CSRF_ALLOWED_CHARS
_INDEX = {c: i for i, c in enumerate(_CHARS)}
_BELOW = 256 - 256 % len(_CHARS)  # 248: bytes at or above it are dropped (no modulo bias)


def _random_string() -> str:
    kept: list[str] = []
    while len(kept) < CSRF_SECRET_LENGTH:
        kept += [_CHARS[b % len(_CHARS)] for b in os.urandom(CSRF_SECRET_LENGTH + 8) if b < _BELOW]
    return "".join(kept[:CSRF_SECRET_LENGTH])


def get_token(request: HttpRequest) -> str:
    """What ``django.middleware.csrf.get_token`` returns: this visitor's secret (a new
    one, and its cookie, for a new visitor) under a fresh mask."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = request.META["CSRF_COOKIE"] = _random_string()
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_string()
    n = len(_CHARS)
    return mask + "".join(
        _CHARS[(_INDEX[s] + _INDEX[m]) % n] for s, m in zip(secret, mask, strict=True)
    )
