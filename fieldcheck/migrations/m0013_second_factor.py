"""The second factor: a TOTP secret and its last accepted time step on each user, and one-time
recovery codes (kept as hashes)."""

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

    class RecoveryCode(Base):
        user = peewee.ForeignKeyField(User, on_delete="CASCADE")
        code_hash = peewee.CharField(max_length=64)
        created_at = UTCDateTimeField()
        used_at = UTCDateTimeField(null=True)

        class Meta:
            indexes = ((("user", "code_hash"), True),)

    migrate(
        migrator.add_column("user", "totp_secret", peewee.CharField(max_length=64, null=True)),
        migrator.add_column("user", "totp_enrolled_at", UTCDateTimeField(null=True)),
        migrator.add_column("user", "totp_last_step", peewee.BigIntegerField(null=True)),
    )
    db.create_tables([RecoveryCode])
