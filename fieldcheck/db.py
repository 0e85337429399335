"""The one database layer: a peewee proxy bound at start from FIELDCHECK_DATABASE_URL."""

import contextlib
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import peewee
from playhouse.db_url import connect
from playhouse.db_url import parse as parse_url
from playhouse.pool import PooledPostgresqlDatabase

from fieldcheck import files

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
}
# SQLite transactions take the write lock when they begin (BEGIN IMMEDIATE). A deferred one that
# reads and then writes fails at once with "database is locked" when another connection wrote
# in between (its snapshot is stale, so waiting cannot help); an immediate one waits its turn
# (busy_timeout) before it reads.
SQLITE_LOCK_TYPE = "IMMEDIATE"


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
                lock_type=SQLITE_LOCK_TYPE,
                max_connections=32,
                stale_timeout=300,
                check_same_thread=False,
            )
        return connect(url, pragmas=SQLITE_PRAGMAS, lock_type=SQLITE_LOCK_TYPE)
    if base in ("postgres", "postgresql"):
        params = parse_url(f"postgresql://{rest}")
        if pool:
            return PooledPostgresqlDatabase(**params, max_connections=32, stale_timeout=300)
        return peewee.PostgresqlDatabase(**params)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql://")


def make_sqlite_files_private(url: str, logger) -> None:
    """Create a SQLite database's file 0600 (in a 0700 folder when that is new) before SQLite
    does: SQLite would make it 0644 less the umask, readable by every local user, and gives its
    -wal and -shm files the database file's mode. Files made earlier are narrowed to 0600."""
    scheme, _, _ = url.partition("://")
    name = parse_url(url).get("database") if scheme.partition("+")[0] == "sqlite" else None
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    files.private_folder(path.parent)
    if files.create_private_file(path):
        return
    for made in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if not made.exists() or not files.open_to_others(made):
            continue
        try:
            os.chmod(made, files.FILE_MODE)
        except PermissionError:  # another user's file: say so, and start all the same
            logger.warning("%s is open to other users and not ours to narrow to 0600", made)
        else:
            logger.warning("%s was open to other users: it is now readable by its owner only", made)


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
    make_sqlite_files_private(url, app.logger)
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
        value = super().python_value(naive_from_text(value))
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC)
        return value


def naive_from_text(value):
    """A naive datetime as SQLite hands back what db_value stored ("2026-12-05 07:03:11.5"),
    read at C speed (peewee's own reading tries its formats by strptime, which the audit seal
    and every case read pay for); anything else as it came, for peewee to read."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:
            return moment
    return value


def transaction():
    """The caller's transaction when there is one, else a new one.

    For service functions that write several rows together: called alone they are atomic;
    called inside a bigger change (a sync push applies hundreds) they join it, without a
    savepoint each, and fail or commit with it.
    """
    return database.atomic() if not database.in_transaction() else contextlib.nullcontext()


def one_of(column: peewee.Field, values) -> peewee.Expression:
    """`column IN values` for a long list, its values handed to the database as one parameter
    (an array on PostgreSQL, a JSON array read by json_each on SQLite): peewee renders a
    placeholder and binds a value for each one of an IN list, which for hundreds of values
    costs more than the query. Values as the column's db_value gives them; dates and times as
    SQLite stores them (ISO text)."""
    values = [column.db_value(value) for value in values]
    if is_postgres(column.model._meta.database):
        return column == peewee.fn.ANY(peewee.Value(values, converter=False, unpack=False))
    listed = [str(v) if isinstance(v, date) else v for v in values]  # (datetimes are dates)
    return column.in_(peewee.SQL("(SELECT value FROM json_each(?))", [json.dumps(listed)]))


def plain_rows(query) -> list[tuple]:
    """A query's rows as the driver gives them, for columns of integers and text only: peewee's
    `.tuples()` hands every value to its field's python_value, which for those changes
    nothing and costs more than reading the row (a push's look-ups read thousands). A date,
    time or JSON column needs `.tuples()` (SQLite gives them as text); a boolean comes as 0 or
    1 from SQLite, True or False from PostgreSQL."""
    return database.execute(query).fetchall()


def sql_rows(text: str, *params) -> list[tuple]:
    """The rows of one statement written out in SQL, each parameter marked `?` (and no `%`,
    which psycopg2 would read as a placeholder): for a page's few reads whose peewee query,
    built and rendered again at every request, costs more than running it (joins, correlated
    subqueries). Written in the SQL both databases speak, with the tables' own names; run
    through peewee's public `Database.execute_sql`, with `Database.param` the placeholder of
    the database in use. Values as the driver gives them: see plain_rows, and read a date or
    time column by its field's `python_value`."""
    return database.execute_sql(_placeholders(text), params).fetchall()


def sql_models(model: type[peewee.Model], text: str, *params) -> list[peewee.Model]:
    """The rows of one statement written out as sql_rows's are, as `model` objects (peewee's
    public Model.raw): a column named as one of the model's columns read by its field's
    python_value, any other column an attribute as the driver gives it."""
    return list(model.raw(_placeholders(text), *params))


def _placeholders(text: str) -> str:
    """SQL written with `?` placeholders, in those of the database in use."""
    return text if database.param == "?" else text.replace("?", database.param)
