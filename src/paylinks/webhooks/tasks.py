"""Webhook delivery, one task per attempt; the schedule lives in services.SCHEDULE."""

from django.conf import settings
from django.urls import reverse
from django_tasks import TaskContext, task

from paylinks.webhooks import services
from paylinks.webhooks.models import WebhookEndpoint


@task(takes_context=True)
def deliver_webhook(context: TaskContext, *, delivery_id: int) -> None:
    workers = context.task_result.worker_ids
    services.delivery_attempt(delivery_id=delivery_id, worker_id=workers[-1] if workers else "")


@task(takes_context=True)
def send_endpoint_disabled_email(
    context: TaskContext, *, endpoint_id: int, tries: int = 1, key: str = ""
) -> None:
    """Tell the merchant its endpoint was disabled: once per disabling (the key is the first
    task's id, so a task run again after its worker died does not send it twice), tried
    again later while the mail server fails."""
    from paylinks.notifications.tasks import _retry_later, _send

    key = key or f"webhook-disabled:{context.task_result.id}"
    endpoint = WebhookEndpoint.objects.select_related("merchant").filter(pk=endpoint_id).first()
    if endpoint is None:
        return
    merchant = endpoint.merchant
    try:
        _send(
            key=key,
            template="webhook_disabled",
            language=merchant.locale,
            to=list(merchant.users.filter(is_active=True).values_list("email", flat=True)),
            context={
                "endpoint": endpoint,
                "merchant": merchant,
                "page": settings.BASE_URL + reverse("webhooks:detail", args=[endpoint.public_id]),
            },
        )
    except OSError as error:
        _retry_later(send_endpoint_disabled_email, tries, error, endpoint_id=endpoint_id, key=key)
