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
        if isinstance(value, str):  # SQLite: read at C speed, not by peewee's strptime formats
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                moment = None
            if moment is not None and moment.tzinfo is None:
                value = moment
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
    record_id = peewee.CharField(max_length=36, null=True)  # (read by op id only: no index)
    content_hash = peewee.CharField(max_length=64)
    status = peewee.CharField(max_length=10)  # applied / conflict
    result = peewee.TextField()  # JSON
    author = peewee.CharField(max_length=64)
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


def is_postgres(db: peewee.Database) -> bool:
    """Whether `db` (or the database a proxy stands for) is PostgreSQL."""
    target = db.obj if isinstance(db, peewee.DatabaseProxy) else db
    return isinstance(target, peewee.PostgresqlDatabase)


def create_tables(db: peewee.Database):
    """Create the engine's tables (idempotent); apps call it from their own migrations."""
    with db.bind_ctx(TABLES):
        db.create_tables(TABLES, safe=True)
