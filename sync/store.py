"""The sync engine's own tables: the operation log, the change feed, media bookkeeping.

They are bound to whatever peewee database the engine is handed (SyncEngine binds them).
"""

from datetime import UTC, datetime

import peewee


class UTCDateTime(peewee.DateTimeField):
    """An aware UTC datetime stored as naive UTC."""

    def db_value(self, value):
        return value.astimezone(UTC).replace(tzinfo=None) if value is not None else None

    def python_value(self, value):
        value = super().python_value(value)
        return value.replace(tzinfo=UTC) if isinstance(value, datetime) else value


class _Base(peewee.Model):
    class Meta:
        database = None
        legacy_table_names = False


class OperationLog(_Base):
    """Every operation stored once: its id, what it meant (hash) and what it gave (result).

    A duplicate answers with `result` again; the same id with another hash is refused.
    """

    op_id = peewee.CharField(max_length=36, primary_key=True)
    type = peewee.CharField(max_length=40)
    record_id = peewee.CharField(max_length=36, null=True, index=True)
    content_hash = peewee.CharField(max_length=64)
    status = peewee.CharField(max_length=10)  # applied / conflict
    result = peewee.TextField()  # JSON
    author = peewee.CharField(max_length=64, index=True)
    device = peewee.CharField(max_length=100, null=True)
    received_at = UTCDateTime()

    class Meta:
        table_name = "sync_operation"


class Change(_Base):
    """One entry of the change feed: something in `scope` (e.g. team:3) changed.

    Entries are numbered in commit order (see SyncEngine.record_change), so a cursor that is
    the last number seen never skips a change that committed late.
    """

    seq = peewee.BigAutoField()
    scope = peewee.CharField(max_length=64)
    entity = peewee.CharField(max_length=32)
    entity_id = peewee.CharField(max_length=64)
    at = UTCDateTime()

    class Meta:
        table_name = "sync_change"
        indexes = ((("scope", "seq"), False), (("scope", "entity", "entity_id"), False))


class Media(_Base):
    """A file that arrived, addressed by the SHA-256 of its bytes: never overwritten."""

    sha256 = peewee.CharField(max_length=64, primary_key=True)
    size = peewee.IntegerField()
    mime = peewee.CharField(max_length=32)
    uploaded_by = peewee.CharField(max_length=64)
    received_at = UTCDateTime()

    class Meta:
        table_name = "sync_media"


class MediaWait(_Base):
    """A record (e.g. a submission) still waiting for a file it names."""

    sha256 = peewee.CharField(max_length=64, index=True)
    owner = peewee.CharField(max_length=80)  # e.g. "visit:<uuid>"
    since = UTCDateTime()

    class Meta:
        table_name = "sync_media_wait"
        indexes = ((("owner", "sha256"), True),)


TABLES = (OperationLog, Change, Media, MediaWait)


def create_tables(db: peewee.Database):
    """Create the engine's tables (idempotent); apps call it from their own migrations."""
    with db.bind_ctx(TABLES):
        db.create_tables(TABLES, safe=True)


def _target(db: peewee.Database) -> peewee.Database:
    return db.obj if isinstance(db, peewee.DatabaseProxy) else db


def _columns(model: type[peewee.Model], given) -> list[tuple]:
    """(field, name, db_value, default, default is callable) for the fields a row fills: those
    given, and every other but an auto primary key (its default, or NULL)."""
    meta = model._meta
    plan = []
    for f in meta.sorted_fields:
        if f.name not in given and (isinstance(f, peewee.AutoField) or f.primary_key):
            continue
        default = meta.defaults.get(f)
        plan.append((f, f.name, f.db_value, default, callable(default)))
    return plan


def _values(plan, row: dict) -> tuple:
    return tuple(
        convert(row[name] if name in row else (default() if is_callable else default))
        for _, name, convert, default, is_callable in plan
    )


def _insert_sql(model: type[peewee.Model], plan) -> str:
    columns = ", ".join(f'"{f.column_name}"' for f, *_ in plan)  # SQLite and PostgreSQL quoting
    return f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES '  # noqa: S608  (model names)


# SQLite allows 32,766 variables a statement; PostgreSQL 65,535.
MAX_VARIABLES = 32_000


def _mark(db: peewee.Database) -> str:
    return "%s" if isinstance(_target(db), peewee.PostgresqlDatabase) else "?"


def insert_rows(db: peewee.Database, model: type[peewee.Model], rows: list[dict]):
    """Insert many rows (dicts by field name) in few multi-row statements, without building a
    query per value: each goes through its field's db_value, a missing one takes the field's
    default. It is peewee's insert_many without its per-value query nodes, which cost more
    than the database's own work for a push's hundreds of rows."""
    if not rows:
        return
    plan = _columns(model, set().union(*rows))
    one = "(" + ", ".join([_mark(db)] * len(plan)) + ")"
    per_statement = max(1, MAX_VARIABLES // len(plan))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        params = [value for row in chunk for value in _values(plan, row)]
        db.execute_sql(_insert_sql(model, plan) + ", ".join([one] * len(chunk)), params)


def insert_returning(db: peewee.Database, model: type[peewee.Model], rows: list[dict]) -> list:
    """Insert rows (dicts by field name, as insert_rows) and return their primary keys in
    order: one statement on PostgreSQL (RETURNING gives the rows in the order of VALUES, which
    Django's bulk_create relies on too), one insert a row on SQLite (in-process, cheap)."""
    if not rows:
        return []
    if not isinstance(_target(db), peewee.PostgresqlDatabase):
        return [insert_row(db, model, row) for row in rows]
    plan = _columns(model, set().union(*rows))
    one = "(" + ", ".join(["%s"] * len(plan)) + ")"  # a push's few rows: within the limit
    params = [value for row in rows for value in _values(plan, row)]
    sql = _insert_sql(model, plan) + ", ".join([one] * len(rows))
    pk = model._meta.primary_key.column_name
    return [r[0] for r in db.execute_sql(f'{sql} RETURNING "{pk}"', params).fetchall()]


def insert_row(db: peewee.Database, model: type[peewee.Model], row: dict):
    """Insert one row (a dict by field name, as insert_rows) and return its primary key."""
    plan = _columns(model, row)
    postgres = isinstance(_target(db), peewee.PostgresqlDatabase)
    mark = "%s" if postgres else "?"
    sql = _insert_sql(model, plan) + "(" + ", ".join([mark] * len(plan)) + ")"
    pk = model._meta.primary_key
    if pk.name in row:
        db.execute_sql(sql, _values(plan, row))
        return row[pk.name]
    if postgres:
        return db.execute_sql(f'{sql} RETURNING "{pk.column_name}"', _values(plan, row)).fetchone()[
            0
        ]
    return db.execute_sql(sql, _values(plan, row)).lastrowid


def _update_sql(model: type[peewee.Model], pk, row: dict, mark: str) -> tuple[str, tuple]:
    meta = model._meta
    fields = [meta.fields[name] for name in row]
    sets = ", ".join(f'"{f.column_name}" = {mark}' for f in fields)
    sql = (
        f'UPDATE "{meta.table_name}" SET {sets}'  # noqa: S608  (model names)
        f' WHERE "{meta.primary_key.column_name}" = {mark}'
    )
    return sql, (*(f.db_value(row[f.name]) for f in fields), meta.primary_key.db_value(pk))


def update_row(db: peewee.Database, model: type[peewee.Model], pk, row: dict) -> int:
    """UPDATE one row by primary key with these fields (by name); the rows changed (0 or 1)."""
    if not row:
        return 0
    mark = "%s" if isinstance(_target(db), peewee.PostgresqlDatabase) else "?"
    return db.execute_sql(*_update_sql(model, pk, row, mark)).rowcount


def update_rows(db: peewee.Database, model: type[peewee.Model], rows: dict):
    """update_row for many rows ({pk: {field name: value}}): on PostgreSQL in one round trip
    (the UPDATEs sent together), on SQLite one after the other (in-process, cheap)."""
    rows = {pk: row for pk, row in rows.items() if row}
    if not isinstance(_target(db), peewee.PostgresqlDatabase):
        for pk, row in rows.items():
            update_row(db, model, pk, row)
        return
    cursor = db.cursor()
    statements = [cursor.mogrify(*_update_sql(model, pk, row, "%s")) for pk, row in rows.items()]
    for start in range(0, len(statements), 500):
        # The values are in the text already; "%" is escaped for the driver's own pass.
        db.execute_sql(b"; ".join(statements[start : start + 500]).decode().replace("%", "%%"))
