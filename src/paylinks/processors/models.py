from django.db import models


class SandboxToken(models.Model):
    """What the sandbox's tokenising endpoint made of card or bank details: what a real
    processor shows back, and the outcome the test number stands for. Never a number."""

    token = models.CharField(max_length=40, unique=True)
    method = models.CharField(max_length=13)
    brand = models.CharField(max_length=20, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True)
    exp_year = models.PositiveSmallIntegerField(null=True)
    fingerprint = models.CharField(max_length=32, blank=True)
    # The failure code a charge with this card will meet ("" succeeds).
    outcome = models.CharField(max_length=40, blank=True)
    fails_at_settlement = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.token


class SandboxCharge(models.Model):
    """The sandbox processor's own ledger, apart from paylinks' payments, as a real one's is.

    It keeps no card or account number: only what a real processor would show back.
    """

    reference = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    # A token pays once.
    token = models.OneToOneField(
        SandboxToken, on_delete=models.PROTECT, related_name="charge", null=True
    )
    method = models.CharField(max_length=13)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=25)
    failure_code = models.CharField(max_length=40, blank=True)
    settles_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.reference


class SandboxRefund(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    charge = models.ForeignKey(SandboxCharge, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField()
    status = models.CharField(max_length=10)
    failure_code = models.CharField(max_length=40, blank=True)
    # A pending refund (of a bank transfer, or of the card whose refunds fail) is final
    # from this time, like a real processor's that completes later.
    settles_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.reference


class InboundEvent(models.Model):
    """A processor's webhook, stored once (its id is unique per processor) before it is
    processed by a task: a duplicated or out-of-order delivery changes nothing twice."""

    processor = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=100)
    reference = models.CharField(max_length=100, blank=True)
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.CASCADE, related_name="inbound_events"
    )
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=40, blank=True)
    # Processing that met the processor unreachable is tried again from this time, later
    # each time (``inbound_events_retry_due``); null once processed or never failed.
    failures = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["processor", "event_id"], name="inbound_event_once")
        ]
        indexes = [
            models.Index(
                fields=["retry_at"],
                name="inbound_event_retry",
                condition=models.Q(processed_at__isnull=True, retry_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.processor} {self.event_id}"
