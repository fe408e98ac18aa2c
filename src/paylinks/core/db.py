"""Transactions only where they are needed.

Each ``transaction.atomic()`` opened outside a transaction costs two round trips to the
database (BEGIN, COMMIT), and one nested inside a transaction two more (SAVEPOINT,
RELEASE). A single statement commits by itself outside a transaction: it needs neither.
"""

from contextlib import AbstractContextManager, nullcontext

from django.db import connection, transaction


def single_statement() -> AbstractContextManager[object]:
    """Around ONE write that may fail (an IntegrityError the caller handles): nothing in
    autocommit, where the statement is its own transaction; a savepoint inside a
    transaction, so that a failure leaves the caller's transaction usable."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()
