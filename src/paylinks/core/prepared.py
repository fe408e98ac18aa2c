"""The hottest lookups, compiled once.

Django compiles a queryset to SQL on every evaluation; for the hosted page's lookup of a
link by its token, with its merchant and payments account (three tables, ~50 columns),
compiling costs more CPU than the database spends answering. ``PreparedGet`` compiles
such a ``get`` once per database connection and then only runs the SQL with the new
value and builds the objects the way Django's own ``ModelIterable`` does (the same
converters, the same ``select_related`` populators): the same objects, a fraction of the
work. It relies on Django's compiler internals (``select``, ``klass_info``,
``get_related_populators``), stable within the Django release pinned in pyproject.toml;
tests/test_performance.py checks it against the ORM on SQLite and PostgreSQL. On
PostgreSQL the server prepares the statement too (``prepared_cursor`` of
core/postgresql/base.py): planned once per connection, not on every request.
"""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

M = TypeVar("M", bound=Model)

# The values a query is compiled with, each found again among the SQL's parameters: a
# text column's, and an integer column's (a foreign key).
_MARK = TEXT_MARK = "\x00paylinks-prepared\x00"
INT_MARK = -(2**62) - 7305


class _CompiledSql:
    """A queryset's SQL, with where each of the values it was made with goes."""

    def __init__(self, queryset: QuerySet[Any], marks: tuple[Any, ...]) -> None:
        compiler = queryset.query.get_compiler(using=queryset.db)
        self.sql, params = compiler.as_sql()
        params = list(params)
        if sorted(map(repr, params)) != sorted(map(repr, marks)) or len(set(marks)) < len(marks):
            raise ValueError("a prepared lookup takes each of its values exactly once")
        # Django orders a filter's conditions its own way: where each value goes.
        self.order = [marks.index(p) for p in params]
        self.compiler = compiler
        self.converters = compiler.get_converters(
            [s[0] for s in compiler.select[: compiler.col_count]]
        )

    def run(self, db: str, values: tuple[Any, ...], size: int | None) -> list[Any]:
        connection = connections[db]
        # On PostgreSQL, prepared by the server too: planned once per connection.
        cursor = getattr(connection, "prepared_cursor", connection.cursor)()
        with cursor:
            cursor.execute(self.sql, [values[i] for i in self.order])
            rows = cursor.fetchall() if size is None else cursor.fetchmany(size)
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return rows


def _kept(db: str, owner: object, make: Callable[[], Any]) -> Any:
    """What ``make`` compiles, kept with the connection (compiled again on a new one)."""
    kept = connections[db].__dict__.setdefault("_paylinks_prepared", {})
    found = kept.get(id(owner))
    if found is None:
        found = kept[id(owner)] = make()
    return found


class _Compiled(_CompiledSql):
    def __init__(self, queryset: QuerySet[Any], marks: tuple[Any, ...]) -> None:
        super().__init__(queryset, marks)
        compiler = self.compiler
        klass_info = compiler.klass_info
        assert klass_info is not None
        select = compiler.select
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [s[0].target.attname for s in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, queryset.db)


class PreparedGet(Generic[M]):
    """``make(*values).get()`` for a queryset filtering unique columns on ``values``;
    ``marks`` says each value's kind (``TEXT_MARK`` text, ``INT_MARK`` an integer)."""

    def __init__(self, make: Callable[..., QuerySet[M]], marks: tuple[Any, ...] = (_MARK,)) -> None:
        self.make, self.marks = make, marks
        self.db = make(*marks).db

    def _compiled(self) -> _Compiled:
        # No ORDER BY (a model's default ordering): one row, as QuerySet.get() does.
        return _kept(
            self.db, self, lambda: _Compiled(self.make(*self.marks).order_by(), self.marks)
        )

    def first(self, *values: Any) -> M | None:
        """The row, or None (``.first()`` of a unique lookup)."""
        try:
            return self.get(*values)
        except self._compiled().model.DoesNotExist:
            return None

    def get(self, *values: Any) -> M:
        compiled = self._compiled()
        rows = compiled.run(self.db, values, 2)
        if not rows:
            raise compiled.model.DoesNotExist(f"{compiled.model.__name__} matching query")
        if len(rows) > 1:
            raise compiled.model.MultipleObjectsReturned(f"more than one {compiled.model}")
        row = rows[0]
        obj = compiled.model.from_db(
            self.db, compiled.init_list, row[compiled.start : compiled.end]
        )
        for populator in compiled.populators:
            populator.populate(row, obj)
        return obj


class PreparedValues:
    """``list(make(*values))`` for a ``values_list()`` queryset (every row, as tuples),
    compiled once per connection; ``marks`` as for PreparedGet."""

    def __init__(self, make: Callable[..., QuerySet[Any]], marks: tuple[Any, ...]) -> None:
        self.make, self.marks = make, marks
        self.db = make(*marks).db

    def all(self, *values: Any) -> list[tuple[Any, ...]]:
        compiled = _kept(self.db, self, lambda: _CompiledSql(self.make(*self.marks), self.marks))
        return [tuple(row) for row in compiled.run(self.db, values, None)]
