"""The case list filtered by one risk level and sorted by risk, read in order from an index.

Without it `?risk=low&sort=risk` walked the (office, risk_score) index from the highest score
down through every high and medium case (~100 ms with 100,000 cases). `id` ends the index so
that PostgreSQL reads the rows in the list's whole order (risk_score DESC, id DESC) as well.
"""

from playhouse.migrate import migrate


def upgrade(db, migrator):
    migrate(migrator.add_index("case", ("office_id", "risk_level", "risk_score", "id"), False))
