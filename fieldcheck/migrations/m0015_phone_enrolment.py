"""Phone enrolment: one-time codes a supervisor or an administrator makes for a field
officer's phone (kept as keyed hashes), each naming the device token it gave once used."""

import peewee

from fieldcheck.db import UTCDateTimeField


def upgrade(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        pass

    class DeviceToken(Base):
        pass

    class EnrolmentCode(Base):
        officer = peewee.ForeignKeyField(User, on_delete="CASCADE")
        made_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        code_hash = peewee.CharField(max_length=64, unique=True)
        created_at = UTCDateTimeField()
        expires_at = UTCDateTimeField()
        used_at = UTCDateTimeField(null=True)
        device_token = peewee.ForeignKeyField(DeviceToken, null=True, on_delete="SET NULL")

    db.create_tables([EnrolmentCode])
