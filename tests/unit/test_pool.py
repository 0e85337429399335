"""The web app's connection pool: a connection handed back is taken again; one whose server side
went away is replaced, never handed out again."""

import psycopg2
import pytest
from playhouse.pool import PooledPostgresqlDatabase

from fieldcheck.db import open_database


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


def test_a_connection_handed_back_is_reused(pooled_url):
    db = open_database(pooled_url, pool=True)
    first = checkout(db)
    assert checkout(db) is first
    db.close_all()


def test_a_connection_whose_server_side_went_away_is_replaced(pooled_url):
    db = open_database(pooled_url, pool=True)
    if not isinstance(db, PooledPostgresqlDatabase):
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
    assert db.connect_params == {"user": "fieldcheck", "host": "/var/run/postgresql"}
