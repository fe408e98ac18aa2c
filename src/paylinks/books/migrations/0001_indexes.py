"""Indexes for the books: exports and period totals walk a merchant's receipts and refund
receipts by (date, number) and its payments by (created_at, id), each page one index range
(keyset, never OFFSET); the sandbox's daily payout looks only at succeeded payments not
paid out yet (a partial index); a Stripe payout finds its payments by reference. Raw SQL
that SQLite and PostgreSQL both accept, so the models stay as they are."""

from django.db import migrations

INDEXES = {
    "receipt_merchant_date_number": "receipts_salesreceipt (merchant_id, date, number)",
    "refund_receipt_merchant_date_number": (
        "receipts_refundreceipt (merchant_id, date, number)"
    ),
    "payment_merchant_created": "checkout_payment (merchant_id, created_at, id)",
    "payment_not_paid_out": (
        "checkout_payment (settled_at) WHERE payout_id IS NULL AND status = 'succeeded'"
    ),
    "payment_processor_ref": "checkout_payment (processor_ref) WHERE processor_ref <> ''",
}


class Migration(migrations.Migration):
    dependencies = [("receipts", "0002_books"), ("checkout", "0005_books")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {definition}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
