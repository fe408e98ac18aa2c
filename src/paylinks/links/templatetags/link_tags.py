from django import template

from paylinks.links.failures import merchant_failure_message

register = template.Library()


@register.filter
def merchant_failure(code: str) -> str:
    """``{{ attempt.failure_code|merchant_failure }}``: the reason, worded for the merchant."""
    return merchant_failure_message(code)
