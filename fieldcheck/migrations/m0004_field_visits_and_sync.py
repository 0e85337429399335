"""Field visits with their family members, case notes, device tokens; the sync engine's tables."""

import peewee

import sync.store
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

    class FieldVisit(Base):
        uuid = peewee.CharField(max_length=36, unique=True)
        case = peewee.ForeignKeyField(Case)
        officer = peewee.ForeignKeyField(User)
        op_id = peewee.CharField(max_length=36)
        amends = peewee.ForeignKeyField("self", null=True)
        base_version = peewee.IntegerField(null=True)
        status = peewee.CharField(max_length=12, default="complete")
        flag = peewee.CharField(max_length=12, null=True)
        flag_reason = peewee.CharField(max_length=200, null=True)
        returned_comment = peewee.TextField(null=True)
        visited_at = UTCDateTimeField()
        received_at = UTCDateTimeField()
        address_found = peewee.BooleanField()
        met_name = peewee.CharField(max_length=200, null=True)
        met_relation = peewee.CharField(max_length=40, null=True)
        applicant_lives_there = peewee.BooleanField(null=True)
        household_aware_of_trip = peewee.BooleanField(null=True)
        household_purpose_matches = peewee.BooleanField(null=True)
        household_account = peewee.TextField(default="")
        living_conditions = peewee.TextField(default="")
        gps_lat = peewee.DoubleField(null=True)
        gps_lon = peewee.DoubleField(null=True)
        gps_accuracy_m = peewee.FloatField(null=True)
        gps_status = peewee.CharField(max_length=16, default="fixed")
        interview = peewee.TextField(default="{}")
        recruiter_phone = peewee.CharField(max_length=20, null=True, index=True)
        recruiter_name = peewee.CharField(max_length=200, null=True)
        photos = peewee.TextField(default="[]")
        assessment = peewee.TextField(default="")
        recommendation = peewee.CharField(max_length=12)

        class Meta:
            indexes = ((("case", "received_at"), False),)

    class FamilyMember(Base):
        visit = peewee.ForeignKeyField(FieldVisit, on_delete="CASCADE")
        uuid = peewee.CharField(max_length=36)
        relation = peewee.CharField(max_length=20)
        kk_relation = peewee.CharField(max_length=20, null=True)
        name = peewee.CharField(max_length=200)
        nik = peewee.CharField(max_length=16, null=True)
        birth_date = peewee.DateField(null=True)
        alive = peewee.BooleanField(default=True)
        present = peewee.BooleanField(default=False)

        class Meta:
            indexes = ((("visit", "uuid"), True),)

    class CaseNote(Base):
        uuid = peewee.CharField(max_length=36, unique=True)
        case = peewee.ForeignKeyField(Case)
        author = peewee.ForeignKeyField(User)
        text = peewee.TextField()
        flag = peewee.CharField(max_length=12, null=True)
        written_at = UTCDateTimeField()
        received_at = UTCDateTimeField()

    class DeviceToken(Base):
        user = peewee.ForeignKeyField(User)
        token_hash = peewee.CharField(max_length=64, unique=True)
        label = peewee.CharField(max_length=100, default="")
        created_at = UTCDateTimeField()
        last_used_at = UTCDateTimeField(null=True)
        expires_at = UTCDateTimeField()
        revoked_at = UTCDateTimeField(null=True)

    db.create_tables([FieldVisit, FamilyMember, CaseNote, DeviceToken])
    # The sync engine's tables at their first version (sync owns their definition).
    sync.store.create_tables(db)
