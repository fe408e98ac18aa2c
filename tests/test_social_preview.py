"""Social previews (issue 10): the hosted page names its URL and a picture made for the link
(business, description, amount) with absolute URLs, and asks for a large card on X; the
picture is a 1200 x 630 PNG drawn by paylinks, and a new one when what it shows changes."""

import io
import re
from html import unescape
from urllib.parse import urlsplit

from django.core.cache import cache
from PIL import Image

from paylinks.links.services import link_update
from paylinks.merchants.services import merchant_customise
from test_customise import image_bytes


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def meta(html: str) -> dict[str, str]:
    tags = re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', html)
    return {name: unescape(value) for name, value in tags}


def test_hosted_page_has_open_graph_and_x_card_tags(client, settings, multi_link):
    settings.BASE_URL = "https://pay.example.com"
    tags = meta(client.get(multi_link.path).content.decode())
    assert tags["og:url"] == "https://pay.example.com" + multi_link.path
    assert tags["og:image"].startswith(f"https://pay.example.com{multi_link.path}/preview.png?v=")
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["twitter:image"] == tags["og:image"]
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["og:image:alt"] == "Bakery & Co · Box of croissants · $12.50"
    assert tags["og:title"] and tags["og:description"] == "Box of croissants"


def test_the_preview_is_a_png_of_the_announced_size(client, settings, multi_link):
    settings.BASE_URL = "https://pay.example.com"
    cache.clear()
    tags = meta(client.get(multi_link.path).content.decode())
    response = client.get(local(tags["og:image"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "PNG" and image.size == (1200, 630)
        # Drawn on: not a blank canvas (the accent band, text in ink).
        colours = image.convert("RGB").getcolors(maxcolors=100_000)
        assert colours is not None and len(colours) > 10
    assert client.get("/l/no-such-link/preview.png").status_code == 404


def test_a_new_picture_when_what_it_shows_changes(client, merchant, multi_link):
    cache.clear()
    first = meta(client.get(multi_link.path).content.decode())["og:image"]
    before = client.get(local(first)).content
    link_update(link=multi_link, amount=9900)
    merchant_customise(
        merchant=merchant, business_name="Bakery & Co", accent_color="#5b21b6", logo=image_bytes()
    )
    second = meta(client.get(multi_link.path).content.decode())["og:image"]
    assert second != first
    after = client.get(local(second)).content
    assert after != before
    with Image.open(io.BytesIO(after)) as image:
        assert image.size == (1200, 630)
        assert image.convert("RGB").getpixel((600, 10)) == (0x5B, 0x21, 0xB6)  # the accent band
