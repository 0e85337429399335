"""Registry clerks' regions; forced password change after a reset; last sign-in time."""

import peewee
from playhouse.migrate import migrate

from fieldcheck.db import UTCDateTimeField


def upgrade(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        pass

    class UserRegion(Base):
        user = peewee.ForeignKeyField(User, on_delete="CASCADE")
        region_code = peewee.CharField(max_length=13)

        class Meta:
            indexes = ((("user", "region_code"), True),)

    migrate(
        migrator.add_column("user", "must_change_password", peewee.BooleanField(default=False)),
        migrator.add_column("user", "last_login_at", UTCDateTimeField(null=True)),
    )
    db.create_tables([UserRegion])
