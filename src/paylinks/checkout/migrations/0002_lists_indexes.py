"""Indexes for the lists of a link's payments and attempts (newest first, keyset pages), its
issues (failed attempts), and the recovery pass's scans (pending payments, attempts still
processing). Raw SQL that both SQLite and PostgreSQL accept, so the models stay as they are;
partial indexes hold only the few rows those scans look for."""

from django.db import migrations

INDEXES = {
    "payment_link_list": "checkout_payment (link_id, created_at DESC, id DESC)",
    "attempt_link_list": "checkout_attempt (link_id, created_at DESC, id DESC)",
    "attempt_link_outcome_list": (
        "checkout_attempt (link_id, outcome, created_at DESC, id DESC)"
    ),
    "payment_pending": "checkout_payment (created_at) WHERE status = 'pending'",
    "attempt_processing": "checkout_attempt (created_at) WHERE outcome = 'processing'",
}


class Migration(migrations.Migration):
    dependencies = [("checkout", "0001_initial")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {definition}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
