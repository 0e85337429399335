"""Cases (applicant, application, referral, state, risk) and their findings."""

import peewee

from fieldcheck.db import UTCDateTimeField


def upgrade(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Office(Base):
        pass

    class Team(Base):
        pass

    class User(Base):
        pass

    class Case(Base):
        office = peewee.ForeignKeyField(Office)
        state = peewee.CharField(max_length=16, default="referred")
        priority = peewee.CharField(max_length=8, default="normal")
        due_date = peewee.DateField(null=True)
        team = peewee.ForeignKeyField(Team, null=True)
        officer = peewee.ForeignKeyField(User, null=True)
        application_number = peewee.CharField(max_length=40)
        application_date = peewee.DateField()
        purpose = peewee.CharField(max_length=20)
        destination_country = peewee.CharField(max_length=2)
        sponsor = peewee.CharField(max_length=200, null=True)
        sponsor_is_employer = peewee.BooleanField(default=False)
        visa_type = peewee.CharField(max_length=10, default="unknown")
        documents = peewee.TextField(default="[]")
        applicant_name = peewee.CharField(max_length=200)
        search_name = peewee.CharField(max_length=200, index=True)
        nik = peewee.CharField(max_length=16, index=True)
        kk = peewee.CharField(max_length=16, null=True)
        birth_place = peewee.CharField(max_length=100, null=True)
        birth_date = peewee.DateField()
        sex = peewee.CharField(max_length=1)
        marital_status = peewee.CharField(max_length=10, default="single")
        address = peewee.TextField(default="")
        village_code = peewee.CharField(max_length=13, null=True)
        district_code = peewee.CharField(max_length=13, null=True)
        phone = peewee.CharField(max_length=20, null=True)
        referral_reasons = peewee.TextField(default="[]")
        referral_notes = peewee.TextField(default="")
        age_doubted = peewee.BooleanField(default=False)
        risk_score = peewee.SmallIntegerField(default=0)
        risk_level = peewee.CharField(max_length=8, default="low")
        risk_signals = peewee.TextField(default="[]")
        rules_version = peewee.CharField(max_length=40, null=True)
        created_by = peewee.ForeignKeyField(User, null=True)
        created_at = UTCDateTimeField()
        updated_at = UTCDateTimeField()
        version = peewee.IntegerField(default=1)

        class Meta:
            table_name = "case"
            indexes = (
                (("office", "application_number"), True),
                (("office", "state", "created_at"), False),
                (("office", "risk_level", "created_at"), False),
                (("office", "created_at"), False),
                (("office", "due_date"), False),
                (("office", "risk_score"), False),
                (("office", "search_name"), False),
                (("office", "district_code"), False),
                (("team", "state"), False),
            )

    class CaseFinding(Base):
        case = peewee.ForeignKeyField(Case, on_delete="CASCADE")
        source = peewee.CharField(max_length=16)
        code = peewee.CharField(max_length=40)
        severity = peewee.CharField(max_length=8, default="warning")
        params = peewee.TextField(default="{}")
        created_at = UTCDateTimeField()

        class Meta:
            indexes = ((("case", "source"), False),)

    db.create_tables([Case, CaseFinding])
