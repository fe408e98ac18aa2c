"""Building emails: a subject, a plain-text body and (when its template exists) an HTML
alternative, rendered from templates in the recipient's language, with Reply-To the
merchant so a customer who answers reaches the business, not a no-reply box."""

import re
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist, engines
from django.utils import translation

from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant
from paylinks.notifications.models import LinkMessage


def one_line(text: str) -> str:
    """Collapse ASCII whitespace only: no-break spaces (``12,50\u00a0$``) are kept."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def merchant_addresses(merchant: Merchant) -> list[str]:
    """The merchant's active users' addresses, the owner (its first user) first."""
    return list(
        merchant.users.filter(is_active=True).order_by("id").values_list("email", flat=True)
    )


def merchant_reply_to(merchant: Merchant, addresses: list[str] | None = None) -> list[str]:
    """The address a customer's reply goes to: the merchant's owner, the first of
    ``merchant_addresses`` (``addresses``, when the caller has read them already)."""
    return (merchant_addresses(merchant) if addresses is None else addresses)[:1]


def email_build(
    *,
    template: str,
    language: str,
    to: list[str],
    context: dict,
    reply_to: Sequence[str] = (),
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> EmailMultiAlternatives:
    """``emails/<template>_subject.txt``, ``.txt`` and, if present, ``.html``."""
    with translation.override(language):
        ctx = {"BASE_URL": settings.BASE_URL, "language": language, **context}
        text = engines["text"]
        subject = one_line(text.get_template(f"emails/{template}_subject.txt").render(ctx))
        body = text.get_template(f"emails/{template}.txt").render(ctx)
        html_engine = engines["django"]
        try:
            html = html_engine.get_template(f"emails/{template}.html").render(
                {**ctx, "subject": subject}
            )
        except TemplateDoesNotExist:  # the text, laid out in the common frame
            html = html_engine.get_template("emails/_generic.html").render(
                {**ctx, "subject": subject, "text_body": body}
            )
    message = EmailMultiAlternatives(subject=subject, body=body, to=to, reply_to=list(reply_to))
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def link_email_send(*, message: LinkMessage) -> None:
    """The link, or a reminder of it, to the customer (raises OSError if the server fails)."""
    link: PaymentLink = message.link
    template = "link" if message.kind == LinkMessage.Kind.LINK else "reminder"
    email_build(
        template=template,
        language=message.language,
        to=[message.to],
        reply_to=merchant_reply_to(link.merchant),
        context={
            "link": link,
            "merchant": link.merchant,
            "link_url": settings.BASE_URL + link.path,
        },
    ).send()
