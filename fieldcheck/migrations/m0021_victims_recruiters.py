"""Repatriated victims' recruiters (issue 16): the bank account a record names, and the links
by which the recruiters and agencies a victim's record names join the network of the cases
that name them, whether or not the record matched a case.

Follows migration 19 (dropped prefix indexes). Records loaded before it are linked by
`fieldcheck recruiters link`."""

import peewee
from playhouse.migrate import migrate

from fieldcheck.db import UTCDateTimeField


def upgrade(db, migrator):
    migrate(
        migrator.add_column(
            "repatriated_victim",
            "recruiter_account",
            peewee.CharField(max_length=40, null=True),
        ),
    )

    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Agency(Base):
        pass

    class Recruiter(Base):
        pass

    class RepatriatedVictim(Base):
        pass

    class RecruiterVictimLink(Base):
        victim = peewee.ForeignKeyField(RepatriatedVictim, on_delete="CASCADE", unique=True)
        recruiter = peewee.ForeignKeyField(Recruiter, null=True, on_delete="CASCADE")
        agency = peewee.ForeignKeyField(Agency, null=True, on_delete="CASCADE")
        name = peewee.CharField(max_length=200, null=True)
        created_at = UTCDateTimeField()

    db.create_tables([RecruiterVictimLink])
