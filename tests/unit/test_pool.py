"""The web app's connection pool: a connection handed back a moment ago is taken again as it
is (no round trip to ask the server whether it lives); one idle a while is asked first; one
whose server side went away is replaced, never handed out again."""

import psycopg2
import pytest

from fieldcheck.db import GENERIC_PLANS, PooledPostgres, open_database


@pytest.fixture
def pooled_url(database_url):
    """A database of each backend (the run's own): the pool under test opens its own
    connections to it."""
    return database_url


def checkout(db):
    db.connect(reuse_if_open=True)
    conn = db.connection()
    db.close()  # back to the pool
    return conn


def test_a_connection_handed_back_a_moment_ago_is_reused_without_a_round_trip(pooled_url):
    db = open_database(pooled_url, pool=True)
    first = checkout(db)
    asked = []
    if isinstance(db, PooledPostgres):
        original = db._adapter.is_connection_closed
        db._adapter.is_connection_closed = lambda conn: asked.append(conn) or original(conn)
    assert checkout(db) is first
    assert asked == []  # no SELECT 1
    if isinstance(db, PooledPostgres):
        db._returned[id(first)] -= db.PING_AFTER + 1  # as if idle for a while
        assert checkout(db) is first and asked == [first]
    db.close_all()


def test_a_connection_whose_server_side_went_away_is_replaced(pooled_url):
    db = open_database(pooled_url, pool=True)
    if not isinstance(db, PooledPostgres):
        first = checkout(db)
        first.close()  # SQLite: closed under the pool
        assert checkout(db) is not first
        return
    first = checkout(db)
    pid = first.get_backend_pid()
    killer = psycopg2.connect(pooled_url)
    killer.autocommit = True
    killer.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
    killer.close()
    # Handed back a moment ago: taken as it is, and the request's first statement fails...
    db.connect()
    with pytest.raises(Exception):  # noqa: B017  (psycopg2's or peewee's OperationalError)
        db.execute_sql("SELECT 1")
    db.close()
    # ...after which the pool never hands it out again.
    db.connect()
    assert db.connection() is not first
    assert db.execute_sql("SELECT 1").fetchone() == (1,)
    db.close()
    db.close_all()


@pytest.mark.parametrize("pool", [True, False])
def test_a_url_naming_a_socket_directory_connects_through_it(pool):
    """PostgreSQL on the app's own host: `?host=/dir` names its Unix socket (README)."""
    db = open_database("postgresql://fieldcheck@/central?host=/var/run/postgresql", pool=pool)
    assert db.database == "central"
    assert db.connect_params == {
        "user": "fieldcheck",
        "host": "/var/run/postgresql",
        "options": GENERIC_PLANS,
    }
