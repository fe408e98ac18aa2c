from django.db import models


class SandboxCharge(models.Model):
    """The sandbox processor's own ledger, apart from paylinks' payments, as a real one's is.

    It keeps no card or account number: only what a real processor would show back.
    """

    reference = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    method = models.CharField(max_length=13)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10)
    failure_code = models.CharField(max_length=40, blank=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(null=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True)
    bank_last4 = models.CharField(max_length=4, blank=True)
    settles_at = models.DateTimeField(null=True)
    fails_at_settlement = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.reference
