"""fieldcheck.db.plain_rows and sql_rows: the rows of a query of integer and text columns, read
from the driver (a peewee query's, or SQL written out), are the rows peewee's `.tuples()` gives,
on SQLite and PostgreSQL."""

import peewee
import pytest

from fieldcheck.db import plain_rows, sql_models, sql_rows
from fieldcheck.models import Case, Office, Team


@pytest.fixture
def offices(app):
    with app.app_context():
        Office.insert_many(
            [
                {"code": "KANIM-1", "name": "Kantor Imigrasi Kelas I Bandung", "teams_version": 0},
                {
                    "code": "K2",
                    "name": 'it\'s "quoted"\ttabbed\nlined \\ ß 漢字',
                    "teams_version": 2**40,
                },
                {"code": "K3", "name": "", "teams_version": -7},
            ]
        ).execute()
        yield


def test_plain_rows_are_the_rows_tuples_gives(offices):
    query = Office.select(Office.id, Office.code, Office.name, Office.teams_version).order_by(
        Office.id
    )
    rows = plain_rows(query)
    assert rows == list(query.tuples())
    assert [type(value) for value in rows[1]] == [int, str, str, int]
    assert rows[1][3] == 2**40


def test_plain_rows_of_a_join_with_nulls_and_of_nothing(offices):
    none = Office.select(Office.id, Office.name).where(Office.code == "nowhere")
    assert plain_rows(none) == []
    joined = (
        Office.select(Office.code, Team.id, Team.name)
        .join(Team, peewee.JOIN.LEFT_OUTER, on=(Team.office == Office.id))
        .order_by(Office.code)
    )
    rows = plain_rows(joined)
    assert rows == list(joined.tuples())
    assert rows[0][1:] == (None, None)


def test_sql_rows_runs_written_sql_with_its_parameters_on_either_database(offices):
    written = "SELECT code, name FROM office WHERE teams_version = ? OR name = ? ORDER BY id"
    rows = sql_rows(written, 2**40, "")
    query = (
        Office.select(Office.code, Office.name)
        .where((Office.teams_version == 2**40) | (Office.name == ""))
        .order_by(Office.id)
    )
    assert rows == list(query.tuples()) and [code for code, _ in rows] == ["K2", "K3"]
    assert sql_rows("SELECT id FROM office WHERE code = ?", "nowhere") == []


def test_sql_models_gives_the_models_peewee_reads_with_other_columns_as_they_come(app):
    """Written SQL read as model objects (Model.raw): every field as a peewee select gives it
    (aware UTC times, dates, flags, keys), any other column an attribute."""
    from playhouse.shortcuts import model_to_dict

    from tests import factories

    with app.app_context():
        case = factories.case()
        written = (
            'SELECT c.*, o.code AS office_code, 7 AS seven FROM "case" c'
            " JOIN office o ON o.id = c.office_id WHERE c.id = ?"
        )
        (found,) = sql_models(Case, written, case.id)
        stored = Case.get_by_id(case.id)
        assert isinstance(found, Case)
        assert model_to_dict(found, recurse=False) == model_to_dict(stored, recurse=False)
        assert found.created_at.tzinfo is not None and found.created_at == stored.created_at
        assert (found.office_code, found.seven) == (stored.office.code, 7)
        assert sql_models(Case, written, -1) == []
