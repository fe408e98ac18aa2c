"""Ways to share a link: QR code, social posts, a buy button for the merchant's site."""

import html
import io
from urllib.parse import urlencode

import segno

from paylinks.links.models import PaymentLink


def qr_code(url: str, *, kind: str = "svg", scale: int = 8) -> bytes:
    """The link's URL as a QR code (error correction M, quiet zone included)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind=kind, scale=scale, border=4)
    return out.getvalue()


def social_share_urls(link: PaymentLink, url: str) -> dict[str, str]:
    """Share pages of Facebook and X; only multi-use links are meant for public posts."""
    if link.kind != PaymentLink.Kind.MULTI:
        return {}
    return {
        "facebook": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        "x": "https://x.com/intent/post?" + urlencode({"text": link.description, "url": url}),
    }


def buy_button_html(url: str, label: str) -> str:
    """A self-contained snippet to paste into a website (no script, inline style).

    A plain ``str`` (not marked safe): pages show it escaped, as text to copy."""
    style = (
        "display:inline-block;padding:12px 24px;background:#0a7d4f;color:#fff;"
        "font:600 16px/1.2 system-ui,sans-serif;border-radius:6px;text-decoration:none"
    )
    return (
        f'<a href="{html.escape(url)}" target="_blank" rel="noopener" style="{style}">'
        f"{html.escape(label)}</a>"
    )
