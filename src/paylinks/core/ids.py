"""Public ids (prefixed, opaque) and secret URL tokens."""

import base64
import secrets


def new_id(prefix: str) -> str:
    """``plink_3kq…``: 80 random bits, lower-case base32, behind a type prefix."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
    return f"{prefix}_{raw}"


def new_token() -> str:
    """A URL token of 192 random bits (the architecture asks for at least 128)."""
    return secrets.token_urlsafe(24)
