"""Seen before (issue 16): links between the same applicant's cases in different offices, the
national prevention list (daftar cegah) and its hits, and repatriated trafficking victims'
records with the files they came in; an index on the applicant's birth date, by which the same
person is looked for (with the name) in other offices' cases and victims' records.

Follows migration 17 (recruiters and agencies)."""

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

    class Office(Base):
        pass

    class Case(Base):
        class Meta:
            table_name = "case"

    class FieldReport(Base):
        pass

    class CaseLink(Base):
        case = peewee.ForeignKeyField(Case, on_delete="CASCADE")
        other = peewee.ForeignKeyField(Case, on_delete="CASCADE")
        matched_by = peewee.CharField(max_length=20)
        created_at = UTCDateTimeField()

        class Meta:
            indexes = ((("case", "other"), True),)

    class PreventionEntry(Base):
        name = peewee.CharField(max_length=200)
        nik = peewee.CharField(max_length=16, null=True, index=True)
        birth_date = peewee.DateField(null=True, index=True)
        authority = peewee.CharField(max_length=200)
        letter_number = peewee.CharField(max_length=100)
        reason = peewee.TextField()
        valid_from = peewee.DateField()
        valid_until = peewee.DateField()
        created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = UTCDateTimeField()
        updated_at = UTCDateTimeField()
        removed_at = UTCDateTimeField(null=True)

    class PreventionHit(Base):
        entry = peewee.ForeignKeyField(PreventionEntry)
        case = peewee.ForeignKeyField(Case, on_delete="CASCADE")
        source = peewee.CharField(max_length=8)
        subject = peewee.CharField(max_length=64)
        relation = peewee.CharField(max_length=20, null=True)
        matched_by = peewee.CharField(max_length=20)
        found_at = UTCDateTimeField()
        handled_at = UTCDateTimeField(null=True)
        handled_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        handled_note = peewee.TextField(default="")

        class Meta:
            indexes = ((("case", "entry", "subject"), True),)

    class RepatriationImport(Base):
        filename = peewee.CharField(max_length=120)
        source_agency = peewee.CharField(max_length=200)
        loaded_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        loaded_at = UTCDateTimeField()
        rows = peewee.IntegerField(default=0)
        matched = peewee.IntegerField(default=0)

    class RepatriatedVictim(Base):
        batch = peewee.ForeignKeyField(RepatriationImport, on_delete="CASCADE")
        line = peewee.IntegerField()
        office = peewee.ForeignKeyField(Office)
        name = peewee.CharField(max_length=200)
        nik = peewee.CharField(max_length=16, null=True, index=True)
        birth_date = peewee.DateField(null=True)
        sex = peewee.CharField(max_length=1, null=True)
        passport_number = peewee.CharField(max_length=20, null=True)
        application_number = peewee.CharField(max_length=40, null=True)
        returned_on = peewee.DateField()
        return_place = peewee.CharField(max_length=200, default="")
        destination_country = peewee.CharField(max_length=2, null=True)
        exploitation = peewee.TextField(default="[]")
        circumstances = peewee.TextField(default="")
        recruiter_name = peewee.CharField(max_length=200, null=True)
        recruiter_phone = peewee.CharField(max_length=20, null=True, index=True)
        recruiter_agency = peewee.CharField(max_length=200, null=True)
        recruiter_handle = peewee.CharField(max_length=200, null=True)
        case = peewee.ForeignKeyField(Case, null=True, on_delete="SET NULL")
        matched_by = peewee.CharField(max_length=20, null=True)
        report = peewee.ForeignKeyField(FieldReport, null=True, on_delete="SET NULL")
        review_state = peewee.CharField(max_length=8, null=True)
        reviewed_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        reviewed_at = UTCDateTimeField(null=True)
        review_note = peewee.TextField(default="")

        class Meta:
            indexes = ((("office", "returned_on"), False), (("office", "review_state"), False))

    db.create_tables(
        [CaseLink, PreventionEntry, PreventionHit, RepatriationImport, RepatriatedVictim]
    )
    migrate(migrator.add_index("case", ("birth_date",), False))
