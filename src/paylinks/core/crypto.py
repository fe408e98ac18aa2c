"""Secrets at rest (a merchant's Stripe keys): Fernet (AES-128-CBC + HMAC-SHA256) from
the `cryptography` package, with PAYLINKS_ENCRYPTION_KEY or a key generated once into
the data directory, like the secret key."""

import os
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@cache
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def encryption_key() -> str:
    if settings.ENCRYPTION_KEY:
        return settings.ENCRYPTION_KEY
    path = settings.DATA_DIR / "encryption_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = Fernet.generate_key().decode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race: use its key
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key


def encrypt(text: str) -> str:
    return _fernet(encryption_key()).encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(encryption_key()).decrypt(token.encode()).decode()
    except InvalidToken as e:
        raise ValueError("cannot decrypt: PAYLINKS_ENCRYPTION_KEY changed?") from e


class EncryptedTextField(models.TextField):
    """Stored encrypted; read back in clear by the code, never shown in full to people."""

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str:
        return decrypt(value or "")

    def get_prep_value(self, value: object) -> str:
        return encrypt(str(value or ""))
