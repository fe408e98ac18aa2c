"""Sending a link or a reminder to its customer: one task per message (see services)."""

from django_tasks import task


@task()
def deliver_link_message(*, message_id: int, tries: int = 1) -> None:
    from paylinks.notifications.services import link_message_deliver

    link_message_deliver(message_id=message_id, tries=tries)
