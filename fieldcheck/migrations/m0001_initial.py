"""Regions, offices, teams, users and the audit trail, as first released."""

import peewee

from fieldcheck.db import UTCDateTimeField


def upgrade(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Region(Base):
        code = peewee.CharField(primary_key=True, max_length=13)
        name = peewee.CharField(max_length=200)
        level = peewee.SmallIntegerField(index=True)
        parent_code = peewee.CharField(max_length=13, null=True, index=True)

    class Office(Base):
        code = peewee.CharField(max_length=20, unique=True)
        name = peewee.CharField(max_length=200)
        time_zone = peewee.CharField(max_length=4, default="WIB")

    class OfficeRegion(Base):
        office = peewee.ForeignKeyField(Office, on_delete="CASCADE")
        region_code = peewee.CharField(max_length=13)

        class Meta:
            indexes = ((("office", "region_code"), True),)

    class Team(Base):
        office = peewee.ForeignKeyField(Office)
        name = peewee.CharField(max_length=200)
        district_code = peewee.CharField(max_length=13)
        active = peewee.BooleanField(default=True)

        class Meta:
            indexes = ((("office", "name"), True),)

    class User(Base):
        username = peewee.CharField(max_length=64, unique=True)
        name = peewee.CharField(max_length=200)
        password_hash = peewee.CharField(max_length=256)
        role = peewee.CharField(max_length=16, index=True)
        office = peewee.ForeignKeyField(Office, null=True)
        team = peewee.ForeignKeyField(Team, null=True)
        agency = peewee.CharField(max_length=32, null=True)
        language = peewee.CharField(max_length=5, null=True)
        active = peewee.BooleanField(default=True)
        created_at = UTCDateTimeField()

    class AuditEvent(Base):
        at = UTCDateTimeField(index=True)
        actor = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        actor_name = peewee.CharField(max_length=64, null=True)
        action = peewee.CharField(max_length=64, index=True)
        subject_type = peewee.CharField(max_length=32, null=True)
        subject_id = peewee.CharField(max_length=64, null=True)
        details = peewee.TextField(default="{}")
        address = peewee.CharField(max_length=64, null=True)
        chain_seq = peewee.BigIntegerField(null=True, unique=True)
        chain_hash = peewee.CharField(max_length=64, null=True)

        class Meta:
            indexes = ((("subject_type", "subject_id"), False),)

    db.create_tables([Region, Office, OfficeRegion, Team, User, AuditEvent])
