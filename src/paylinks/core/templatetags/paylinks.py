from django import template
from django.utils import translation

from paylinks.money import format_money

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """``{{ link.amount|money:link.currency }}`` in the active language."""
    if amount is None:
        return ""
    return format_money(amount, currency, translation.get_language() or "en")
