"""Intake's answers to two questions the field asks too: how the job was offered and who pays
the passport and ticket (Case.job_offer_channel, Case.costs_paid_by).

Both optional, so existing cases have none: their risk is as it was until a field visit or
intake answers. Added in place as nullable columns (no table rebuild on SQLite).
"""

import peewee
from playhouse.migrate import migrate


def upgrade(db, migrator):
    migrate(
        migrator.add_column(
            "case", "job_offer_channel", peewee.CharField(max_length=20, null=True)
        ),
        migrator.add_column("case", "costs_paid_by", peewee.CharField(max_length=10, null=True)),
    )
