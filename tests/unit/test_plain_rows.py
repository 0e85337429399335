"""fieldcheck.db.plain_rows: the rows of a query of integer and text columns, read from the
driver, are the rows peewee's `.tuples()` gives, on SQLite and PostgreSQL."""

import peewee
import pytest

from fieldcheck.db import plain_rows
from fieldcheck.models import Office, Team


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
