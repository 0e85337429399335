"""Versioned migrations: an old database upgrades to the latest without losing rows."""

import peewee

from fieldcheck import migrations
from fieldcheck.models import MODELS


def test_migrations_are_numbered_without_gaps():
    versions = [m.version for m in migrations.all_migrations()]
    assert versions == list(range(1, len(versions) + 1))


def test_database_at_migration_1_upgrades_to_latest_keeping_its_rows(blank_database):
    db = blank_database
    assert [m.version for m in migrations.upgrade(db, target=1)] == [1]
    assert migrations.current_version(db) == 1
    db.execute_sql("INSERT INTO office (code, name, time_zone) VALUES ('K1', 'Kanim', 'WITA')")
    db.execute_sql(
        'INSERT INTO "user" (username, name, password_hash, role, office_id, active, created_at) '
        "VALUES ('old', 'Old Timer', 'x', 'intake', 1, %s, '2025-01-01 00:00:00')"
        % ("true" if isinstance(db, peewee.PostgresqlDatabase) else "1")
    )
    db.execute_sql(
        "INSERT INTO audit_event (at, action, details) "
        "VALUES ('2025-01-01 00:00:00', 'user.create', '{}')"
    )

    applied = migrations.upgrade(db)
    assert [m.version for m in applied] == list(
        range(2, migrations.all_migrations()[-1].version + 1)
    )
    assert migrations.current_version(db) == migrations.all_migrations()[-1].version
    row = db.execute_sql(
        'SELECT username, name, role, must_change_password, last_login_at FROM "user"'
    ).fetchone()
    assert row[:3] == ("old", "Old Timer", "intake")
    assert not row[3] and row[4] is None
    assert db.execute_sql("SELECT time_zone FROM office").fetchone() == ("WITA",)
    assert db.execute_sql("SELECT COUNT(*) FROM audit_event").fetchone() == (1,)


def test_upgrade_twice_does_nothing_the_second_time(blank_database):
    assert migrations.upgrade(blank_database)
    assert migrations.upgrade(blank_database) == []


def test_migrated_schema_matches_the_models(blank_database):
    """A model field added without a migration (or the reverse) fails here."""
    db = blank_database
    migrations.upgrade(db)
    for model in MODELS:
        table = model._meta.table_name
        in_db = {c.name for c in db.get_columns(table)}
        in_model = {f.column_name for f in model._meta.sorted_fields}
        assert in_db == in_model, table


def test_migrated_indexes_match_the_models(blank_database):
    """An index declared on a model without a migration (or the reverse) fails here."""
    db = blank_database
    migrations.upgrade(db)
    for model in MODELS:
        table = model._meta.table_name
        primary_key = tuple(f.column_name for f in model._meta.get_primary_keys())
        in_db = {
            (tuple(index.columns), bool(index.unique))
            for index in db.get_indexes(table)
            # A partial index (WHERE ...) cannot be declared on a peewee model: migrations only.
            if tuple(index.columns) != primary_key and " WHERE " not in (index.sql or "").upper()
        }
        in_model = {
            (tuple(field.column_name for field in index._expressions), bool(index._unique))
            for index in model._meta.fields_to_index()
        }
        assert in_db == in_model, table


def test_upgrade_through_the_apps_database_proxy(blank_database):
    """`fieldcheck init` hands the migrations the app's proxy, not the database itself."""
    proxy = peewee.DatabaseProxy()
    proxy.initialize(blank_database)
    assert migrations.upgrade(proxy)
    assert migrations.current_version(blank_database) == migrations.all_migrations()[-1].version
