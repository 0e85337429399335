"""The audit events still to seal, found from an index of them alone.

Sealing asks for `chain_seq IS NULL ORDER BY id`: without this partial index PostgreSQL walked
the primary key through every sealed event first, so each seal took longer as the trail grew
(50 ms at 30,000 events). It is not declared on the model (peewee's model indexes have no
WHERE); the migrations are what make every FieldCheck database.
"""


def upgrade(db, migrator):
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS audit_event_unsealed ON audit_event (id)"
        " WHERE chain_seq IS NULL"
    )
