"""Reserved: this number belongs to a migration made on another branch at the same time as
migration 18 (issue 16). It changes nothing; it keeps the numbers without a gap until the
branches are merged, when the other branch's migration 17 replaces this file."""


def upgrade(db, migrator):
    """Nothing to do."""
