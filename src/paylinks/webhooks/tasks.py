"""Webhook delivery, one task per attempt; the schedule lives in services.SCHEDULE."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import TaskContext, task

from paylinks.webhooks import services
from paylinks.webhooks.models import WebhookEndpoint


@task(takes_context=True)
def deliver_webhook(context: TaskContext, *, delivery_id: int) -> None:
    workers = context.task_result.worker_ids
    services.delivery_attempt(delivery_id=delivery_id, worker_id=workers[-1] if workers else "")


@task()
def send_endpoint_disabled_email(*, endpoint_id: int) -> None:
    endpoint = WebhookEndpoint.objects.select_related("merchant").filter(pk=endpoint_id).first()
    if endpoint is None:
        return
    merchant = endpoint.merchant
    to = list(merchant.users.filter(is_active=True).values_list("email", flat=True))
    if not to:
        return
    with translation.override(merchant.locale):
        subject = _("Webhook endpoint disabled: %(url)s") % {"url": endpoint.url}
        body = _(
            "We stopped sending events to %(url)s: %(reason)s\n\n"
            "Fix the endpoint, then turn it back on (and resend what it missed) here:\n%(page)s\n"
        ) % {
            "url": endpoint.url,
            "reason": endpoint.disabled_reason,
            "page": settings.BASE_URL + reverse("webhooks:detail", args=[endpoint.public_id]),
        }
    EmailMessage(subject=subject, body=body, to=to).send()
