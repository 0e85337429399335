"""Versioned schema migrations (playhouse.migrate), applied in order by `fieldcheck db upgrade`.

Each module `mNNNN_name.py` has `upgrade(db, migrator)`. A migration describes the schema as it
was at its version (frozen model classes or migrator operations), never today's models, so a
database made by any older version upgrades to the latest.
"""

import importlib
import pkgutil
from dataclasses import dataclass
from datetime import UTC, datetime

import peewee
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator

from fieldcheck.models import SchemaVersion


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    module: object


def all_migrations() -> list[Migration]:
    """Every migration shipped, in version order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("m"):
            continue
        number, _, name = info.name[1:].partition("_")
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(Migration(int(number), name, module))
    return sorted(found, key=lambda m: m.version)


def migrator_for(db: peewee.Database):
    if isinstance(db, peewee.PostgresqlDatabase):
        return PostgresqlMigrator(db)
    return SqliteMigrator(db)


def current_version(db: peewee.Database) -> int:
    """The newest migration applied to db (0 for an empty database)."""
    with SchemaVersion.bind_ctx(db):
        if not SchemaVersion.table_exists():
            return 0
        return SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar() or 0


def upgrade(db: peewee.Database, target: int | None = None, now=None) -> list[Migration]:
    """Apply every migration after the database's version up to target; return those applied."""
    now = now or datetime.now(UTC)
    if isinstance(db, peewee.DatabaseProxy):  # the migrator must know the real database
        db = db.obj
    with SchemaVersion.bind_ctx(db):
        db.create_tables([SchemaVersion], safe=True)
        done = current_version(db)
        applied = []
        for migration in all_migrations():
            if migration.version <= done or (target is not None and migration.version > target):
                continue
            with db.atomic():
                migration.module.upgrade(db, migrator_for(db))
                SchemaVersion.create(version=migration.version, name=migration.name, applied_at=now)
            applied.append(migration)
        return applied
