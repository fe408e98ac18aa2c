"""Django's PostgreSQL backend, with the health check of a kept connection made cheap.

With ``CONN_HEALTH_CHECKS`` Django runs ``SELECT 1`` on a kept connection at the start of
every request before using it: a round trip to the database (and work for it) on every
request, to notice the rare connection the server has closed (a restart, an operator's
``pg_terminate_backend``). The server closing an idle connection leaves it something to
read: its last message and the end of the stream. So, as urllib3 does for its pooled
connections, the kept connection's socket is polled first, without waiting: nothing to
read, the server has not closed it and no round trip is needed; something to read (or
any doubt), Django's own check runs and replaces a dead connection as before. A
connection cut without a word (a network partition) would not answer ``SELECT 1``
either: nothing is lost there.

And ``prepared_cursor()``: a cursor whose statements are prepared by the server on first
use and then only executed (psycopg keeps them per connection), for the few lookups run
on every request (core/prepared.py): PostgreSQL otherwise plans the hosted page's
three-table query again on every request, which costs it more than running it. Django's
other queries keep its default client-side binding. (Behind PgBouncer in transaction
mode, this needs PgBouncer 1.21+ with ``max_prepared_statements`` set.)

And timestamps are read by psycopg's own parser (in C with psycopg[binary]) where
Django's loader runs psycopg's pure-Python one for each value: ~10 % of the CPU of
reading the hosted page's link, merchant and account, more on a list's page.
"""

import select
from typing import Any

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg import postgres, pq
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader as PythonTimestamptzLoader

# psycopg's timestamptz loader: its C one when psycopg[binary] (or [c]) is installed.
_PARSER = postgres.adapters.get_loader(postgres.types["timestamptz"].oid, Format.TEXT)
_IN_C = _PARSER is not None and _PARSER is not PythonTimestamptzLoader


class _TzLoader(BaseTzLoader):
    """Django's timestamptz loader (the value in the time zone Django asks for, as it
    does), parsing with ``_PARSER``: Django's subclasses psycopg's Python loader, which
    cannot be swapped for the C one (a C type takes no Python subclass)."""

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        self._parse = _PARSER(oid, context).load  # type: ignore[misc]

    def load(self, data: Any) -> Any:
        return self._parse(data).replace(tzinfo=self.timezone)


PREPARED = "paylinks-prepared"  # asks create_cursor for a preparing cursor


class _PreparingCursor(base.ServerBindingCursor):  # type: ignore[name-defined]
    def execute(self, query, params=None, *, prepare=None, binary=None):  # noqa: ANN001, ANN201
        return super().execute(query, params, prepare=True, binary=binary)


def _idle_and_silent(connection) -> bool:  # noqa: ANN001 - a psycopg Connection
    """An open connection outside a transaction, with nothing from the server to read."""
    try:
        pgconn = connection.pgconn
        if connection.closed or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return False
        poller = select.poll()  # not select.select: a busy server's descriptors pass 1024
        poller.register(pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
        readable = poller.poll(0)
    except Exception:  # noqa: BLE001 - any doubt: Django's full check decides
        return False
    return not readable


class DatabaseWrapper(base.DatabaseWrapper):
    def prepared_cursor(self):  # noqa: ANN201 - Django's CursorWrapper
        """A cursor (Django's, so every statement is seen and counted as usual) whose
        statements the server prepares once per connection."""
        return self._cursor(name=PREPARED)  # type: ignore[attr-defined]

    def get_new_connection(self, conn_params):  # noqa: ANN001, ANN201
        connection = super().get_new_connection(conn_params)
        if self.timezone is not None and _IN_C:
            # Django's loader for this connection's time zone, parsing in C (create_cursor
            # sees the same time zone and keeps it).
            connection.adapters.register_loader(
                "timestamptz", type("TzLoader", (_TzLoader,), {"timezone": self.timezone})
            )
        if connection.prepare_threshold is None:  # Django's default: psycopg prepares nothing
            # Only what asks for it (prepare=True): Django's own cursors bind client-side
            # and are never prepared, whatever the threshold.
            connection.prepare_threshold = 2**31 - 1
        return connection

    def create_cursor(self, name=None):  # noqa: ANN001, ANN201
        if name != PREPARED:
            return super().create_cursor(name)
        cursor = _PreparingCursor(self.connection)
        # As Django's own cursors: the time zone of timestamps read through it.
        tzloader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)  # type: ignore[attr-defined]
        if self.timezone != tzloader.timezone:
            base.register_tzloader(self.timezone, cursor)  # type: ignore[attr-defined]
        return cursor

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and getattr(self, "health_check_enabled", False)
            and not getattr(self, "health_check_done", True)
            and not getattr(self, "pool", None)
            and _idle_and_silent(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
