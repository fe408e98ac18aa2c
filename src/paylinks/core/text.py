"""Single-line text from people: no line breaks or control characters, ever."""

import unicodedata


def single_line(value: str) -> str:
    """CR, LF, other control characters and line/paragraph separators become spaces."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in value)
    return " ".join(cleaned.split()) if cleaned != value else cleaned.strip()
