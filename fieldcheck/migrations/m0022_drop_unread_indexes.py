"""Four indexes no query reads, written again for every row their tables take (as m0019).

- audit_event.at and audit_event.actor_id: the trail is read by subject (a case's history and
  its reads), by action (the statistics' returns) and by chain position (sealing, verifying),
  never by time or by actor alone; a submission records seven events. (Users are never deleted,
  so no ON DELETE SET NULL looks for an actor's events either.)
- sync_operation.record_id and sync_operation.author: the operation log is read by op id, its
  primary key, only; a record id is a random UUID, so every push wrote a hundred index pages
  scattered over the whole index for it.

Dropped if there: sync.store no longer declares its two, so a database whose sync tables were
made since (m0004 makes them as sync declares them) never had them.
"""

DROPPED = (
    "audit_event_at",
    "audit_event_actor_id",
    "sync_operation_record_id",
    "sync_operation_author",
)


def upgrade(db, migrator):
    for name in DROPPED:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
