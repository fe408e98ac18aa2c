"""Indexes for the lists of a link's payments and attempts (newest first, keyset pages), its
issues (failed attempts); the recovery pass's scans have theirs on the models
(``attempt_outcome_created``, ``payment_status_check``). Raw SQL that both SQLite and PostgreSQL accept, so the models stay as they are;
partial indexes hold only the few rows those scans look for."""

from django.db import migrations

INDEXES = {
    "payment_link_list": "checkout_payment (link_id, created_at DESC, id DESC)",
    "attempt_link_list": "checkout_attempt (link_id, created_at DESC, id DESC)",
    "attempt_link_outcome_list": (
        "checkout_attempt (link_id, outcome, created_at DESC, id DESC)"
    ),
}


class Migration(migrations.Migration):
    dependencies = [("checkout", "0002_stripe_handoff")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {definition}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
