"""Supervisors' decisions and the signed field reports of verified cases."""

import peewee

from fieldcheck.db import UTCDateTimeField


def upgrade(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        pass

    class Case(Base):
        class Meta:
            table_name = "case"

    class Decision(Base):
        case = peewee.ForeignKeyField(Case)
        outcome = peewee.CharField(max_length=10)
        reasons = peewee.TextField(default="[]")
        note = peewee.TextField(default="")
        police_referral = peewee.BooleanField(default=False)
        police_unit = peewee.CharField(max_length=200, null=True)
        supervisor = peewee.ForeignKeyField(User)
        decided_at = UTCDateTimeField()
        revoked_at = UTCDateTimeField(null=True)
        revoked_by = peewee.ForeignKeyField(User, null=True)
        revoke_reason = peewee.TextField(null=True)

    class FieldReport(Base):
        report_id = peewee.CharField(max_length=36, unique=True)
        case = peewee.ForeignKeyField(Case)
        decision = peewee.ForeignKeyField(Decision)
        issued = peewee.DateField()
        expires = peewee.DateField()
        key_id = peewee.CharField(max_length=16)
        digest = peewee.CharField(max_length=32)
        decision_data = peewee.TextField()
        qr_text = peewee.TextField()
        created_at = UTCDateTimeField()
        revoked_at = UTCDateTimeField(null=True)

    db.create_tables([Decision, FieldReport])
