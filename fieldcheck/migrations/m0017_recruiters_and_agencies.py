"""Recruiters and agencies (issue 16): who offered the job, as intake heard it (five optional
columns on the case) and as tables that link every case naming the same recruiter or agency,
across offices. Existing cases and visits are linked by `fieldcheck recruiters link`."""

import peewee
from playhouse.migrate import migrate

from fieldcheck.db import UTCDateTimeField


def upgrade(db, migrator):
    migrate(
        migrator.add_column("case", "recruiter_name", peewee.CharField(max_length=200, null=True)),
        migrator.add_column("case", "recruiter_phone", peewee.CharField(max_length=20, null=True)),
        migrator.add_column(
            "case", "recruiter_agency", peewee.CharField(max_length=200, null=True)
        ),
        migrator.add_column(
            "case", "recruiter_handle", peewee.CharField(max_length=100, null=True)
        ),
        migrator.add_column(
            "case", "recruiter_account", peewee.CharField(max_length=40, null=True)
        ),
    )

    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Case(Base):
        class Meta:
            table_name = "case"

    class Agency(Base):
        name = peewee.CharField(max_length=200)
        key = peewee.CharField(max_length=200, unique=True)
        created_at = UTCDateTimeField()

    class Recruiter(Base):
        name = peewee.CharField(max_length=200, null=True)
        created_at = UTCDateTimeField()
        merged_into = peewee.ForeignKeyField("self", null=True, on_delete="SET NULL")

    class RecruiterIdentifier(Base):
        recruiter = peewee.ForeignKeyField(Recruiter, on_delete="CASCADE")
        kind = peewee.CharField(max_length=12)
        value = peewee.CharField(max_length=420)
        written = peewee.CharField(max_length=420)
        created_at = UTCDateTimeField()

        class Meta:
            indexes = ((("kind", "value"), True),)

    class RecruiterLink(Base):
        case = peewee.ForeignKeyField(Case, on_delete="CASCADE", index=False)
        recruiter = peewee.ForeignKeyField(Recruiter, null=True, on_delete="CASCADE", index=False)
        agency = peewee.ForeignKeyField(Agency, null=True, on_delete="CASCADE")
        source = peewee.CharField(max_length=48)
        name = peewee.CharField(max_length=200, null=True)
        created_at = UTCDateTimeField()

        class Meta:
            indexes = ((("case", "source"), True), (("recruiter", "case"), False))

    db.create_tables([Agency, Recruiter, RecruiterIdentifier, RecruiterLink])
