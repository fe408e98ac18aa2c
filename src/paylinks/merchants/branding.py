"""A merchant's logo and accent colour, checked: the logo an image (PNG or JPEG, at most
512 KB) re-encoded by Pillow as a PNG of at most 512 px a side, so what is served is never
the bytes uploaded; the colour a hex colour on which white text is readable (WCAG AA)."""

import hashlib
import io
import re
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_SIDE = 512
# Larger than this many pixels is refused before decoding (a small file can claim a huge
# image: a decompression bomb).
MAX_SOURCE_PIXELS = 40_000_000
HEX = re.compile(r"#?([0-9a-fA-F]{6})")
DEFAULT_ACCENT = "#0a7d4f"
MIN_CONTRAST = 4.5


@dataclass(frozen=True)
class Logo:
    png: bytes
    width: int
    height: int

    @property
    def version(self) -> str:
        return hashlib.sha256(self.png).hexdigest()[:16]


def logo_from_upload(data: bytes) -> Logo:
    """Raises ValueError with the message for the merchant."""
    if len(data) > MAX_LOGO_BYTES:
        raise ValueError(_("The logo must be at most 512 KB."))
    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.format not in ("PNG", "JPEG"):
                raise ValueError(_("The logo must be a PNG or JPEG image."))
            if source.width * source.height > MAX_SOURCE_PIXELS:
                raise ValueError(_("The logo's image is too large."))
            if source.format == "JPEG":
                # Decoded at 1/2 to 1/8 scale, still at least 512 px a side: a large
                # photo costs a few MB, not hundreds.
                source.draft(None, (MAX_LOGO_SIDE, MAX_LOGO_SIDE))
            source.load()
            image = source.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ValueError(_("The logo must be a PNG or JPEG image.")) from None
    image.thumbnail((MAX_LOGO_SIDE, MAX_LOGO_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return Logo(png=out.getvalue(), width=image.width, height=image.height)


def _luminance(hex_color: str) -> float:
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_with_white(hex_color: str) -> float:
    return 1.05 / (_luminance(hex_color) + 0.05)


def accent_clean(text: str) -> str:
    """``""`` (the default colour) or ``#rrggbb``; raises ValueError with the message."""
    text = text.strip()
    if not text:
        return ""
    match = HEX.fullmatch(text)
    if not match:
        raise ValueError(_("Enter the colour as # and 6 hexadecimal digits, like #0a7d4f."))
    color = "#" + match.group(1).lower()
    ratio = contrast_with_white(color)
    if ratio < MIN_CONTRAST:
        raise ValueError(
            _(
                "White text on this colour is hard to read (contrast %(ratio)s:1, at least "
                "%(needed)s:1 is needed): choose a darker colour."
            )
            % {
                "ratio": formats.number_format(ratio, 1),
                "needed": formats.number_format(MIN_CONTRAST, 1),
            }
        )
    return color
