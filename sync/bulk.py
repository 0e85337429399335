"""Many rows written in few calls, through public APIs only: peewee renders each statement
once (Query.sql()), each value goes through its field's own db_value, and the driver runs
the statement for all the rows (DB-API executemany on SQLite; on PostgreSQL, rows inserted
by COPY ... FROM STDIN, psycopg2's copy_expert, which the server reads without parsing a
statement of every value, and updated by psycopg2.extras' execute_values, one statement and
one round trip a page of rows).

Why: peewee's insert_many builds a query node for every value, which for a push's thousands
of values costs more than the database's own work (make bench, sync: the push's throughput).
What it relies on, each public and tested in tests/unit/test_bulk.py: that an INSERT peewee
renders for the fields it is handed names those fields in that order, adds the defaults of
no other field when every field with a default is handed, and puts its VALUES last; that an
UPDATE by primary key sets the fields in the model's order, then takes the key; that an
UPDATE ... FROM a ValuesList (PostgreSQL) holds the list's one row of placeholders once;
that an INSERT's text up to its VALUES names the table and its columns as COPY names them;
that db_value hands back as it is a value already of the type its field stores (a str to a
CharField or TextField, an int to an IntegerField or to a key pointing at one, a bool to a
BooleanField, a float to a FloatField, None to any of them), so that such values skip it;
that a date or time field's db_value gives the same for the same (immutable) value.
"""

import datetime as dt
import io
import re
from decimal import Decimal

import peewee

from sync.store import is_postgres

_statements: dict[tuple, tuple] = {}  # (model, field names, kind, backend) -> SQL text, plan

# The types each kind of field stores as they are (exact classes: a subclass may convert).
_STORED_AS_GIVEN = {
    peewee.CharField: str,
    peewee.FixedCharField: str,
    peewee.TextField: str,
    peewee.IntegerField: int,
    peewee.BigIntegerField: int,
    peewee.SmallIntegerField: int,
    peewee.AutoField: int,
    peewee.BigAutoField: int,
    peewee.BooleanField: bool,
    peewee.FloatField: float,
    peewee.DoubleField: float,
}


def _given_types(field: peewee.Field) -> tuple[type, ...]:
    """The types of value a field's db_value hands back as they are (None always): those
    skip it. Nothing but None for a field whose kind is not known to do so."""
    if isinstance(field, peewee.ForeignKeyField):
        field = field.rel_field
    given = _STORED_AS_GIVEN.get(type(field))
    return (type(None), given) if given else (type(None),)


# Fields whose values (datetimes, dates, times) are immutable: their db_value remembers its last.
_MOMENTS = (peewee.DateTimeField, peewee.DateField, peewee.TimeField)


def _converter(field: peewee.Field) -> tuple:
    """(the field's name, the types that skip db_value, db_value)."""
    convert = field.db_value
    if isinstance(field, _MOMENTS):
        convert = _remembering(convert)
    return field.name, _given_types(field), convert


def _remembering(convert):
    """db_value that hands back what it gave for the very value it was last given (by
    identity: a push hands the same `now` to most of its rows, and a datetime cannot change)."""
    last = [(object(), None)]  # (value, what db_value gave), replaced whole

    def converted(value):
        seen, given = last[0]
        if value is seen:
            return given
        given = convert(value)
        last[0] = (value, given)
        return given

    return converted


def _insert_fields(model: type[peewee.Model], names) -> list[peewee.Field]:
    """The fields an inserted row fills: those named, then every other with a default."""
    meta = model._meta
    fields = [meta.fields[name] for name in names]
    fields += [f for f in meta.sorted_fields if f.name not in names and f in meta.defaults]
    return fields


def _insert_statement(model: type[peewee.Model], names: tuple) -> tuple[str, list]:
    key = (model, names, "insert", is_postgres(model._meta.database))
    if key not in _statements:
        fields = _insert_fields(model, names)
        query = model.insert_many([[None] * len(fields)], fields=fields)
        sql, params = query.returning().sql()  # no RETURNING (PostgreSQL's default)
        if len(params) != len(fields) or not sql.endswith(")"):
            raise RuntimeError(f"peewee rendered an unexpected INSERT: {sql}")
        returning, _ = query.returning(model._meta.primary_key).sql()
        defaults = model._meta.defaults
        plan = (
            [_converter(f) for f in fields[: len(names)]],
            [(f.db_value, defaults[f], callable(defaults[f])) for f in fields[len(names) :]],
        )
        _statements[key] = (sql, returning, plan)
    return _statements[key]


def _params(plan: tuple, row: dict) -> tuple:
    """A row's values in the statement's order, each through its field's db_value (unless
    of a type it stores as given); the fields it does not name take their defaults."""
    named, defaults = plan
    return (
        *[
            value if type(value := row[name]) in given else convert(value)
            for name, given, convert in named
        ],
        *[convert(default() if call else default) for convert, default, call in defaults],
    )


def insert_rows(db: peewee.Database, model: type[peewee.Model], rows: list[dict]):
    """INSERT rows (dicts by field name, all naming the same fields; a missing field takes its
    default, as with peewee's insert)."""
    if not rows:
        return
    sql, _, plan = _insert_statement(model, tuple(rows[0]))
    params = [_params(plan, row) for row in rows]
    cursor = db.cursor()
    if is_postgres(db):
        head = sql[: sql.rindex(" VALUES ")]  # INSERT INTO "table" ("column", ...)
        text = "".join(["\t".join(map(_copy_text, values)) + "\n" for values in params])
        copy = "COPY " + head.removeprefix("INSERT INTO ") + " FROM STDIN"
        cursor.copy_expert(copy, io.StringIO(text))
    else:
        cursor.executemany(sql, params)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")  # what COPY's text format escapes
_COPY_PLAIN = (int, float, Decimal, dt.date, dt.time)  # (datetime is a date) written by str()


def _copy_text(value) -> str:
    """A value (as db_value gave it) in COPY's text format: NULL as \\N, booleans t and f,
    backslash, tab and line ends escaped. No model written here has a field of another kind
    (bytes...): one that did would fail here, by name, until it is written for."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value
    if isinstance(value, _COPY_PLAIN):
        return str(value)
    raise TypeError(f"no COPY text for a {type(value).__name__}")


def insert_row(db: peewee.Database, model: type[peewee.Model], row: dict):
    """INSERT one row (a dict by field name) and return its primary key."""
    sql, returning, plan = _insert_statement(model, tuple(row))
    pk = model._meta.primary_key
    if pk.name in row:
        db.execute_sql(sql, _params(plan, row))
        return row[pk.name]
    if is_postgres(db):
        return db.execute_sql(returning, _params(plan, row)).fetchone()[0]
    return db.execute_sql(sql, _params(plan, row)).lastrowid


def _update_statement(model: type[peewee.Model], names: tuple) -> tuple[str, list]:
    key = (model, names, "update", is_postgres(model._meta.database))
    if key not in _statements:
        meta = model._meta
        fields = [f for f in meta.sorted_fields if f.name in names]  # as peewee orders SET
        if key[-1]:
            _statements[key] = (_update_from_values(model, fields), fields)
        else:
            query = model.update({f: None for f in fields}).where(meta.primary_key == 0)
            sql, params = query.sql()
            if len(params) != len(fields) + 1:
                raise RuntimeError(f"peewee rendered an unexpected UPDATE: {sql}")
            _statements[key] = (sql, fields)
    return _statements[key]


def _update_from_values(model: type[peewee.Model], fields: list) -> str:
    """PostgreSQL: one UPDATE ... FROM (VALUES ...) for many rows, its VALUES for
    execute_values: each row the primary key, then the fields' values (each cast to its
    column's type, which a VALUES list of NULLs alone would not have)."""
    db = model._meta.database
    pk = model._meta.primary_key
    columns = [pk.column_name, *(f.column_name for f in fields)]
    values = peewee.ValuesList([[None] * len(columns)], columns=columns, alias="v")

    def column_type(field) -> str:
        return db.get_sql_context().sql(field.ddl_datatype(db.get_sql_context())).query()[0]

    query = (
        model.update({f: getattr(values.c, f.column_name).cast(column_type(f)) for f in fields})
        .from_(values)
        .where(pk == getattr(values.c, pk.column_name))
    )
    sql, params = query.sql()
    one_row = f"(VALUES ({', '.join(['%s'] * len(columns))}))"
    if len(params) != len(columns) or sql.count(one_row) != 1:
        raise RuntimeError(f"peewee rendered an unexpected UPDATE: {sql}")
    return sql.replace(one_row, "(VALUES %s)")


def update_rows(db: peewee.Database, model: type[peewee.Model], rows: dict):
    """UPDATE rows by primary key ({pk: {field name: value}}), those naming the same fields
    in one call (on PostgreSQL one statement, a round trip, for up to 1,000 rows)."""
    groups: dict[tuple, list] = {}
    pk = model._meta.primary_key
    for key, row in rows.items():
        if row:
            groups.setdefault(tuple(sorted(row)), []).append((key, row))
    cursor = db.cursor()
    postgres = is_postgres(db)
    for names, group in groups.items():
        sql, fields = _update_statement(model, names)
        if postgres:
            from psycopg2.extras import execute_values

            params = [
                (pk.db_value(key), *(f.db_value(row[f.name]) for f in fields)) for key, row in group
            ]
            execute_values(cursor, sql, params, page_size=1000)
        else:
            params = [
                (*(f.db_value(row[f.name]) for f in fields), pk.db_value(key)) for key, row in group
            ]
            cursor.executemany(sql, params)
