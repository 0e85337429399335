"""sync.bulk: what it relies on of peewee's rendering, and that the rows it writes are what
peewee's own insert and update would write. On SQLite and PostgreSQL."""

import datetime as dt
import json

import peewee
import pytest

from sync import bulk
from sync.store import UTCDateTime


class Thing(peewee.Model):
    name = peewee.CharField()
    size = peewee.IntegerField(null=True)
    shiny = peewee.BooleanField(default=False)
    tags = peewee.TextField(default=lambda: json.dumps([]))
    seen_at = UTCDateTime(null=True)


class Part(peewee.Model):
    thing = peewee.ForeignKeyField(Thing, backref="parts")
    label = peewee.CharField()


@pytest.fixture
def db(blank_database):
    blank_database.bind([Thing, Part])
    blank_database.create_tables([Thing, Part])
    return blank_database


def rows_of(model):
    return sorted(model.select().dicts(), key=lambda row: row["id"])


def test_peewee_renders_an_insert_with_the_fields_handed_in_their_order_and_values_last(db):
    fields = [Thing.size, Thing.name, Thing.shiny, Thing.tags]
    sql, params = Thing.insert_many([[None] * len(fields)], fields=fields).returning().sql()
    assert sql.index('"size"') < sql.index('"name"') < sql.index('"shiny"') < sql.index('"tags"')
    assert len(params) == len(fields)  # no default of its own added
    assert sql.rstrip().endswith(")") and " VALUES " in sql


def test_peewee_renders_an_update_by_key_setting_in_the_models_order_then_the_key(db):
    sql, params = Thing.update({Thing.size: 7, Thing.name: "x"}).where(Thing.id == 3).sql()
    assert params == ["x", 7, 3]
    assert sql.index("SET") < sql.index("WHERE")


def written_both_ways(db, given: list[dict]) -> tuple[list, list]:
    """The rows (without their ids) as bulk.insert_rows writes them, and as peewee's own
    insert_many does."""
    with db.atomic():
        bulk.insert_rows(db, Thing, given)
    mine = [{k: v for k, v in row.items() if k != "id"} for row in rows_of(Thing)]
    Thing.delete().execute()
    Thing.insert_many(given).execute()
    theirs = [{k: v for k, v in row.items() if k != "id"} for row in rows_of(Thing)]
    return mine, theirs


def test_bulk_rows_are_the_rows_peewee_would_write(db):
    at = dt.datetime(2026, 12, 4, 20, 0, tzinfo=dt.UTC)
    given = [
        {"name": "a", "size": 1, "seen_at": at},
        {"name": "b", "size": None, "seen_at": None},
        {"name": "c", "size": 3, "seen_at": at},
    ]
    mine, theirs = written_both_ways(db, given)
    assert mine == theirs
    assert mine[0]["tags"] == "[]" and mine[0]["shiny"] is False  # the defaults filled in
    assert mine[0]["seen_at"] == at


def test_awkward_values_are_written_as_peewee_writes_them(db):
    """Text with tabs, line ends and backslashes (PostgreSQL: COPY's text format escapes
    them), an empty text beside a NULL, "\\N" as text, flags both ways, large and negative
    numbers, other scripts."""
    at = dt.datetime(2026, 12, 4, 20, 0, 7, 250_000, tzinfo=dt.UTC)
    given = [
        {"name": "tab\there\nline\r\nend", "size": -(2**31), "shiny": True, "seen_at": at},
        {"name": "back\\slash \\N \\t", "size": 2**31 - 1, "shiny": False, "seen_at": None},
        {"name": "", "size": None, "shiny": True, "seen_at": at},
        {
            "name": "Siti \u0100minah \u0928\u092e\u0938\u094d\u0924\u0947 \U0001f600",
            "size": 0,
            "shiny": False,
            "seen_at": None,
        },
    ]
    mine, theirs = written_both_ways(db, given)
    assert mine == theirs
    assert [row["name"] for row in mine] == [row["name"] for row in given]
    assert mine[2]["name"] == "" and mine[2]["size"] is None


SAMPLES = {str: ["", "text", "\\N", "Siti \u0100minah"], int: [0, -(2**63), 2**63 - 1, 7]}
SAMPLES |= {bool: [True, False], float: [0.0, -1.5, 1e300]}


@pytest.mark.parametrize("kind", list(bulk._STORED_AS_GIVEN), ids=lambda kind: kind.__name__)
def test_db_value_hands_back_a_value_of_the_type_its_field_stores(kind):
    """What bulk relies on to skip db_value: each kind of field it skips it for returns such a
    value as it is (and None as None); a peewee that converted one would fail here."""
    stored = bulk._STORED_AS_GIVEN[kind]
    field = kind()
    for value in SAMPLES[stored]:
        converted = field.db_value(value)
        assert converted == value and type(converted) is stored
    assert field.db_value(None) is None


def test_db_value_is_skipped_only_where_it_hands_the_value_back():
    from fieldcheck.db import UTCDateTimeField

    assert bulk._given_types(Thing.name) == (type(None), str)
    assert bulk._given_types(Part.thing) == (type(None), int)  # a key to an AutoField
    for field in (Thing.seen_at, UTCDateTimeField(), peewee.DateField(), peewee.UUIDField()):
        assert bulk._given_types(field) == (type(None),)  # converted whatever it is handed


def test_values_of_another_type_are_still_converted_as_peewee_converts_them(db):
    given = [{"name": 7, "size": "12", "shiny": 1, "seen_at": None}]
    mine, theirs = written_both_ways(db, given)
    assert mine == theirs
    assert (mine[0]["name"], mine[0]["size"], mine[0]["shiny"]) == ("7", 12, True)


def test_a_time_handed_to_many_rows_is_converted_once_and_every_other_as_peewee_does(db):
    """A push hands the same `now` to most of its rows: its db_value is remembered, by the
    value itself; an equal time of another zone, another time, a time after another are each
    converted as peewee converts them."""
    at = dt.datetime(2026, 12, 4, 20, 0, tzinfo=dt.UTC)
    same_moment = at.astimezone(dt.timezone(dt.timedelta(hours=7)))
    later = dt.datetime(2026, 12, 4, 20, 0, 1, tzinfo=dt.UTC)
    given = [
        {"name": name, "size": 1, "seen_at": when}
        for name, when in [("a", at), ("b", at), ("c", same_moment), ("d", later), ("e", at)]
    ]
    mine, theirs = written_both_ways(db, given)
    assert mine == theirs
    assert [row["seen_at"] for row in mine] == [at, at, at, later, at]
    calls = []
    convert = bulk._remembering(lambda value: calls.append(value) or value.isoformat())
    assert [convert(v) for v in (at, at, later, later, at)] == [
        at.isoformat(),
        at.isoformat(),
        later.isoformat(),
        later.isoformat(),
        at.isoformat(),
    ]
    assert calls == [at, later, at]


def test_insert_row_returns_the_key_others_point_at(db):
    with db.atomic():
        first = bulk.insert_row(db, Thing, {"name": "one"})
        second = bulk.insert_row(db, Thing, {"name": "two", "size": 2})
        bulk.insert_rows(
            db, Part, [{"thing": first, "label": "x"}, {"thing": second, "label": "y"}]
        )
    assert first != second
    assert {p.label: p.thing.name for p in Part.select()} == {"x": "one", "y": "two"}


def test_update_rows_changes_only_the_fields_named_each_row_its_own(db):
    with db.atomic():
        ids = [bulk.insert_row(db, Thing, {"name": n, "size": 0}) for n in ("a", "b", "c")]
        bulk.update_rows(db, Thing, {ids[0]: {"size": 5}, ids[1]: {"size": 6, "name": "B"}})
    assert [(r["name"], r["size"]) for r in rows_of(Thing)] == [("a", 5), ("B", 6), ("c", 0)]


def test_rows_written_in_a_savepoint_that_is_rolled_back_are_gone(db):
    with db.atomic():
        bulk.insert_row(db, Thing, {"name": "kept"})
        with pytest.raises(RuntimeError), db.atomic():
            bulk.insert_rows(db, Thing, [{"name": "dropped"}, {"name": "dropped too"}])
            raise RuntimeError
    assert [r["name"] for r in rows_of(Thing)] == ["kept"]


def test_updated_rows_are_the_rows_peewees_update_would_write(db):
    """Nulls (a column of them alone too), aware times, flags; more rows than one statement
    of PostgreSQL's takes (one UPDATE ... FROM VALUES a thousand rows)."""
    at = dt.datetime(2026, 12, 4, 20, 0, tzinfo=dt.UTC)
    changes = {"size": None, "seen_at": None, "shiny": True}
    with db.atomic():
        ids = [bulk.insert_row(db, Thing, {"name": f"t{i}", "size": i}) for i in range(1_500)]
        bulk.update_rows(db, Thing, {key: changes for key in ids[:1_200]})
        bulk.update_rows(db, Thing, {ids[-1]: {"size": 9, "seen_at": at, "name": "last"}})
    mine = rows_of(Thing)
    Thing.delete().execute()
    with db.atomic():
        ids = [bulk.insert_row(db, Thing, {"name": f"t{i}", "size": i}) for i in range(1_500)]
        Thing.update(changes).where(Thing.id.in_(ids[:1_200])).execute()
        Thing.update(size=9, seen_at=at, name="last").where(Thing.id == ids[-1]).execute()
    theirs = rows_of(Thing)
    assert [{**r, "id": None} for r in mine] == [{**r, "id": None} for r in theirs]
    assert (mine[0]["size"], mine[0]["shiny"], mine[-1]["seen_at"]) == (None, True, at)


@pytest.mark.parametrize("microsecond", [0, 500_000, 1])
def test_utc_times_read_back_as_they_were_stored(blank_database, microsecond):
    """Both UTC time fields (the sync engine's and the app's) give back the aware moment they
    were handed, whatever its fraction of a second (SQLite hands them back as text)."""
    from fieldcheck.db import UTCDateTimeField

    class Moment(peewee.Model):
        engine_at = UTCDateTime()
        app_at = UTCDateTimeField()

    blank_database.bind([Moment])
    blank_database.create_tables([Moment])
    at = dt.datetime(2026, 12, 4, 20, 0, 7, microsecond, tzinfo=dt.UTC)
    Moment.create(engine_at=at, app_at=at.astimezone(dt.timezone(dt.timedelta(hours=7))))
    stored = Moment.get()
    assert (stored.engine_at, stored.app_at) == (at, at)
    assert stored.app_at.tzinfo is dt.UTC and stored.engine_at.tzinfo is dt.UTC
    assert list(Moment.select(Moment.app_at).tuples()) == [(at,)]
