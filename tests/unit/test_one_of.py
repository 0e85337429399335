"""fieldcheck.db.one_of: a long IN list handed to the database as one parameter finds what
peewee's own IN finds, for text, numbers, dates and times, on SQLite and PostgreSQL."""

import datetime as dt

import peewee
import pytest

from fieldcheck.db import UTCDateTimeField, one_of


class Entry(peewee.Model):
    nik = peewee.CharField(null=True, index=True)
    born = peewee.DateField(null=True, index=True)
    number = peewee.IntegerField(null=True)
    seen_at = UTCDateTimeField(null=True)


@pytest.fixture
def db(blank_database):
    blank_database.bind([Entry])
    blank_database.create_tables([Entry])
    at = dt.datetime(2026, 12, 4, 20, 0, 7, 250_000, tzinfo=dt.UTC)
    Entry.insert_many(
        [
            {
                "nik": f"3204{i:012d}",
                "born": dt.date(1990, 1, 1) + dt.timedelta(days=i),
                "number": i,
                "seen_at": at + dt.timedelta(seconds=i),
            }
            for i in range(1_000)
        ]
        + [{"nik": 'it\'s "quoted", [bracketed]', "born": None, "number": None, "seen_at": None}]
    ).execute()
    return blank_database


def found(where) -> list[int]:
    return sorted(e.id for e in Entry.select(Entry.id).where(where))


@pytest.mark.parametrize(
    ("column", "values"),
    [
        (
            Entry.nik,
            [f"3204{i:012d}" for i in range(0, 2_000, 3)] + ['it\'s "quoted", [bracketed]'],
        ),
        (Entry.born, [dt.date(1990, 1, 1) + dt.timedelta(days=i) for i in range(5, 1_500, 7)]),
        (Entry.number, list(range(-50, 700, 2))),
        (
            Entry.seen_at,
            [
                dt.datetime(2026, 12, 4, 20, 0, 7, 250_000, tzinfo=dt.UTC) + dt.timedelta(seconds=s)
                for s in (0, 1, 999, 5_000)
            ],
        ),
    ],
    ids=["text", "dates", "numbers", "times"],
)
def test_one_of_finds_what_in_finds(db, column, values):
    theirs = found(column.in_(values))
    assert theirs  # the values name some rows, not all
    assert found(one_of(column, values)) == theirs
    assert len(theirs) < Entry.select().count()


def test_one_of_nothing_finds_nothing(db):
    assert found(one_of(Entry.nik, [])) == []
    assert found(one_of(Entry.nik, []) | (Entry.number == 3)) == found(Entry.number == 3)
