"""An office's teams version, which the database changes whenever one of its teams does.

The case list shows an office's teams (to filter by) on every page. Each app process keeps them
(fieldcheck.cases.query.office_teams) with the version they were read at, and the version
comes with the signed-in user's office, which every request reads anyway: the teams are asked
for again only when it differs. Triggers keep it, so no way of changing a team (the app, the
CLI, SQL by hand) can leave a process showing old teams. A change sets a random 63-bit number,
not the old one plus one, so that an office's id used again (a test database emptied, say)
never meets a version it had before with other teams.
"""

import peewee

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION office_teams_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    version bigint := floor(random() * 9007199254740991)::bigint + 1;
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE office SET teams_version = version WHERE id = NEW.office_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE office SET teams_version = version WHERE id = OLD.office_id;
    ELSE
        UPDATE office SET teams_version = version WHERE id IN (OLD.office_id, NEW.office_id);
    END IF;
    RETURN NULL;
END $$
"""

POSTGRES_TRIGGER = (
    "CREATE TRIGGER team_changed AFTER INSERT OR UPDATE OR DELETE ON team"
    " FOR EACH ROW EXECUTE FUNCTION office_teams_changed()"
)

# SQLite: one trigger a kind of change; abs(random()) is a random 63-bit number (or 2**63 - 1).
SQLITE_TRIGGERS = {
    "team_inserted": ("INSERT", "NEW.office_id"),
    "team_updated": ("UPDATE", "OLD.office_id, NEW.office_id"),
    "team_deleted": ("DELETE", "OLD.office_id"),
}


def upgrade(db, migrator):
    # Not migrator.add_column: on SQLite it would rebuild the table, and dropping the old office
    # table fails while teams and users refer to it. Both add a column with a default in place.
    db.execute_sql("ALTER TABLE office ADD COLUMN teams_version BIGINT NOT NULL DEFAULT 0")
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql(POSTGRES_FUNCTION)
        db.execute_sql(POSTGRES_TRIGGER)
        return
    for name, (event, offices) in SQLITE_TRIGGERS.items():
        bump = f"UPDATE office SET teams_version = abs(random()) WHERE id IN ({offices})"  # noqa: S608
        db.execute_sql(f"CREATE TRIGGER {name} AFTER {event} ON team BEGIN {bump}; END")
