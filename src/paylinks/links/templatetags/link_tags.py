from typing import Any

from django import template
from django.conf import settings

from paylinks.links.failures import merchant_failure_message
from paylinks.links.models import PaymentLink

register = template.Library()


@register.filter
def merchant_failure(code: str) -> str:
    """``{{ attempt.failure_code|merchant_failure }}``: the reason, worded for the merchant."""
    return merchant_failure_message(code)


@register.inclusion_tag("links/_social_meta.html")
def social_meta(link: PaymentLink) -> dict[str, Any]:
    """``{% social_meta link %}``: the Open Graph and X card tags of the hosted page, with
    absolute URLs (crawlers do not resolve relative ones)."""
    from paylinks.links.preview import HEIGHT, WIDTH, preview_version

    base = settings.BASE_URL
    return {
        "link": link,
        "url": base + link.path,
        "image": f"{base}{link.path}/preview.png?v={preview_version(link)}",
        "width": WIDTH,
        "height": HEIGHT,
    }
