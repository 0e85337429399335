"""Seven indexes that only cost writes: each is the first column of another index the database
uses for the same lookups (or, for field_visit.recruiter_phone, no longer looked up at all since
recruiters are found through recruiter_identifier, m0017).

A submission stores a visit, six family members and two registry questions and moves its case:
every index those rows carry is written again for each of them, so dropping these makes a push
cheaper without making any read slower (SQLite and PostgreSQL both search a composite index by
its leading column).
"""

from playhouse.migrate import migrate

DROPPED = (
    ("case", "case_office_id"),  # (office_id, ...) indexes: the lists, the due dates, the numbers
    ("case", "case_team_id"),  # (team_id, state)
    ("field_visit", "field_visit_case_id"),  # (case_id, received_at)
    ("field_visit", "field_visit_recruiter_phone"),  # not searched
    ("family_member", "family_member_visit_id"),  # (visit_id, uuid), unique
    ("registry_question", "registry_question_case_id"),  # (case_id, kind, subject), unique
    ("registry_question", "registry_question_status"),  # (status, created_at)
)


def upgrade(db, migrator):
    migrate(*(migrator.drop_index(table, name) for table, name in DROPPED))
