"""The one database layer: a peewee proxy bound at start from FIELDCHECK_DATABASE_URL."""

from datetime import UTC, datetime
from pathlib import Path

import peewee
from playhouse.db_url import connect

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
}


def sqlite_url(path: Path) -> str:
    """The URL of a SQLite file."""
    return f"sqlite:///{path}"


def open_database(url: str, pool: bool = False) -> peewee.Database:
    """A peewee Database for a URL: `sqlite:///file` or `postgresql://user@host/name`.

    With pool=True (the web app) connections are kept and reused between requests: opening a
    PostgreSQL connection costs milliseconds and runs the first queries cold, and closing a
    SQLite one checkpoints its write-ahead log every time. A `+pool` URL asks for it too.
    """
    scheme, _, rest = url.partition("://")
    base, _, pooled = scheme.partition("+")
    pool = pool or pooled == "pool"
    if base == "sqlite":
        if pool:
            return connect(
                f"sqlite+pool://{rest}",
                pragmas=SQLITE_PRAGMAS,
                max_connections=32,
                stale_timeout=300,
                check_same_thread=False,
            )
        return connect(url, pragmas=SQLITE_PRAGMAS)
    if base in ("postgres", "postgresql"):
        if pool:
            return connect(f"postgresql+pool://{rest}", max_connections=32, stale_timeout=300)
        return connect(f"postgresql://{rest}")
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql://")


def is_postgres(db=None) -> bool:
    """True when the database is PostgreSQL."""
    db = db or database.obj
    if isinstance(db, peewee.DatabaseProxy):
        db = db.obj
    return isinstance(db, peewee.PostgresqlDatabase)


def init_app(app):
    """Bind the proxy to the app's database and open/close a connection around each request."""
    url = app.config.get("DATABASE_URL") or sqlite_url(Path(app.instance_path) / "fieldcheck.db")
    app.config["DATABASE_URL"] = url
    database.initialize(open_database(url, pool=app.config.get("DATABASE_POOL", True)))

    @app.before_request
    def _connect():
        database.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if not database.is_closed():
            database.close()


class UTCDateTimeField(peewee.DateTimeField):
    """A moment in time stored as naive UTC and read back as an aware UTC datetime."""

    def db_value(self, value):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given: FieldCheck stores aware UTC times only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC)
        return value


def transaction():
    """The caller's transaction when there is one, else a new one.

    For service functions that write several rows together: called alone they are atomic;
    called inside a bigger change (a sync push applies hundreds) they join it, without a
    savepoint each, and fail or commit with it.
    """
    return database.atomic() if not database.in_transaction() else contextlib.nullcontext()
