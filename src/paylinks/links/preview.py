"""The picture a social network shows for a link (``og:image``): the business (logo or
name), the description and the amount, drawn by Pillow as a 1200 x 630 PNG, the size
Facebook and X expect for a large preview. Cached by what it shows."""

import hashlib
import io
import os
import textwrap

from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFont

from paylinks.links.models import PaymentLink
from paylinks.merchants.branding import DEFAULT_ACCENT
from paylinks.money import format_money

WIDTH, HEIGHT = 1200, 630
# Debian's DejaVu covers more scripts than Pillow's built-in font; either will do.
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)
CACHE_SECONDS = 24 * 3600


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _plain(text: str) -> str:
    """No-break spaces drawn as spaces (fonts lack the narrow one)."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def preview_version(link: PaymentLink) -> str:
    """Changes whenever the picture would: part of its URL and of its cache key."""
    merchant = link.merchant
    shown = [
        merchant.business_name if link.show_business_name else "",
        merchant.logo_version if link.show_business_name else "",
        merchant.accent_color,
        merchant.locale,
        link.description,
        str(link.amount),
        link.currency,
    ]
    return hashlib.sha256("\x1f".join(shown).encode()).hexdigest()[:16]


def _draw(link: PaymentLink) -> bytes:
    merchant = link.merchant
    accent = merchant.accent_color or DEFAULT_ACCENT
    image = Image.new("RGB", (WIDTH, HEIGHT), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 24), fill=accent)
    margin, y = 80, 70
    if link.show_business_name:
        logo = getattr(merchant, "logo", None) if merchant.logo_version else None
        if logo is not None:
            with Image.open(io.BytesIO(bytes(logo.png))) as source:
                picture = source.convert("RGBA")
            picture.thumbnail((400, 90))
            image.paste(picture, (margin, y), picture)
            y += picture.height + 24
        draw.text(
            (margin, y), _plain(merchant.business_name)[:60], font=_font(40, True), fill=accent
        )
        y += 70
    amount_top = HEIGHT - 160
    room = max(1, (amount_top - 20 - y) // 66)  # description lines that fit above the amount
    lines = textwrap.wrap(_plain(link.description), width=38) or [""]
    if len(lines) > room:
        lines = lines[:room]
        lines[-1] = lines[-1][:35] + "…"
    for line in lines:
        draw.text((margin, y), line, font=_font(52), fill="#1d2433")
        y += 66
    amount = _plain(format_money(link.amount, link.currency, merchant.locale))
    draw.text((margin, amount_top), amount, font=_font(96, True), fill="#1d2433")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def preview_png(link: PaymentLink) -> bytes:
    key = f"paylinks:preview:{link.pk}:{preview_version(link)}"
    png = cache.get(key)
    if png is None:
        png = _draw(link)
        cache.set(key, png, CACHE_SECONDS)
    return png
