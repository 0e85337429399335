"""The one database layer: a peewee proxy bound at start from FIELDCHECK_DATABASE_URL."""

import contextlib
import itertools
import os
import re
import time
import weakref
from datetime import UTC, datetime
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
        params = postgres_params(rest)
        if pool:
            return PooledPostgres(**params, max_connections=32, stale_timeout=300)
        return peewee.PostgresqlDatabase(**params)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql://")


# FieldCheck prepares a statement (CompiledSelect, prepare=True) only where its plan does not
# depend on the values, so PostgreSQL may plan each once a connection. Left to itself ("auto")
# it plans anew on every run any statement whose LIMIT or OFFSET is a parameter (the case
# list's pages: some 200 µs of its CPU a page), its generic plan's guess at an unknown limit
# looking dearer than the custom plans.
GENERIC_PLANS = "-c plan_cache_mode=force_generic_plan"


def postgres_params(rest: str) -> dict:
    """peewee's connection parameters for `postgresql://{rest}`, with GENERIC_PLANS added to
    the URL's own server options, if any."""
    params = parse_url(f"postgresql://{rest}")
    own = params.get("options")
    params["options"] = f"{own} {GENERIC_PLANS}" if own else GENERIC_PLANS
    return params


class PooledPostgres(PooledPostgresqlDatabase):
    """peewee's pool, asking the server whether a kept connection still lives (SELECT 1, a
    round trip on every request) only when it has been idle a while: one handed back a moment
    ago is taken as it is, as its local status allows. A server that went away meanwhile
    fails that request's first statement, and the connection is then dropped."""

    PING_AFTER = 10.0  # seconds idle

    def __init__(self, *args, **kwargs):
        self._returned = {}  # id(connection) -> when it came back to the pool
        super().__init__(*args, **kwargs)

    def _is_closed(self, conn):
        returned = self._returned.get(id(conn))
        if returned is None or time.monotonic() - returned > self.PING_AFTER:
            closed = super()._is_closed(conn)
        else:
            closed = conn.closed or self._adapter.txn_status(conn) == self._adapter.txn_unknown
        if closed:
            self._returned.pop(id(conn), None)
        return bool(closed)

    def _close(self, conn, close_conn=False):
        super()._close(conn, close_conn)
        with self._pool_lock:
            if close_conn or conn.closed:
                self._returned.pop(id(conn), None)
            else:
                self._returned[id(conn)] = time.monotonic()


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


class Slot(peewee.Node):
    """A value left open in a CompiledSelect's query, given by name when it runs."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self._marker = _SlotMarker(name)

    def __sql__(self, ctx):
        return ctx.value(self._marker, converter=False)


class _SlotMarker:
    """What stands for a Slot among the compiled parameters (not a Node: kept as it is)."""

    def __init__(self, name: str):
        self.name = name


def _bind(params: list, values: dict) -> list:
    """A compiled query's parameters with the values given for its slots."""
    return [values[p.name] if isinstance(p, _SlotMarker) else p for p in params]


class CompiledSelect:
    """A peewee SELECT turned into SQL once per database, then run with values for its Slots.

    Peewee builds the SQL of a query anew every time it runs; for the case page's select of 40
    columns that takes longer than the database takes to answer. The queries that every page
    runs (the signed-in user, the case, its timeline) are built once here. The rows come back
    as the built query would give them (models with their joins, dicts, tuples), converted by
    peewee's own cursor wrapper for that query. Values given for Slots are sent as they are,
    without the field's db_value: give ints and strings as the column holds them.

    On PostgreSQL, with prepare=True, the statement is also prepared once per connection
    (PREPARE, then EXECUTE): PostgreSQL then plans it once, where planning the case page's
    three-table select took longer than running it. Keep prepare=True for lookups by key, whose
    plan does not depend on the values; a query whose best plan does (the case list's filters
    and sorts) should be planned for its values each time: prepare=False. (Prepared statements
    belong to a server session: a pooler that hands one session to many clients, as PgBouncer in
    transaction mode does, would need prepare=False everywhere.)
    """

    _names = itertools.count(1)

    def __init__(self, build, prepare: bool = True):
        self.build = build  # () -> the query, with Slot("name") where values go
        self.prepare = prepare
        self.name = f"fieldcheck_{next(self._names)}"  # of the prepared statement
        self._compiled = weakref.WeakKeyDictionary()  # database -> (query, sql, params)
        self._prepared = weakref.WeakKeyDictionary()  # the connections it is prepared on
        self._readers = weakref.WeakKeyDictionary()  # database -> how rows map to objects

    def rows(self, **values):
        """Run the query with these values for its slots; its rows, as an iterable."""
        db = database.obj
        cursor = db.execute_sql(*self.statement(**values))
        return self._reader(db, self._compiled[db][0], cursor)

    def statement(self, **values) -> tuple[str, list]:
        """The SQL and its parameters with these values for the slots (on PostgreSQL, with
        prepare, the EXECUTE of the statement, prepared first on the connection in use)."""
        db = database.obj
        _, sql, params = self._compiled.get(db) or self._compile(db)
        params = _bind(params, values)
        if self.prepare and is_postgres(db):
            self._prepare(db, sql)
            return self._execute_sql(params), params
        return sql, params

    def rows_after(self, statement: tuple[str, list], **values):
        """Run `statement` (SQL and parameters, e.g. another one's `statement()`), then this
        query; this query's rows. On PostgreSQL both go in one round trip: one query string of
        two statements, which the server runs as one transaction (both or neither) and answers
        with the last one's rows. On SQLite, in-process, one after the other."""
        db = database.obj
        if not is_postgres(db):
            db.execute_sql(*statement)
            return self.rows(**values)
        sql, params = statement
        own_sql, own_params = self.statement(**values)
        cursor = db.execute_sql(f"{sql}; {own_sql}", [*params, *own_params])
        return self._reader(db, self._compiled[db][0], cursor)

    def _compile(self, db):
        query = self.build()
        compiled = self._compiled[db] = (query, *query.sql())
        return compiled

    def _reader(self, db, query, cursor):
        """peewee's row conversion for this query, whose set-up (which column goes to which
        model and converter, worked out from the cursor's description: the same every time
        for the same SQL) is done once per database, not at every run."""
        wrapper = query._get_cursor_wrapper(cursor)
        if not hasattr(wrapper, "initialize"):
            return wrapper
        known = self._readers.get(db)
        if known is None and cursor.description is not None:
            before = dict(wrapper.__dict__)
            wrapper.initialize()
            known = self._readers[db] = {
                k: v for k, v in wrapper.__dict__.items() if k not in before or before[k] is not v
            }
        if known is not None:
            wrapper.__dict__.update(known)
            wrapper.initialized = True
        return wrapper

    def first(self, **values):
        """The first row, or None."""
        return next(iter(self.rows(**values)), None)

    def _prepare(self, db, sql: str):
        """PREPARE the statement on the connection in use, unless it is already."""
        connection = db.connection()
        if connection not in self._prepared:
            # A prepared statement lasts as long as its connection, a rolled-back transaction
            # notwithstanding; a PREPARE that failed leaves nothing behind, nor a mark here.
            numbers = itertools.count(1)
            numbered = re.sub(r"%%|%s", lambda m: "%" if m[0] == "%%" else f"${next(numbers)}", sql)
            db.execute_sql(f"PREPARE {self.name} AS {numbered}")
            self._prepared[connection] = True

    def _execute_sql(self, params: list) -> str:
        if not params:
            return f"EXECUTE {self.name}"
        return f"EXECUTE {self.name} ({', '.join(['%s'] * len(params))})"


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
