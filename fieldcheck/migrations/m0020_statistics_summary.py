"""The statistics' summary (issue 17): counts by office, day or month, team, destination and
measure, rebuilt from the cases and read by the dashboard instead of them; and the row that says
when it was last rebuilt.

Follows migration 18 (seen before); migration 19 is another branch's."""

import peewee

from fieldcheck.db import UTCDateTimeField


def upgrade(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Office(Base):
        pass

    class StatisticsCount(Base):
        office = peewee.ForeignKeyField(Office, on_delete="CASCADE")
        grain = peewee.CharField(max_length=1)
        period = peewee.DateField()
        team = peewee.IntegerField(null=True)
        destination = peewee.CharField(max_length=2, null=True)
        measure = peewee.CharField(max_length=20)
        key = peewee.CharField(max_length=64, default="")
        count = peewee.IntegerField()

        class Meta:
            indexes = ((("office", "measure", "grain", "period"), False),)

    class StatisticsRefresh(Base):
        as_of = UTCDateTimeField()

    db.create_tables([StatisticsCount, StatisticsRefresh], safe=True)
