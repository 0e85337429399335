"""An office's open cases by state and due date, in an index of them alone.

The desk's start page counts the cases waiting for a team and the open ones past their due date.
Through the (office, state, created_at) index it fetched every open case's row for its due date:
10 to 17 ms a start page at 100,000 cases. This index holds the open cases only (a tenth of
them, and fewer as cases close), with the due date, so both counts read it alone. Queries use it
when they write the same states as literals (fieldcheck.cases.query.OPEN_STATES_SQL): neither
database matches a partial index's WHERE against parameters.

The states are written out, not taken from case_states: a migration keeps the schema it made. A
test checks they are still case_states.OPEN_STATES, as the query writes them.
"""

PREDICATE = (
    "state IN ('referred', 'assigned', 'in_field', 'submitted', 'registry_check',"
    " 'under_review', 'returned')"
)


def upgrade(db, migrator):
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS case_open_due ON "case" (office_id, state, due_date)'
        f" WHERE {PREDICATE}"
    )
