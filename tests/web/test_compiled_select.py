"""fieldcheck.db.CompiledSelect: a query built into SQL once gives what peewee's query gives."""

import peewee
import pytest

from fieldcheck.db import CompiledSelect, Slot
from fieldcheck.models import Team, User
from tests import factories
from tests.conftest import BACKENDS


def test_compiled_select_gives_the_rows_the_query_gives_for_each_value(app):
    intake = factories.user("intake", "intake")
    team = factories.team()
    field = factories.user("field1", "field", team_=team)
    builds = []

    def build():
        builds.append(1)
        return (
            User.select(User, Team)
            .join(Team, peewee.JOIN.LEFT_OUTER, on=(User.team == Team.id))
            .where(User.id == Slot("id"))
        )

    compiled = CompiledSelect(build)
    with app.app_context():
        for user in (intake, field, intake):
            got = compiled.first(id=user.id)
            assert (got.id, got.username, got.created_at) == (
                user.id,
                user.username,
                user.created_at,  # converted back by the field (an aware UTC time)
            )
            assert got.team_id == user.team_id
        assert compiled.first(id=field.id).team.name == team.name  # the join, no extra query
        assert compiled.first(id=-1) is None
    assert len(builds) == 1  # built and compiled once for the database


def test_compiled_select_slots_and_constants_keep_their_places(app):
    office = factories.office()
    factories.team()
    factories.team(name="Timpora Garut", district_code="32.05")
    compiled = CompiledSelect(
        lambda: (
            Team.select(Team.name)
            .where((Team.office == Slot("office")) & (Team.district_code == "32.05"))
            .union_all(Team.select(Team.name).where(Team.name == Slot("name")))
            .tuples()
        )
    )
    with app.app_context():
        rows = sorted(compiled.rows(office=office.id, name="Timpora Kabupaten Bandung"))
        assert rows == [("Timpora Garut",), ("Timpora Kabupaten Bandung",)]
        assert list(compiled.rows(office=office.id + 1, name="nobody")) == []


def test_compiled_select_is_prepared_once_a_connection_even_across_a_rollback(app, monkeypatch):
    from fieldcheck.db import database, is_postgres

    user = factories.user("intake", "intake")
    ran = []
    execute_sql = database.obj.execute_sql

    def recording(sql, *args, **kwargs):
        ran.append(sql.split()[0])
        return execute_sql(sql, *args, **kwargs)

    compiled = CompiledSelect(lambda: User.select(User.username).where(User.id == Slot("id")))
    with app.app_context():
        monkeypatch.setattr(database.obj, "execute_sql", recording)
        with database.atomic() as transaction:  # prepared inside a transaction rolled back
            assert compiled.first(id=user.id).username == "intake"
            transaction.rollback()
        for _ in range(3):
            assert compiled.first(id=user.id).username == "intake"
    if is_postgres():
        assert ran.count("PREPARE") == 1 and ran.count("EXECUTE") == 4
    else:
        assert "PREPARE" not in ran and ran.count("SELECT") == 4


def test_rows_after_runs_a_statement_first_in_the_same_round_trip(app, monkeypatch):
    """On PostgreSQL the statement and the query go as one query string (one round trip, one
    transaction: a failing query undoes the statement); on SQLite one after the other."""
    from fieldcheck.db import database, is_postgres

    office = factories.office()
    factories.team()
    insert = CompiledSelect(
        lambda: Team.insert(name=Slot("name"), office=Slot("office"), district_code="32.05")
    )
    names = CompiledSelect(
        lambda: Team.select(Team.name).where(Team.office == Slot("office")).order_by(Team.name)
    )
    ran = []
    execute_sql = database.obj.execute_sql

    def recording(sql, *args, **kwargs):
        ran.append(sql)
        return execute_sql(sql, *args, **kwargs)

    with app.app_context():
        monkeypatch.setattr(database.obj, "execute_sql", recording)
        statement = insert.statement(name="Timpora Garut", office=office.id)
        rows = names.rows_after(statement, office=office.id)
        assert [t.name for t in rows] == ["Timpora Garut", "Timpora Kabupaten Bandung"]
        sent = [sql for sql in ran if not sql.startswith("PREPARE")]
        assert len(sent) == (1 if is_postgres() else 2)
        if is_postgres():  # both prepared: the INSERT's EXECUTE, then the query's
            assert sent[0].startswith("EXECUTE") and sent[0].count("; EXECUTE") == 1, sent
        if is_postgres():
            failing = CompiledSelect(
                lambda: Team.select().where(Team.id == Slot("id")), prepare=False
            )
            statement = insert.statement(name="Timpora Cianjur", office=office.id)
            with pytest.raises(peewee.DataError):
                list(failing.rows_after(statement, id="not a number"))
            database.obj.rollback()
            assert not Team.select().where(Team.name == "Timpora Cianjur").exists()


@pytest.mark.parametrize(
    "database_url", [b for b in BACKENDS if b == "postgres"], indirect=True
)  # a PostgreSQL server's setting: SQLite has no plans to keep
def test_prepared_statements_are_planned_once_on_postgresql(app, web):
    """The app's PostgreSQL connections plan a prepared statement once (GENERIC_PLANS): the
    case list's, whose LIMIT and OFFSET are parameters, was planned anew on every page."""
    from fieldcheck.db import database

    factories.user("intake", "intake")
    web.login("intake")
    for _ in range(8):
        assert web.get("/cases").status_code == 200
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert database.execute_sql("SHOW plan_cache_mode").fetchone() == ("force_generic_plan",)
        plans = database.execute_sql(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ('%FROM "case" AS "t1" LEFT OUTER JOIN "team"%',),
        ).fetchall()
        database.close()
    assert plans and all(custom == 0 for _, custom in plans), plans


def test_postgres_params_add_generic_plans_to_the_urls_own_options():
    from fieldcheck.db import GENERIC_PLANS, postgres_params

    plain = postgres_params("postgres@localhost/fc")
    assert (plain["database"], plain["options"]) == ("fc", GENERIC_PLANS)
    own = postgres_params("postgres@localhost/fc?options=-c%20statement_timeout%3D5000")
    assert own["options"] == f"-c statement_timeout=5000 {GENERIC_PLANS}"
