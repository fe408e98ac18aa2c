from django_tasks import task

from paylinks.processors.models import InboundEvent


@task()
def process_inbound_event(*, event_pk: int) -> None:
    """Apply a processor webhook stored in the inbox (idempotent)."""
    from paylinks.processors.services import inbound_event_process

    event = InboundEvent.objects.filter(pk=event_pk).first()
    if event is not None:
        inbound_event_process(event=event)
