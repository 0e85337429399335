"""Fixtures: every database test runs on SQLite and, when FIELDCHECK_TEST_POSTGRES_URL is set,
again on PostgreSQL in a database this run creates and drops."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

import sync.store
from fieldcheck import create_app, migrations
from fieldcheck.clock import FixedClock
from fieldcheck.db import database, open_database, sqlite_url
from fieldcheck.models import MODELS
from tests import factories
from tests.helpers import Web

POSTGRES_URL = os.environ.get("FIELDCHECK_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
REGIONS_CSV = SHARED / "data" / "regions" / "wilayah-2025.csv"


def pytest_report_header(config):
    """Which databases this run's database tests use, so a run without PostgreSQL says so."""
    if not POSTGRES_URL:
        return (
            "databases: SQLite only (set FIELDCHECK_TEST_POSTGRES_URL, or run PostgreSQL on "
            "127.0.0.1:5432 for make test, to run them again on PostgreSQL and to run the "
            "cluster tests, marked postgres)"
        )
    server = urlsplit(POSTGRES_URL)
    where = f"{server.hostname or 'its Unix socket'}:{server.port or 5432}"
    return f"databases: SQLite, then PostgreSQL on {where}"


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` (the cluster's: PostgreSQL is what several nodes share) are left
    out of a run without FIELDCHECK_TEST_POSTGRES_URL, as the header says; never skipped."""
    if POSTGRES_URL:
        return
    left_out = [item for item in items if item.get_closest_marker("postgres")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def postgres_server_url():
    """The server given by FIELDCHECK_TEST_POSTGRES_URL; unreachable means fail, never skip."""
    import psycopg2

    try:
        psycopg2.connect(POSTGRES_URL, connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        pytest.fail(f"FIELDCHECK_TEST_POSTGRES_URL is set but the server is unreachable: {exc}")
    return POSTGRES_URL


def create_postgres_database(server_url: str) -> str:
    import psycopg2

    name = f"fieldcheck_test_{os.getpid()}_{secrets.token_hex(3)}"
    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name


def drop_postgres_database(server_url: str, name: str):
    import psycopg2

    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.close()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """An empty database of each backend, made for this run."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("sqlite") / "fieldcheck.db")
        return
    server = request.getfixturevalue("postgres_server_url")
    name = create_postgres_database(server)
    try:
        yield _with_database(server, name)
    finally:
        if database.obj is not None and not database.is_closed():
            database.close()
        drop_postgres_database(server, name)


@pytest.fixture(scope="session")
def migrated_url(database_url):
    """The test database at the latest schema version."""
    db = open_database(database_url)
    migrations.upgrade(db)
    db.close()
    return database_url


def empty_tables():
    """Remove every row between tests (the schema stays)."""
    tables = [m._meta.table_name for m in (*sync.store.TABLES, *reversed(MODELS))]
    if database.obj.__class__.__name__.startswith("Postgres"):
        database.execute_sql(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
    else:
        for table in tables:
            database.execute_sql(f'DELETE FROM "{table}"')  # noqa: S608  (our own table names)


@pytest.fixture(scope="session")
def object_store(tmp_path_factory):
    """A real S3-compatible object store (SeaweedFS) for the run; each test makes its bucket."""
    from tests.s3 import seaweedfs

    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as store:
        yield store


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real Redis for the run: the local one on 127.0.0.1:6379, else one started for it."""
    from tests.redis_store import redis_server

    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def clock():
    return FixedClock()


@pytest.fixture
def app_settings():
    """Settings a module adds to its tests' app: override this fixture there."""
    return {}


@pytest.fixture
def app(migrated_url, clock, tmp_path, app_settings):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": migrated_url,
            "CLOCK": clock,
            "AUDIT_SEAL_INTERVAL": 0,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # cheap: tests are not an attack
            # The second factor is asked only in its own tests (tests/web/test_second_factor.py).
            "SECOND_FACTOR_ROLES": (),
            "INSTANCE_PATH": str(tmp_path / "instance"),
            **app_settings,
        }
    )
    # No app context stays pushed during the test: each request must get its own (and its own
    # `g`), as in production. Factories push one for themselves.
    factories.bind(app)
    yield app
    factories.bind(None)
    database.connect(reuse_if_open=True)
    empty_tables()
    database.close()
    if hasattr(database.obj, "close_all"):  # the app's connection pool: nothing left open
        database.obj.close_all()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def web(client):
    """A browser-like helper: signs in, follows forms with their CSRF tokens."""
    return Web(client)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(params=BACKENDS)
def blank_database(request, tmp_path):
    """A new, empty peewee database of each backend, for tests of the schema itself."""
    if request.param == "sqlite":
        db = open_database(sqlite_url(tmp_path / "blank.db"))
        yield db
        db.close()
        return
    server = request.getfixturevalue("postgres_server_url")
    name = create_postgres_database(server)
    db = open_database(_with_database(server, name))
    try:
        yield db
    finally:
        db.close()
        drop_postgres_database(server, name)
